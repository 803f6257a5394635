"""HostPresence: whether the host has a screen open, on any process.

``sibling()`` is the same presence as another API process sees it: its own
sockets, the same marks. Each change (away, back) is decided for one caller.
"""

from __future__ import annotations

import asyncio
from typing import Any

SID = "K7PQ2M"


async def test_a_host_with_no_screen_open_is_marked_away_once(host_presence: Any) -> None:
    assert await host_presence.arrived(SID) is False, "never away: nobody to tell"
    await host_presence.departed(SID)

    assert await host_presence.mark_away(SID) is True
    assert await host_presence.mark_away(SID) is False, "players were told already"
    assert await host_presence.is_away(SID) is True


async def test_a_host_still_on_screen_is_not_marked_away(host_presence: Any) -> None:
    await host_presence.arrived(SID)
    await host_presence.arrived(SID)  # a second tab
    await host_presence.departed(SID)

    assert await host_presence.mark_away(SID) is False
    assert await host_presence.is_away(SID) is False


async def test_a_screen_open_on_another_process_keeps_the_host_present(
    host_presence: Any,
) -> None:
    other = host_presence.sibling()
    await host_presence.arrived(SID)
    await other.arrived(SID)  # reloaded onto the other process before this one's closed
    await host_presence.departed(SID)

    assert await host_presence.mark_away(SID) is False
    await other.departed(SID)
    assert await host_presence.mark_away(SID) is True


async def test_the_host_coming_back_anywhere_is_announced_once(host_presence: Any) -> None:
    other = host_presence.sibling()
    await host_presence.arrived(SID)
    await host_presence.departed(SID)
    await host_presence.mark_away(SID)

    assert await other.arrived(SID) is True, "players were told the host left"
    assert await host_presence.arrived(SID) is False, "told once"
    assert await host_presence.is_away(SID) is False


async def test_of_processes_deciding_at_once_one_marks_the_host_away(
    host_presence: Any,
) -> None:
    processes = [host_presence, *(host_presence.sibling() for _ in range(7))]
    for process in processes:
        await process.arrived(SID)
        await process.departed(SID)

    marked = await asyncio.gather(*(process.mark_away(SID) for process in processes))

    assert sorted(marked) == [False] * 7 + [True]


async def test_a_socket_closed_twice_does_not_hide_another(host_presence: Any) -> None:
    other = host_presence.sibling()
    await other.arrived(SID)
    await host_presence.departed(SID)  # this process had none open
    await host_presence.departed(SID)

    assert await host_presence.mark_away(SID) is False, "the other process's screen is open"


async def test_sessions_are_apart(host_presence: Any) -> None:
    await host_presence.arrived("OTHER1")
    await host_presence.arrived(SID)
    await host_presence.departed(SID)

    assert await host_presence.mark_away(SID) is True
    assert await host_presence.is_away("OTHER1") is False
    assert await host_presence.mark_away("OTHER1") is False


async def test_a_relayed_connection_keeps_the_host_present_until_it_closes(
    host_presence: Any,
) -> None:
    # API Gateway holds the host's screen: no process has a socket open.
    assert await host_presence.relayed(SID, "conn-h") is False
    await host_presence.relayed(SID, "conn-h")  # counted again: still one

    assert await host_presence.mark_away(SID) is False
    assert await host_presence.sibling().mark_away(SID) is False, "on any process"
    assert await host_presence.sibling().unrelayed("conn-h") == SID
    assert await host_presence.unrelayed("conn-h") is None, "forgotten once"
    assert await host_presence.mark_away(SID) is True


async def test_a_relayed_connection_and_a_socket_count_together(host_presence: Any) -> None:
    await host_presence.arrived(SID)
    await host_presence.relayed(SID, "conn-h")
    await host_presence.departed(SID)

    assert await host_presence.mark_away(SID) is False, "the relayed screen is open"
    await host_presence.unrelayed("conn-h")
    assert await host_presence.mark_away(SID) is True


async def test_the_host_back_through_a_relay_is_announced_once(host_presence: Any) -> None:
    await host_presence.relayed(SID, "conn-1")
    await host_presence.unrelayed("conn-1")
    await host_presence.mark_away(SID)

    assert await host_presence.relayed(SID, "conn-2") is True, "players were told the host left"
    assert await host_presence.sibling().arrived(SID) is False, "told once"
    assert await host_presence.is_away(SID) is False


async def test_a_connection_never_relayed_is_not_forgotten(host_presence: Any) -> None:
    await host_presence.relayed("OTHER1", "conn-h")

    assert await host_presence.unrelayed("conn-p") is None, "a player's, say"
    assert await host_presence.mark_away("OTHER1") is False
    assert await host_presence.mark_away(SID) is True, "sessions are apart"
