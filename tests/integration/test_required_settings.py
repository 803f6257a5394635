"""A cloud deployable started without its required settings exits at once, naming them.

Each entry point runs as the process it is in production (``quiz``, gunicorn,
the ASGI module, the Flink job's ``main()``), with no ``QUIZ_*`` variable but
the profile: it must stop before opening anything, with one line on stderr
and a non-zero status, not a traceback. The test harness and ``make
run-cloud`` give every deployable what it requires.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from entrypoints.settings import DEPLOYABLES, Settings
from tests.integration.cloud.harness import CloudProcesses, unique_settings

REPO = Path(__file__).resolve().parents[2]
STORES = "QUIZ_AWS_REGION, QUIZ_POSTGRES_DSN, QUIZ_REDIS_URL"
QUIZ = [sys.executable, "-m", "entrypoints.cli.main"]
GUNICORN = [
    sys.executable,
    "-m",
    "gunicorn",
    "-c",
    "entrypoints/api/gunicorn_conf.py",
    "entrypoints.api.asgi:app",
]


def _run(command: list[str], tmp_path: Path, **quiz: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("QUIZ_")}
    env.update(QUIZ_DATA_DIR=str(tmp_path / "data"), **quiz)
    return subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _assert_refused(
    result: subprocess.CompletedProcess[str], deployable: str, variables: str
) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output, output
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith(f"quizcore {deployable} will not start: set {variables} "), output


@pytest.mark.parametrize(
    ("deployable", "command", "variables"),
    [
        ("api", [*QUIZ, "serve"], STORES),
        ("stream-processor", [*QUIZ, "stream-processor"], "QUIZ_AWS_REGION"),
        ("score-event", [*QUIZ, "worker", "score-event"], STORES),
        ("notification", [*QUIZ, "worker", "notification"], STORES),
        ("quiz-event", [*QUIZ, "worker", "quiz-event"], STORES),
    ],
)
def test_quiz_refuses_to_start_a_cloud_deployable_without_its_stores(
    deployable: str, command: list[str], variables: str, tmp_path: Path
) -> None:
    result = _run(command, tmp_path, QUIZ_PROFILE="cloud", QUIZ_DEV_AUTH="true")

    _assert_refused(result, deployable, variables)


def test_gunicorn_refuses_to_start_the_cloud_api_before_any_worker(tmp_path: Path) -> None:
    result = _run(
        GUNICORN,
        tmp_path,
        QUIZ_PROFILE="cloud",
        QUIZ_AWS_REGION="eu-west-1",
        QUIZ_POSTGRES_DSN="postgresql://nobody@127.0.0.1:1/none",
        QUIZ_REDIS_URL="redis://127.0.0.1:1/0",
    )

    # Dev auth is off in the cloud profile: the identity provider is required.
    _assert_refused(result, "api", "QUIZ_AUTH_ISSUER, QUIZ_AUTH_JWKS_URL")
    assert "Booting worker" not in result.stderr


def test_the_asgi_module_refuses_to_build_the_cloud_api(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "import entrypoints.api.asgi"]

    result = _run(command, tmp_path, QUIZ_PROFILE="cloud", QUIZ_DEV_AUTH="true")

    _assert_refused(result, "api", STORES)


def test_the_local_profile_imports_the_asgi_app_with_nothing_set(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "import entrypoints.api.asgi as m; print(type(m.app))"]

    result = _run(command, tmp_path, QUIZ_STORAGE="memory")

    assert result.returncode == 0, result.stderr
    assert "App" in result.stdout


def test_the_flink_job_refuses_to_start_without_its_region(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "from flink.job import main; main()"]

    result = _run(command, tmp_path, QUIZ_FLINK_PROPERTIES_FILE=str(tmp_path / "none.json"))

    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "the stream-processor job will not start: set QUIZ_AWS_REGION "
        "(environment or the 'quizcore' application property group)"
    )


def test_the_cloud_test_harness_gives_every_deployable_what_it_requires(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = unique_settings(
        "http://127.0.0.1:5000", "req", pg_dsn="postgresql://pg/test", redis_url="redis://r/0"
    )
    processes = CloudProcesses(settings, tmp_path)
    for name in [key for key in os.environ if key.startswith("QUIZ_")]:
        monkeypatch.delenv(name)
    for name, value in processes.env.items():
        if name.startswith("QUIZ_"):
            monkeypatch.setenv(name, value)

    started = Settings()

    assert started.postgres_dsn == "postgresql://pg/test"
    assert started.redis_url == "redis://r/0"
    for deployable in DEPLOYABLES:
        assert started.missing_for(deployable) == [], deployable
