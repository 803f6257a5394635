"""The host locks a session in the cloud profile: every process turns newcomers away.

The host locks through one API process; a player's socket on the other is
told through the notification worker and the Redis fan-out, and a newcomer
asking that other process to join is refused, as DynamoDB's state says.
"""

from __future__ import annotations

import httpx
import pytest

from tests.integration.cloud.harness import (
    CloudProcesses,
    Player,
    Stores,
    new_session,
    post,
    token,
)
from tests.integration.cloud.test_host_presence import open_screen

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


async def test_a_locked_session_turns_newcomers_away_on_every_process(
    cloud: CloudProcesses, stores: Stores, api: httpx.AsyncClient
) -> None:
    second = cloud.base_urls[1]
    host, (player,) = await new_session(api, "lock", 1)
    sid = host.session_id
    screen = await open_screen(second, sid, player.token)
    try:
        locked = await host.act("lock")
        told = await screen.next("session.locked", within=60)
    finally:
        await screen.close()

    async with httpx.AsyncClient(base_url=second, timeout=60) as other:
        newcomer = Player("lock-newcomer")
        newcomer.token, newcomer.user_id = await token(other, newcomer.name)
        refused = await post(other, f"/v1/sessions/{sid}/participants", headers=newcomer.auth)
        back = await post(other, f"/v1/sessions/{sid}/participants", headers=player.auth)
        await host.act("start")
        await host.act("unlock")
        late = await post(other, f"/v1/sessions/{sid}/participants", headers=newcomer.auth)

    assert locked["locked"] is True and told["type"] == "session.locked"
    assert refused.status_code == 409 and refused.json()["code"] == "session_locked", refused.text
    assert back.status_code == 200, "a player who joined may come back"
    assert late.status_code == 201, late.text
    state = await stores.sessions.get(sid)
    assert state is not None and state.locked is False
    assert await stores.sessions.get_participant(sid, newcomer.user_id) is not None
