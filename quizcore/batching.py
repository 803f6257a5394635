"""A batch scope: read a session's state and participants once per batch.

A consumer that handles a batch of messages concurrently (a Kinesis
GetRecords batch, an SQS receive) reads the same session state and the same
participants again for every message. Inside ``batch_scope()`` a
``BatchCachedSessions`` shares those reads between the batch's handlers.

Why it is safe: every message of a batch was produced before the batch was
received, and every cached read happens after that; so a cached read is as
fresh, for each message, as an uncached read would have been had the batch
been handled the moment it arrived. The cache lives in a context variable,
so two batches handled at once (two shards) never share one, and it ends
with the scope. Writes go straight through and drop the cached entry.

``RecentSessions`` shares state reads by time instead, for the cloud API's
score service, which handles no batches (see its docstring).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

from quizcore.ports import Clock, SessionStore
from quizcore.session import Participant, SessionState

T = TypeVar("T")

_SCOPE: ContextVar[dict[tuple[str, ...], asyncio.Future[Any]] | None] = ContextVar(
    "quizcore_batch_scope", default=None
)


@contextlib.contextmanager
def batch_scope() -> Iterator[None]:
    """Share session reads between the tasks started inside the block."""
    token = _SCOPE.set({})
    try:
        yield
    finally:
        _SCOPE.reset(token)


async def _shared(key: tuple[str, ...], read: Callable[[], Awaitable[T]]) -> T:
    cache = _SCOPE.get()
    if cache is None:
        return await read()
    future = cache.get(key)
    if future is None:

        async def reading() -> T:
            return await read()

        future = asyncio.ensure_future(reading())
        cache[key] = future
    try:
        # Shielded: one waiter cancelled must not cancel the others' read.
        return await asyncio.shield(future)
    except BaseException:
        if future.done() and (future.cancelled() or future.exception() is not None):
            cache.pop(key, None)  # a failed read is not remembered
        raise


def _remember(key: tuple[str, ...], value: Any) -> None:
    cache = _SCOPE.get()
    if cache is not None and key not in cache:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        future.set_result(value)
        cache[key] = future


def _forget(*key: str) -> None:
    cache = _SCOPE.get()
    if cache is not None:
        cache.pop(key, None)


class BatchCachedSessions:
    """SessionStore that shares state and participant reads within a batch."""

    def __init__(self, inner: SessionStore) -> None:
        self.inner = inner
        self.reads = 0  # reads that reached the inner store (for benches)

    async def _read(self, read: Callable[[], Awaitable[T]]) -> T:
        self.reads += 1
        return await read()

    async def create(self, state: SessionState) -> bool:
        """Create the session (not cached)."""
        return await self.inner.create(state)

    async def get(self, session_id: str) -> SessionState | None:
        """Return the session's state, read once per batch."""
        return await _shared(
            ("state", session_id), lambda: self._read(lambda: self.inner.get(session_id))
        )

    async def save(self, state: SessionState, expected_version: int) -> None:
        """Save the state and drop the cached copy."""
        _forget("state", state.session_id)
        await self.inner.save(state, expected_version)

    async def running(self) -> list[SessionState]:
        """Return the running sessions (not cached)."""
        return await self.inner.running()

    async def add_participant(self, participant: Participant) -> tuple[Participant, bool, int]:
        """Add the participant and drop the cached lookup."""
        _forget("participant", participant.session_id, participant.user_id)
        return await self.inner.add_participant(participant)

    async def get_participant(self, session_id: str, user_id: str) -> Participant | None:
        """Return the participant, read once per batch."""
        return await _shared(
            ("participant", session_id, user_id),
            lambda: self._read(lambda: self.inner.get_participant(session_id, user_id)),
        )

    async def prefetch_participants(self, pairs: list[tuple[str, str]]) -> None:
        """Read the (session, user) participants of a batch in one go, if possible.

        Uses the inner store's ``get_participants`` (one BatchGetItem per 100
        in DynamoDB); a store without it is read lazily, one by one, instead.
        """
        many = getattr(self.inner, "get_participants", None)
        if many is None or _SCOPE.get() is None:
            return
        by_session: dict[str, list[str]] = {}
        for session_id, user_id in pairs:
            by_session.setdefault(session_id, []).append(user_id)
        for session_id, users in by_session.items():
            self.reads += 1
            found = await many(session_id, users)
            for user_id, participant in found.items():
                _remember(("participant", session_id, user_id), participant)

    async def remove_participant(self, session_id: str, user_id: str) -> Participant | None:
        """Remove the participant and drop the cached lookups."""
        _forget("participant", session_id, user_id)
        _forget("removed", session_id)
        return await self.inner.remove_participant(session_id, user_id)

    async def removed(self, session_id: str, user_id: str) -> bool:
        """Return whether the user was removed (not cached)."""
        return await self.inner.removed(session_id, user_id)

    async def removed_participants(self, session_id: str) -> list[str]:
        """Return the users removed from the session, read once per batch."""
        return await _shared(
            ("removed", session_id),
            lambda: self._read(lambda: self.inner.removed_participants(session_id)),
        )

    async def claim_name(self, session_id: str, name_key: str, user_id: str) -> bool:
        """Reserve a display name (not cached)."""
        return await self.inner.claim_name(session_id, name_key, user_id)

    def __getattr__(self, name: str) -> Any:
        # Anything else the wrapped store offers passes through unchanged.
        return getattr(self.inner, name)

    async def participants(self, session_id: str) -> list[Participant]:
        """Return every participant (not cached)."""
        return await self.inner.participants(session_id)

    async def participant_count(self, session_id: str) -> int:
        """Return the participant count (not cached)."""
        return await self.inner.participant_count(session_id)

    async def serve(self, session_id: str, user_id: str, question_index: int, at: int) -> int:
        """Record a serve (not cached)."""
        return await self.inner.serve(session_id, user_id, question_index, at)

    async def served(self, session_id: str, user_id: str) -> dict[int, int]:
        """Return the participant's serve times (not cached)."""
        return await self.inner.served(session_id, user_id)


class RecentSessions(BatchCachedSessions):
    """SessionStore whose state reads are shared for ``ttl_ms`` (the API's hot key).

    In the cloud profile every answer reads its session's state item, one
    DynamoDB item for the whole session: at thousands of answers per second
    that is over one partition's read capacity. The score service of an API
    process reads the state through this store, so a process reads each
    session's state at most once per ``ttl_ms``. A state up to ``ttl_ms``
    old may refuse an answer the fresh one would take (a question that has
    just opened): the score service confirms every refusal on the uncached
    store (``ScoreService(confirm=...)``). It may also take one the fresh
    state would refuse (a question that has just closed): the stream
    processor, which reads the fresh state, rejects it. A missing session
    is never remembered.
    """

    def __init__(self, inner: SessionStore, clock: Clock, ttl_ms: int, size: int = 1024) -> None:
        super().__init__(inner)
        self.clock = clock
        self.ttl_ms = ttl_ms
        self.size = size
        self._recent: dict[str, tuple[int, asyncio.Future[SessionState | None]]] = {}
        self.state_reads = 0  # state reads that reached the inner store

    async def get(self, session_id: str) -> SessionState | None:
        """Return the session's state, read at most once per ``ttl_ms``."""
        now = self.clock.now_ms()
        entry = self._recent.get(session_id)
        if entry is None or entry[0] <= now:
            self.state_reads += 1
            read = asyncio.ensure_future(self.inner.get(session_id))
            entry = self._recent[session_id] = (now + self.ttl_ms, read)
            self._trim(now)
        try:
            # Shielded: one waiter cancelled must not cancel the others' read.
            state = await asyncio.shield(entry[1])
        except BaseException:
            if self._recent.get(session_id) is entry and entry[1].done():
                del self._recent[session_id]  # a failed read is not remembered
            raise
        if state is None and self._recent.get(session_id) is entry:
            del self._recent[session_id]  # a session created meanwhile shows at once
        return state

    async def save(self, state: SessionState, expected_version: int) -> None:
        """Save the state and drop the remembered copy."""
        self._recent.pop(state.session_id, None)
        await super().save(state, expected_version)

    def _trim(self, now: int) -> None:
        if len(self._recent) <= self.size:
            return
        for session_id in [key for key, (until, _) in self._recent.items() if until <= now]:
            del self._recent[session_id]
        while len(self._recent) > self.size:
            del self._recent[next(iter(self._recent))]


def cached_sessions(holder: Any) -> BatchCachedSessions | None:
    """Wrap ``holder.sessions`` in a BatchCachedSessions; return it (or None)."""
    sessions = getattr(holder, "sessions", None)
    if sessions is None:
        return None
    if not isinstance(sessions, BatchCachedSessions):
        sessions = BatchCachedSessions(sessions)
        holder.sessions = sessions
    return sessions
