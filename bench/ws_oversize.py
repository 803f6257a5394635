"""Server memory while sockets send frames far over the message limit.

Starts ``quiz serve`` (memory storage), opens ``--sockets`` live sockets for
one session and sends a ``--mb`` MB text frame on each at once, then prints
the server's resident memory before and after. With the limit enforced by
the WebSocket protocol from the frame header, the payload is never
buffered and RSS stays flat.

    python -m bench.ws_oversize --sockets 20 --mb 15
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import websockets
from websockets.exceptions import ConnectionClosed


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _run(sockets: int, megabytes: int) -> None:
    port = _free_port()
    data_dir = tempfile.mkdtemp(prefix="ws-oversize-")
    env = {key: value for key, value in os.environ.items() if not key.startswith("QUIZ_")}
    env.update(
        QUIZ_STORAGE="memory",
        QUIZ_DATA_DIR=data_dir,
        QUIZ_WS_MAX_SOCKETS_PER_USER=str(sockets),
        QUIZ_LOG_LEVEL="WARNING",
    )
    command = [sys.executable, "-m", "entrypoints.cli.main", "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)  # noqa: ASYNC220
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            for _ in range(300):
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
            token = (await client.post("/v1/dev/token", json={"name": "bench"})).json()[
                "access_token"
            ]
            auth = {"Authorization": f"Bearer {token}"}
            created = await client.post(
                "/v1/sessions", headers=auth, json={"quiz_id": "everyday-verbs"}
            )
            session_id = created.json()["session_id"]
        before = _rss_mb(server.pid)
        url = f"ws://127.0.0.1:{port}/v1/sessions/{session_id}/live?access_token={token}"
        frame = "x" * (megabytes * 1024 * 1024)
        codes: list[int | None] = []

        async def one() -> None:
            async with websockets.connect(url, max_size=None) as ws:
                await ws.recv()
                try:
                    await ws.send(frame)
                    while True:
                        await asyncio.wait_for(ws.recv(), 10)
                except ConnectionClosed:
                    pass
                except TimeoutError:
                    pass  # read and answered, the socket left open (no limit)
                received = ws.protocol.close_rcvd
                codes.append(received.code if received else None)

        started = time.monotonic()
        peak = before
        sending = asyncio.gather(*(one() for _ in range(sockets)))
        while not sending.done():
            peak = max(peak, _rss_mb(server.pid))
            await asyncio.sleep(0.05)
        await sending
        after = _rss_mb(server.pid)
        print(
            f"{sockets} sockets x {megabytes} MB frames: server RSS {before:.0f} MB -> "
            f"{after:.0f} MB ({after - before:+.0f} MB), peak {peak:.0f} MB; "
            f"close codes {sorted(set(codes), key=str)}; "
            f"{time.monotonic() - started:.1f} s"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    """Parse the options and run the measurement."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sockets", type=int, default=20)
    parser.add_argument("--mb", type=int, default=15)
    args = parser.parse_args()
    asyncio.run(_run(args.sockets, args.mb))


if __name__ == "__main__":
    main()
