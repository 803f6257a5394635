"""Embedded stores: durable write-through around memory indexes.

Each write follows one pattern. Decide, without awaiting, against the
committed mirror and the writes still in flight; queue the change; await its
commit; only then return. An answer that depends on a write still in flight
(a duplicate of an answer being committed, say) waits for that commit too, so
nothing is ever acknowledged that a crash could take back. Reads come from
the mirror, which holds committed state only.
"""

from __future__ import annotations

from adapters.sqlite.database import SqliteDatabase, Write, dumps, run_now, session_key
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
_SERVE = (
    "INSERT INTO served (session_id, user_id, question_index, served_at) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (session_id, user_id, question_index) DO NOTHING"
)
_SAVE_QUIZ = (
    "INSERT INTO quizzes (quiz_id, data) VALUES (?, ?)"
    " ON CONFLICT (quiz_id) DO UPDATE SET data = excluded.data"
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
        key = ("answer", answer.session_id, answer.question_id, answer.user_id)
        pending = self._db.in_flight(key)
        if pending is not None:
            stored: RecordedAnswer = pending.value
            same = stored.submission_id == answer.submission_id
            await self._db.settle(pending)
            return (RecordOutcome.DUPLICATE if same else RecordOutcome.CONFLICT), stored
        mirror = self._db.mirror.answers
        outcome, stored = mirror.check(answer)
        if outcome is not RecordOutcome.RECORDED:
            return outcome, stored
        params = (
            answer.session_id,
            answer.question_id,
            answer.user_id,
            answer.submission_id,
            dumps(answer),
        )
        write = self._db.write(key, answer, _INSERT_ANSWER, params, lambda: mirror.load(answer))
        await self._db.settle(write)
        return RecordOutcome.RECORDED, answer

    async def get(self, session_id: str, question_id: str, user_id: str) -> RecordedAnswer | None:
        """Return this participant's answer to the question, if any."""
        return await self._db.mirror.answers.get(session_id, question_id, user_id)

    async def by_submission(
        self, session_id: str, user_id: str, submission_id: str
    ) -> RecordedAnswer | None:
        """Return the answer recorded under this submission id, if any."""
        return await self._db.mirror.answers.by_submission(session_id, user_id, submission_id)

    async def for_participant(self, session_id: str, user_id: str) -> list[RecordedAnswer]:
        """Return every answer of one participant, ordered by question index."""
        return await self._db.mirror.answers.for_participant(session_id, user_id)

    async def question_count(self, session_id: str, question_id: str) -> int:
        """Return how many participants answered the question."""
        return await self._db.mirror.answers.question_count(session_id, question_id)

    async def for_session(self, session_id: str) -> list[RecordedAnswer]:
        """Return every answer recorded in the session."""
        return await self._db.mirror.answers.for_session(session_id)


class SqliteScoreStore:
    """Participant scores and submission results in the SQLite file."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def raise_score(self, score: ParticipantScore) -> bool:
        """Store the score if higher than the stored one; True if it changed."""
        key = ("score", score.session_id, score.user_id)
        pending = self._db.in_flight(key)
        mirror = self._db.mirror.scores
        current = (
            pending.value
            if pending is not None
            else run_now(mirror.get_score(score.session_id, score.user_id))
        )
        if current is not None and current.score >= score.score:
            return False
        params = (score.session_id, score.user_id, score.score, dumps(score))
        # Written behind: scores are projections rebuilt from the recorded
        # answers on start, so waiting for this commit would only put one more
        # fsync on every answer's way to its result.
        # The mirror takes the score now, so reads see it at once; should the
        # commit fail, the restart's rebuild from the answers restores it.
        _expect(run_now(mirror.raise_score(score)))
        self._db.project(score.session_id, key, score, _RAISE_SCORE, params)
        return True

    async def get_score(self, session_id: str, user_id: str) -> ParticipantScore | None:
        """Return the participant's score, if any."""
        return await self._db.mirror.scores.get_score(session_id, user_id)

    async def scores(self, session_id: str) -> list[ParticipantScore]:
        """Return every participant score of the session."""
        return await self._db.mirror.scores.scores(session_id)

    async def save_result(self, result: AnswerResult) -> None:
        """Store the submission's result; a scored one is never downgraded."""
        key = ("result", result.session_id, result.user_id, result.submission_id)
        pending = self._db.in_flight(key)
        mirror = self._db.mirror.scores
        current = (
            pending.value
            if pending is not None
            else run_now(mirror.get_result(result.session_id, result.user_id, result.submission_id))
        )
        downgrade = current is not None and current.status == "scored" and result.status != "scored"
        # A scored result is a projection (written behind, rebuilt on start);
        # a rejection is not derivable from the answers, so it is awaited.
        durable = result.status != "scored"
        if downgrade or current == result:
            if durable:
                await _settle(self._db, pending)
            return
        params = (
            result.session_id,
            result.user_id,
            result.submission_id,
            result.status,
            dumps(result),
        )
        if durable:
            write = self._db.write(
                key,
                result,
                _SAVE_ANSWER_RESULT,
                params,
                lambda: run_now(mirror.save_result(result)),
            )
            await self._db.settle(write)
        else:
            run_now(mirror.save_result(result))
            self._db.project(result.session_id, key, result, _SAVE_ANSWER_RESULT, params)

    async def get_result(
        self, session_id: str, user_id: str, submission_id: str
    ) -> AnswerResult | None:
        """Return the submission's result, if any."""
        return await self._db.mirror.scores.get_result(session_id, user_id, submission_id)


class SqliteSessionStore:
    """Sessions, participants and serve times in the SQLite file."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    def _current(self, session_id: str) -> tuple[SessionState | None, Write | None]:
        pending = self._db.in_flight(session_key(session_id))
        if pending is not None:
            return pending.value, pending
        return run_now(self._db.mirror.sessions.get(session_id)), None

    async def create(self, state: SessionState) -> bool:
        """Insert the session if its id is free; False when taken."""
        current, pending = self._current(state.session_id)
        if current is not None:
            await _settle(self._db, pending)
            return False
        mirror = self._db.mirror.sessions
        params = (state.session_id, state.version, dumps(state.to_dict()))
        write = self._db.write(
            session_key(state.session_id),
            state,
            _CREATE_SESSION,
            params,
            lambda: _expect(run_now(mirror.create(state))),
        )
        await self._db.settle(write)
        return True

    async def get(self, session_id: str) -> SessionState | None:
        """Return the session, if any."""
        return await self._db.mirror.sessions.get(session_id)

    async def save(self, state: SessionState, expected_version: int) -> None:
        """Replace the state if its stored version matches; else raise Conflict."""
        current, pending = self._current(state.session_id)
        if current is None or current.version != expected_version:
            await _settle(self._db, pending)
            raise Conflict(f"session {state.session_id} changed meanwhile")
        mirror = self._db.mirror.sessions
        params = (state.version, dumps(state.to_dict()), state.session_id, expected_version)
        if state.status == "finished" and current.status != "finished":
            # Its projections were kept back while it ran: queued before the
            # session's own row, they are durable once the finish is.
            self._db.end_session(state.session_id)
        write = self._db.write(
            session_key(state.session_id),
            state,
            _SAVE_SESSION,
            params,
            lambda: run_now(mirror.save(state, expected_version)),
        )
        await self._db.settle(write)

    async def running(self) -> list[SessionState]:
        """Return every session that is not finished."""
        return await self._db.mirror.sessions.running()

    async def add_participant(self, participant: Participant) -> tuple[Participant, bool, int]:
        """Add once; return the stored participant, whether new, and the count."""
        session_id, user_id = participant.session_id, participant.user_id
        key = ("participant", session_id, user_id)
        group = ("participants", session_id)
        mirror = self._db.mirror.sessions
        pending = self._db.in_flight(key)
        existing = (
            pending.value
            if pending is not None
            else run_now(mirror.get_participant(session_id, user_id))
        )
        # Joins still in flight count: each is decided, and fails only together
        # with every join decided after it.
        count = run_now(mirror.participant_count(session_id)) + self._db.in_flight_count(group)
        if existing is not None:
            await _settle(self._db, pending)
            return existing, False, count
        params = (session_id, user_id, dumps(participant))
        write = self._db.write(
            key,
            participant,
            _ADD_PARTICIPANT,
            params,
            lambda: _expect(run_now(mirror.add_participant(participant))[1]),
            group=group,
        )
        await self._db.settle(write)
        return participant, True, count + 1

    async def get_participant(self, session_id: str, user_id: str) -> Participant | None:
        """Return the participant, if joined."""
        return await self._db.mirror.sessions.get_participant(session_id, user_id)

    async def participants(self, session_id: str) -> list[Participant]:
        """Return every participant in join order."""
        return await self._db.mirror.sessions.participants(session_id)

    async def participant_count(self, session_id: str) -> int:
        """Return how many joined."""
        return await self._db.mirror.sessions.participant_count(session_id)

    async def claim_name(self, session_id: str, name_key: str, user_id: str) -> bool:
        """Reserve the name for the user; False when another participant holds it.

        Claims live in memory: the participant row, written right after, is
        what makes the name durable (a restart re-derives the claims from it).
        """
        return await self._db.mirror.sessions.claim_name(session_id, name_key, user_id)

    async def serve(self, session_id: str, user_id: str, question_index: int, at: int) -> int:
        """Keep the first time the question was served to the user; return it."""
        key = ("served", session_id, user_id, question_index)
        mirror = self._db.mirror.sessions
        pending = self._db.in_flight(key)
        first = (
            pending.value
            if pending is not None
            else run_now(mirror.served(session_id, user_id)).get(question_index)
        )
        if first is not None:
            await _settle(self._db, pending)
            return int(first)
        write = self._db.write(
            key,
            at,
            _SERVE,
            (session_id, user_id, question_index, at),
            lambda: run_now(mirror.serve(session_id, user_id, question_index, at)),
        )
        await self._db.settle(write)
        return at

    async def served(self, session_id: str, user_id: str) -> dict[int, int]:
        """Return the serve times of the user's questions by index."""
        return await self._db.mirror.sessions.served(session_id, user_id)


class SqliteMasterStore:
    """Quizzes, users and session results in the SQLite file."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def save_quiz(self, quiz: Quiz) -> None:
        """Store the quiz under its id (idempotent upsert)."""
        data = quiz.to_dict()
        # Keep what a restart will load, so reads before and after agree; a
        # quiz that cannot be loaded back is refused here (InvalidQuiz), not
        # at the next start.
        stored = quiz_from_dict(data)
        key = ("quiz", quiz.quiz_id)
        mirror = self._db.mirror.master
        pending = self._db.in_flight(key)
        current = pending.value if pending is not None else run_now(mirror.get_quiz(quiz.quiz_id))
        if current == stored:
            await _settle(self._db, pending)
            return
        write = self._db.write(
            key,
            stored,
            _SAVE_QUIZ,
            (quiz.quiz_id, dumps(data)),
            lambda: run_now(mirror.save_quiz(stored)),
        )
        await self._db.settle(write)

    async def get_quiz(self, quiz_id: str) -> Quiz | None:
        """Return the quiz, if any."""
        return await self._db.mirror.master.get_quiz(quiz_id)

    async def list_quizzes(self) -> list[Quiz]:
        """Return every quiz, oldest first."""
        return await self._db.mirror.master.list_quizzes()

    async def upsert_user(self, user: User) -> User:
        """Create or update the user (idempotent); return the stored record."""
        key = ("user", user.user_id)
        mirror = self._db.mirror.master
        pending = self._db.in_flight(key)
        current = pending.value if pending is not None else run_now(mirror.get_user(user.user_id))
        if current == user:
            await _settle(self._db, pending)
            return user
        write = self._db.write(
            key,
            user,
            _UPSERT_USER,
            (user.user_id, dumps(user)),
            lambda: run_now(mirror.upsert_user(user)),
        )
        await self._db.settle(write)
        return user

    async def get_user(self, user_id: str) -> User | None:
        """Return the user, if known."""
        return await self._db.mirror.master.get_user(user_id)

    async def save_result(self, result: SessionResult) -> None:
        """Upsert the result; a lower score never replaces a higher one."""
        key = ("session_result", result.session_id, result.user_id)
        mirror = self._db.mirror
        pending = self._db.in_flight(key)
        current: SessionResult | None = (
            pending.value
            if pending is not None
            else mirror.session_results.get((result.session_id, result.user_id))
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
        params = (
            result.session_id,
            result.user_id,
            result.score,
            int(result.final),
            dumps(result),
        )

        def apply() -> None:
            run_now(mirror.master.save_result(result))
            mirror.session_results[(result.session_id, result.user_id)] = result

        # Running results follow every answer and are rebuilt from the answers;
        # they are written behind (the mirror takes them now). Final results
        # are master data: their commit is awaited.
        if result.final:
            await self._db.settle(self._db.write(key, result, _SAVE_SESSION_RESULT, params, apply))
        else:
            apply()
            self._db.project(result.session_id, key, result, _SAVE_SESSION_RESULT, params)

    async def session_results(self, session_id: str) -> list[SessionResult]:
        """Return the stored results of a session."""
        return await self._db.mirror.master.session_results(session_id)

    async def user_totals(self, user_id: str) -> tuple[int, int]:
        """Return (total score, sessions played) over final results."""
        return await self._db.mirror.master.user_totals(user_id)

    async def all_totals(self) -> list[tuple[str, int, int]]:
        """Return (user id, total, last reached_at) for users with results."""
        return await self._db.mirror.master.all_totals()


def _expect(changed: bool) -> None:
    if not changed:
        raise RuntimeError("the mirror refused a change the file committed")


__all__ = [
    "SqliteAnswerStore",
    "SqliteMasterStore",
    "SqliteScoreStore",
    "SqliteSessionStore",
]
