"""`make run` installs the base dependencies only: the local profile serves without the cloud's.

The test environment has every extra installed, so an import of a cloud
package on the local profile's path (botocore through API Gateway's
adapter, say) would pass every other test and break `make run` on a fresh
machine. Here the server runs with the cloud, Flink and benchmark extras
made unimportable, and must serve.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[3]

# The top-level modules of pyproject.toml's extras (cloud, flink, bench).
EXTRAS = (
    "aiobotocore",
    "botocore",
    "boto3",
    "asyncpg",
    "redis",
    "firebase_admin",
    "ddtrace",
    "gunicorn",
    "uvicorn_worker",
    "tenacity",
    "datadog",
    "pyflink",
    "granian",
)

SERVE_WITHOUT_EXTRAS = f"""
import importlib.abc, runpy, sys

class NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {EXTRAS!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}} (not in the base install)")
        return None

sys.meta_path.insert(0, NotInstalled())
sys.argv = ["quiz", "serve"]
runpy.run_module("entrypoints.cli.main", run_name="__main__")
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_local_profile_serves_without_the_extras(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "QUIZ_PORT": str(port),
        "QUIZ_DATA_DIR": str(tmp_path),
        "QUIZ_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-c", SERVE_WITHOUT_EXTRAS],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        ready = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert server.poll() is None, server.communicate()[0].decode()[-3000:]
        assert ready is not None and ready.status_code == 200
        token = httpx.post(f"http://127.0.0.1:{port}/v1/dev/token", json={"name": "Ana"})
        assert token.status_code == 200, token.text
    finally:
        server.terminate()
        server.wait(timeout=20)
