"""An API process killed mid-question loses no acknowledged answer.

30 players answer the same question through the second API process. Once
ten of them have their 202, that process is SIGKILLed with the rest in
flight. Every answer it acknowledged was on the answer stream before the
reply, so it must be scored; the others never got a reply, and their
players send the same submission again to the surviving process, as the
web client does. Whatever the dead process had already put on the stream
and the retry then puts again must count once. The expectations come from
the recorded answers (``assert_projections_match``), not from the replies.
"""

from __future__ import annotations

import asyncio
import time

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

PLAYERS = 30
ACKED_BEFORE_KILL = 10


async def test_an_api_process_killed_mid_question_loses_no_acknowledged_answer(
    cloud: CloudProcesses, stores: Stores, api: httpx.AsyncClient
) -> None:
    doomed = list(cloud.system.api_ports)[-1]
    assert doomed != "api", "the suite runs two API processes"
    host, players = await new_session(api, "apikill", PLAYERS)
    await host.act("start")
    question_id = await current_question_id(api, host)
    acknowledged: dict[str, int] = {}  # submission -> status, from whichever process
    unanswered: list[Player] = []
    enough = asyncio.Event()
    limits = httpx.Limits(max_connections=PLAYERS)

    async def send(client: httpx.AsyncClient, player: Player) -> bool:
        submission = f"{player.name}-q0"
        player.sent.setdefault(submission, time.time())
        player.question_of[submission] = question_id
        try:
            response = await client.post(
                f"/v1/sessions/{host.session_id}/answers",
                json={"question_id": question_id, "answer": "alpha", "submission_id": submission},
                headers=player.auth,
            )
        except httpx.TransportError:
            return False  # no reply: not acknowledged
        assert response.status_code in (200, 202), response.text
        assert response.json()["submission_id"] == submission
        acknowledged[submission] = response.status_code
        if len(acknowledged) >= ACKED_BEFORE_KILL:
            enough.set()
        return True

    try:
        async with (
            httpx.AsyncClient(
                base_url=cloud.base_urls[-1], timeout=30, limits=limits
            ) as doomed_api,
            httpx.AsyncClient(base_url=cloud.base_urls[0], timeout=30, limits=limits) as survivor,
        ):

            async def first_try(player: Player) -> None:
                if not await send(doomed_api, player):
                    unanswered.append(player)

            tries = asyncio.gather(*(first_try(player) for player in players))
            await asyncio.wait_for(enough.wait(), 60)
            cloud.kill(doomed)
            acked_by_the_dead = set(acknowledged)
            await tries
            print(
                f"\n{len(acked_by_the_dead)} acknowledged before the kill, "
                f"{PLAYERS - len(unanswered)} by the dead process in all, {len(unanswered)} retried"
            )
            for player in unanswered:
                assert await send(survivor, player)
            # A retry of an acknowledged answer gets its own submission back, counted once.
            assert await send(survivor, players[0])

        assert set(acknowledged) == {f"{player.name}-q0" for player in players}
        await wait_scored(stores, host.session_id, players, 120)
        await cloud.wait_drained(stores.sqs)
        expected = await assert_projections_match(stores, host.session_id, players)
        recorded = sorted(answer.submission_id for answer in expected.answers)
        assert recorded == sorted(f"{player.name}-q0" for player in players)  # each once
        assert acked_by_the_dead <= set(recorded)
    finally:
        if cloud.system.processes[doomed].poll() is not None:
            await asyncio.to_thread(cloud.restart, doomed, 90)
