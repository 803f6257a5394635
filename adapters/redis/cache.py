"""A read-through Redis cache of quizzes before any master store."""

from __future__ import annotations

import json
import logging
from typing import Any

from redis.asyncio import Redis

from adapters.redis.errors import UNAVAILABLE, text
from quizcore.model import SessionResult, User
from quizcore.ports import MasterStore
from quizcore.quiz import Question, Quiz

log = logging.getLogger(__name__)

# Bump when the JSON layout changes: old entries are then simply missed.
_FORMAT = "v1"


def quiz_to_json(quiz: Quiz) -> str:
    """Return the exact JSON form of a quiz, question ids included."""
    data = quiz.to_dict()
    for raw, question in zip(data["questions"], quiz.questions, strict=True):
        raw["question_id"] = question.question_id
        raw["index"] = question.index
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def quiz_from_json(payload: bytes | str) -> Quiz:
    """Rebuild a quiz written by ``quiz_to_json`` without re-validating it.

    The master store validated the quiz when it was authored; rebuilding the
    dataclasses field by field keeps the cached copy equal to the stored one.
    """
    data: dict[str, Any] = json.loads(text(payload))
    return Quiz(
        quiz_id=data["quiz_id"],
        title=data["title"],
        language=data["language"],
        level=data["level"],
        typo_tolerance=data["typo_tolerance"],
        author_id=data["author_id"],
        questions=tuple(
            Question(
                question_id=raw["question_id"],
                index=raw["index"],
                prompt=raw["prompt"],
                kind=raw["kind"],
                answer=raw["answer"],
                choices=tuple(raw["choices"]),
                accept=tuple(raw["accept"]),
                points=raw["points"],
                seconds=raw["seconds"],
            )
            for raw in data["questions"]
        ),
    )


class RedisQuizCache:
    """A ``MasterStore`` caching ``get_quiz`` in Redis, delegating the rest.

    Quizzes never change once authored, so a cached copy is never stale; the
    TTL only bounds memory. The cache is an optimisation, never a dependency:
    when Redis does not answer, reads fall through to ``master`` (and a
    warning is logged) instead of failing. Misses are not cached, so a quiz
    created later is found at once.
    """

    def __init__(
        self,
        master: MasterStore,
        client: Redis,
        *,
        prefix: str = "quizcore",
        ttl_seconds: int = 3600,
    ) -> None:
        self.master = master
        self.client = client
        self.prefix = prefix
        self.ttl_seconds = ttl_seconds

    def key(self, quiz_id: str) -> str:
        """Return the cache key of a quiz."""
        return f"{self.prefix}:quiz:{_FORMAT}:{quiz_id}"

    async def get_quiz(self, quiz_id: str) -> Quiz | None:
        """Return the quiz from the cache, else from the master (then cache it)."""
        key = self.key(quiz_id)
        try:
            cached = await self.client.get(key)
        except UNAVAILABLE as ex:
            log.warning("quiz cache read failed, using the master store: %s", ex)
            return await self.master.get_quiz(quiz_id)
        if cached is not None:
            return quiz_from_json(cached)
        quiz = await self.master.get_quiz(quiz_id)
        if quiz is not None:
            try:
                await self.client.set(key, quiz_to_json(quiz), ex=self.ttl_seconds)
            except UNAVAILABLE as ex:
                log.warning("quiz cache write failed: %s", ex)
        return quiz

    async def save_quiz(self, quiz: Quiz) -> None:
        """Store the quiz in the master, then drop any cached copy."""
        await self.master.save_quiz(quiz)
        try:
            await self.client.delete(self.key(quiz.quiz_id))
        except UNAVAILABLE as ex:
            log.warning("quiz cache invalidation failed: %s", ex)

    async def list_quizzes(
        self, offset: int = 0, limit: int | None = None, *, author_id: str | None = None
    ) -> list[Quiz]:
        """Return quizzes from the master, oldest first, a page when asked."""
        return await self.master.list_quizzes(offset, limit, author_id=author_id)

    async def archive_quiz(self, quiz_id: str) -> None:
        """Archive the quiz in the master (the cached copy still reads back by id)."""
        await self.master.archive_quiz(quiz_id)

    async def is_archived(self, quiz_id: str) -> bool:
        """Return whether the master archived the quiz."""
        return await self.master.is_archived(quiz_id)

    async def upsert_user(self, user: User) -> User:
        """Create or update the user in the master."""
        return await self.master.upsert_user(user)

    async def get_user(self, user_id: str) -> User | None:
        """Return the user from the master."""
        return await self.master.get_user(user_id)

    async def save_result(self, result: SessionResult) -> None:
        """Upsert the result in the master."""
        await self.master.save_result(result)

    async def session_results(self, session_id: str) -> list[SessionResult]:
        """Return the session's results from the master."""
        return await self.master.session_results(session_id)

    async def user_totals(self, user_id: str) -> tuple[int, int]:
        """Return (total score, sessions played) from the master."""
        return await self.master.user_totals(user_id)

    async def all_totals(self) -> list[tuple[str, int, int]]:
        """Return every user's total from the master."""
        return await self.master.all_totals()
