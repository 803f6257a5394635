"""No bearer token reaches the logs: a real server's output, grepped.

The server runs as its own process (``quiz serve``, or gunicorn with the
API's worker and an access log), logs at DEBUG so the WebSocket handshake
lines are written, and is driven over HTTP and WebSocket with the token in
the Authorization header and in the ``access_token`` query parameter.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from .conftest import free_port

pytestmark = pytest.mark.slow


def _environment(data_dir: Path, *, json_logs: bool) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("QUIZ_")}
    env.update(
        QUIZ_STORAGE="memory",
        QUIZ_DATA_DIR=str(data_dir),
        QUIZ_WEB_DIST=str(data_dir / "no-web"),
        QUIZ_LOG_LEVEL="DEBUG",
        QUIZ_LOG_JSON="true" if json_logs else "false",
        PYTHONUNBUFFERED="1",
    )
    return env


def _command(kind: str, port: int) -> list[str]:
    if kind == "quiz serve":
        return [sys.executable, "-m", "entrypoints.cli.main", "serve", "--port", str(port)]
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "entrypoints/api/gunicorn_conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--access-logfile",
        "-",
        "--log-level",
        "debug",
        "entrypoints.api.asgi:app",
    ]


async def _wait_healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(base_url=base, timeout=5) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError("the server exited at start")
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError("the server did not start within 60 s")


async def _drive(base: str) -> list[str]:
    """Use the API with tokens everywhere; return every token used."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        issued = await client.post("/v1/dev/token", json={"name": "logged"})
        assert issued.status_code == 200, issued.text
        token = issued.json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        forged = token[:-6] + "AAAAAA"
        assert (await client.get("/v1/users/me", headers=auth)).status_code == 200
        refused = await client.get("/v1/users/me", headers={"Authorization": f"Bearer {forged}"})
        assert refused.status_code == 401
        assert (await client.get(f"/v1/quizzes?access_token={token}")).status_code == 401
        created = await client.post(
            "/v1/sessions", headers=auth, json={"quiz_id": "everyday-verbs", "mode": "live"}
        )
        assert created.status_code == 201, created.text
        session_id = created.json()["session_id"]
    ws_base = base.replace("http", "ws", 1)
    async with websockets.connect(
        f"{ws_base}/v1/sessions/{session_id}/live?access_token={token}"
    ) as ws:
        await asyncio.wait_for(ws.recv(), 10)
    for url in (
        f"{ws_base}/v1/sessions/{session_id}/live?access_token={forged}",
        f"{ws_base}/v1/sessions/ZZZZZZ/live?since=1&access_token={token}",
    ):
        try:
            async with websockets.connect(url) as ws:
                while True:
                    await asyncio.wait_for(ws.recv(), 10)
        except (ConnectionClosed, InvalidStatus):
            pass
    return [token, forged]


@pytest.mark.parametrize(
    ("kind", "json_logs"),
    [("quiz serve", False), ("quiz serve", True), ("gunicorn", True)],
    ids=["serve-plain", "serve-json", "gunicorn-access-log"],
)
async def test_no_token_appears_in_the_server_s_logs(
    tmp_path: Path, repo_root: Path, kind: str, json_logs: bool
) -> None:
    port = free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(  # noqa: ASYNC220 (a server for the whole test)
            _command(kind, port),
            cwd=repo_root,
            env=_environment(tmp_path / "data", json_logs=json_logs),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            await _wait_healthy(base, process)
            tokens = await _drive(base)
            await asyncio.sleep(0.5)  # let the last lines reach the file
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    logged = log_path.read_text(encoding="utf-8", errors="replace")

    # The handshakes and requests were logged: the grep below can fail.
    assert "WebSocket" in logged or "websocket" in logged, logged[-3000:]
    assert "access_token=[redacted]" in logged, logged[-3000:]
    for token in tokens:
        for part in token.split("."):
            assert part not in logged, f"a token part reached the log: {part[:12]}..."
