"""A real ``quiz serve`` and a headless Chromium for the web client's end-to-end suite.

The server runs as a subprocess on a free port with its own data directory (SQLite
storage) and serves the built client from ``web/dist``. Chromium is Debian's package:
Playwright's own browser download is not used.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[3]
WEB_DIST = ROOT / "web" / "dist"
OUTPUT = ROOT / "test-output" / "web"
# A classroom address for the public-URL server (never contacted by the tests).
PUBLIC_URL = "http://192.0.2.10:8000"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass(frozen=True)
class QuizServer:
    """A running ``quiz serve``."""

    base_url: str
    log: Path

    def token(self, name: str, device_key: str | None = None) -> tuple[str, str]:
        """Return a dev access token and user id (one per ``device_key``; new without one)."""
        body = {"name": name} if device_key is None else {"name": name, "device_key": device_key}
        response = httpx.post(f"{self.base_url}/v1/dev/token", json=body, timeout=10)
        response.raise_for_status()
        body = response.json()
        return body["access_token"], body["user_id"]

    def post(self, path: str, token: str, body: object | None = None) -> httpx.Response:
        """POST to an API path with a bearer token."""
        return httpx.post(
            f"{self.base_url}{path}",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )

    def get(self, path: str, token: str) -> httpx.Response:
        """GET an API path with a bearer token."""
        return httpx.get(
            f"{self.base_url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def page_identity(page: Any) -> tuple[str, str]:
    """Return the access token and user id a page signed in with (from its storage)."""
    stored = page.evaluate("JSON.parse(sessionStorage.getItem('quizcore.token') || 'null')")
    assert stored, "the page is not signed in"
    return str(stored["access_token"]), str(stored["user_id"])


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Return ``test-output/web`` (git-ignored), created on demand."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT


@contextmanager
def _serve(
    tmp_path_factory: pytest.TempPathFactory, output_dir: Path, **extra: str
) -> Iterator[QuizServer]:
    """Run ``quiz serve`` (local profile, dev auth, SQLite) until the block ends."""
    if not (WEB_DIST / "index.html").is_file():
        pytest.skip("web/dist is not built (cd web && npm ci && npm run build)")
    port = _free_port()
    data_dir = tmp_path_factory.mktemp("quiz-data")
    env = {key: value for key, value in os.environ.items() if not key.startswith("QUIZ_")}
    env.update(
        QUIZ_PROFILE="local",
        QUIZ_HOST="127.0.0.1",
        QUIZ_PORT=str(port),
        QUIZ_DATA_DIR=str(data_dir),
        QUIZ_STORAGE="sqlite",
        QUIZ_WEB_DIST=str(WEB_DIST),
        QUIZ_DEV_AUTH="true",
        QUIZ_LOG_LEVEL="WARNING",
        **extra,
    )
    log = output_dir / f"server-{port}.log"
    base_url = f"http://127.0.0.1:{port}"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli.main", "serve"],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"quiz serve exited with {process.returncode}:\n{_tail(log)}")
            try:
                if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"quiz serve was not ready within 30 s:\n{_tail(log)}")
            time.sleep(0.2)
        yield QuizServer(base_url=base_url, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def quiz_server(tmp_path_factory: pytest.TempPathFactory, output_dir: Path) -> Iterator[QuizServer]:
    """Start ``quiz serve`` (local profile, dev auth, SQLite) and wait until it is ready."""
    with _serve(tmp_path_factory, output_dir) as server:
        yield server


@pytest.fixture(scope="module")
def public_url_server(
    tmp_path_factory: pytest.TempPathFactory, output_dir: Path
) -> Iterator[QuizServer]:
    """Start ``quiz serve`` with a public URL (the address phones on a LAN would use)."""
    with _serve(tmp_path_factory, output_dir, QUIZ_PUBLIC_URL=PUBLIC_URL) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Launch the system Chromium headless through Playwright."""
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("no chromium on PATH (apt-get install -y chromium)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
