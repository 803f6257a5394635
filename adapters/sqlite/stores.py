"""Embedded stores: durable write-through around memory indexes.

Each write follows one pattern. Make the record resident (a session being
played always is; anything else is read from the file on demand), then
decide, without awaiting, against its committed state and the writes still
in flight; queue the change; await its commit; only then return. An answer
that depends on a write still in flight (a duplicate of an answer being
committed, say) waits for that commit too, so nothing is ever acknowledged
that a crash could take back. Reads come from the resident state, which
holds committed state only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import orjson

from adapters.sqlite.database import (
    SqliteDatabase,
    Write,
    dumps,
    load_record,
    run_now,
    session_key,
)
from quizcore.errors import Conflict
from quizcore.model import (
    AnswerResult,
    ParticipantScore,
    RecordedAnswer,
    RecordOutcome,
    SessionResult,
    User,
)
from quizcore.quiz import Quiz, quiz_from_dict
from quizcore.session import Participant, SessionState

_INSERT_ANSWER = (
    "INSERT INTO answers (session_id, question_id, user_id, submission_id, data)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (session_id, question_id, user_id) DO NOTHING"
)
_RAISE_SCORE = (
    "INSERT INTO scores (session_id, user_id, score, data) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (session_id, user_id) DO UPDATE"
    " SET score = excluded.score, data = excluded.data WHERE excluded.score > scores.score"
)
_SAVE_ANSWER_RESULT = (
    "INSERT INTO answer_results (session_id, user_id, submission_id, status, data)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (session_id, user_id, submission_id) DO UPDATE"
    " SET status = excluded.status, data = excluded.data"
    " WHERE answer_results.status <> 'scored' OR excluded.status = 'scored'"
)
_CREATE_SESSION = (
    "INSERT INTO sessions (session_id, version, data) VALUES (?, ?, ?)"
    " ON CONFLICT (session_id) DO NOTHING"
)
_SAVE_SESSION = "UPDATE sessions SET version = ?, data = ? WHERE session_id = ? AND version = ?"
_ADD_PARTICIPANT = (
    "INSERT INTO participants (session_id, user_id, data) VALUES (?, ?, ?)"
    " ON CONFLICT (session_id, user_id) DO NOTHING"
)
# The participant's row stays: the marker removes them, on load as in memory.
_REMOVE_PARTICIPANT = (
    "INSERT INTO removed_participants (session_id, user_id, data) VALUES (?, ?, ?)"
    " ON CONFLICT (session_id, user_id) DO NOTHING"
)
_SERVE = (
    "INSERT INTO served (session_id, user_id, question_index, served_at) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (session_id, user_id, question_index) DO NOTHING"
)
_SAVE_QUIZ = (
    "INSERT INTO quizzes (quiz_id, data) VALUES (?, ?)"
    " ON CONFLICT (quiz_id) DO UPDATE SET data = excluded.data"
)
# Changes one row whether or not the quiz was archived before (the writer
# checks every write changed exactly one): archiving again is a no-op.
_ARCHIVE_QUIZ = (
    "INSERT INTO archived_quizzes (quiz_id) VALUES (?)"
    " ON CONFLICT (quiz_id) DO UPDATE SET quiz_id = excluded.quiz_id"
)
_UPSERT_USER = (
    "INSERT INTO users (user_id, data) VALUES (?, ?)"
    " ON CONFLICT (user_id) DO UPDATE SET data = excluded.data"
)
_SAVE_SESSION_RESULT = (
    "INSERT INTO session_results (session_id, user_id, score, final, data)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (session_id, user_id) DO UPDATE"
    " SET score = excluded.score, final = excluded.final, data = excluded.data"
    " WHERE excluded.score >= session_results.score"
    " AND (excluded.final OR NOT session_results.final)"
)


async def _settle(database: SqliteDatabase, pending: Write | None) -> None:
    # A no-op decided against a write in flight is only true once that write
    # is durable; if it fails, StoreUnavailable tells the caller to retry.
    if pending is not None:
        await database.settle(pending)


class SqliteAnswerStore:
    """Recorded answers in the SQLite file, read from a memory index."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def record(self, answer: RecordedAnswer) -> tuple[RecordOutcome, RecordedAnswer]:
        """Store once per (session, question, user); return after the commit."""
        session_id = answer.session_id
        mirror = await self._db.session(session_id)
        key = ("answer", session_id, answer.question_id, answer.user_id)
        pending = self._db.in_flight(key)
        if pending is not None:
            stored: RecordedAnswer = pending.value
            same = stored.submission_id == answer.submission_id
            await self._db.settle(pending)
            return (RecordOutcome.DUPLICATE if same else RecordOutcome.CONFLICT), stored
        outcome, stored = mirror.answers.check(answer)
        if outcome is not RecordOutcome.RECORDED:
            return outcome, stored
        params = (
            session_id,
            answer.question_id,
            answer.user_id,
            answer.submission_id,
            dumps(answer),
        )
        write = self._db.write(
            key,
            answer,
            _INSERT_ANSWER,
            params,
            self._db.on_session(session_id, lambda held: held.answers.load(answer)),
            owner=session_id,
        )
        await self._db.settle(write)
        return RecordOutcome.RECORDED, answer

    async def get(self, session_id: str, question_id: str, user_id: str) -> RecordedAnswer | None:
        """Return this participant's answer to the question, if any."""
        mirror = await self._db.session(session_id)
        return await mirror.answers.get(session_id, question_id, user_id)

    async def by_submission(
        self, session_id: str, user_id: str, submission_id: str
    ) -> RecordedAnswer | None:
        """Return the answer recorded under this submission id, if any."""
        mirror = await self._db.session(session_id)
        return await mirror.answers.by_submission(session_id, user_id, submission_id)

    async def for_participant(self, session_id: str, user_id: str) -> list[RecordedAnswer]:
        """Return every answer of one participant, ordered by question index."""
        mirror = await self._db.session(session_id)
        return await mirror.answers.for_participant(session_id, user_id)

    async def question_count(self, session_id: str, question_id: str) -> int:
        """Return how many participants answered the question."""
        mirror = await self._db.session(session_id)
        return await mirror.answers.question_count(session_id, question_id)

    async def for_session(self, session_id: str) -> list[RecordedAnswer]:
        """Return every answer recorded in the session."""
        mirror = await self._db.session(session_id)
        return await mirror.answers.for_session(session_id)


class SqliteScoreStore:
    """Participant scores and submission results in the SQLite file."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def raise_score(self, score: ParticipantScore) -> bool:
        """Store the score if higher than the stored one; True if it changed."""
        held = (await self._db.session(score.session_id)).scores
        key = ("score", score.session_id, score.user_id)
        pending = self._db.in_flight(key)
        current = (
            pending.value
            if pending is not None
            else run_now(held.get_score(score.session_id, score.user_id))
        )
        if current is not None and current.score >= score.score:
            return False
        # Written behind: scores are projections rebuilt from the recorded
        # answers on start, so waiting for this commit would only put one more
        # fsync on every answer's way to its result.
        # Memory takes the score now, so reads see it at once; should the
        # commit fail, the restart's rebuild from the answers restores it.
        _expect(run_now(held.raise_score(score)))
        self._db.project(
            score.session_id,
            key,
            score,
            _RAISE_SCORE,
            lambda: (score.session_id, score.user_id, score.score, dumps(score)),
        )
        return True

    async def get_score(self, session_id: str, user_id: str) -> ParticipantScore | None:
        """Return the participant's score, if any."""
        mirror = await self._db.session(session_id)
        return await mirror.scores.get_score(session_id, user_id)

    async def scores(self, session_id: str) -> list[ParticipantScore]:
        """Return every participant score of the session."""
        mirror = await self._db.session(session_id)
        return await mirror.scores.scores(session_id)

    async def save_result(self, result: AnswerResult) -> None:
        """Store the submission's result; a scored one is never downgraded."""
        session_id = result.session_id
        held = (await self._db.session(session_id)).scores
        key = ("result", session_id, result.user_id, result.submission_id)
        pending = self._db.in_flight(key)
        current = (
            pending.value
            if pending is not None
            else run_now(held.get_result(session_id, result.user_id, result.submission_id))
        )
        downgrade = current is not None and current.status == "scored" and result.status != "scored"
        # A scored result is a projection (written behind, rebuilt on start);
        # a rejection is not derivable from the answers, so it is awaited.
        durable = result.status != "scored"
        if downgrade or current == result:
            if durable:
                await _settle(self._db, pending)
            return

        def params() -> tuple[Any, ...]:
            return (session_id, result.user_id, result.submission_id, result.status, dumps(result))

        if durable:
            write = self._db.write(
                key,
                result,
                _SAVE_ANSWER_RESULT,
                params(),
                self._db.on_session(
                    session_id, lambda mirror: run_now(mirror.scores.save_result(result))
                ),
                owner=session_id,
            )
            await self._db.settle(write)
        else:
            run_now(held.save_result(result))
            self._db.project(session_id, key, result, _SAVE_ANSWER_RESULT, params)

    async def get_result(
        self, session_id: str, user_id: str, submission_id: str
    ) -> AnswerResult | None:
        """Return the submission's result, if any."""
        mirror = await self._db.session(session_id)
        return await mirror.scores.get_result(session_id, user_id, submission_id)


class SqliteSessionStore:
    """Sessions, participants and serve times in the SQLite file."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def _current(self, session_id: str) -> tuple[SessionState | None, Write | None]:
        mirror = await self._db.session(session_id)
        pending = self._db.in_flight(session_key(session_id))
        if pending is not None:
            return pending.value, pending
        return mirror.state, None

    async def create(self, state: SessionState) -> bool:
        """Insert the session if its id is free; False when taken."""
        session_id = state.session_id
        current, pending = await self._current(session_id)
        if current is not None:
            await _settle(self._db, pending)
            return False
        params = (session_id, state.version, dumps(state.to_dict()))
        write = self._db.write(
            session_key(session_id),
            state,
            _CREATE_SESSION,
            params,
            self._db.on_session(
                session_id, lambda mirror: _expect(run_now(mirror.sessions.create(state)))
            ),
            owner=session_id,
        )
        await self._db.settle(write)
        return True

    async def get(self, session_id: str) -> SessionState | None:
        """Return the session, if any."""
        return (await self._db.session(session_id)).state

    async def save(self, state: SessionState, expected_version: int) -> None:
        """Replace the state if its stored version matches; else raise Conflict."""
        session_id = state.session_id
        if state.status == "finished":
            await self._db.release_kept(session_id)
        current, pending = await self._current(session_id)
        if current is None or current.version != expected_version:
            await _settle(self._db, pending)
            raise Conflict(f"session {session_id} changed meanwhile")
        params = (state.version, dumps(state.to_dict()), session_id, expected_version)
        if state.status == "finished" and current.status != "finished":
            # Its projections were kept back while it ran: queued before the
            # session's own row, they are durable once the finish is.
            self._db.end_session(session_id)
        write = self._db.write(
            session_key(session_id),
            state,
            _SAVE_SESSION,
            params,
            self._db.on_session(
                session_id, lambda mirror: run_now(mirror.sessions.save(state, expected_version))
            ),
            owner=session_id,
        )
        await self._db.settle(write)

    async def running(self) -> list[SessionState]:
        """Return every session that is not finished."""
        return self._db.running()

    async def add_participant(self, participant: Participant) -> tuple[Participant, bool, int]:
        """Add once; return the stored participant, whether new, and the count."""
        session_id, user_id = participant.session_id, participant.user_id
        held = (await self._db.session(session_id)).sessions
        key = ("participant", session_id, user_id)
        group = ("participants", session_id)
        pending = self._db.in_flight(key)
        existing = (
            pending.value
            if pending is not None
            else run_now(held.get_participant(session_id, user_id))
        )
        # Joins still in flight count: each is decided, and fails only together
        # with every join decided after it.
        count = run_now(held.participant_count(session_id)) + self._db.in_flight_count(group)
        if existing is not None:
            await _settle(self._db, pending)
            return existing, False, count
        params = (session_id, user_id, dumps(participant))
        write = self._db.write(
            key,
            participant,
            _ADD_PARTICIPANT,
            params,
            self._db.on_session(
                session_id,
                lambda mirror: _expect(run_now(mirror.sessions.add_participant(participant))[1]),
            ),
            group=group,
            owner=session_id,
        )
        await self._db.settle(write)
        return participant, True, count + 1

    async def get_participant(self, session_id: str, user_id: str) -> Participant | None:
        """Return the participant, if joined."""
        mirror = await self._db.session(session_id)
        return await mirror.sessions.get_participant(session_id, user_id)

    async def participants(self, session_id: str) -> list[Participant]:
        """Return every participant in join order."""
        mirror = await self._db.session(session_id)
        return await mirror.sessions.participants(session_id)

    async def participant_count(self, session_id: str) -> int:
        """Return how many joined."""
        mirror = await self._db.session(session_id)
        return await mirror.sessions.participant_count(session_id)

    async def remove_participant(self, session_id: str, user_id: str) -> Participant | None:
        """Remove the participant and remember it; return them (None if never joined)."""
        held = (await self._db.session(session_id)).sessions
        key = ("removed", session_id, user_id)
        pending = self._db.in_flight(key)
        if pending is not None:
            await _settle(self._db, pending)
            removing: Participant = pending.value
            return removing
        joining = self._db.in_flight(("participant", session_id, user_id))
        if joining is not None:
            # A join still in flight is decided: wait for it, then decide again
            # (another removal may have been queued meanwhile).
            await _settle(self._db, joining)
            return await self.remove_participant(session_id, user_id)
        present = run_now(held.get_participant(session_id, user_id))
        if present is None:
            return run_now(held.remove_participant(session_id, user_id))
        write = self._db.write(
            key,
            present,
            _REMOVE_PARTICIPANT,
            (session_id, user_id, dumps(present)),
            self._db.on_session(
                session_id,
                lambda mirror: run_now(mirror.sessions.remove_participant(session_id, user_id)),
            ),
            owner=session_id,
        )
        await self._db.settle(write)
        return present

    async def removed(self, session_id: str, user_id: str) -> bool:
        """Return whether the user was removed from the session."""
        mirror = await self._db.session(session_id)
        return await mirror.sessions.removed(session_id, user_id)

    async def removed_participants(self, session_id: str) -> list[str]:
        """Return the users removed from the session, in the order removed."""
        mirror = await self._db.session(session_id)
        return await mirror.sessions.removed_participants(session_id)

    async def claim_name(self, session_id: str, name_key: str, user_id: str) -> bool:
        """Reserve the name for the user; False when another participant holds it.

        Claims live in memory: the participant row, written right after, is
        what makes the name durable (a restart, or a read of the session
        from the file, re-derives the claims from it).
        """
        mirror = await self._db.session(session_id)
        return await mirror.sessions.claim_name(session_id, name_key, user_id)

    async def serve(self, session_id: str, user_id: str, question_index: int, at: int) -> int:
        """Keep the first time the question was served to the user; return it."""
        held = (await self._db.session(session_id)).sessions
        key = ("served", session_id, user_id, question_index)
        pending = self._db.in_flight(key)
        first = (
            pending.value
            if pending is not None
            else run_now(held.served(session_id, user_id)).get(question_index)
        )
        if first is not None:
            await _settle(self._db, pending)
            return int(first)
        write = self._db.write(
            key,
            at,
            _SERVE,
            (session_id, user_id, question_index, at),
            self._db.on_session(
                session_id,
                lambda mirror: run_now(
                    mirror.sessions.serve(session_id, user_id, question_index, at)
                ),
            ),
            owner=session_id,
        )
        await self._db.settle(write)
        return at

    async def served(self, session_id: str, user_id: str) -> dict[int, int]:
        """Return the serve times of the user's questions by index."""
        mirror = await self._db.session(session_id)
        return await mirror.sessions.served(session_id, user_id)


def _fetch_quiz(quiz_id: str) -> Callable[[sqlite3.Connection], Quiz | None]:
    def fetch(conn: sqlite3.Connection) -> Quiz | None:
        row = conn.execute("SELECT data FROM quizzes WHERE quiz_id = ?", (quiz_id,)).fetchone()
        return None if row is None else quiz_from_dict(orjson.loads(row[0]))

    return fetch


def _fetch_user(user_id: str) -> Callable[[sqlite3.Connection], User | None]:
    def fetch(conn: sqlite3.Connection) -> User | None:
        row = conn.execute("SELECT data FROM users WHERE user_id = ?", (user_id,)).fetchone()
        return None if row is None else load_record(User, row[0])

    return fetch


def _quiz_page(
    offset: int, limit: int | None, author_id: str | None
) -> Callable[[sqlite3.Connection], list[Quiz]]:
    def fetch(conn: sqlite3.Connection) -> list[Quiz]:
        rows = conn.execute(
            "SELECT data FROM quizzes WHERE quiz_id NOT IN (SELECT quiz_id FROM archived_quizzes)"
            " AND (? IS NULL OR json_extract(data, '$.author_id') = ?)"
            " ORDER BY seq LIMIT ? OFFSET ?",
            (author_id, author_id, -1 if limit is None else limit, offset),
        ).fetchall()
        return [quiz_from_dict(orjson.loads(text)) for (text,) in rows]

    return fetch


def _is_archived(quiz_id: str) -> Callable[[sqlite3.Connection], bool]:
    def fetch(conn: sqlite3.Connection) -> bool:
        found = conn.execute("SELECT 1 FROM archived_quizzes WHERE quiz_id = ?", (quiz_id,))
        return found.fetchone() is not None

    return fetch


def _user_totals(user_id: str) -> Callable[[sqlite3.Connection], tuple[int, int]]:
    def fetch(conn: sqlite3.Connection) -> tuple[int, int]:
        total, played = conn.execute(
            "SELECT COALESCE(SUM(score), 0), COUNT(*) FROM session_results"
            " WHERE user_id = ? AND final",
            (user_id,),
        ).fetchone()
        return int(total), int(played)

    return fetch


def _all_totals(conn: sqlite3.Connection) -> list[tuple[str, int, int]]:
    rows = conn.execute(
        "SELECT user_id, SUM(score), MAX(json_extract(data, '$.reached_at'))"
        " FROM session_results WHERE final GROUP BY user_id ORDER BY MIN(seq)"
    ).fetchall()
    return [(user_id, int(total), int(last)) for user_id, total, last in rows]


class SqliteMasterStore:
    """Quizzes, users and session results in the SQLite file.

    Quizzes and users are read on demand and cached (least recently used
    first out); totals are summed by the file, over final results only.
    """

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def save_quiz(self, quiz: Quiz) -> None:
        """Store the quiz under its id (idempotent upsert)."""
        data = quiz.to_dict()
        # Keep what a later read will load, so reads before and after agree;
        # a quiz that cannot be loaded back is refused here (InvalidQuiz), not
        # at the next read.
        stored = quiz_from_dict(data)
        key = ("quiz", quiz.quiz_id)
        cached = await self._db.record(key, _fetch_quiz(quiz.quiz_id))
        pending = self._db.in_flight(key)
        current = pending.value if pending is not None else cached
        if current == stored:
            await _settle(self._db, pending)
            return
        write = self._db.write(
            key,
            stored,
            _SAVE_QUIZ,
            (quiz.quiz_id, dumps(data)),
            lambda: self._db.remember(key, stored),
        )
        await self._db.settle(write)

    async def get_quiz(self, quiz_id: str) -> Quiz | None:
        """Return the quiz, if any."""
        quiz: Quiz | None = await self._db.record(("quiz", quiz_id), _fetch_quiz(quiz_id))
        return quiz

    async def list_quizzes(
        self, offset: int = 0, limit: int | None = None, *, author_id: str | None = None
    ) -> list[Quiz]:
        """Return quizzes oldest first, not the archived; the file does the paging."""
        return await self._db.query(_quiz_page(offset, limit, author_id))

    async def archive_quiz(self, quiz_id: str) -> None:
        """Take the quiz off the list (a row of ``archived_quizzes``)."""
        key = ("archived", quiz_id)
        pending = self._db.in_flight(key)
        if pending is not None:
            await _settle(self._db, pending)
            return
        write = self._db.write(key, True, _ARCHIVE_QUIZ, (quiz_id,), lambda: None)
        await self._db.settle(write)

    async def is_archived(self, quiz_id: str) -> bool:
        """Return whether the quiz was archived (read from the file)."""
        pending = self._db.in_flight(("archived", quiz_id))
        if pending is not None:
            await _settle(self._db, pending)
            return True
        return await self._db.query(_is_archived(quiz_id))

    async def upsert_user(self, user: User) -> User:
        """Create or update the user (idempotent); return the stored record."""
        key = ("user", user.user_id)
        cached = await self._db.record(key, _fetch_user(user.user_id))
        pending = self._db.in_flight(key)
        current = pending.value if pending is not None else cached
        if current == user:
            await _settle(self._db, pending)
            return user
        write = self._db.write(
            key,
            user,
            _UPSERT_USER,
            (user.user_id, dumps(user)),
            lambda: self._db.remember(key, user),
        )
        await self._db.settle(write)
        return user

    async def get_user(self, user_id: str) -> User | None:
        """Return the user, if known."""
        user: User | None = await self._db.record(("user", user_id), _fetch_user(user_id))
        return user

    async def save_result(self, result: SessionResult) -> None:
        """Upsert the result; a lower score never replaces a higher one."""
        session_id = result.session_id
        mirror = await self._db.session(session_id)
        key = ("session_result", session_id, result.user_id)
        pending = self._db.in_flight(key)
        current: SessionResult | None = (
            pending.value if pending is not None else mirror.results.get(result.user_id)
        )
        # The same rules as the memory store and the SQL guard below: a lower
        # score, or a provisional result over a final one, changes nothing.
        if current is not None and (
            current.score > result.score or (current.final and not result.final)
        ):
            await _settle(self._db, pending)
            return
        if current == result:
            await _settle(self._db, pending)
            return

        def params() -> tuple[Any, ...]:
            return (session_id, result.user_id, result.score, int(result.final), dumps(result))

        apply = self._db.on_session(session_id, lambda held: held.save_result(result))
        # Running results follow every answer and are rebuilt from the answers;
        # they are written behind (memory takes them now). Final results
        # are master data: their commit is awaited.
        if result.final:
            write = self._db.write(
                key, result, _SAVE_SESSION_RESULT, params(), apply, owner=session_id
            )
            await self._db.settle(write)
        else:
            apply()
            self._db.project(session_id, key, result, _SAVE_SESSION_RESULT, params)

    async def session_results(self, session_id: str) -> list[SessionResult]:
        """Return the stored results of a session."""
        mirror = await self._db.session(session_id)
        return list(mirror.results.values())

    async def user_totals(self, user_id: str) -> tuple[int, int]:
        """Return (total score, sessions played) over final results."""
        return await self._db.query(_user_totals(user_id))

    async def all_totals(self) -> list[tuple[str, int, int]]:
        """Return (user id, total, last reached_at) for users with results."""
        return await self._db.query(_all_totals)


def _expect(changed: bool) -> None:
    if not changed:
        raise RuntimeError("the mirror refused a change the file committed")


__all__ = [
    "SqliteAnswerStore",
    "SqliteMasterStore",
    "SqliteScoreStore",
    "SqliteSessionStore",
]
