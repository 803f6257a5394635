"""A class answering one question at once over HTTP, against ``make run-cloud``.

Each round opens a new live session, joins ``--players`` players (spread over
the API processes given with ``--url``), opens the first question and has
every player POST their answer at the same moment with ``Prefer: wait=5``,
as a client that wants its result in the reply does. It reports, per round,
how many replies came back ``200 scored`` within the wait and how many only
``202 accepted``, then checks through the API that every answer ends up
scored once (the host's results list each player's answers). Rounds follow
each other on the same system, so a store that slows down as it fills shows.

    make run-cloud                       # in another terminal
    python -m bench.cloud_wait --players 50 --rounds 3
    python -m bench.cloud_wait --players 200 --rounds 1
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._results import write_section  # noqa: E402
from tests.integration.cloud.harness import current_question_id, new_session  # noqa: E402

WAIT_S = 5


async def one_round(urls: list[str], players_count: int, number: int) -> dict[str, Any]:
    """Play one session's first question; return what the replies said."""
    limits = httpx.Limits(max_connections=players_count + 8)
    clients = [httpx.AsyncClient(base_url=url, timeout=60, limits=limits) for url in urls]
    try:
        host, players = await new_session(clients[0], f"wait{number}", players_count)
        await host.act("start")
        question_id = await current_question_id(clients[0], host)
        statuses: Counter[str] = Counter()
        took: list[float] = []

        async def answer(index: int) -> None:
            player = players[index]
            client = clients[index % len(clients)]
            began = time.perf_counter()
            response = await client.post(
                f"/v1/sessions/{host.session_id}/answers",
                json={
                    "question_id": question_id,
                    "answer": "alpha",
                    "submission_id": f"{player.name}-q0",
                },
                headers={**player.auth, "Prefer": f"wait={WAIT_S}"},
            )
            took.append(time.perf_counter() - began)
            status = response.json().get("status", response.json().get("code"))
            statuses[f"{response.status_code} {status}"] += 1

        await asyncio.gather(*(answer(n) for n in range(players_count)))
        await host.act("finish")
        scored = await scored_once(clients[0], host, players_count)
    finally:
        for client in clients:
            await client.aclose()
    took.sort()
    return {
        "statuses": dict(statuses),
        "slowest_reply_s": took[-1],
        "scored_once": scored,
    }


async def scored_once(client: httpx.AsyncClient, host: Any, players_count: int) -> str:
    """Wait until the results count every player's answer once; describe them."""
    deadline = time.monotonic() + 120
    counted = "no results"
    while time.monotonic() < deadline:
        response = await client.get(f"/v1/sessions/{host.session_id}/results", headers=host.auth)
        if response.status_code == 200:
            body = response.json()
            standings = body["standings"]
            answers = body["questions"][0]["answer_count"]
            correct = sum(int(entry["correct_count"]) for entry in standings)
            counted = f"{len(standings)} players, {answers} answers, {correct} correct"
            if answers == correct == players_count == len(standings):
                return f"yes ({counted})"
        await asyncio.sleep(0.5)
    return f"no ({counted} after 120 s)"


def report(rounds: list[dict[str, Any]], players: int, command: str) -> str:
    """Return the markdown section."""
    lines = [
        "## A class answering at once over HTTP with `Prefer: wait=5` (make run-cloud)",
        "",
        f"Run {time.strftime('%Y-%m-%d')}; command `{command}`, against `make run-cloud` "
        "(moto, the local PostgreSQL and Redis, every deployable its own process) on the "
        "same machine. Each round is a new session on the same system.",
        "",
        "| round | players | replies | slowest reply | every answer scored once? |",
        "| ---: | ---: | --- | ---: | --- |",
    ]
    for number, figures in enumerate(rounds, 1):
        replies = ", ".join(f"{count} x {status}" for status, count in figures["statuses"].items())
        lines.append(
            f"| {number} | {players} | {replies} | {figures['slowest_reply_s']:.2f} s "
            f"| {figures['scored_once']} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Run the rounds, print and record the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", action="append", help="an API process (repeat for several)")
    parser.add_argument("--players", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    urls = args.url or ["http://127.0.0.1:8000"]
    rounds = []
    for number in range(args.rounds):
        figures = asyncio.run(one_round(urls, args.players, number))
        print(f"round {number + 1}: {figures}")
        rounds.append(figures)
    command = "python -m bench.cloud_wait " + " ".join(sys.argv[1:])
    markdown = report(rounds, args.players, command.strip())
    print(markdown)
    if not args.no_write:
        write_section(f"cloud-wait-{args.players}", markdown)


if __name__ == "__main__":
    main()
