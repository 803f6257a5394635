"""Quiz service (5.6): the quiz catalogue and authoring."""

from __future__ import annotations

import falcon
import falcon.asgi
from spectree import Response

from entrypoints.api import schemas
from entrypoints.api.context import ApiContext
from entrypoints.api.resources.common import (
    PROBLEMS,
    limit_param,
    spec,
)
from quizcore.errors import Forbidden, InvalidRequest, QuizNotFound


class Quizzes:
    """The quiz list and quiz authoring."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(
        query=schemas.QuizListQuery,
        resp=Response(HTTP_200=schemas.QuizList, **PROBLEMS),
        tags=["quizzes"],
        skip_validation=True,
    )
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """List quizzes, oldest first, a page at a time (``limit``, ``cursor``)."""
        caller = await self.ctx.caller(req)
        limit = limit_param(req, default=100)
        # Quizzes are appended (oldest first), so a position is a cursor; an
        # author deleting one while a client pages may shift the rest by one.
        # The store reads one page (and one more to tell).
        mine = req.get_param("mine")
        if mine not in (None, "true", "false"):
            raise InvalidRequest("mine must be true or false")
        author = caller.user_id if mine == "true" else None
        cursor = req.get_param("cursor")
        start = 0
        if cursor is not None:
            if not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 9):
                raise InvalidRequest("cursor must be a next_cursor this list returned")
            start = int(cursor)
        found = await self.ctx.services.master.list_quizzes(start, limit + 1, author_id=author)
        page, more = found[:limit], len(found) > limit
        resp.media = {
            "items": [quiz.summary() for quiz in page],
            "next_cursor": str(start + limit) if more else None,
        }

    @spec.validate(
        json=schemas.QuizIn,
        resp=Response(HTTP_201=schemas.QuizCreated, **PROBLEMS),
        tags=["quizzes"],
        skip_validation=True,
    )
    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Author a quiz (cloud profile: permission quiz:author)."""
        caller = await self.ctx.caller(req)
        if self.ctx.settings.profile == "cloud" and "quiz:author" not in caller.permissions:
            raise Forbidden("authoring quizzes needs the quiz:author permission")
        self.ctx.limit_quiz(caller.user_id)
        body = await self.ctx.body(req, schemas.QuizIn, limit=self.ctx.settings.max_quiz_bytes)
        quiz = await self.ctx.services.quiz.create_quiz(caller.user_id, body.model_dump())
        resp.status = 201
        resp.media = {"quiz_id": quiz.quiz_id}


class Quiz:
    """One quiz, without its answers."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(resp=Response(HTTP_200=schemas.QuizDetail, **PROBLEMS), tags=["quizzes"])
    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, quiz_id: str
    ) -> None:
        """Return the quiz with its questions but no answers."""
        await self.ctx.caller(req)
        quiz = await self.ctx.services.master.get_quiz(quiz_id)
        if quiz is None:
            raise QuizNotFound(f"no quiz {quiz_id}")
        resp.media = quiz.public()

    @spec.validate(resp=Response(HTTP_204=None, **PROBLEMS), tags=["quizzes"])
    async def on_delete(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, quiz_id: str
    ) -> None:
        """(Author) take the quiz off the list; sessions played from it keep it."""
        caller = await self.ctx.caller(req)
        self.ctx.limit(caller.user_id)
        await self.ctx.services.quiz.delete_quiz(caller.user_id, quiz_id)
        resp.status = falcon.HTTP_204


class QuizSource:
    """A quiz as its author wrote it, answers included: to write a new one from it."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(resp=Response(HTTP_200=schemas.QuizIn, **PROBLEMS), tags=["quizzes"])
    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, quiz_id: str
    ) -> None:
        """(Author) the body that created the quiz; anyone else is refused."""
        caller = await self.ctx.caller(req)
        quiz = await self.ctx.services.quiz.authored_quiz(caller.user_id, quiz_id)
        resp.media = quiz.source()
