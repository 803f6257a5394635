"""No production configuration turns dev tokens on, and the API would refuse it."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

import pytest
from infra_testlib import REPO_ROOT, TERRAFORM_DIR, pod_environment

from entrypoints.api.app import check_dev_auth
from entrypoints.settings import Settings

K8S_DIR = REPO_ROOT / "k8s"
ASSIGNMENT = re.compile(r"QUIZ_DEV_AUTH[\"']?\s*[:=]\s*[\"']?([\w$.{}-]*)", re.IGNORECASE)
FALSE = {"false", "0", "off", "no"}


def _files() -> list[Any]:
    found = [path for path in K8S_DIR.rglob("*") if path.is_file()]
    found += [path for path in TERRAFORM_DIR.rglob("*") if path.is_file()]
    return [path for path in found if ".terraform" not in path.parts]


def test_no_manifest_or_terraform_file_turns_dev_auth_on() -> None:
    assignments = []
    for path in _files():
        text = path.read_text(encoding="utf-8", errors="replace")
        assignments += [(path.name, value) for value in ASSIGNMENT.findall(text)]
        assert "dev_auth" not in text.lower().replace("quiz_dev_auth", ""), path

    # The base config sets it off explicitly; nothing sets it any other way.
    assert assignments, "k8s/base/config.yaml should turn dev auth off explicitly"
    assert all(value.lower() in FALSE for _, value in assignments), assignments


def test_the_prod_overlay_runs_with_quiz_env_prod_and_dev_auth_off(
    prod_manifests: list[dict[str, Any]],
    manifest_index: Callable[[str, str], dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = manifest_index("ConfigMap", "quizcore-config")["data"]
    deployments = [doc for doc in prod_manifests if doc["kind"] == "Deployment"]
    assert deployments
    for deployment in deployments:
        env = pod_environment(deployment, config)
        for name in [key for key in os.environ if key.startswith("QUIZ_")]:
            monkeypatch.delenv(name)
        settings = Settings(**{key[5:].lower(): value for key, value in env.items()})

        assert settings.production, deployment["metadata"]["name"]
        assert not settings.dev_auth_enabled, deployment["metadata"]["name"]
        check_dev_auth(settings)
        # And were someone to flip it on, the deployable would refuse to start.
        with pytest.raises(ValueError, match="QUIZ_DEV_AUTH"):
            check_dev_auth(settings.model_copy(update={"dev_auth": True}))
