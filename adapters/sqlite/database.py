"""One SQLite file behind every embedded store, with group commit.

The embedded profile runs in one process, so the durable state lives twice:
in the SQLite file, and in memory adapters (the *mirror*) that serve every
read without touching the disk. A write is decided synchronously against the
mirror plus the writes still in flight, queued, and committed by a single
writer thread together with every other write queued meanwhile (group
commit: one transaction and one fsync for many callers). Only after the
commit does the change enter the mirror and the caller's await return, so a
read never sees a change that could still be lost, and nothing has to be
undone when a commit fails.

Projections (participant scores, submission results, running session
results) are written behind: the mirror takes them at once and nobody waits
for their commit. While their session is still being played they are not
written at all: every start re-derives a running session's projections from
its recorded answers, so only the latest row per key is kept back and
written once the session finishes, or when the database closes. A burst of
answers then costs the writer one row per answer instead of four.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
import os
import sqlite3
from collections import Counter
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import orjson

from adapters.memory.stores import (
    MemoryAnswerStore,
    MemoryMasterStore,
    MemoryScoreStore,
    MemorySessionStore,
)
from quizcore.errors import StoreUnavailable
from quizcore.model import (
    AnswerResult,
    ParticipantScore,
    RecordedAnswer,
    SessionResult,
    User,
)
from quizcore.quiz import quiz_from_dict
from quizcore.session import Participant, SessionState

log = logging.getLogger(__name__)

T = TypeVar("T")
Key = tuple[Any, ...]
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
"""


def session_key(session_id: str) -> Key:
    """Return the in-flight key of a session's own row."""
    return ("session", session_id)


def dumps(record: Any) -> str:
    """Return the compact JSON of a record dataclass or a dict."""
    return orjson.dumps(record).decode()


def _record(cls: type[T], text: str) -> T:
    data = orjson.loads(text)
    names = {item.name for item in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{name: value for name, value in data.items() if name in names})


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


@dataclass
class Mirror:
    """The memory adapters holding everything the file holds.

    ``session_results`` indexes the master results by (session, user): the
    memory store answers that only by scanning every result, too slow for a
    decision taken on each scored answer.
    """

    answers: MemoryAnswerStore = field(default_factory=MemoryAnswerStore)
    scores: MemoryScoreStore = field(default_factory=MemoryScoreStore)
    sessions: MemorySessionStore = field(default_factory=MemorySessionStore)
    master: MemoryMasterStore = field(default_factory=MemoryMasterStore)
    session_results: dict[tuple[str, str], SessionResult] = field(default_factory=dict)


@dataclass(eq=False, slots=True)
class Write:
    """One change waiting for its commit.

    ``key`` names the record it changes (the in-flight index), ``value`` is
    the record as it will be once committed, ``apply`` puts it into the
    mirror after the commit, and ``group`` counts it in a set of in-flight
    inserts (the joins of one session). Each caller waiting for the commit
    has its own future in ``waiters``, so one giving up cancels nobody else.
    """

    key: Key
    value: Any
    sql: str
    params: tuple[Any, ...]
    apply: Callable[[], object]
    group: Key | None = None
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


class _Diverged(sqlite3.DatabaseError):
    """The file disagreed with the mirror's decision (another writer?)."""


class SqliteDatabase:
    """The embedded profile's SQLite file, its writer thread and its mirror.

    ``open()`` creates the schema (idempotent), loads every row into the
    mirror and starts the writer; ``close()`` commits what is queued and
    closes the file. One process owns the file: it is opened with an
    exclusive lock, so a second opener fails instead of diverging.

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
    ) -> None:
        if synchronous not in ("NORMAL", "FULL", "EXTRA"):
            raise ValueError("synchronous must be NORMAL, FULL or EXTRA")
        self.path = Path(path)
        self.synchronous = synchronous
        self.busy_timeout_ms = busy_timeout_ms
        self.max_batch = max_batch
        self.commits = 0
        self.committed_writes = 0
        self._conn: sqlite3.Connection | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._mirror: Mirror | None = None
        self._queue: list[Write] = []
        self._in_flight: dict[Key, Write] = {}
        self._groups: Counter[Key] = Counter()
        # Projection rows kept back per running session: key -> (value, sql, params).
        self._kept: dict[str, dict[Key, tuple[Any, str, tuple[Any, ...]]]] = {}
        self._kept_keys: dict[Key, str] = {}
        self._wakeup = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._closing = False
        self._broken: str | None = None

    # -- lifecycle -------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        """Return whether the database is open for reads and writes."""
        return self._mirror is not None and not self._closing

    async def open(self) -> None:
        """Open or create the file, load the mirror and start the writer."""
        if self._writer is not None:
            raise RuntimeError("the database is already open")
        loop = asyncio.get_running_loop()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        try:
            rows = await loop.run_in_executor(self._executor, self._open_file)
        except (sqlite3.Error, OSError) as ex:
            self._executor.shutdown(wait=False)
            self._executor = None
            raise StoreUnavailable(f"cannot open {self.path.name}: {ex}") from ex
        try:
            self._mirror = _load(rows)
        except Exception:
            await loop.run_in_executor(self._executor, self._close_file)
            self._executor.shutdown(wait=False)
            self._executor = None
            raise
        self._closing = False
        self._broken = None
        self._kept, self._kept_keys = {}, {}
        self._wakeup = asyncio.Event()
        self._writer = asyncio.create_task(self._write_loop(), name="sqlite-writer")

    async def close(self) -> None:
        """Commit every queued write, then close the file (idempotent)."""
        if self._writer is None:
            return
        if self._broken is None:
            for session_id in list(self._kept):
                self.end_session(session_id)
        self._closing = True
        self._wakeup.set()
        await self._writer
        self._writer = None
        self._mirror = None
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.get_running_loop().run_in_executor(executor, self._close_file)
            executor.shutdown(wait=True)

    async def __aenter__(self) -> SqliteDatabase:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _open_file(self) -> dict[str, list[tuple[Any, ...]]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, cached_statements=64
        )
        try:
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
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(f"schema version {version} is newer than this code")
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
            rows = {
                "answers": conn.execute("SELECT data FROM answers ORDER BY seq").fetchall(),
                "scores": conn.execute("SELECT data FROM scores ORDER BY seq").fetchall(),
                "answer_results": conn.execute(
                    "SELECT data FROM answer_results ORDER BY seq"
                ).fetchall(),
                "sessions": conn.execute("SELECT data FROM sessions ORDER BY seq").fetchall(),
                "participants": conn.execute(
                    "SELECT data FROM participants ORDER BY seq"
                ).fetchall(),
                "served": conn.execute(
                    "SELECT session_id, user_id, question_index, served_at FROM served ORDER BY seq"
                ).fetchall(),
                "quizzes": conn.execute("SELECT data FROM quizzes ORDER BY seq").fetchall(),
                "users": conn.execute("SELECT data FROM users ORDER BY seq").fetchall(),
                "session_results": conn.execute(
                    "SELECT data FROM session_results ORDER BY seq"
                ).fetchall(),
            }
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return rows

    def _close_file(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    # -- what the stores use ---------------------------------------------------

    @property
    def mirror(self) -> Mirror:
        """Return the memory index of the committed state."""
        if self._mirror is None:
            raise StoreUnavailable("the SQLite database is not open")
        return self._mirror

    def busy(self) -> bool:
        """Return whether writes are waiting for their commit."""
        return bool(self._in_flight)

    def in_flight(self, key: Key) -> Write | None:
        """Return the latest uncommitted write of ``key``, if any."""
        return self._in_flight.get(key)

    def in_flight_count(self, group: Key) -> int:
        """Return how many uncommitted writes belong to ``group``."""
        return self._groups.get(group, 0)

    def write(
        self,
        key: Key,
        value: Any,
        sql: str,
        params: tuple[Any, ...],
        apply: Callable[[], object],
        *,
        group: Key | None = None,
    ) -> Write:
        """Queue a change that must alter exactly one row; return its handle.

        The statement is checked to change one row, so the file enforces the
        decision the caller took against the mirror (``ON CONFLICT`` clauses
        and version guards make a wrong decision fail, never double-write).
        """
        if self._mirror is None or self._closing:
            raise StoreUnavailable("the SQLite database is not open")
        if self._broken is not None:
            raise StoreUnavailable(self._broken)
        kept_for = self._kept_keys.pop(key, None)
        if kept_for is not None:
            # A row kept back for this key is superseded: this write was
            # decided against the mirror, which holds the kept value too.
            self._kept.get(kept_for, {}).pop(key, None)
        pending = Write(key, value, sql, params, apply, group)
        self._in_flight[key] = pending
        if group is not None:
            self._groups[group] += 1
        self._queue.append(pending)
        self._wakeup.set()
        return pending

    def project(
        self, session_id: str, key: Key, value: Any, sql: str, params: tuple[Any, ...]
    ) -> None:
        """Write a projection's row behind, or keep it back while its session runs.

        The caller has put ``value`` into the mirror already. A row of a
        session not yet finished replaces the one kept for its key; the
        rows are queued by ``end_session`` (or ``close``).
        """
        if self._mirror is None or self._closing:
            raise StoreUnavailable("the SQLite database is not open")
        # The session as it will be once the writes in flight commit: a row
        # projected while its finish is being committed goes straight out
        # (after the finish), or nothing would ever write it.
        pending = self._in_flight.get(session_key(session_id))
        state = (
            pending.value if pending is not None else run_now(self._mirror.sessions.get(session_id))
        )
        if state is not None and state.status != "finished":
            self._keep(session_id, key, (value, sql, params))
            return
        self.write(key, value, sql, params, lambda: None)

    def _keep(self, session_id: str, key: Key, row: tuple[Any, str, tuple[Any, ...]]) -> None:
        self._kept.setdefault(session_id, {})[key] = row
        self._kept_keys[key] = session_id

    def end_session(self, session_id: str) -> None:
        """Queue the projection rows kept back for a session that is ending."""
        for key, (value, sql, params) in self._kept.pop(session_id, {}).items():
            del self._kept_keys[key]
            self.write(key, value, sql, params, lambda: None).session = session_id

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
        try:
            while True:
                if not self._queue:
                    if self._closing:
                        return
                    self._wakeup.clear()
                    await self._wakeup.wait()
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
                    # they fail too; the mirror never saw any of them.
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
        # Runs on the loop without awaiting: the mirror takes the whole batch
        # before any caller resumes, in commit order.
        for pending in batch:
            self._forget(pending)
            try:
                pending.apply()
            except Exception as ex:
                # Committed yet not indexable: the mirror no longer matches the
                # file, so refuse further writes until a restart reloads it.
                log.exception("SQLite mirror rejected a committed write")
                self._broken = f"the mirror diverged from the file: {ex}"
                pending.finish(self._broken)
                continue
            pending.finish()

    def _fail(self, writes: list[Write], reason: str) -> None:
        for pending in writes:
            self._forget(pending)
            if pending.session is not None and pending.key not in self._kept_keys:
                # A kept-back row that failed to commit is kept back again
                # (unless a newer one took its place), for the next try.
                self._keep(
                    pending.session, pending.key, (pending.value, pending.sql, pending.params)
                )
            pending.finish(reason)

    def _forget(self, pending: Write) -> None:
        if self._in_flight.get(pending.key) is pending:
            del self._in_flight[pending.key]
        if pending.group is not None:
            self._groups[pending.group] -= 1
            if self._groups[pending.group] <= 0:
                del self._groups[pending.group]


def _load(rows: dict[str, list[tuple[Any, ...]]]) -> Mirror:
    """Return a mirror holding every loaded row, in the file's order."""
    mirror = Mirror()
    for (text,) in rows["answers"]:
        mirror.answers.load(RecordedAnswer.from_dict(orjson.loads(text)))
    for (text,) in rows["scores"]:
        run_now(mirror.scores.raise_score(_record(ParticipantScore, text)))
    for (text,) in rows["answer_results"]:
        run_now(mirror.scores.save_result(AnswerResult.from_dict(orjson.loads(text))))
    for (text,) in rows["sessions"]:
        run_now(mirror.sessions.create(SessionState.from_dict(orjson.loads(text))))
    for (text,) in rows["participants"]:
        run_now(mirror.sessions.add_participant(_record(Participant, text)))
    for session_id, user_id, question_index, served_at in rows["served"]:
        run_now(mirror.sessions.serve(session_id, user_id, question_index, served_at))
    for (text,) in rows["quizzes"]:
        run_now(mirror.master.save_quiz(quiz_from_dict(orjson.loads(text))))
    for (text,) in rows["users"]:
        run_now(mirror.master.upsert_user(_record(User, text)))
    for (text,) in rows["session_results"]:
        result = _record(SessionResult, text)
        run_now(mirror.master.save_result(result))
        mirror.session_results[(result.session_id, result.user_id)] = result
    return mirror
