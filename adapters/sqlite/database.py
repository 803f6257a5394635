"""One SQLite file behind every embedded store, with group commit.

The embedded profile runs in one process. The SQLite file holds the durable
state; memory indexes (the *resident* state) serve reads without touching
the disk, but only for what play needs: every session still in its lobby or
running is resident, from open to finish. A finished session (its
participants, answers, scores and results), a quiz and a user are read from
the file when asked for and kept in bounded LRU caches, so memory does not
grow with every session ever played, and opening the file loads only the
sessions still being played.

A write is decided synchronously against the resident state plus the writes
still in flight, queued, and committed by a single writer thread together
with every other write queued meanwhile (group commit: one transaction and
one fsync for many callers). Only after the commit does the change enter the
resident state and the caller's await return, so a read never sees a change
that could still be lost, and nothing has to be undone when a commit fails.
Reads of the file run on the same thread, between two commits: a session or
record loaded there is installed before the next commit's changes are
applied, so what is resident never misses a committed write.

Projections (participant scores, submission results, running session
results) are written behind: the resident state takes them at once and
nobody waits for their commit. While their session is still being played
they are not written at all: every start re-derives a running session's
projections from its recorded answers, so only the latest row per key is
kept back and written once the session finishes, or when the database
closes. A burst of answers then costs the writer one row per answer instead
of four.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
import os
import sqlite3
from collections import Counter, OrderedDict
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import orjson

from adapters.memory.stores import (
    MemoryAnswerStore,
    MemoryScoreStore,
    MemorySessionStore,
)
from quizcore.errors import StoreUnavailable
from quizcore.model import (
    AnswerResult,
    ParticipantScore,
    RecordedAnswer,
    SessionResult,
)
from quizcore.session import Participant, SessionState

log = logging.getLogger(__name__)

T = TypeVar("T")
Key = tuple[Any, ...]
# A projection row's statement parameters, built when the row is written.
Params = Callable[[], tuple[Any, ...]]
Synchronous = Literal["NORMAL", "FULL", "EXTRA"]

SCHEMA_VERSION = 1

# Every table keys its rows the way its port keys its records, so the file can
# never hold two answers (or scores, participants, ...) for one key. ``seq``
# keeps insertion order, which some reads promise (join order, oldest quiz).
# Payloads are JSON so a field added to a record later is never dropped.
SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    seq INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (session_id, question_id, user_id)
);
CREATE TABLE IF NOT EXISTS scores (
    seq INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    score INTEGER NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (session_id, user_id)
);
CREATE TABLE IF NOT EXISTS answer_results (
    seq INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (session_id, user_id, submission_id)
);
CREATE TABLE IF NOT EXISTS sessions (
    seq INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS participants (
    seq INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (session_id, user_id)
);
CREATE TABLE IF NOT EXISTS removed_participants (
    seq INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (session_id, user_id)
);
CREATE TABLE IF NOT EXISTS served (
    seq INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    question_index INTEGER NOT NULL,
    served_at INTEGER NOT NULL,
    UNIQUE (session_id, user_id, question_index)
);
CREATE TABLE IF NOT EXISTS quizzes (
    seq INTEGER PRIMARY KEY,
    quiz_id TEXT NOT NULL UNIQUE,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS archived_quizzes (
    quiz_id TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS users (
    seq INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL UNIQUE,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS session_results (
    seq INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    score INTEGER NOT NULL,
    final INTEGER NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (session_id, user_id)
);
CREATE INDEX IF NOT EXISTS session_results_by_user ON session_results (user_id);
"""


# The index above, and the tables of removed participants and archived
# quizzes, are created on
# every open, so files written before them get them too; they change nothing
# a reader of version 1 relies on (one that predates them shows removed
# players and archived quizzes again).


def session_key(session_id: str) -> Key:
    """Return the in-flight key of a session's own row."""
    return ("session", session_id)


def dumps(record: Any) -> str:
    """Return the compact JSON of a record dataclass or a dict."""
    return orjson.dumps(record).decode()


def load_record(cls: type[T], text: str) -> T:
    """Return a record dataclass from its JSON, ignoring unknown fields."""
    data = orjson.loads(text)
    names = {item.name for item in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{name: value for name, value in data.items() if name in names})


def _built(params: tuple[Any, ...]) -> Params:
    """Return ``Params`` for parameters already built."""
    return lambda: params


def run_now(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends to its end and return its result.

    The memory adapters promise that no method awaits mid-change; running
    them this way turns that promise into a checked one, so a decision and
    the change it leads to can never be split by another task.
    """
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coro.close()
    raise RuntimeError("a memory index suspended; the SQLite mirror needs it not to")


class SessionMirror:
    """The committed state of one session, indexed in memory.

    Everything the stores keep per session: the session row, participants,
    serve times, answers, scores, submission results and session results
    (by user, in the order they were first stored).
    """

    __slots__ = ("answers", "has_rows", "results", "scores", "session_id", "sessions")

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self.answers = MemoryAnswerStore()
        self.scores = MemoryScoreStore()
        self.sessions = MemorySessionStore()
        self.results: dict[str, SessionResult] = {}
        # Whether any row names this session (a session row or any other).
        self.has_rows = False

    @property
    def state(self) -> SessionState | None:
        """Return the session row, if the session exists."""
        return run_now(self.sessions.get(self.session_id))

    @property
    def live(self) -> bool:
        """Return whether the session may still be played (never evicted).

        A session in its lobby or running is; so are rows of a session whose
        own row is unknown (the stores used on their own, without a session):
        nothing says they are finished. The services never write those.
        """
        state = self.state
        if state is None:
            return self.has_rows
        return state.status != "finished"

    def save_result(self, result: SessionResult) -> None:
        """Keep the result unless a higher or final one is kept."""
        current = self.results.get(result.user_id)
        if current is not None and (
            current.score > result.score or (current.final and not result.final)
        ):
            return
        self.results[result.user_id] = result


@dataclass(eq=False, slots=True)
class Write:
    """One change waiting for its commit.

    ``key`` names the record it changes (the in-flight index), ``value`` is
    the record as it will be once committed, ``apply`` puts it into the
    resident state after the commit, and ``group`` counts it in a set of
    in-flight inserts (the joins of one session). ``owner`` is the session
    whose rows it changes: that session stays resident until the write is
    settled. Each caller waiting for the commit has its own future in
    ``waiters``, so one giving up cancels nobody else.
    """

    key: Key
    value: Any
    sql: str
    params: tuple[Any, ...]
    apply: Callable[[], object]
    group: Key | None = None
    owner: str | None = None
    # The session a kept-back projection row belongs to (see ``project``).
    session: str | None = None
    waiters: list[asyncio.Future[None]] = field(default_factory=list)
    done: bool = False
    failure: str | None = None

    def finish(self, failure: str | None = None) -> None:
        """Record the outcome and wake every waiter."""
        self.done, self.failure = True, failure
        for waiter in self.waiters:
            if waiter.done():
                continue
            if failure is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(StoreUnavailable(failure))
        self.waiters.clear()


@dataclass(eq=False, slots=True)
class _Read:
    """A read of the file run by the writer between two commits.

    ``fetch`` runs on the writer's thread with its connection; ``install``
    runs on the loop with what it returned, before any later commit is
    applied, and its result is what the caller's await returns.
    """

    fetch: Callable[[sqlite3.Connection], Any]
    install: Callable[[Any], Any]
    future: asyncio.Future[Any]


class _Diverged(sqlite3.DatabaseError):
    """The file disagreed with the resident state's decision (another writer?)."""


class SqliteDatabase:
    """The embedded profile's SQLite file, its writer thread and its indexes.

    ``open()`` creates the schema (idempotent), loads the sessions still in
    their lobby or running and starts the writer; ``close()`` commits what is
    queued and closes the file. One process owns the file: it is opened with
    an exclusive lock, so a second opener fails instead of diverging.

    ``cache_sessions`` bounds how many finished (or unknown) sessions stay
    resident after a read, ``cache_quizzes`` and ``cache_users`` how many
    quizzes and users (kept apart: a quiz may weigh a hundred users); the
    least recently used go first. Sessions being played are never evicted.

    ``synchronous`` defaults to FULL: in WAL mode that syncs the log on every
    commit, so an acknowledged write survives a power cut, and group commit
    shares that one sync among every write of the batch. NORMAL skips the
    sync (still safe when only the process dies); use it for throwaway data.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        synchronous: Synchronous = "FULL",
        busy_timeout_ms: int = 5000,
        max_batch: int = 2000,
        cache_sessions: int = 8,
        cache_quizzes: int = 64,
        cache_users: int = 4096,
    ) -> None:
        if synchronous not in ("NORMAL", "FULL", "EXTRA"):
            raise ValueError("synchronous must be NORMAL, FULL or EXTRA")
        if min(cache_sessions, cache_quizzes, cache_users) < 0:
            raise ValueError("cache sizes must not be negative")
        self.path = Path(path)
        self.synchronous = synchronous
        self.busy_timeout_ms = busy_timeout_ms
        self.max_batch = max_batch
        self.cache_sessions = cache_sessions
        self.cache_sizes = {"quiz": cache_quizzes, "user": cache_users}
        self.commits = 0
        self.committed_writes = 0
        self.loads = 0
        self._conn: sqlite3.Connection | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._open = False
        # Resident sessions; those not being played are also in ``_lru``.
        self._resident: dict[str, SessionMirror] = {}
        self._lru: OrderedDict[str, None] = OrderedDict()
        # Quizzes and users read or written lately: key -> record or None.
        self._records: dict[str, OrderedDict[Key, Any]] = {}
        self._owners: Counter[str] = Counter()
        self._reads: list[_Read] = []
        self._reads_done = asyncio.Event()
        self._loading: dict[str, asyncio.Future[Any]] = {}
        self._queue: list[Write] = []
        self._in_flight: dict[Key, Write] = {}
        self._groups: Counter[Key] = Counter()
        # Projection rows kept back per running session: key -> (value, sql, params).
        self._kept: dict[str, dict[Key, tuple[Any, str, Params]]] = {}
        self._kept_keys: dict[Key, str] = {}
        self._wakeup = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._closing = False
        self._broken: str | None = None

    # -- lifecycle -------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        """Return whether the database is open for reads and writes."""
        return self._open and not self._closing

    async def open(self) -> None:
        """Open or create the file, load the live sessions and start the writer."""
        if self._writer is not None:
            raise RuntimeError("the database is already open")
        loop = asyncio.get_running_loop()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        try:
            live = await loop.run_in_executor(self._executor, self._open_file)
        except Exception as ex:
            await loop.run_in_executor(self._executor, self._close_file)
            self._executor.shutdown(wait=False)
            self._executor = None
            if isinstance(ex, sqlite3.Error | OSError):
                raise StoreUnavailable(f"cannot open {self.path.name}: {ex}") from ex
            raise
        self._resident = {mirror.session_id: mirror for mirror in live}
        self._lru, self._records, self._owners = OrderedDict(), {}, Counter()
        self._reads, self._loading = [], {}
        self._reads_done = asyncio.Event()
        self._reads_done.set()
        self._open = True
        self._closing = False
        self._broken = None
        self._kept, self._kept_keys = {}, {}
        self._wakeup = asyncio.Event()
        self._writer = asyncio.create_task(self._write_loop(), name="sqlite-writer")

    async def close(self) -> None:
        """Commit every queued write, then close the file (idempotent)."""
        if self._writer is None:
            return
        # Callers whose read is under way decide and queue their writes
        # when it returns; those writes are committed before the close.
        while not self._reads_done.is_set() and not self._writer.done():
            await self._reads_done.wait()
            for _ in range(3):  # the readers resume (through a shield) first
                await asyncio.sleep(0)
        if self._broken is None:
            for session_id in list(self._kept):
                self.end_session(session_id)
        self._closing = True
        self._wakeup.set()
        await self._writer
        self._writer = None
        self._open = False
        self._resident, self._lru, self._records = {}, OrderedDict(), {}
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.get_running_loop().run_in_executor(executor, self._close_file)
            executor.shutdown(wait=True)

    async def __aenter__(self) -> SqliteDatabase:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _open_file(self) -> list[SessionMirror]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, cached_statements=64
        )
        self._conn = conn
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        # Set before WAL is entered: the lock then also keeps the WAL index
        # in private memory (no -shm file) and a second process out.
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"journal_mode is {mode}, not wal")
        conn.execute(f"PRAGMA synchronous = {self.synchronous}")
        conn.execute("PRAGMA journal_size_limit = 67108864")
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(f"schema version {version} is newer than this code")
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        # Only the sessions still being played: a finished one is read when
        # asked for.
        live = conn.execute(
            "SELECT session_id FROM sessions"
            " WHERE json_extract(data, '$.status') <> 'finished' ORDER BY seq"
        ).fetchall()
        return [_read_session(conn, session_id) for (session_id,) in live]

    def _close_file(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    # -- what the stores read --------------------------------------------------

    def resident(self, session_id: str) -> SessionMirror | None:
        """Return the session's resident state, if it is resident."""
        return self._resident.get(session_id)

    async def session(self, session_id: str) -> SessionMirror:
        """Return the session's committed state, reading it from the file if needed.

        Returns without suspending when the session is resident. The caller
        may decide against the result until its next await: it is resident,
        and every commit applied from now on reaches it.
        """
        self._check_open()
        mirror = self._resident.get(session_id)
        if mirror is not None:
            if session_id in self._lru:
                self._lru.move_to_end(session_id)
            return mirror
        loading = self._loading.get(session_id)
        if loading is None:
            # One read of the file for every caller asking meanwhile.
            loading = self._loading[session_id] = self._submit(
                lambda conn: _read_session(conn, session_id), self._install_session
            )
        try:
            loaded: SessionMirror = await asyncio.shield(loading)
        except StoreUnavailable:
            if self._loading.get(session_id) is loading:
                del self._loading[session_id]
            raise
        if self._resident.get(session_id) is None:
            # Evicted by a read installed right after it: no commit has been
            # applied since (the writer waits on its thread before the next
            # one), so it is still current; resident again until trimmed.
            self._resident[session_id] = loaded
            self._place(session_id)
        return self._resident[session_id]

    def running(self) -> list[SessionState]:
        """Return every session in its lobby or running (all are resident)."""
        states = (mirror.state for mirror in self._resident.values())
        return [state for state in states if state is not None and state.status != "finished"]

    async def record(self, key: Key, fetch: Callable[[sqlite3.Connection], Any]) -> Any:
        """Return the cached record of ``key``, or read it with ``fetch`` and cache it.

        ``key[0]`` is the kind of record ("quiz" or "user"), which has its
        own cache.
        """
        self._check_open()
        cache = self._records.get(key[0])
        if cache is not None and key in cache:
            cache.move_to_end(key)
            return cache[key]

        def install(value: Any) -> Any:
            # Read between two commits: the value is the committed one.
            self.remember(key, value)
            return value

        return await self._read(fetch, install)

    def remember(self, key: Key, value: Any) -> None:
        """Cache a committed record (a write's apply), evicting the oldest."""
        cache = self._records.setdefault(key[0], OrderedDict())
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > self.cache_sizes.get(key[0], 0):
            cache.popitem(last=False)

    async def query(self, fetch: Callable[[sqlite3.Connection], T]) -> T:
        """Return what ``fetch`` reads from the file's committed state."""
        self._check_open()
        result: T = await self._read(fetch, lambda value: value)
        return result

    def _check_open(self) -> None:
        if not self._open or self._closing:
            raise StoreUnavailable("the SQLite database is not open")

    async def _read(
        self, fetch: Callable[[sqlite3.Connection], Any], install: Callable[[Any], Any]
    ) -> Any:
        return await self._submit(fetch, install)

    def _submit(
        self, fetch: Callable[[sqlite3.Connection], Any], install: Callable[[Any], Any]
    ) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._reads.append(_Read(fetch, install, future))
        self._reads_done.clear()
        self._wakeup.set()
        return future

    def _install_session(self, mirror: SessionMirror) -> SessionMirror:
        self.loads += 1
        self._loading.pop(mirror.session_id, None)
        current = self._resident.get(mirror.session_id)
        if current is not None:
            return current
        self._resident[mirror.session_id] = mirror
        self._place(mirror.session_id)
        self._trim()
        return mirror

    def _place(self, session_id: str) -> None:
        """Pin a session being played; queue any other one for eviction."""
        mirror = self._resident.get(session_id)
        if mirror is None:
            return
        if mirror.live:
            self._lru.pop(session_id, None)
        else:
            self._lru[session_id] = None
            self._lru.move_to_end(session_id)

    def _trim(self) -> None:
        """Evict the least recently used sessions over the cache size."""
        excess = len(self._lru) - self.cache_sessions
        if excess <= 0:
            return
        for session_id in list(self._lru):
            if excess <= 0:
                break
            # A session with writes in flight or rows kept back stays.
            if self._owners.get(session_id) or session_id in self._kept:
                continue
            del self._lru[session_id]
            del self._resident[session_id]
            excess -= 1

    def resident_sessions(self) -> int:
        """Return how many sessions are resident (played ones included)."""
        return len(self._resident)

    # -- what the stores write -------------------------------------------------

    def busy(self) -> bool:
        """Return whether writes are waiting for their commit."""
        return bool(self._in_flight)

    def in_flight(self, key: Key) -> Write | None:
        """Return the latest uncommitted write of ``key``, if any."""
        return self._in_flight.get(key)

    def in_flight_count(self, group: Key) -> int:
        """Return how many uncommitted writes belong to ``group``."""
        return self._groups.get(group, 0)

    def on_session(
        self, session_id: str, change: Callable[[SessionMirror], object]
    ) -> Callable[[], object]:
        """Return an ``apply`` that changes the session's resident state."""

        def apply() -> object:
            mirror = self._resident.get(session_id)
            # Not resident: the file has the change, a later read sees it.
            return None if mirror is None else change(mirror)

        return apply

    def write(
        self,
        key: Key,
        value: Any,
        sql: str,
        params: tuple[Any, ...],
        apply: Callable[[], object],
        *,
        group: Key | None = None,
        owner: str | None = None,
    ) -> Write:
        """Queue a change that must alter exactly one row; return its handle.

        The statement is checked to change one row, so the file enforces the
        decision the caller took against the resident state (``ON CONFLICT``
        clauses and version guards make a wrong decision fail, never
        double-write). ``owner`` keeps that session resident until settled.
        """
        self._check_open()
        if self._broken is not None:
            raise StoreUnavailable(self._broken)
        kept_for = self._kept_keys.pop(key, None)
        if kept_for is not None:
            # A row kept back for this key is superseded: this write was
            # decided against the resident state, which holds the kept value.
            self._kept.get(kept_for, {}).pop(key, None)
        pending = Write(key, value, sql, params, apply, group, owner)
        self._in_flight[key] = pending
        if group is not None:
            self._groups[group] += 1
        if owner is not None:
            self._owners[owner] += 1
            self._touch(owner)
        self._queue.append(pending)
        self._wakeup.set()
        return pending

    def project(self, session_id: str, key: Key, value: Any, sql: str, params: Params) -> None:
        """Write a projection's row behind, or keep it back while its session runs.

        The caller has put ``value`` into the resident state already. A row
        of a session not yet finished replaces the one kept for its key; the
        rows are queued by ``end_session`` (or ``close``). ``params`` builds
        the statement's parameters when the row is written: most rows kept
        back are replaced before then (every answer raises its player's
        score), so their JSON is never made.
        """
        self._check_open()
        # The session as it will be once the writes in flight commit: a row
        # projected while its finish is being committed goes straight out
        # (after the finish), or nothing would ever write it.
        pending = self._in_flight.get(session_key(session_id))
        mirror = self._resident.get(session_id)
        state = pending.value if pending is not None else (mirror.state if mirror else None)
        if state is not None and state.status != "finished":
            self._keep(session_id, key, (value, sql, params))
            return
        self.write(key, value, sql, params(), lambda: None, owner=session_id)

    def _touch(self, session_id: str) -> None:
        mirror = self._resident.get(session_id)
        if mirror is not None and not mirror.has_rows:
            mirror.has_rows = True
            self._place(session_id)

    def _keep(self, session_id: str, key: Key, row: tuple[Any, str, Params]) -> None:
        self._kept.setdefault(session_id, {})[key] = row
        self._kept_keys[key] = session_id

    def end_session(self, session_id: str) -> None:
        """Queue the projection rows kept back for a session that is ending."""
        for key, row in self._kept.pop(session_id, {}).items():
            self._queue_kept(session_id, key, row)

    def _queue_kept(self, session_id: str, key: Key, row: tuple[Any, str, Params]) -> None:
        """Queue one row that was kept back (it is no longer kept)."""
        del self._kept_keys[key]
        value, sql, params = row
        write = self.write(key, value, sql, params(), lambda: None, owner=session_id)
        write.session = session_id

    async def release_kept(self, session_id: str, *, per_turn: int = 1_000) -> None:
        """Queue a session's kept-back rows ahead of its finish, a slice per loop turn.

        A 10,000-player session keeps some 40,000 rows back; queueing them in
        the finish's own turn (``end_session``) stopped the loop for 0.2 to
        0.5 s, everyone's frames with it. Queued early they are simply
        written early, as they would be without keeping them back; the finish
        then queues only the rows kept since, ahead of its own.
        """
        while kept := self._kept.get(session_id):
            # In the order they were kept, as ``end_session`` writes them.
            for key in list(itertools.islice(kept, per_turn)):
                self._queue_kept(session_id, key, kept.pop(key))
            if not kept:
                del self._kept[session_id]
            await asyncio.sleep(0)

    def kept_count(self, session_id: str) -> int:
        """Return how many projection rows are kept back for the session."""
        return len(self._kept.get(session_id, ()))

    async def settle(self, pending: Write) -> None:
        """Wait until ``pending`` is committed; raise StoreUnavailable if not.

        A caller cancelled meanwhile leaves the write queued: it still commits.
        """
        if not pending.done:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            pending.waiters.append(waiter)
            await waiter
        elif pending.failure is not None:
            raise StoreUnavailable(pending.failure)

    # -- the writer ------------------------------------------------------------

    async def _write_loop(self) -> None:
        loop = asyncio.get_running_loop()
        batch: list[Write] = []
        reads: list[_Read] = []
        try:
            while True:
                if not self._queue and not self._reads:
                    if self._closing:
                        return
                    self._wakeup.clear()
                    await self._wakeup.wait()
                    continue
                if self._reads:
                    # Between two commits: what a read installs then is
                    # current, and every later commit is applied to it.
                    reads, self._reads = self._reads, []
                    outcomes = await loop.run_in_executor(self._executor, self._fetch, reads)
                    self._deliver(reads, outcomes)
                    reads = []
                    if not self._reads:
                        self._reads_done.set()
                if not self._queue:
                    continue
                batch = self._queue[: self.max_batch]
                self._queue = self._queue[self.max_batch :]
                try:
                    await loop.run_in_executor(self._executor, self._commit, batch)
                except Exception as ex:
                    # Not only sqlite3.Error: a value SQLite cannot bind (an int
                    # over 64 bits) must fail its batch, not stop the writer.
                    log.error("SQLite commit of %d writes failed: %s", len(batch), ex)
                    # Queued writes were decided against the failed ones, so
                    # they fail too; the resident state never saw any of them.
                    failed, self._queue = [*batch, *self._queue], []
                    self._fail(failed, f"commit failed: {ex}")
                else:
                    self._settle(batch)
                batch = []
        finally:
            if not self._closing:
                self._broken = "the SQLite writer stopped"
            leftovers, self._queue = [*batch, *self._queue], []
            self._fail(leftovers, "the SQLite writer stopped")
            unread, self._reads = [*reads, *self._reads], []
            self._loading.clear()
            self._reads_done.set()
            for read in unread:
                if not read.future.done():
                    read.future.set_exception(StoreUnavailable("the SQLite writer stopped"))

    def _fetch(self, reads: list[_Read]) -> list[tuple[bool, Any]]:
        conn = self._conn
        outcomes: list[tuple[bool, Any]] = []
        for read in reads:
            try:
                if conn is None:
                    raise sqlite3.OperationalError("the connection is closed")
                outcomes.append((True, read.fetch(conn)))
            except Exception as ex:
                outcomes.append((False, ex))
        return outcomes

    def _deliver(self, reads: list[_Read], outcomes: list[tuple[bool, Any]]) -> None:
        for read, (ok, value) in zip(reads, outcomes, strict=True):
            if ok:
                try:
                    value = read.install(value)
                except Exception as ex:
                    ok, value = False, ex
            if read.future.done():
                continue
            if ok:
                read.future.set_result(value)
            else:
                log.error("SQLite read failed: %s", value)
                failure = StoreUnavailable(f"read failed: {value}")
                failure.__cause__ = value
                read.future.set_exception(failure)

    def _commit(self, batch: list[Write]) -> None:
        conn = self._conn
        if conn is None:
            raise sqlite3.OperationalError("the connection is closed")
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Runs of the same statement go in one executemany: the writer
            # then holds the GIL once per run rather than once per row, which
            # the event loop feels under a burst of answers. Each row must
            # still change exactly one row, so the run must change len(run).
            for sql, run in itertools.groupby(batch, key=lambda pending: pending.sql):
                writes = list(run)
                changed = conn.executemany(sql, [pending.params for pending in writes]).rowcount
                if changed != len(writes):
                    keys = ", ".join(str(pending.key) for pending in writes[:3])
                    raise _Diverged(f"the file disagrees with the mirror on one of {keys}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self.commits += 1
        self.committed_writes += len(batch)

    def _settle(self, batch: list[Write]) -> None:
        # Runs on the loop without awaiting: the resident state takes the
        # whole batch before any caller resumes, in commit order.
        owners: set[str] = set()
        for pending in batch:
            self._forget(pending)
            if pending.owner is not None:
                owners.add(pending.owner)
            try:
                pending.apply()
            except Exception as ex:
                # Committed yet not indexable: memory no longer matches the
                # file, so refuse further writes until a restart reloads it.
                log.exception("SQLite mirror rejected a committed write")
                self._broken = f"the mirror diverged from the file: {ex}"
                pending.finish(self._broken)
                continue
            pending.finish()
        for session_id in owners:
            self._place(session_id)
        self._trim()

    def _fail(self, writes: list[Write], reason: str) -> None:
        for pending in writes:
            self._forget(pending)
            if pending.session is not None and pending.key not in self._kept_keys:
                # A kept-back row that failed to commit is kept back again
                # (unless a newer one took its place), for the next try.
                row = (pending.value, pending.sql, _built(pending.params))
                self._keep(pending.session, pending.key, row)
            pending.finish(reason)

    def _forget(self, pending: Write) -> None:
        if self._in_flight.get(pending.key) is pending:
            del self._in_flight[pending.key]
        if pending.group is not None:
            self._groups[pending.group] -= 1
            if self._groups[pending.group] <= 0:
                del self._groups[pending.group]
        if pending.owner is not None:
            self._owners[pending.owner] -= 1
            if self._owners[pending.owner] <= 0:
                del self._owners[pending.owner]


_SESSION_TABLES = (
    "sessions",
    "participants",
    "removed_participants",
    "served",
    "answers",
    "scores",
    "answer_results",
    "session_results",
)


def _read_session(conn: sqlite3.Connection, session_id: str) -> SessionMirror:
    """Return a session's committed rows indexed in memory, in the file's order."""
    mirror = SessionMirror(session_id)
    where = (session_id,)
    mirror.has_rows = any(
        conn.execute(f"SELECT 1 FROM {table} WHERE session_id = ? LIMIT 1", where).fetchone()
        for table in _SESSION_TABLES
    )
    if not mirror.has_rows:
        return mirror
    for (text,) in conn.execute("SELECT data FROM sessions WHERE session_id = ?", where).fetchall():
        run_now(mirror.sessions.create(SessionState.from_dict(orjson.loads(text))))
    for (text,) in conn.execute(
        "SELECT data FROM participants WHERE session_id = ? ORDER BY seq", where
    ).fetchall():
        run_now(mirror.sessions.add_participant(load_record(Participant, text)))
    for (user_id,) in conn.execute(
        "SELECT user_id FROM removed_participants WHERE session_id = ? ORDER BY seq", where
    ).fetchall():
        run_now(mirror.sessions.remove_participant(session_id, user_id))
    for user_id, question_index, served_at in conn.execute(
        "SELECT user_id, question_index, served_at FROM served WHERE session_id = ? ORDER BY seq",
        where,
    ).fetchall():
        run_now(mirror.sessions.serve(session_id, user_id, question_index, served_at))
    for (text,) in conn.execute(
        "SELECT data FROM answers WHERE session_id = ? ORDER BY seq", where
    ).fetchall():
        mirror.answers.load(RecordedAnswer.from_dict(orjson.loads(text)))
    for (text,) in conn.execute(
        "SELECT data FROM scores WHERE session_id = ? ORDER BY seq", where
    ).fetchall():
        run_now(mirror.scores.raise_score(load_record(ParticipantScore, text)))
    for (text,) in conn.execute(
        "SELECT data FROM answer_results WHERE session_id = ? ORDER BY seq", where
    ).fetchall():
        run_now(mirror.scores.save_result(AnswerResult.from_dict(orjson.loads(text))))
    for (text,) in conn.execute(
        "SELECT data FROM session_results WHERE session_id = ? ORDER BY seq", where
    ).fetchall():
        mirror.save_result(load_record(SessionResult, text))
    return mirror
