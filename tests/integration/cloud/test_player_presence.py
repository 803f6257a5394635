"""Who is here, across API processes: the host's "N of M" and "everyone answered".

Each API process leases, in Redis, the players with a screen open on it;
the host's boards carry how many are here on any process, and the score
worker closes a question once everyone here answered it, not waiting for a
player who joined and never opened a screen (the embedded profile does the
same from its one hub).
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.integration.cloud.harness import (
    HTTP_QUIZ,
    CloudProcesses,
    Host,
    Player,
    answer_over_http,
    current_question_id,
    gather_limited,
    join,
)
from tests.integration.cloud.test_host_presence import Screen, open_screen

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


async def present_counts(screen: Screen, wanted: int, within: float = 30.0) -> int:
    """Wait for a board carrying ``present_count`` == ``wanted``; return it."""
    async with asyncio.timeout(within):
        while True:
            board = await screen.next("leaderboard.updated", within=within)
            if board.get("present_count") == wanted:
                return wanted


async def test_everyone_here_answering_closes_the_question_across_processes(
    cloud: CloudProcesses, api: httpx.AsyncClient
) -> None:
    first, second = cloud.base_urls[:2]
    host = Host(api)
    sid = await host.open_session(
        HTTP_QUIZ, seconds=120, name="here-host", close_when_all_answered=True
    )
    # The third joins and never opens a screen.
    ann, bob, _ = players = [Player(f"here-{name}") for name in ("ann", "bob", "absent")]
    await gather_limited([join(api, sid, player) for player in players], 3)
    host_screen = await open_screen(first, sid, host.token)
    screens: list[Screen] = []
    try:
        screens.append(await open_screen(first, sid, ann.token))
        screens.append(await open_screen(second, sid, bob.token))

        # The host's process hears of bob on the other one through the leases.
        assert await present_counts(host_screen, 2) == 2
        reloaded = await open_screen(first, sid, host.token)
        assert reloaded.snapshot.get("present_count") == 2
        await reloaded.close()

        await host.act("start")
        question = await current_question_id(api, host)
        for player in (ann, bob):
            await answer_over_http(api, sid, player, question, "alpha", f"{player.name}-q0")
        # 120 s to answer, yet it closes now: the third is not here.
        closed = await screens[0].next("question.closed", within=60)
        assert closed["question_id"] == question
        assert closed["answer_count"] == 2

        # The next question: ann answers, bob's screen closes without an
        # answer. Past his grace he is no longer counted, and the question
        # closes for want of anyone else to wait for.
        await host.act("next")
        second_question = await current_question_id(api, host)
        await answer_over_http(api, sid, ann, second_question, "alpha", f"{ann.name}-q1")
        await screens.pop().close()
        assert await present_counts(host_screen, 1) == 1
        closed = await screens[0].next("question.closed", within=30)
        assert closed["question_id"] == second_question
        assert closed["answer_count"] == 1
    finally:
        for screen in (host_screen, *screens):
            await screen.close()
