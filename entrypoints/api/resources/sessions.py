"""Quiz service (5.6): sessions, joining, host moves, current question, results."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import falcon
import falcon.asgi
import orjson
from spectree import Response

from entrypoints.api import schemas
from entrypoints.api.context import ApiContext
from entrypoints.api.resources.common import (
    MAX_RESULTS_LIMIT,
    PROBLEMS,
    ResultsQuery,
    limit_param,
    spec,
)
from quizcore.errors import NotFound
from quizcore.services import current_question, session_board
from quizcore.session import SessionState
from quizcore.timefmt import present, rfc3339


class Sessions:
    """Session creation."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(
        json=schemas.SessionIn,
        resp=Response(HTTP_201=schemas.SessionCreated, **PROBLEMS),
        tags=["sessions"],
        skip_validation=True,
    )
    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Create a session; the caller hosts it."""
        caller = await self.ctx.caller(req)
        self.ctx.limit(caller.user_id)
        body = await self.ctx.body(req, schemas.SessionIn)
        state = await self.ctx.services.quiz.create_session(
            host_id=caller.user_id,
            quiz_id=body.quiz_id,
            mode=body.mode,
            question_seconds=body.question_seconds,
            streak_bonus=body.streak_bonus,
            close_when_all_answered=body.close_when_all_answered,
            show_answers=body.show_answers,
        )
        self.ctx.mark_rebuilt(state.session_id)
        resp.status = 201
        resp.media = {
            "session_id": state.session_id,
            "quiz_id": state.quiz_id,
            "mode": state.mode,
            "status": state.status,
            "host_id": state.host_id,
        }


class Session:
    """One session's state."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(resp=Response(HTTP_200=schemas.SessionView, **PROBLEMS), tags=["sessions"])
    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, session_id: str
    ) -> None:
        """Return the session (closing a question whose deadline passed)."""
        caller = await self.ctx.caller(req)
        state = await self.ctx.services.quiz.session(self.ctx.session_id(session_id))
        resp.media = await self.ctx.session_view(state, viewer=caller.user_id)


class Participants:
    """Joining a session."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(resp=Response(HTTP_200=schemas.ParticipantList, **PROBLEMS), tags=["sessions"])
    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, session_id: str
    ) -> None:
        """(Host) every participant in the order they joined, to remove one."""
        caller = await self.ctx.caller(req)
        sid = self.ctx.session_id(session_id)
        joined = await self.ctx.services.quiz.participants(sid, caller.user_id)
        resp.media = {
            "items": [{"user_id": p.user_id, "display_name": p.display_name} for p in joined]
        }

    @spec.validate(
        resp=Response(HTTP_200=schemas.ParticipantOut, HTTP_201=schemas.ParticipantOut, **PROBLEMS),
        tags=["sessions"],
    )
    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, session_id: str
    ) -> None:
        """Join (201), or confirm an earlier join (200)."""
        caller = await self.ctx.caller(req)
        sid = self.ctx.session_id(session_id)
        self.ctx.limit(caller.user_id)
        services = self.ctx.services
        participant, created = await services.quiz.join(sid, caller.user_id, caller.display_name)
        standing = await services.leaderboard.standing(session_board(sid), caller.user_id)
        resp.status = 201 if created else 200
        resp.media = {
            "session_id": sid,
            "user_id": participant.user_id,
            "display_name": participant.display_name,
            "score": standing.score if standing else 0,
            "rank": standing.rank if standing else None,
        }


class Progress:
    """(v1.2) How far each player got: the host follows a self-paced class."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(resp=Response(HTTP_200=schemas.Progress, **PROBLEMS), tags=["sessions"])
    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, session_id: str
    ) -> None:
        """(Host) each player's questions reached, answered and correct, and who is done."""
        caller = await self.ctx.caller(req)
        self.ctx.limit(caller.user_id)
        sid = self.ctx.session_id(session_id)
        resp.media = await self.ctx.services.quiz.progress(sid, caller.user_id)


# As ``Auth0User.user_id``: the longest user id a token may carry.
MAX_USER_ID = 128


class Participant:
    """One participant of a session: the host removes them."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(resp=Response(HTTP_204=None, **PROBLEMS), tags=["sessions"])
    async def on_delete(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, session_id: str, user_id: str
    ) -> None:
        """Remove the participant (host only, 204 again once removed); they may not rejoin."""
        caller = await self.ctx.caller(req)
        sid = self.ctx.session_id(session_id)
        self.ctx.limit(caller.user_id)
        if not 0 < len(user_id) <= MAX_USER_ID:
            # Longer than any user id the identity providers give: nobody joined so.
            raise NotFound(f"no participant {user_id[:16]} in session {sid}")
        await self.ctx.services.quiz.remove_participant(sid, caller.user_id, user_id)
        resp.status = falcon.HTTP_204


class HostAction:
    """Host transitions: start, next, reveal, finish, (v1.2) lock, unlock."""

    def __init__(self, ctx: ApiContext, action: str) -> None:
        self.ctx = ctx
        self.action = action

    @spec.validate(resp=Response(HTTP_200=schemas.SessionView, **PROBLEMS), tags=["sessions"])
    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, session_id: str
    ) -> None:
        """Apply the host's transition and return the new session state."""
        caller = await self.ctx.caller(req)
        sid = self.ctx.session_id(session_id)
        self.ctx.limit(caller.user_id)
        quiz = self.ctx.services.quiz
        changes: dict[str, Callable[[str, str], Awaitable[SessionState]]] = {
            "start": quiz.start,
            "next": quiz.advance,
            "reveal": quiz.reveal,
            "finish": quiz.finish,
            "lock": functools.partial(quiz.set_locked, locked=True),
            "unlock": functools.partial(quiz.set_locked, locked=False),
        }
        state = await changes[self.action](sid, caller.user_id)
        resp.media = await self.ctx.session_view(state)


class CurrentQuestionResource:
    """The question the caller should answer now."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(
        resp=Response(HTTP_200=schemas.CurrentQuestion, HTTP_204=None, **PROBLEMS),
        tags=["sessions"],
    )
    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, session_id: str
    ) -> None:
        """Return the open (live) or next unanswered (self-paced) question, or 204."""
        caller = await self.ctx.caller(req)
        sid = self.ctx.session_id(session_id)
        found = await self.ctx.services.quiz.current_question(sid, caller.user_id)
        if found is None:
            resp.status = 204
            return
        question, opens_at, closes_at, seconds = found
        if self.ctx.hub is not None:
            # Only a live answer is timed from it (a self-paced one from when
            # it was served), so no second read of the session to tell which.
            self.ctx.hub.sight(sid, caller.user_id, question.question_id)
        resp.media = present(current_question(question, opens_at, closes_at, seconds))


class QuestionAnswerResource:
    """(v1.2) A question's right answer, once it is over for the caller."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(resp=Response(HTTP_200=schemas.QuestionAnswer, **PROBLEMS), tags=["sessions"])
    async def on_get(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        session_id: str,
        question_id: str,
    ) -> None:
        """Return the answer; 403 while it may not be shown to the caller yet."""
        caller = await self.ctx.caller(req)
        sid = self.ctx.session_id(session_id)
        resp.media = await self.ctx.services.quiz.question_answer(sid, caller.user_id, question_id)

    @spec.validate(resp=Response(HTTP_200=schemas.Responses, **PROBLEMS), tags=["sessions"])
    async def on_get_responses(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        session_id: str,
        question_id: str,
    ) -> None:
        """(Host) what the class answered, grouped as scored; 403 before a live reveal."""
        caller = await self.ctx.caller(req)
        self.ctx.limit(caller.user_id)
        sid = self.ctx.session_id(session_id)
        resp.media = await self.ctx.services.quiz.responses(sid, caller.user_id, question_id)


# Finished sessions whose results are kept encoded (each holds every standing),
# and the limits kept encoded per session.
MAX_ENCODED_RESULTS = 64
MAX_ENCODED_LIMITS = 4


@dataclass
class _Encoded:
    """One session's shared results, encoded per limit, and its standings by user."""

    shared: dict[str, Any]
    by_limit: dict[int | None, bytes] = field(default_factory=dict)
    by_user: dict[str, dict[str, Any]] = field(default_factory=dict)


class Results:
    """Final standings and statistics.

    Every phone of a room reads them at the finish: the part they share is
    encoded once (per ``limit``) and each reader's own fields spliced in.
    """

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx
        # session -> its shared part encoded, the most recently read last.
        self._encoded: dict[str, _Encoded] = {}

    @spec.validate(
        query=ResultsQuery,
        resp=Response(HTTP_200=schemas.ResultsOut, **PROBLEMS),
        tags=["sessions"],
        skip_validation=True,
    )
    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, session_id: str
    ) -> None:
        """Return the results of a finished session (host or participant)."""
        caller = await self.ctx.caller(req)
        sid = self.ctx.session_id(session_id)
        limit = None
        if req.get_param("limit") is not None:
            limit = limit_param(req, MAX_RESULTS_LIMIT, MAX_RESULTS_LIMIT)
        await self.ctx.ensure_board(sid)
        shared, own = await self.ctx.services.quiz.results_parts(sid, caller.user_id)
        if "standings" in own:
            # The host's: every player's answers in their standing.
            resp.media = {**_presented(shared), "standings": own["standings"][:limit]}
            return
        encoded = self._session(sid, shared)
        resp.content_type = falcon.MEDIA_JSON
        resp.data = b"".join(
            (
                _encoded_limit(encoded, limit)[:-1],
                b',"my_answers":',
                orjson.dumps(own["my_answers"]),
                b',"me":',
                orjson.dumps(encoded.by_user.get(caller.user_id)),
                b"}",
            )
        )

    def _session(self, sid: str, shared: dict[str, Any]) -> _Encoded:
        """Return the session's encodings of ``shared``, most recently used last."""
        encoded = self._encoded.pop(sid, None)
        if encoded is None or encoded.shared is not shared:
            by_user = {standing["user_id"]: standing for standing in shared["standings"]}
            encoded = _Encoded(shared, by_user=by_user)
            if len(self._encoded) >= MAX_ENCODED_RESULTS:
                self._encoded.pop(next(iter(self._encoded)))
        self._encoded[sid] = encoded
        return encoded


def _encoded_limit(encoded: _Encoded, limit: int | None) -> bytes:
    """Return the shared part encoded with its first ``limit`` standings (all: None)."""
    if limit is not None and limit >= len(encoded.shared["standings"]):
        limit = None  # every standing: one encoding for every such limit
    found = encoded.by_limit.get(limit)
    if found is None:
        presented = _presented(encoded.shared)
        presented["standings"] = encoded.shared["standings"][:limit]
        found = orjson.dumps(presented)
        if len(encoded.by_limit) >= MAX_ENCODED_LIMITS:
            encoded.by_limit.pop(next(iter(encoded.by_limit)))
        encoded.by_limit[limit] = found
    return found


def _presented(shared: dict[str, Any]) -> dict[str, Any]:
    finished_at = shared.get("finished_at")
    return {**shared, "finished_at": rfc3339(finished_at) if finished_at is not None else None}
