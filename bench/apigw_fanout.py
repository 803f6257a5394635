"""An event to a room behind API Gateway: how long its posts take.

``@connections`` takes one frame per request, so the notification worker's
``ApiGatewayNotifier`` posts each event once per connection. This serves a
stand-in for the ``@connections`` endpoint in process (it answers every
post after ``--latency-ms``, as the real endpoint answers after its round
trip; moto answers far slower than either, one request at a time), registers
``--connections`` connections, and times one plain event and one
leaderboard board (each receiver's own standing spliced in) posted with the
notifier's concurrency against posting one at a time.

    python -m bench.apigw_fanout --connections 2000 --latency-ms 20
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import time
from typing import Any

import falcon
import falcon.asgi
import uvicorn
import uvloop

from adapters.aws_messaging.apigateway import (
    POST_CONCURRENCY,
    ApiGatewayConnections,
    ApiGatewayNotifier,
)
from adapters.aws_messaging.client import aws_client
from adapters.memory import MemoryLeaderboard
from bench._results import report
from quizcore.services import session_board

SESSION = "K7PQ2M"


class StandIn:
    """``POST /@connections/{id}``: answered after the latency, counted."""

    def __init__(self, latency_s: float) -> None:
        self.latency_s = latency_s
        self.posts = 0

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, connection_id: str
    ) -> None:
        await req.bounded_stream.read()
        await asyncio.sleep(self.latency_s)
        self.posts += 1
        resp.status = falcon.HTTP_200


class Registry:
    """Every connection registered, none expiring, none gone."""

    def __init__(self, connections: int) -> None:
        self.held = {f"conn-{n}": (f"user-{n}", 0.0) for n in range(connections)}

    async def holders(self, session_id: str) -> dict[str, tuple[str, float]]:
        return self.held

    async def remove(self, connection_id: str, session_id: str | None = None) -> None:
        self.held.pop(connection_id, None)

    async def opening(self, connection_id: str) -> bool:
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def run(connections: int, latency_ms: float) -> dict[str, Any]:
    """Serve the stand-in, post one event and one board at each concurrency."""
    # The stand-in checks no signature; botocore needs some credentials to sign.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    stand_in = StandIn(latency_ms / 1000)
    app = falcon.asgi.App()
    app.add_route("/@connections/{connection_id}", stand_in)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", backlog=4096)
    )
    serving = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.05)
    leaderboard = MemoryLeaderboard()
    for n in range(connections):
        await leaderboard.submit(session_board(SESSION), f"user-{n}", n, 1)
    figures: dict[str, Any] = {"connections": connections, "latency_ms": latency_ms}
    try:
        async with aws_client(
            "apigatewaymanagementapi", "eu-west-1", f"http://127.0.0.1:{port}"
        ) as client:
            for concurrency in (1, POST_CONCURRENCY):
                notifier = ApiGatewayNotifier(
                    ApiGatewayConnections(client),
                    Registry(connections),
                    leaderboard=leaderboard,
                    concurrency=concurrency,
                )
                for kind, event in (
                    ("event", {"type": "question.closed", "seq": 16, "question_id": "q1"}),
                    ("board", {"type": "leaderboard.updated", "seq": 32, "entries": []}),
                ):
                    before = stand_in.posts
                    started = time.perf_counter()
                    await notifier.deliver(SESSION, event, None)
                    took = time.perf_counter() - started
                    assert stand_in.posts - before == connections, "every connection posted"
                    figures[f"{kind}_s_at_{concurrency}"] = round(took, 2)
                    figures[f"{kind}_posts_per_s_at_{concurrency}"] = round(connections / took)
    finally:
        server.should_exit = True
        await serving
    return figures


def main() -> None:
    """Run, print the figures, and write them to bench/RESULTS.md unless told not to."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = parser.parse_args()
    figures = uvloop.run(run(args.connections, args.latency_ms))
    report(
        figures,
        name=f"apigw-fanout-{args.connections}",
        command=f"python -m bench.apigw_fanout --connections {args.connections} "
        f"--latency-ms {args.latency_ms:g}",
        note=" One event and one board posted to every connection, one at a time and "
        f"{POST_CONCURRENCY} at a time, against a stand-in answering each post after the latency.",
        write=not args.no_write,
        as_json=args.json,
        where="in process (the stand-in on the same event loop)",
    )


if __name__ == "__main__":
    main()
