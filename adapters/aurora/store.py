"""The ``MasterStore`` port on Aurora PostgreSQL through asyncpg."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from adapters.aurora.errors import quote_schema, unavailable_on_failure
from quizcore.model import SessionResult, User
from quizcore.quiz import Question, Quiz

_QUIZ_COLUMNS = "quiz_id, title, language, level, typo_tolerance, author_id"
_QUESTION_COLUMNS = (
    "question_index, question_id, prompt, kind, answer, choices, accept, points, seconds"
)
_RESULT_COLUMNS = "session_id, user_id, display_name, score, correct_count, rank, final, reached_at"


def _quizzes(rows: Sequence[asyncpg.Record]) -> list[Quiz]:
    """Fold quiz rows joined with their questions (in order) into quizzes."""
    heads: dict[str, asyncpg.Record] = {}
    questions: dict[str, list[Question]] = {}
    for row in rows:
        quiz_id = row["quiz_id"]
        if quiz_id not in heads:
            heads[quiz_id] = row
            questions[quiz_id] = []
        if row["question_index"] is None:
            continue
        questions[quiz_id].append(
            Question(
                question_id=row["question_id"],
                index=row["question_index"],
                prompt=row["prompt"],
                kind=row["kind"],
                answer=row["answer"],
                choices=tuple(row["choices"]),
                accept=tuple(row["accept"]),
                points=row["points"],
                seconds=row["seconds"],
            )
        )
    return [
        Quiz(
            quiz_id=quiz_id,
            title=head["title"],
            language=head["language"],
            level=head["level"],
            typo_tolerance=head["typo_tolerance"],
            author_id=head["author_id"],
            questions=tuple(questions[quiz_id]),
        )
        for quiz_id, head in heads.items()
    ]


def _user(row: asyncpg.Record) -> User:
    return User(
        user_id=row["user_id"],
        display_name=row["display_name"],
        status=row["status"],
        email=row["email"],
    )


def _result(row: asyncpg.Record) -> SessionResult:
    return SessionResult(**{name: row[name] for name in _RESULT_COLUMNS.split(", ")})


class PostgresMasterStore:
    """Quizzes, users and session results in PostgreSQL (Aurora).

    ``pool`` is an ``asyncpg.Pool`` owned by the caller; ``schema`` must have
    been migrated (``adapters.aurora.migrate``). Every statement names the
    schema, so the store works whatever ``search_path`` the pool sets.
    Each method is one statement or one transaction, so each is atomic;
    connection failures raise ``StoreUnavailable``.
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        schema: str = "quizcore",
        acquire_timeout: float = 5.0,
    ) -> None:
        self.pool = pool
        self.schema = schema
        self.acquire_timeout = acquire_timeout
        self._s = quote_schema(schema)

    async def _fetch(self, what: str, query: str, *args: Any) -> list[asyncpg.Record]:
        with unavailable_on_failure(what):
            async with self.pool.acquire(timeout=self.acquire_timeout) as connection:
                rows: list[asyncpg.Record] = await connection.fetch(query, *args)
                return rows

    async def _fetchrow(self, what: str, query: str, *args: Any) -> asyncpg.Record | None:
        rows = await self._fetch(what, query, *args)
        return rows[0] if rows else None

    def _quiz_query(self, where: str) -> str:
        quoted = self._s
        return (
            f"SELECT z.quiz_id, z.title, z.language, z.level, z.typo_tolerance, z.author_id,"
            f" q.question_index, q.question_id, q.prompt, q.kind, q.answer, q.choices,"
            f" q.accept, q.points, q.seconds"
            f" FROM {quoted}.quizzes z LEFT JOIN {quoted}.questions q USING (quiz_id)"
            f" {where} ORDER BY z.seq, q.question_index"
        )

    async def save_quiz(self, quiz: Quiz) -> None:
        """Store the quiz and its questions under its id (idempotent upsert)."""
        quoted = self._s
        with unavailable_on_failure("save quiz"):
            async with (
                self.pool.acquire(timeout=self.acquire_timeout) as connection,
                connection.transaction(),
            ):
                # The upsert locks the quiz row first, so concurrent saves of
                # one quiz replace its questions one after the other.
                await connection.execute(
                    f"INSERT INTO {quoted}.quizzes ({_QUIZ_COLUMNS})"
                    " VALUES ($1, $2, $3, $4, $5, $6)"
                    " ON CONFLICT (quiz_id) DO UPDATE SET title = EXCLUDED.title,"
                    " language = EXCLUDED.language, level = EXCLUDED.level,"
                    " typo_tolerance = EXCLUDED.typo_tolerance,"
                    " author_id = EXCLUDED.author_id, updated_at = now()",
                    quiz.quiz_id,
                    quiz.title,
                    quiz.language,
                    quiz.level,
                    quiz.typo_tolerance,
                    quiz.author_id,
                )
                await connection.execute(
                    f"DELETE FROM {quoted}.questions WHERE quiz_id = $1", quiz.quiz_id
                )
                await connection.executemany(
                    f"INSERT INTO {quoted}.questions (quiz_id, {_QUESTION_COLUMNS})"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    [
                        (
                            quiz.quiz_id,
                            question.index,
                            question.question_id,
                            question.prompt,
                            question.kind,
                            question.answer,
                            list(question.choices),
                            list(question.accept),
                            question.points,
                            question.seconds,
                        )
                        for question in quiz.questions
                    ],
                )

    async def get_quiz(self, quiz_id: str) -> Quiz | None:
        """Return the quiz with its questions in one statement, if any."""
        rows = await self._fetch("get quiz", self._quiz_query("WHERE z.quiz_id = $1"), quiz_id)
        quizzes = _quizzes(rows)
        return quizzes[0] if quizzes else None

    async def list_quizzes(
        self, offset: int = 0, limit: int | None = None, *, author_id: str | None = None
    ) -> list[Quiz]:
        """Return quizzes oldest first (not the archived); the database does the paging."""
        page = (
            f"WHERE z.quiz_id IN (SELECT quiz_id FROM {self._s}.quizzes"
            " WHERE archived_at IS NULL AND ($3::text IS NULL OR author_id = $3)"
            " ORDER BY seq LIMIT $1 OFFSET $2)"
        )
        rows = await self._fetch("list quizzes", self._quiz_query(page), limit, offset, author_id)
        return _quizzes(rows)

    async def archive_quiz(self, quiz_id: str) -> None:
        """Take the quiz off the list (its row stays, marked; idempotent)."""
        await self._fetch(
            "archive quiz",
            f"UPDATE {self._s}.quizzes SET archived_at = COALESCE(archived_at, now())"
            " WHERE quiz_id = $1 RETURNING quiz_id",
            quiz_id,
        )

    async def is_archived(self, quiz_id: str) -> bool:
        """Return whether the quiz was archived."""
        row = await self._fetchrow(
            "quiz archived",
            f"SELECT archived_at IS NOT NULL AS archived FROM {self._s}.quizzes WHERE quiz_id = $1",
            quiz_id,
        )
        return bool(row["archived"]) if row is not None else False

    async def upsert_user(self, user: User) -> User:
        """Create or update the user (idempotent); return the stored record."""
        row = await self._fetchrow(
            "upsert user",
            f"INSERT INTO {self._s}.users (user_id, display_name, status, email)"
            " VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (user_id) DO UPDATE SET display_name = EXCLUDED.display_name,"
            " status = EXCLUDED.status, email = EXCLUDED.email, updated_at = now()"
            " RETURNING user_id, display_name, status, email",
            user.user_id,
            user.display_name,
            user.status,
            user.email,
        )
        assert row is not None  # INSERT ... RETURNING always returns the row
        return _user(row)

    async def get_user(self, user_id: str) -> User | None:
        """Return the user, if known."""
        row = await self._fetchrow(
            "get user",
            f"SELECT user_id, display_name, status, email FROM {self._s}.users WHERE user_id = $1",
            user_id,
        )
        return _user(row) if row is not None else None

    async def save_result(self, result: SessionResult) -> None:
        """Upsert the (session, user) result in one statement.

        A lower score never replaces a higher one, and a final result is
        never replaced by a running one; the ``WHERE`` of ``DO UPDATE`` checks
        both against the locked row, so concurrent and redelivered saves
        converge on the same row.
        """
        await self._fetch(
            "save result",
            f"INSERT INTO {self._s}.session_results AS stored ({_RESULT_COLUMNS})"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (session_id, user_id) DO UPDATE SET"
            " display_name = EXCLUDED.display_name, score = EXCLUDED.score,"
            " correct_count = EXCLUDED.correct_count, rank = EXCLUDED.rank,"
            " final = EXCLUDED.final, reached_at = EXCLUDED.reached_at, updated_at = now()"
            " WHERE stored.score <= EXCLUDED.score"
            " AND (EXCLUDED.final OR NOT stored.final)",
            result.session_id,
            result.user_id,
            result.display_name,
            result.score,
            result.correct_count,
            result.rank,
            result.final,
            result.reached_at,
        )

    async def session_results(self, session_id: str) -> list[SessionResult]:
        """Return the stored results of a session in the order they arrived."""
        rows = await self._fetch(
            "session results",
            f"SELECT {_RESULT_COLUMNS} FROM {self._s}.session_results"
            " WHERE session_id = $1 ORDER BY seq",
            session_id,
        )
        return [_result(row) for row in rows]

    async def user_totals(self, user_id: str) -> tuple[int, int]:
        """Return (total score, sessions played) over final results."""
        row = await self._fetchrow(
            "user totals",
            f"SELECT coalesce(sum(score), 0) AS total, count(*) AS played"
            f" FROM {self._s}.session_results WHERE user_id = $1 AND final",
            user_id,
        )
        assert row is not None  # an aggregate always returns one row
        return int(row["total"]), int(row["played"])

    async def all_totals(self) -> list[tuple[str, int, int]]:
        """Return (user id, total, last reached_at) per user with results."""
        rows = await self._fetch(
            "all totals",
            f"SELECT user_id, sum(score) AS total, max(reached_at) AS last"
            f" FROM {self._s}.session_results WHERE final"
            f" GROUP BY user_id ORDER BY min(seq)",
        )
        return [(row["user_id"], int(row["total"]), int(row["last"])) for row in rows]
