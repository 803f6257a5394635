"""BatchCachedSessions: one read per batch scope, none shared between scopes."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from adapters.memory.stores import MemorySessionStore
from quizcore.batching import BatchCachedSessions, batch_scope
from quizcore.session import Participant


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
