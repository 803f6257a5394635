"""HTTP resources of the public contract (API.md); thin: parse, call a service, render."""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi
from pydantic import BaseModel, Field
from spectree import Response, SpecTree

from entrypoints.api import schemas
from entrypoints.api.context import ApiContext, new_submission_id
from quizcore.errors import Forbidden, InvalidRequest, NotFound, QuizError, QuizNotFound
from quizcore.services import IdentityEvent, session_board
from quizcore.timefmt import present, rfc3339

spec = SpecTree(
    "falcon-asgi",
    title="quizcore",
    version="1",
    description=(
        "Real-time vocabulary quizzes. Errors are RFC 9457 problem documents with a "
        "machine-readable `code`. The live channel is a WebSocket at "
        "`/v1/sessions/{session_id}/live?access_token=...` (events: session.snapshot, "
        "participant.joined, session.started, question.opened, question.closed, "
        "answer.result, leaderboard.updated, session.finished, error, pong; in the local "
        "profile host.left and host.joined when the host's screen goes away and comes back)."
    ),
    path="v1",
    filename="openapi.json",
    page_templates={},
    annotations=False,
    mode="strict",
)

PROBLEMS = {f"HTTP_{status}": schemas.Problem for status in (400, 401, 403, 404, 409, 413, 422)}
MAX_WAIT_SECONDS = 5.0


class LimitQuery(BaseModel):
    """Paging of a leaderboard."""

    limit: int = Field(default=10, ge=1, le=100)


def _limit(req: falcon.asgi.Request) -> int:
    raw = req.get_param("limit")
    if raw is None:
        return 10
    try:
        value = int(raw)
    except ValueError as ex:
        raise InvalidRequest("limit must be a whole number from 1 to 100") from ex
    if not 1 <= value <= 100:
        raise InvalidRequest("limit must be a whole number from 1 to 100")
    return value


def _wait_seconds(req: falcon.asgi.Request) -> float | None:
    """Parse ``Prefer: wait=N`` (RFC 7240); None when absent."""
    header = req.get_header("Prefer")
    if not header:
        return None
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "wait":
            try:
                return max(0.0, min(float(value.strip().strip('"')), MAX_WAIT_SECONDS))
            except ValueError:
                return None
    return None


class Health:
    """Liveness: the process answers."""

    @spec.validate(resp=Response(HTTP_200=schemas.Status), tags=["operations"])
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Report that the process lives."""
        resp.media = {"status": "ok"}


class Ready:
    """Readiness: every dependency answers."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(
        resp=Response(HTTP_200=schemas.Status, HTTP_503=schemas.Problem),
        tags=["operations"],
        skip_validation=True,
    )
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Probe each dependency; 503 if any fails."""
        failures = []
        for check in self.ctx.ready_checks:
            try:
                await check()
            except Exception as ex:
                failures.append(f"{getattr(check, '__name__', 'check')}: {type(ex).__name__}")
        if failures:
            resp.status = 503
            resp.content_type = "application/problem+json"
            resp.media = {
                "type": "about:blank",
                "title": "Not ready",
                "status": 503,
                "code": "unavailable",
                "detail": "; ".join(failures),
            }
        else:
            resp.media = {"status": "ready"}


class Jwks:
    """The dev issuer's public keys."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(resp=Response(HTTP_200=schemas.JwksOut, HTTP_404=schemas.Problem), tags=["auth"])
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Serve the JWKS document (dev auth only)."""
        if self.ctx.dev_issuer is None:
            raise NotFound("dev auth is off")
        resp.media = self.ctx.dev_issuer.jwks()


class WebConfig:
    """What the web client needs to know about this deployment."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Serve the client configuration."""
        settings = self.ctx.settings
        resp.media = {
            "profile": settings.profile,
            "dev_auth": settings.dev_auth_enabled,
            "auth0_domain": settings.auth0_domain,
            "auth0_client_id": settings.auth0_client_id,
            "auth0_audience": settings.auth_audience,
            "public_url": settings.public_url,
        }


class DevToken:
    """The local dev issuer (embedded profile)."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(
        json=schemas.DevTokenIn,
        resp=Response(HTTP_200=schemas.DevTokenOut, **PROBLEMS),
        tags=["auth"],
        skip_validation=True,
    )
    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Issue a token: a new user, or the one bound to the device key.

        The name is only a label; 404 when dev auth is off.
        """
        issuer = self.ctx.dev_issuer
        if issuer is None:
            raise NotFound("dev auth is off")
        body = await self.ctx.body(req, schemas.DevTokenIn)
        name = body.name.strip()
        if not name:
            raise InvalidRequest("name must not be blank")
        token, user_id = issuer.issue(name, device_key=body.device_key)
        resp.media = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": issuer.ttl,
            "user_id": user_id,
        }


class Quizzes:
    """The quiz list and quiz authoring."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(resp=Response(HTTP_200=schemas.QuizList, **PROBLEMS), tags=["quizzes"])
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """List every quiz."""
        await self.ctx.caller(req)
        quizzes = await self.ctx.services.master.list_quizzes()
        resp.media = {"items": [quiz.summary() for quiz in quizzes]}

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
        await self.ctx.caller(req)
        state = await self.ctx.services.quiz.session(self.ctx.session_id(session_id))
        resp.media = await self.ctx.session_view(state)


class Participants:
    """Joining a session."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

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


class HostAction:
    """Host transitions: start, next, reveal, finish."""

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
        change = {
            "start": quiz.start,
            "next": quiz.advance,
            "reveal": quiz.reveal,
            "finish": quiz.finish,
        }[self.action]
        state = await change(sid, caller.user_id)
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
        question, opens_at, closes_at = found
        resp.media = present(
            {
                "question_id": question.question_id,
                "index": question.index,
                "prompt": question.prompt,
                "kind": question.kind,
                "choices": list(question.choices),
                "opens_at": opens_at,
                "closes_at": closes_at,
            }
        )


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
            )
        except QuizError as ex:
            self.ctx.metrics.increment("answers.rejected", tags=[f"reason:{ex.code}"])
            raise
        wait = _wait_seconds(req)
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


class SessionLeaderboard:
    """A session's live standings."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(
        query=LimitQuery,
        resp=Response(HTTP_200=schemas.LeaderboardOut, **PROBLEMS),
        tags=["leaderboard"],
        skip_validation=True,
    )
    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, session_id: str
    ) -> None:
        """Return the top entries and the caller's own standing."""
        caller = await self.ctx.caller(req)
        sid = self.ctx.session_id(session_id)
        limit = _limit(req)
        services = self.ctx.services
        await services.quiz.session(sid)
        await self.ctx.ensure_board(sid)
        resp.media = await services.boards.session(sid, limit, caller.user_id)


class Results:
    """Final standings and statistics."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(resp=Response(HTTP_200=schemas.ResultsOut, **PROBLEMS), tags=["sessions"])
    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, session_id: str
    ) -> None:
        """Return the results of a finished session (host or participant)."""
        caller = await self.ctx.caller(req)
        sid = self.ctx.session_id(session_id)
        await self.ctx.ensure_board(sid)
        results = await self.ctx.services.quiz.results(sid, caller.user_id)
        if results.get("finished_at") is not None:
            results["finished_at"] = rfc3339(results["finished_at"])
        resp.media = results


class Me:
    """The caller's profile (UMS)."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(resp=Response(HTTP_200=schemas.UserOut, **PROBLEMS), tags=["users"])
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Return profile, total score, sessions played and global rank."""
        caller = await self.ctx.caller(req)
        users = self.ctx.services.users
        resp.media = await users.profile(caller.user_id, caller.display_name)


class GlobalLeaderboard:
    """Standings by total score."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(
        query=LimitQuery,
        resp=Response(HTTP_200=schemas.GlobalLeaderboardOut, **PROBLEMS),
        tags=["leaderboard"],
        skip_validation=True,
    )
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Return the global top entries and the caller's own standing."""
        caller = await self.ctx.caller(req)
        boards = self.ctx.services.boards
        resp.media = await boards.global_board(_limit(req), caller.user_id)


class Auth0Events:
    """The identity provider's user-lifecycle webhook."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(
        json=schemas.Auth0EventIn,
        resp=Response(HTTP_204=None, **PROBLEMS),
        tags=["users"],
        skip_validation=True,
    )
    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Sync a user created, updated, blocked or deleted upstream."""
        self.ctx.check_secret(req.get_header("X-Webhook-Secret"))
        event = await self.ctx.body(req, schemas.Auth0EventIn)
        user = await self.ctx.services.users.apply(
            IdentityEvent(
                type=event.type,
                user_id=event.user.user_id,
                name=event.user.name or "",
                nickname=event.user.nickname or "",
                email=event.user.email or "",
                blocked=bool(event.user.blocked),
            )
        )
        await self.ctx.announce_status(user.user_id, user.status)
        resp.status = 204


class OpenApi:
    """The OpenAPI 3.1 document, generated from the request and response models."""

    def __init__(self) -> None:
        self._document: dict[str, Any] | None = None

    @spec.validate(resp=Response(HTTP_200=None), tags=["operations"])
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Serve the document of every route."""
        if self._document is None:
            self._document = problem_documents(spec.spec)
        resp.media = self._document


def problem_documents(document: dict[str, Any]) -> dict[str, Any]:
    """Declare error bodies as problem documents, with 429 and 503 where they occur."""
    schemas_ = document.get("components", {}).get("schemas", {})
    name = next((key for key in schemas_ if key.split(".")[0] == "Problem"), None)
    problem = {"$ref": f"#/components/schemas/{name}"} if name else {"type": "object"}
    extra = {
        "429": "Too many requests (rate_limited; see Retry-After)",
        "503": "A dependency is unavailable (unavailable)",
    }
    # spectree escapes regex characters of Falcon templates ("jwks\\.json").
    document["paths"] = {
        path.replace("\\.", "."): item for path, item in document.get("paths", {}).items()
    }
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    response["content"] = {"application/problem+json": {"schema": problem}}
            if path.startswith("/v1/") and not path.endswith("openapi.json"):
                for status, description in extra.items():
                    if status == "429" and method != "post":
                        continue
                    responses.setdefault(
                        status,
                        {
                            "description": description,
                            "content": {"application/problem+json": {"schema": problem}},
                        },
                    )
    return document


def add_routes(app: Any, ctx: ApiContext) -> None:
    """Mount every HTTP route of the contract."""
    from entrypoints.api.live import Live

    app.add_route("/healthz", Health())
    app.add_route("/readyz", Ready(ctx))
    app.add_route("/.well-known/jwks.json", Jwks(ctx))
    app.add_route("/config.json", WebConfig(ctx))
    app.add_route("/v1/dev/token", DevToken(ctx))
    app.add_route("/v1/quizzes", Quizzes(ctx))
    app.add_route("/v1/quizzes/{quiz_id}", Quiz(ctx))
    app.add_route("/v1/sessions", Sessions(ctx))
    app.add_route("/v1/sessions/{session_id}", Session(ctx))
    app.add_route("/v1/sessions/{session_id}/participants", Participants(ctx))
    for action in ("start", "next", "reveal", "finish"):
        app.add_route(f"/v1/sessions/{{session_id}}/{action}", HostAction(ctx, action), suffix=None)
    app.add_route("/v1/sessions/{session_id}/questions/current", CurrentQuestionResource(ctx))
    app.add_route("/v1/sessions/{session_id}/answers", Answers(ctx))
    app.add_route("/v1/sessions/{session_id}/answers/{submission_id}", Answer(ctx))
    app.add_route("/v1/sessions/{session_id}/leaderboard", SessionLeaderboard(ctx))
    app.add_route("/v1/sessions/{session_id}/results", Results(ctx))
    app.add_route("/v1/sessions/{session_id}/live", Live(ctx))
    app.add_route("/v1/users/me", Me(ctx))
    app.add_route("/v1/leaderboard", GlobalLeaderboard(ctx))
    app.add_route("/v1/auth0/events", Auth0Events(ctx))
    app.add_route("/v1/openapi.json", OpenApi())
    if ctx.settings.apigw_ws_callback_url:
        from entrypoints.api.gateway import add_gateway_routes

        add_gateway_routes(app, ctx)
