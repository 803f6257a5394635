"""BatchCachedSessions: one read per batch scope, none shared between scopes."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from adapters.clock import ManualClock
from adapters.memory.stores import MemorySessionStore
from adapters.memory.system import build_memory_system
from quizcore.batching import BatchCachedSessions, RecentSessions, batch_scope
from quizcore.errors import QuestionClosed, SessionNotRunning, StoreUnavailable
from quizcore.session import Participant, SessionState
from tests.unit.support import GRACE_MS, HOST, Play, quiz_raw


class CountingSessions(MemorySessionStore):
    """Memory sessions that count reads and can read many participants at once."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: Counter[str] = Counter()

    async def get_participant(self, session_id: str, user_id: str) -> Participant | None:
        self.reads["get_participant"] += 1
        return await super().get_participant(session_id, user_id)

    async def get_participants(
        self, session_id: str, user_ids: list[str]
    ) -> dict[str, Participant | None]:
        self.reads["get_participants"] += 1
        read = super().get_participant
        return {user: await read(session_id, user) for user in user_ids}


def person(user: str) -> Participant:
    return Participant(session_id="ROOM11", user_id=user, display_name=user, joined_at=1)


async def test_reads_are_shared_within_a_scope_and_not_outside() -> None:
    inner = CountingSessions()
    await inner.add_participant(person("ana"))
    cached = BatchCachedSessions(inner)

    with batch_scope():
        found = await asyncio.gather(*(cached.get_participant("ROOM11", "ana") for _ in range(5)))
    assert found == [person("ana")] * 5
    assert inner.reads["get_participant"] == 1

    await cached.get_participant("ROOM11", "ana")
    await cached.get_participant("ROOM11", "ana")
    assert inner.reads["get_participant"] == 3  # no scope: every read goes through


async def test_two_scopes_at_once_never_share_a_read() -> None:
    inner = CountingSessions()
    cached = BatchCachedSessions(inner)
    first_read = asyncio.Event()

    async def batch(joined_between: bool) -> Participant | None:
        with batch_scope():
            before = await cached.get_participant("ROOM11", "bob")
            first_read.set()
            if joined_between:
                await inner.add_participant(person("bob"))
                return before
            return before

    async def later_batch() -> Participant | None:
        await first_read.wait()
        with batch_scope():
            return await cached.get_participant("ROOM11", "bob")

    earlier, later = await asyncio.gather(batch(True), later_batch())
    assert earlier is None
    assert later == person("bob")  # a later batch reads afresh


async def test_prefetch_reads_a_batch_of_participants_in_one_call() -> None:
    inner = CountingSessions()
    for user in ("ana", "bob"):
        await inner.add_participant(person(user))
    cached = BatchCachedSessions(inner)

    with batch_scope():
        await cached.prefetch_participants([("ROOM11", "ana"), ("ROOM11", "bob"), ("ROOM11", "x")])
        found = [await cached.get_participant("ROOM11", user) for user in ("ana", "bob", "x")]

    assert found == [person("ana"), person("bob"), None]
    assert inner.reads == Counter(get_participants=1)


async def test_a_failed_read_is_not_remembered() -> None:
    inner = CountingSessions()
    cached = BatchCachedSessions(inner)
    failures = [RuntimeError("store hiccup")]
    original = inner.get

    async def flaky(session_id: str) -> object:
        if failures:
            raise failures.pop()
        return await original(session_id)

    inner.get = flaky  # type: ignore[method-assign,assignment]
    with batch_scope():
        with pytest.raises(RuntimeError):
            await cached.get("ROOM11")
        assert await cached.get("ROOM11") is None  # read again, not the failure


# -- RecentSessions: the cloud API's score service reads the state item once a while


async def remembering_play(ttl_ms: int = 1000) -> Play:
    """A session in the lobby whose score service remembers states ``ttl_ms``."""
    clock = ManualClock()
    system = build_memory_system(clock, grace_ms=GRACE_MS, session_state_ttl_ms=ttl_ms)
    quiz = await system.quiz.create_quiz(HOST, quiz_raw(2))
    state = await system.quiz.create_session(
        host_id=HOST, quiz_id=quiz.quiz_id, mode="live", question_seconds=10
    )
    play = Play(system=system, clock=clock, session_id=state.session_id, quiz_id=quiz.quiz_id)
    await play.join("ana", "bob", "cat")
    return play


def lobby(session_id: str) -> SessionState:
    return SessionState(
        session_id=session_id,
        quiz_id="quiz",
        title="Quiz",
        host_id=HOST,
        mode="live",
        question_count=2,
        question_seconds=10,
        created_at=1,
    )


def state_reads(play: Play) -> int:
    sessions = play.system.score.sessions
    assert isinstance(sessions, RecentSessions)
    return sessions.state_reads


async def test_answers_share_one_read_of_the_state_within_its_time() -> None:
    play = await remembering_play(ttl_ms=1000)
    await play.system.quiz.start(play.session_id, HOST)

    for user in ("ana", "bob", "cat"):
        assert (await play.submit(user, "q1", "right", f"s-{user}")).status == "scored"
    assert state_reads(play) == 1

    play.clock.advance(1000)
    await play.submit("ana", "q1", "right", "s-ana")  # a retry, once the time is up
    assert state_reads(play) == 2


async def test_a_state_remembered_from_before_the_question_opened_refuses_nothing() -> None:
    play = await remembering_play(ttl_ms=1000)
    with pytest.raises(SessionNotRunning):
        await play.submit("ana", "q1", "right", "early")  # remembers the lobby

    await play.system.quiz.start(play.session_id, HOST)
    view = await play.submit("bob", "q1", "right", "on-time")

    assert view.status == "scored" and view.correct
    assert await play.score_of("bob") > 0


async def test_a_state_remembered_from_before_the_reveal_scores_nothing_after_it() -> None:
    play = await remembering_play(ttl_ms=1000)
    await play.system.quiz.start(play.session_id, HOST)
    await play.submit("ana", "q1", "right", "s-ana")  # remembers q1 open
    await play.system.quiz.reveal(play.session_id, HOST)

    with pytest.raises(QuestionClosed):
        await play.submit("bob", "q1", "right", "after-the-reveal")

    assert await play.score_of("bob") == 0
    assert await play.system.answers.get(play.session_id, "q1", "bob") is None


async def test_a_missing_session_is_not_remembered() -> None:
    inner = MemorySessionStore()
    clock = ManualClock()
    recent = RecentSessions(inner, clock, ttl_ms=1000)
    assert await recent.get("ROOM77") is None

    state = lobby("ROOM77")
    await inner.create(state)

    assert await recent.get("ROOM77") == state


async def test_concurrent_reads_share_one_and_a_failed_one_is_not_remembered() -> None:
    class Flaky(MemorySessionStore):
        def __init__(self) -> None:
            super().__init__()
            self.fail = True

        async def get(self, session_id: str) -> SessionState | None:
            await asyncio.sleep(0)
            if self.fail:
                raise StoreUnavailable("down")
            return await super().get(session_id)

    inner = Flaky()
    await inner.create(lobby("ROOM77"))
    recent = RecentSessions(inner, ManualClock(), ttl_ms=1000)
    results = await asyncio.gather(
        *(recent.get("ROOM77") for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(result, StoreUnavailable) for result in results)
    assert recent.state_reads == 1

    inner.fail = False
    assert (await recent.get("ROOM77")) is not None
    assert recent.state_reads == 2
