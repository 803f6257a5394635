"""Players hear when the host's screen is gone, whichever API process held it.

The host's sockets are counted across both API processes (in Redis), and
``host.left`` / ``host.joined`` go out through the fan-out, numbered with
the session's other events: a host reloading onto the other process is not
gone, a host gone from both is, once, and is back once.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.integration.cloud.harness import CloudProcesses, new_session

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

# QUIZ_HOST_AWAY_SECONDS in the package's system (conftest.py), and a margin.
AWAY = 1.0
QUIET = AWAY + 2.0


class Screen:
    """One live socket and what it received, in order."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.events: list[dict[str, Any]] = []
        self.snapshot: dict[str, Any] = {}
        self._arrived = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                self.events.append(orjson.loads(raw))
                self._arrived.set()

    def of(self, kind: str) -> list[dict[str, Any]]:
        """Return the events of one type received so far."""
        return [event for event in self.events if event["type"] == kind]

    async def close(self) -> None:
        """Close the socket and stop reading."""
        await self.ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader

    async def next(self, kind: str, within: float = 15.0) -> dict[str, Any]:
        """Wait for the first event of ``kind`` not yet taken."""
        async with asyncio.timeout(within):
            while True:
                found = self.of(kind)
                if found:
                    event = found[0]
                    self.events.remove(event)
                    return event
                self._arrived.clear()
                await self._arrived.wait()


async def open_screen(base_url: str, session_id: str, token: str) -> Screen:
    """Open a live socket and take its snapshot (``Screen.snapshot``)."""
    url = base_url.replace("http", "ws", 1) + f"/v1/sessions/{session_id}/live?access_token={token}"
    opened = Screen(await connect(url, open_timeout=60, ping_interval=None))
    # As long as the connect may take: the stand-in for AWS answers one
    # request at a time, slowly when the whole suite runs beside it.
    opened.snapshot = await opened.next("session.snapshot", within=60)
    return opened


async def test_the_host_gone_from_every_process_is_announced_once_and_back_once(
    cloud: CloudProcesses, api: httpx.AsyncClient
) -> None:
    first, second = cloud.base_urls[:2]
    host, (ann,) = await new_session(api, "presence", 1)
    sid = host.session_id
    player = await open_screen(second, sid, ann.token)
    try:
        # The host's screen reloads onto the other process: not gone.
        on_first = await open_screen(first, sid, host.token)
        on_second = await open_screen(second, sid, host.token)
        await on_first.close()
        await asyncio.sleep(QUIET)
        while_reloaded = player.of("host.left")

        # Gone from both: players hear it once, and a screen opened now knows.
        await on_second.close()
        left = await player.next("host.left", within=QUIET + 10)
        late = await open_screen(first, sid, ann.token)
        await late.close()

        # Back, on either process: once.
        back = await open_screen(first, sid, host.token)
        joined = await player.next("host.joined")
        await asyncio.sleep(QUIET)
        await back.close()
    finally:
        await player.close()

    assert while_reloaded == [], "a host screen was open on the other process"
    assert late.snapshot["host_away"] is True
    assert back.snapshot["host_away"] is False, "the host's own screen: back"
    assert left["seq"] < joined["seq"]
    assert player.of("host.left") == [] and player.of("host.joined") == [], "once each"
