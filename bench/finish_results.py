"""A room reading its results at the finish: every phone at once.

When a live session finishes, every phone reads ``GET
/v1/sessions/{id}/results`` (the web client's podium, its own standing,
its answers). This plays a session in process (``bench/_embedded.py``:
SQLite, the hub, sockets stood in), finishes it, then has every player read
the results at once through the ASGI app, as one burst, with and without
``?limit=10`` (the phone's top ten; ``me`` and ``my_answers`` are the
reader's either way). Prints the CPU and wall time of the burst, per read,
and the bytes of one read.

    python -m bench.finish_results --players 1000 --questions 5
    python -m bench.finish_results --players 10000 --questions 3
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import uvloop

from bench._embedded import Lobby, lobby
from bench._results import report


async def _burst(room: Lobby, query: str) -> dict[str, Any]:
    """Every player reads the results at once; return the burst's figures."""
    path = f"/v1/sessions/{room.session_id}/results{query}"

    async def read(token: str) -> int:
        reply = await room.conductor.simulate_get(
            path, headers={"Authorization": f"Bearer {token}"}
        )
        assert reply.status_code == 200, reply.text
        return len(reply.content)

    started, cpu = time.perf_counter(), time.process_time()
    sizes = await asyncio.gather(*(read(token) for token, _ in room.players))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    reads = len(sizes)
    return {
        "reads": reads,
        "burst_ms": wall * 1e3,
        "cpu_us_per_read": cpu / reads * 1e6,
        "kib_per_read": round(max(sizes) / 1024, 1),
    }


async def run(players: int, questions: int) -> dict[str, Any]:
    """Play, finish, and time the room's reads of the results."""
    async with lobby(players, questions) as room:
        await room.host_does("start")
        for index in range(questions):
            await room.answer_all(index, "right" if index % 2 == 0 else "wrong")
            await room.drain()
            await room.host_does("next" if index + 1 < questions else "finish")
        await room.drain()
        figures: dict[str, Any] = {"players": players, "questions": questions}
        for label, query in (("all", ""), ("top10", "?limit=10")):
            for key, value in (await _burst(room, query)).items():
                figures[f"{label}_{key}"] = value
    return figures


def main() -> None:
    """Run, print the figures, and write them to bench/RESULTS.md unless told not to."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = parser.parse_args()
    figures = uvloop.run(run(args.players, args.questions))
    report(
        figures,
        name=f"finish-results-{args.players}",
        command=f"python -m bench.finish_results --players {args.players} "
        f"--questions {args.questions}",
        note=" Every player reads the results at once after the finish.",
        write=not args.no_write,
        as_json=args.json,
        where="in process (no sockets)",
    )


if __name__ == "__main__":
    main()
