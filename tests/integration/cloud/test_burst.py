"""A whole class answering one question at once, through both API processes.

200 players, spread over the two API processes, each POST their answer to
the same question at the same moment with ``Prefer: wait=5``. Every answer
must be accepted or scored, every one must end up scored exactly once, and
every store must hold exactly the scores the rules give. (How many came back
200 within the 5 s is printed, not asserted: that is a speed, measured by
``bench/cloud_wait.py``, not a rule.) Should the API answer 503 (a store
unreachable under the load), the player retries, and the retry gets its
first try's outcome: accepted or scored, never ``already_answered``.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import httpx
import pytest

from tests.integration.cloud.harness import (
    CloudProcesses,
    Player,
    Stores,
    assert_projections_match,
    current_question_id,
    new_session,
    wait_scored,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]

PLAYERS = 200


async def test_two_hundred_players_answering_at_once_are_each_scored_once(
    cloud: CloudProcesses, stores: Stores, api: httpx.AsyncClient
) -> None:
    host, players = await new_session(api, "burst", PLAYERS)
    session_id = host.session_id
    await host.act("start")
    question_id = await current_question_id(api, host)
    limits = httpx.Limits(max_connections=PLAYERS)
    clients = [
        httpx.AsyncClient(base_url=url, timeout=60, limits=limits) for url in cloud.base_urls
    ]
    statuses: Counter[str] = Counter()

    async def answer(number: int, player: Player) -> None:
        client = clients[number % len(clients)]
        submission = f"{player.name}-q0"
        player.sent[submission] = time.time()
        player.question_of[submission] = question_id
        for attempt in range(6):
            response = await client.post(
                f"/v1/sessions/{session_id}/answers",
                json={"question_id": question_id, "answer": "alpha", "submission_id": submission},
                headers={**player.auth, "Prefer": "wait=5"},
            )
            if response.status_code != 503:  # unavailable: retry, as the contract allows
                break
            await asyncio.sleep(0.2 * (attempt + 1))
        body = response.json()
        assert response.status_code in (200, 202), response.text
        assert body["submission_id"] == submission
        statuses[f"{response.status_code} {body['status']}"] += 1

    try:
        await asyncio.gather(*(answer(n, p) for n, p in enumerate(players)))
    finally:
        for client in clients:
            await client.aclose()
    print(f"\n{PLAYERS} answers at once with Prefer: wait=5: {dict(statuses)}")
    assert set(statuses) <= {"200 scored", "202 accepted"}

    await wait_scored(stores, session_id, players, 240)
    await cloud.wait_drained(stores.sqs)
    expected = await assert_projections_match(stores, session_id, players)
    assert len(expected.answers) == PLAYERS
    # Every answer was recorded under its own submission id, once.
    recorded = {answer.submission_id for answer in expected.answers}
    assert recorded == {f"{player.name}-q0" for player in players}
    assert all(score > 0 for score in expected.scores.values())
