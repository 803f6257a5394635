"""HTTP resources of the public contract, one module per tag; thin: parse, call, render."""

from __future__ import annotations

from typing import Any

from entrypoints.api.context import ApiContext
from entrypoints.api.resources.answers import Answer, Answers
from entrypoints.api.resources.auth import DevToken, Jwks
from entrypoints.api.resources.common import spec
from entrypoints.api.resources.leaderboard import GlobalLeaderboard, SessionLeaderboard
from entrypoints.api.resources.operations import Health, OpenApi, Ready, WebConfig
from entrypoints.api.resources.quizzes import Quiz, QuizSource, Quizzes
from entrypoints.api.resources.sessions import (
    CurrentQuestionResource,
    HostAction,
    Participant,
    Participants,
    Progress,
    QuestionAnswerResource,
    Results,
    Session,
    Sessions,
)
from entrypoints.api.resources.users import Auth0Events, Me

__all__ = ["add_routes", "spec"]


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
    app.add_route("/v1/quizzes/{quiz_id}/source", QuizSource(ctx))
    app.add_route("/v1/sessions", Sessions(ctx))
    app.add_route("/v1/sessions/{session_id}", Session(ctx))
    app.add_route("/v1/sessions/{session_id}/participants", Participants(ctx))
    app.add_route("/v1/sessions/{session_id}/participants/{user_id}", Participant(ctx))
    app.add_route("/v1/sessions/{session_id}/progress", Progress(ctx))
    for action in ("start", "next", "reveal", "finish", "lock", "unlock"):
        app.add_route(f"/v1/sessions/{{session_id}}/{action}", HostAction(ctx, action), suffix=None)
    app.add_route("/v1/sessions/{session_id}/questions/current", CurrentQuestionResource(ctx))
    question = QuestionAnswerResource(ctx)
    app.add_route("/v1/sessions/{session_id}/questions/{question_id}/answer", question)
    app.add_route(
        "/v1/sessions/{session_id}/questions/{question_id}/responses", question, suffix="responses"
    )
    app.add_route("/v1/sessions/{session_id}/answers", Answers(ctx))
    app.add_route("/v1/sessions/{session_id}/answers/{submission_id}", Answer(ctx))
    app.add_route("/v1/sessions/{session_id}/leaderboard", SessionLeaderboard(ctx))
    app.add_route("/v1/sessions/{session_id}/results", Results(ctx))
    live = Live(ctx)
    app.add_route("/v1/sessions/{session_id}/live", live)
    app.add_route("/v1/users/me", Me(ctx))
    app.add_route("/v1/leaderboard", GlobalLeaderboard(ctx))
    app.add_route("/v1/auth0/events", Auth0Events(ctx))
    app.add_route("/v1/openapi.json", OpenApi())
    if ctx.settings.apigw_ws_callback_url:
        from entrypoints.api.gateway import add_gateway_routes

        add_gateway_routes(app, ctx, live)
