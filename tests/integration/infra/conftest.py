"""Fixtures of the infrastructure tests: parsed terraform, settings, rendered k8s."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from infra_testlib import (
    K8S_DIR,
    MODULES_DIR,
    PROD_ENV_DIR,
    SAMPLE_DEPLOY_ENV,
    SAMPLE_RELEASE_ENV,
    blocks_of,
    load_hcl_dir,
    render_kustomization,
    write_env_file,
)


@pytest.fixture(scope="session")
def prod_env() -> dict[str, list[Any]]:
    """The parsed prod composition (all .tf files of envs/prod)."""
    parsed: dict[str, list[Any]] = load_hcl_dir(PROD_ENV_DIR)
    return parsed


@pytest.fixture(scope="session")
def modules() -> dict[str, dict[str, list[Any]]]:
    """Every module, parsed, by folder name."""
    folders = sorted(path for path in MODULES_DIR.iterdir() if path.is_dir())
    return {path.name: load_hcl_dir(path) for path in folders}


@pytest.fixture(scope="session")
def module_calls(prod_env: dict[str, list[Any]]) -> dict[str, dict[str, Any]]:
    """Return the prod module blocks by label; "module" names the source folder."""
    calls = {}
    for label, body in blocks_of(prod_env, "module").items():
        calls[label] = {**body, "module": Path(body["source"]).name}
    return calls


@pytest.fixture(scope="session")
def setting_defaults() -> dict[str, Any]:
    """Defaults of entrypoints.settings.Settings, independent of the environment."""
    from entrypoints.settings import Settings

    return {name: field.default for name, field in Settings.model_fields.items()}


@pytest.fixture(scope="session")
def prod_overlay_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of k8s/ whose prod overlay has the deploy-time env files."""
    root = tmp_path_factory.mktemp("k8s") / "k8s"
    shutil.copytree(K8S_DIR, root)
    overlay = root / "overlays" / "prod"
    write_env_file(overlay / "deploy.env", SAMPLE_DEPLOY_ENV)
    write_env_file(overlay / "release.env", SAMPLE_RELEASE_ENV)
    return overlay


@pytest.fixture(scope="session")
def prod_manifests(prod_overlay_dir: Path) -> list[dict[str, Any]]:
    """The rendered prod overlay (fresh copies per test must use copy.deepcopy)."""
    rendered: list[dict[str, Any]] = render_kustomization(prod_overlay_dir)
    return rendered


@pytest.fixture
def manifest_index(prod_manifests: list[dict[str, Any]]) -> Callable[[str, str], dict[str, Any]]:
    """Look up one rendered manifest by kind and name."""
    index = {(doc["kind"], doc["metadata"]["name"]): doc for doc in prod_manifests}

    def lookup(kind: str, name: str) -> dict[str, Any]:
        return copy.deepcopy(index[(kind, name)])

    return lookup
