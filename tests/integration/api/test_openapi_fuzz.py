"""Schemathesis against the served OpenAPI document, every check on.

A real ``quiz serve`` (memory storage) serves ``/v1/openapi.json``; every
operation in it gets a bounded number of generated requests (valid and
invalid), each validated by all of schemathesis's checks: no 5xx, status
codes and bodies as documented, content types, headers, refusal of what the
document says is invalid, acceptance of what it says is valid, and
authentication enforced.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import free_port

pytestmark = pytest.mark.slow

EXAMPLES = 8


@pytest.fixture(scope="module")
def served_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Serve the API in its own process; yield its URL and a bearer token."""
    repo_root = Path(__file__).resolve().parents[3]
    data_dir = tmp_path_factory.mktemp("fuzz")
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("QUIZ_")}
    env.update(
        QUIZ_STORAGE="memory",
        QUIZ_DATA_DIR=str(data_dir),
        QUIZ_WEB_DIST=str(data_dir / "no-web"),
        QUIZ_LOG_LEVEL="WARNING",
        # The fuzzer writes far faster than a person: keep it under the limits.
        QUIZ_WRITE_BURST="1000000",
        QUIZ_QUIZ_CREATE_BURST="1000000",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli.main", "serve", "--port", str(port)],
        cwd=repo_root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "the server exited at start"
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not start within 60 s"
            time.sleep(0.2)
        issued = httpx.post(f"{base}/v1/dev/token", json={"name": "fuzzer"}, timeout=10)
        yield base, issued.json()["access_token"]
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_every_operation_matches_the_openapi_document(
    served_api: tuple[str, str], tmp_path: Path
) -> None:
    base, token = served_api
    # Every phase (examples, coverage, fuzzing, stateful), every check, a
    # fixed seed and a bounded number of examples per operation. All but
    # one check: ``use_after_free`` wants a deleted quiz gone, while
    # docs/API.md keeps it readable by id (sessions made from it play on).
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{base}/v1/openapi.json",
        "--checks",
        "all",
        "--exclude-checks",
        "use_after_free",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        "20261205",
        "--header",
        f"Authorization: Bearer {token}",
        "--no-color",
        "--report-dir",
        str(tmp_path),
    ]
    repo_root = Path(__file__).resolve().parents[3]
    env = {
        **os.environ,
        "PYTHONPATH": str(repo_root),
        "SCHEMATHESIS_HOOKS": "tests.integration.api.schemathesis_hooks",
    }
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env, check=False
    )

    summary = result.stdout[-6000:]
    assert result.returncode == 0, summary
    assert "API Operations" in result.stdout and "Selected:" in result.stdout, summary
