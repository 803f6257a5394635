"""Score service (5.2): answer submission and its result."""

from __future__ import annotations

import falcon
import falcon.asgi
from spectree import Response

from entrypoints.api import schemas
from entrypoints.api.context import ApiContext, new_submission_id
from entrypoints.api.resources.common import (
    PROBLEMS,
    spec,
    wait_seconds,
)
from quizcore.errors import NotFound, QuizError


class Answers:
    """Answer submission (score service)."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(
        json=schemas.AnswerIn,
        resp=Response(HTTP_200=schemas.AnswerScored, HTTP_202=schemas.AnswerAccepted, **PROBLEMS),
        tags=["answers"],
        skip_validation=True,
    )
    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, session_id: str
    ) -> None:
        """Accept an answer (202), or return its scored result with ``Prefer: wait=N``."""
        caller = await self.ctx.caller(req)
        sid = self.ctx.session_id(session_id)
        self.ctx.limit(caller.user_id)
        body = await self.ctx.body(req, schemas.AnswerIn)
        submission_id = body.submission_id or new_submission_id()
        score = self.ctx.services.score
        self.ctx.metrics.increment("answers.received", tags=["via:http"])
        try:
            view = await score.submit(
                session_id=sid,
                user_id=caller.user_id,
                question_id=body.question_id,
                answer=body.answer,
                submission_id=submission_id,
                seen_at=self.ctx.first_sight(sid, caller.user_id, body.question_id),
            )
        except QuizError as ex:
            self.ctx.metrics.increment("answers.rejected", tags=[f"reason:{ex.code}"])
            raise
        wait = wait_seconds(req)
        if wait is not None:
            resp.set_header("Preference-Applied", f"wait={wait:g}")
            if view.status != "scored":
                view = await score.wait(sid, caller.user_id, submission_id, wait) or view
            if view.status == "scored":
                resp.status = 200
                resp.media = view.public()
                return
        resp.status = 202
        resp.media = {"submission_id": submission_id, "status": "accepted"}


class Answer:
    """One submission's state."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(
        resp=Response(HTTP_200=schemas.AnswerState, **PROBLEMS),
        tags=["answers"],
        skip_validation=True,
    )
    async def on_get(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        session_id: str,
        submission_id: str,
    ) -> None:
        """Return the scored result, or ``accepted`` while in flight."""
        caller = await self.ctx.caller(req)
        sid = self.ctx.session_id(session_id)
        await self.ctx.ensure_board(sid)
        view = await self.ctx.services.score.view(sid, caller.user_id, submission_id)
        if view is None:
            raise NotFound(f"no submission {submission_id[:64]}")
        resp.media = view.public()
