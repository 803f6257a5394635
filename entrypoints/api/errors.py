"""Every error becomes an RFC 9457 problem document, mapped in this one place."""

from __future__ import annotations

import logging
from typing import Any

import falcon
import falcon.asgi
from pydantic import ValidationError

from entrypoints.api.schemas import PATTERN_WORDS
from quizcore.errors import InvalidAnswer, QuizError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

STATUS_OF_CODE = {
    "invalid_request": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_participant": 403,
    "not_found": 404,
    "session_not_found": 404,
    "quiz_not_found": 404,
    "already_answered": 409,
    "question_closed": 409,
    "question_not_open": 409,
    "session_finished": 409,
    "session_locked": 409,
    "session_not_running": 409,
    "name_taken": 409,
    "conflict": 409,
    "payload_too_large": 413,
    "rate_limited": 429,
    "too_many_connections": 429,
    "unavailable": 503,
}

CODE_OF_STATUS = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    411: "invalid_request",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    503: "unavailable",
}


class PayloadTooLarge(QuizError):
    """The request body exceeds the limit."""

    code = "payload_too_large"
    title = "Payload too large"


class RateLimited(QuizError):
    """The caller sends too fast."""

    code = "rate_limited"
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class TooManySockets(QuizError):
    """The user holds as many live connections to the session as allowed."""

    code = "too_many_connections"
    title = "Too many connections"


class UnsupportedMediaType(QuizError):
    """A request body that is not JSON (415 with the contract's code)."""

    code = "invalid_request"
    title = "Unsupported media type"


class WebhookUnauthorized(QuizError):
    """The webhook's shared secret is missing or wrong (no Bearer challenge)."""

    code = "unauthorized"
    title = "Unauthorized"


class ValidationFailed(QuizError):
    """The body does not match the schema (422)."""

    title = "Invalid request"

    def __init__(self, error: ValidationError) -> None:
        parts = []
        for item in error.errors()[:5]:
            where = ".".join(str(loc) for loc in item.get("loc", ()))
            message = str(item.get("msg"))
            if item.get("type") == "string_pattern_mismatch" and "ctx" in item:
                # Not the pattern itself: what it asks for, in words.
                message = PATTERN_WORDS.get(item["ctx"].get("pattern", ""), message)
            parts.append(f"{where}: {message}" if where else message)
        super().__init__("; ".join(parts))


def problem(status: int, code: str, title: str, detail: str = "") -> dict[str, Any]:
    """Return a problem document."""
    return {"type": "about:blank", "title": title, "status": status, "code": code, "detail": detail}


def _write(resp: falcon.asgi.Response, status: int, body: dict[str, Any]) -> None:
    resp.status = status
    resp.content_type = PROBLEM_JSON
    resp.media = body


async def handle_quiz_error(
    req: falcon.asgi.Request,
    resp: falcon.asgi.Response | None,
    ex: QuizError,
    params: Any,
    **kw: Any,
) -> None:
    """Render a domain error with its code and status."""
    if resp is None:  # a WebSocket route handles its own errors
        return
    if isinstance(ex, (ValidationFailed, InvalidAnswer)):
        status = 422
    elif isinstance(ex, UnsupportedMediaType):
        status = 415
    else:
        status = STATUS_OF_CODE.get(ex.code, 400)
    _write(resp, status, problem(status, ex.code, ex.title, ex.detail))
    if isinstance(ex, RateLimited):
        resp.set_header("Retry-After", str(ex.retry_after))
    if status == 401 and not isinstance(ex, WebhookUnauthorized):
        resp.set_header("WWW-Authenticate", bearer_challenge(req, ex.detail))


def bearer_challenge(req: falcon.asgi.Request, detail: str) -> str:
    """Return the RFC 6750 challenge of a refused request."""
    challenge = 'Bearer realm="quizcore"'
    if (req.get_header("Authorization") or "").strip():
        # A token was presented and refused: say so (RFC 6750, section 3.1).
        safe = "".join(ch for ch in detail if " " <= ch <= "~" and ch not in '"\\')[:200]
        challenge += f', error="invalid_token", error_description="{safe}"'
    return challenge


async def handle_http_error(
    req: falcon.asgi.Request,
    resp: falcon.asgi.Response | None,
    ex: falcon.HTTPError,
    params: Any,
    **kw: Any,
) -> None:
    """Render Falcon's own errors (unknown route, wrong method) as problems."""
    if resp is None:
        return
    status = ex.status_code
    code = CODE_OF_STATUS.get(status, "invalid_request" if status < 500 else "unavailable")
    _write(resp, status, problem(status, code, ex.title or "Error", ex.description or ""))
    for name, value in dict(ex.headers or {}).items():
        resp.set_header(name, value)


async def handle_unexpected(
    req: falcon.asgi.Request,
    resp: falcon.asgi.Response | None,
    ex: Exception,
    params: Any,
    **kw: Any,
) -> None:
    """Log a bug and answer 500 without leaking internals."""
    log.exception("unhandled error", extra={"path": req.path})
    if resp is None:
        return
    _write(resp, 500, problem(500, "internal", "Internal error", "the server failed; it is logged"))


def install(app: Any) -> None:
    """Register the handlers, most general first (Falcon picks the most specific)."""
    app.add_error_handler(Exception, handle_unexpected)
    app.add_error_handler(falcon.HTTPError, handle_http_error)
    app.add_error_handler(QuizError, handle_quiz_error)
