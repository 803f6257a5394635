"""A cloud API process renews its players' leases and tells its host the count."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from adapters.memory import MemoryLeaderboard, MemorySessionStore
from adapters.memory.presence import MemoryHostPresence, MemoryPlayerPresence
from adapters.websocket_hub import WebSocketHub
from entrypoints.cloud import CloudPipeline
from quizcore.services import session_board


class Fanned:
    """The fan-out, recording what this process published to one user."""

    def __init__(self) -> None:
        self.to_users: list[tuple[str, str, dict[str, Any]]] = []
        self.published: list[tuple[str, dict[str, Any]]] = []

    async def publish(self, session_id: str, event: dict[str, Any]) -> dict[str, Any]:
        self.published.append((session_id, event))
        return event

    async def to_user(self, session_id: str, user_id: str, event: dict[str, Any]) -> dict[str, Any]:
        self.to_users.append((session_id, user_id, event))
        return event


class Failing(MemoryPlayerPresence):
    """Leases of one session that Redis cannot renew."""

    async def renew(self, session_id: str, players: Any, removed: Any = ()) -> int:
        if session_id == "BROKEN":
            raise ConnectionError("redis went away")
        return await super().renew(session_id, players, removed)


async def pipeline(presence: MemoryPlayerPresence) -> tuple[CloudPipeline, WebSocketHub, Fanned]:
    leaderboard = MemoryLeaderboard()
    for player in ("ann", "bob"):
        await leaderboard.submit(session_board("ROOM22"), player, 0, 0)
    hub = WebSocketHub(
        leaderboard=leaderboard, sessions=MemorySessionStore(), numbers_events=False, seq_step=16
    )
    fanned = Fanned()
    cloud = CloudPipeline(
        publisher=None,  # type: ignore[arg-type]
        fanout=fanned,  # type: ignore[arg-type]
        hub=hub,
        host_presence=MemoryHostPresence(),  # type: ignore[arg-type]
        presence=presence,  # type: ignore[arg-type]
    )
    return cloud, hub, fanned


async def test_the_host_here_is_sent_a_board_when_the_count_changes_and_only_then() -> None:
    presence = MemoryPlayerPresence()
    cloud, hub, fanned = await pipeline(presence)
    hub.connect("ROOM22", "host", spectator=True)
    hub.connect("ROOM22", "ann")
    await presence.renew("ROOM22", {"bob"})  # bob's screen is on another process

    await cloud.renew_leases()
    await cloud.renew_leases()

    assert hub.present_count("ROOM22") == 2
    assert [(sid, user, event["type"]) for sid, user, event in fanned.to_users] == [
        ("ROOM22", "host", "leaderboard.updated")
    ], "once: the second renewal changed nothing"
    assert await presence.connected("ROOM22") == {"ann", "bob"}


async def test_a_process_without_the_host_renews_and_sends_nothing() -> None:
    presence = MemoryPlayerPresence()
    cloud, hub, fanned = await pipeline(presence)
    hub.connect("ROOM22", "ann")

    await cloud.renew_leases()

    assert await presence.connected("ROOM22") == {"ann"}
    assert fanned.to_users == []


async def test_one_session_failing_to_renew_does_not_stop_the_others() -> None:
    presence = Failing()
    cloud, hub, _ = await pipeline(presence)
    hub.connect("BROKEN", "zed")
    hub.connect("ROOM22", "ann")

    await cloud.renew_leases()

    assert await presence.connected("ROOM22") == {"ann"}
    assert hub.present_count("BROKEN") is None


class Rechecks:
    """The quiz service's recheck, recorded."""

    def __init__(self) -> None:
        self.sessions: list[str] = []

    async def recheck_answered(self, session_id: str) -> None:
        self.sessions.append(session_id)


async def test_when_the_count_falls_everyone_still_here_may_have_answered() -> None:
    clock = [0.0]
    presence = MemoryPlayerPresence(grace_seconds=0, renew_seconds=1, monotonic=lambda: clock[0])
    cloud, hub, _ = await pipeline(presence)
    rechecks = Rechecks()
    cloud.wire(SimpleNamespace(quiz=rechecks), None, None)  # type: ignore[arg-type]
    hub.connect("ROOM22", "ann")
    await presence.renew("ROOM22", {"bob"})  # on another process, whose lease will lapse

    await cloud.renew_leases()  # 2 here: nothing to check
    clock[0] = 2.5  # bob's lease (2 s) ran out; ann's was renewed
    await cloud.renew_leases()

    assert hub.present_count("ROOM22") == 1
    assert rechecks.sessions == ["ROOM22"]


async def test_the_host_back_after_a_silence_is_told_through_the_api_s_announcer() -> None:
    # Told by this process (it was silent, its host screen taken for gone):
    # through the fan-out by default, through the API's announcer once wired,
    # which posts to API Gateway's sockets too.
    cloud, _, fanned = await pipeline(MemoryPlayerPresence())
    await cloud._host_back("ROOM22")
    assert fanned.published == [("ROOM22", {"type": "host.joined"})]

    told: list[tuple[str, str]] = []

    async def announce(session_id: str, event: dict[str, Any]) -> None:
        told.append((session_id, event["type"]))

    cloud.announcer = announce
    await cloud._host_back("ROOM22")
    assert told == [("ROOM22", "host.joined")]
