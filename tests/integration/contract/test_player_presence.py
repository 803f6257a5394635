"""The players' presence in the cloud profile: leases renewed by each API process.

A player counts as here while a lease renewed for them has not run out;
several processes renewing the same player never shorten each other's
lease; a player the host removed is dropped at once. The factories give
leases of 1 s (``PLAYER_LEASES``), so lapses are quick to see.
"""

from __future__ import annotations

import asyncio
from typing import Any

SID = "K7PQ2M"
LAPSE = 1.2  # past a lease of 1 s


async def test_renewed_players_are_here_and_counted(player_presence: Any) -> None:
    here = await player_presence.renew(SID, {"ann", "bob"})

    assert here == {"ann", "bob"}
    assert await player_presence.connected(SID) == {"ann", "bob"}
    assert await player_presence.connected_count(SID) == 2
    assert await player_presence.connected("OTHER1") == set()
    assert await player_presence.connected_count("OTHER1") == 0


async def test_a_player_nobody_renews_lapses(player_presence: Any) -> None:
    await player_presence.renew(SID, {"ann", "bob"})  # both until 1 s
    await asyncio.sleep(0.5)
    await player_presence.renew(SID, {"ann"})  # bob's screen closed; ann until 1.5 s
    await asyncio.sleep(0.75)

    assert await player_presence.connected(SID) == {"ann"}
    assert await player_presence.connected_count(SID) == 1
    await asyncio.sleep(LAPSE)
    assert await player_presence.connected(SID) == set()


async def test_each_process_renews_its_own_players_into_one_count(player_presence: Any) -> None:
    # Two API processes: ann on the first, bob and cat on the second; an
    # empty renewal (a process with only the host's screen) reads the count.
    first = await player_presence.renew(SID, {"ann"})
    second = await player_presence.renew(SID, {"bob", "cat"})
    host_only = await player_presence.renew(SID, set())

    assert (first, second, host_only) == ({"ann"}, {"ann", "bob", "cat"}, {"ann", "bob", "cat"})


async def test_a_removed_player_is_dropped_at_once(player_presence: Any) -> None:
    await player_presence.renew(SID, {"ann", "bob"})

    here = await player_presence.renew(SID, set(), {"bob"})

    assert here == {"ann"}
    assert await player_presence.connected(SID) == {"ann"}


async def test_a_class_renews_in_one_call(player_presence: Any) -> None:
    players = {f"p{n:05d}" for n in range(1200)}  # more than one batch of the script

    assert await player_presence.renew(SID, players) == players
    assert await player_presence.connected(SID) == players
