"""What every resource module shares: the OpenAPI spec, problem responses, params."""

from __future__ import annotations

import falcon
import falcon.asgi
from pydantic import BaseModel, Field
from spectree import SpecTree

from entrypoints.api import schemas
from quizcore.errors import InvalidRequest

spec = SpecTree(
    "falcon-asgi",
    title="quizcore",
    version="1",
    description=(
        "Real-time vocabulary quizzes. Errors are RFC 9457 problem documents with a "
        "machine-readable `code`. The live channel is a WebSocket at "
        "`/v1/sessions/{session_id}/live?access_token=...` (events: session.snapshot, "
        "participant.joined, session.started, question.opened, question.closed, "
        "answer.result, leaderboard.updated, session.finished, error, pong, and host.left "
        "and host.joined when the host's screen goes away and comes back). "
        "Its close codes: 4401 no, bad or expired token (an open socket is closed "
        "when its token expires); 4403 not a participant, unknown session, or the "
        "user was blocked (on every API process); 4429 more live sockets than "
        "QUIZ_WS_MAX_SOCKETS_PER_USER for one user and session (reason: too many "
        "connections); 1003 a binary frame (the channel speaks JSON text); 1009 a "
        "message over QUIZ_WS_MAX_MESSAGE_BYTES. Malformed JSON gets an error "
        "frame and the socket stays open. Any request whose line and headers pass "
        "QUIZ_MAX_HEADER_BYTES gets 431."
    ),
    path="v1",
    filename="openapi.json",
    page_templates={},
    annotations=False,
    mode="strict",
)

PROBLEMS = {f"HTTP_{status}": schemas.Problem for status in (400, 401, 403, 404, 409, 413, 422)}
MAX_WAIT_SECONDS = 5.0
# The most final standings one read of the results lists when asked to cut them.
MAX_RESULTS_LIMIT = 1000


class LimitQuery(BaseModel):
    """Paging of a leaderboard."""

    limit: int = Field(default=10, ge=1, le=100)


class ResultsQuery(BaseModel):
    """How many of the final standings to list (all when absent)."""

    limit: int | None = Field(default=None, ge=1, le=MAX_RESULTS_LIMIT)


def limit_param(req: falcon.asgi.Request, default: int = 10, most: int = 100) -> int:
    raw = req.get_param("limit")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as ex:
        raise InvalidRequest(f"limit must be a whole number from 1 to {most}") from ex
    if not 1 <= value <= most:
        raise InvalidRequest(f"limit must be a whole number from 1 to {most}")
    return value


def wait_seconds(req: falcon.asgi.Request) -> float | None:
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
