"""The live channel's floor: the same server stack with no quiz behind it.

Serves one WebSocket route on the stack ``quiz serve`` uses (uvicorn with
uvloop and the sans-I/O websockets protocol, no compression, Falcon ASGI)
where each message is answered at once with a frame of an ``answer.result``'s
size, and ``POST /go`` sends every socket a ``question.opened``-sized frame.
The load generator (``bench/loadgen/live.mjs --floor``) plays the live
benchmark's pattern against it: P sockets, every one answering the moment
the frame arrives. What it measures is what no scoring code can beat on this
machine: receiving P frames, sending 2P, and the kernel's loopback work.

With ``--contract`` each answer also gets the frames the contract sends for
it: a ``leaderboard.updated`` with the top ten and the receiver's own
standing (the product sends about one per player per question), and, once
every player answered, a ``question.closed`` to every socket. One frame in
and four out per answer: what the live channel's frames cost on this stack
before any quiz work.

``--server`` swaps the termination for the comparison: granian, or
uvicorn's other WebSocket protocols (``uvicorn-websockets``,
``uvicorn-wsproto``).

    python -m bench.ws_floor --players 1000 --rounds 10 [--contract]
    python -m bench.ws_floor --players 1000 --rounds 10 --contract --server uvicorn-wsproto
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._results import report  # noqa: E402
from bench.live import LOADGEN, _cpu_s, _free_port, _loadgen_ready  # noqa: E402

OPENED = orjson.dumps(
    {
        "type": "question.opened",
        "seq": 1_000_000_000,
        "question_id": "q1",
        "index": 0,
        "prompt": "Question 0",
        "kind": "choice",
        "choices": ["alpha", "beta", "gamma", "delta"],
        "opens_at": 1_700_000_000_000,
        "closes_at": 1_700_000_020_000,
    }
).decode()

CLOSED = orjson.dumps(
    {
        "type": "question.closed",
        "seq": 1_000_000_002,
        "question_id": "q1",
        "correct_answer": "alpha",
        "stats": {"answers": 1000, "correct": 1000, "correct_share": 1.0},
    }
).decode()
TOP = [
    {"rank": rank, "user_id": f"dev-{rank:020d}", "display_name": f"Player {rank}", "score": 1000}
    for rank in range(1, 11)
]


def board_frame(user: str, answered: int) -> str:
    """Return a ``leaderboard.updated`` frame as the product sends it: the top and ``me``."""
    return orjson.dumps(
        {
            "type": "leaderboard.updated",
            "seq": 1_000_000_003 + answered,
            "session_id": "ABCDEF",
            "version": answered,
            "participant_count": 1000,
            "answered": answered,
            "entries": TOP,
            "me": {"rank": 1, "score": 1000, "user_id": user},
        }
    ).decode()


# Set (to the number of players) for the server process in ``--contract`` mode.
CONTRACT_ENV = "FLOOR_CONTRACT_PLAYERS"


def build_app() -> Any:
    """Return the floor's ASGI app (with the contract's frames if ``CONTRACT_ENV`` is set)."""
    import falcon.asgi

    players = int(os.environ.get(CONTRACT_ENV, "0"))
    contract = players > 0
    sockets: set[Any] = set()
    answered = [0]

    class Floor:
        async def on_websocket(self, req: Any, ws: Any) -> None:
            await ws.accept()
            sockets.add(ws)
            try:
                while True:
                    message = orjson.loads(await ws.receive_text())
                    reply = {
                        "type": "answer.result",
                        "seq": 1_000_000_001,
                        "submission_id": message.get("submission_id"),
                        "status": "scored",
                        "question_id": message.get("question_id"),
                        "correct": True,
                        "points": 1000,
                        "streak": 0,
                        "score": 1000,
                        "rank": 1,
                    }
                    await ws.send_text(orjson.dumps(reply).decode())
                    if contract:
                        answered[0] += 1
                        await ws.send_text(
                            board_frame(str(message.get("submission_id")), answered[0])
                        )
                        if answered[0] % players == 0:
                            for other in list(sockets):
                                await other.send_text(CLOSED)
            except falcon.WebSocketDisconnected:
                pass
            finally:
                sockets.discard(ws)

    class Go:
        async def on_post(self, req: Any, resp: Any) -> None:
            for ws in list(sockets):
                try:
                    await ws.send_text(OPENED)
                except falcon.WebSocketDisconnected:
                    sockets.discard(ws)
            resp.media = {"sockets": len(sockets)}

    app = falcon.asgi.App()
    app.ws_options.max_receive_queue = 0
    app.add_route("/floor", Floor())
    app.add_route("/go", Go())
    return app


# uvicorn's WebSocket protocols: ``quiz serve`` runs the sans-I/O one.
UVICORN_WS = {
    "uvicorn": "websockets-sansio",
    "uvicorn-websockets": "websockets",
    "uvicorn-wsproto": "wsproto",
}


def serve(port: int, server: str) -> None:
    """Serve the floor app with the settings ``quiz serve`` uses, on ``server``."""
    if server == "granian":
        from granian import Granian

        Granian(
            "bench.ws_floor:build_app",
            factory=True,
            interface="asgi",
            address="127.0.0.1",
            port=port,
            workers=1,
            loop="uvloop",
            websockets=True,
            backlog=4096,
            log_level="warning",
        ).serve()
        return
    import uvicorn

    uvicorn.run(
        build_app(),
        host="127.0.0.1",
        port=port,
        ws=UVICORN_WS[server],
        log_level="warning",
        access_log=False,
        ws_per_message_deflate=False,
        backlog=4096,
    )


async def _listening(port: int, server: subprocess.Popen[bytes], within: float = 60.0) -> None:
    """Wait until the server accepts connections (a loaded machine starts it slowly)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"the floor server exited ({server.returncode})") from None
            if loop.time() > deadline:
                raise SystemExit(f"the floor server did not listen within {within:.0f} s") from None
            await asyncio.sleep(0.1)
        else:
            writer.close()
            await writer.wait_closed()
            return


async def measure(
    players: int, rounds: int, server_name: str, contract: bool = False
) -> dict[str, Any]:
    """Run the floor server and the load generator; return the figures."""
    _loadgen_ready()
    port = _free_port()
    env = {**os.environ, CONTRACT_ENV: str(players if contract else 0)}
    server = subprocess.Popen(  # noqa: ASYNC220 - started once, before any load
        [sys.executable, "-m", "bench.ws_floor", "--serve", str(port), "--server", server_name],
        cwd=ROOT,
        env=env,
    )
    try:
        await _listening(port, server)
        cpu_before = _cpu_s(server.pid)
        loadgen = await asyncio.create_subprocess_exec(
            "node",
            str(LOADGEN / "live.mjs"),
            "--floor",
            "--base",
            f"http://127.0.0.1:{port}",
            "--players",
            str(players),
            "--questions",
            str(rounds),
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await loadgen.communicate()
        if loadgen.returncode != 0:
            raise SystemExit(f"load generator failed ({loadgen.returncode})")
        figures: dict[str, Any] = orjson.loads(out.splitlines()[-1])
        figures["server_cpu_s"] = _cpu_s(server.pid) - cpu_before
        answered = figures["answers_scored"]
        figures["server_cpu_us_per_answer"] = (
            figures["server_cpu_s"] / answered * 1e6 if answered else float("nan")
        )
        return figures
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--players", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--server",
        choices=[*UVICORN_WS, "granian"],
        default="uvicorn",
        help="the ASGI server to terminate the sockets",
    )
    parser.add_argument(
        "--contract",
        action="store_true",
        help="also send each answer's board and each round's question.closed",
    )
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.server)
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    figures = asyncio.run(measure(args.players, args.rounds, args.server, args.contract))
    suffix = ("" if args.server == "uvicorn" else f"-{args.server}") + (
        "-contract" if args.contract else ""
    )
    report(
        figures,
        name=f"ws-floor-{args.players}{suffix}",
        command=f"python -m bench.ws_floor --players {args.players} --rounds {args.rounds}"
        + ("" if args.server == "uvicorn" else f" --server {args.server}")
        + (" --contract" if args.contract else ""),
        note=" The server stack alone: each answer is answered at once, no quiz, no storage.",
        write=not args.no_write,
        as_json=args.json,
    )


if __name__ == "__main__":
    main()
