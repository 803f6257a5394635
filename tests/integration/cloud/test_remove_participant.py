"""The host removes a player in the cloud profile: every process and store follows.

The host asks one API process; the removed player's socket is held by the
other. The event goes through the notification worker and the Redis
fan-out, so that socket is told and closed; the player is gone from
DynamoDB's participants and count, from the Redis board and from the final
results the quiz-event worker writes to Aurora, and may not join again.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from quizcore.services import session_board
from tests.integration.cloud.harness import (
    CloudProcesses,
    Stores,
    final_results,
    new_session,
    play_over_http,
    wait_final,
    wait_scored,
)
from tests.integration.cloud.test_host_presence import open_screen

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


async def test_a_removed_player_is_gone_from_every_process_and_store(
    cloud: CloudProcesses, stores: Stores, api: httpx.AsyncClient
) -> None:
    second = cloud.base_urls[1]
    host, players = await new_session(api, "remove", 4)
    gone, *staying = players
    sid = host.session_id
    await play_over_http(api, host, players, 1)
    await wait_scored(stores, sid, players, 90)
    assert await stores.leaderboard.standing(session_board(sid), gone.user_id) is not None
    screen = await open_screen(second, sid, gone.token)
    watcher = await open_screen(second, sid, staying[0].token)
    try:
        removed = await api.delete(
            f"/v1/sessions/{sid}/participants/{gone.user_id}", headers=host.auth
        )
        told = await screen.next("participant.removed", within=60)
        seen = await watcher.next("participant.removed", within=60)
        async with asyncio.timeout(30):
            await screen.ws.wait_closed()
    finally:
        await screen.close()
        await watcher.close()

    assert removed.status_code == 204, removed.text
    assert told["user_id"] == gone.user_id and seen["user_id"] == gone.user_id
    assert told["participant_count"] == 3
    closed = screen.ws.close_code, screen.ws.close_reason
    assert closed == (4403, "removed by the host")
    assert await stores.sessions.get_participant(sid, gone.user_id) is None
    assert await stores.sessions.participant_count(sid) == 3
    assert await stores.leaderboard.standing(session_board(sid), gone.user_id) is None
    rejoin = await api.post(f"/v1/sessions/{sid}/participants", headers=gone.auth)
    assert rejoin.status_code == 403 and rejoin.json()["code"] == "forbidden", rejoin.text

    # The host's progress view reads the same stores: the removed player is not in it.
    progress = await api.get(f"/v1/sessions/{sid}/progress", headers=host.auth)
    assert progress.status_code == 200, progress.text
    items = progress.json()["items"]
    assert sorted(item["user_id"] for item in items) == sorted(p.user_id for p in staying)
    assert all(item["answered"] == 1 and item["reached"] >= 1 for item in items), items

    await host.act("finish")
    await wait_final(stores, sid, len(staying))
    finals = final_results(await stores.master.session_results(sid))
    assert set(finals) == {player.user_id for player in staying}
    finished = (await api.get(f"/v1/sessions/{sid}/progress", headers=host.auth)).json()
    assert finished["done_count"] == len(staying)

    # The reveal's grouped answers read the DynamoDB answers: the removed
    # player's "beta" is left out, the three others' "alpha" stays.
    results = (await api.get(f"/v1/sessions/{sid}/results", headers=host.auth)).json()
    first = results["questions"][0]["question_id"]
    grouped = await api.get(f"/v1/sessions/{sid}/questions/{first}/responses", headers=host.auth)
    assert grouped.status_code == 200, grouped.text
    assert grouped.json()["responses"] == [{"answer": "alpha", "count": 3, "correct": True}]
