"""What every responder needs: services, auth, limits; built once per process."""

from __future__ import annotations

import asyncio
import hmac
import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, TypeVar

import falcon.asgi
import orjson
from pydantic import BaseModel, ValidationError

from adapters.websocket_hub import WebSocketHub
from entrypoints.api.auth import Caller, DevIssuer, TokenVerifier
from entrypoints.api.errors import PayloadTooLarge, RateLimited, ValidationFailed
from entrypoints.observability import Metrics, NullMetrics
from entrypoints.runtime import QuestionTimers
from entrypoints.settings import Settings
from quizcore.bootstrap import Services
from quizcore.errors import (
    Forbidden,
    InvalidRequest,
    SessionNotFound,
    StoreUnavailable,
    Unauthorized,
)
from quizcore.model import User
from quizcore.services import current_question
from quizcore.session import SessionState, is_session_id
from quizcore.timefmt import present, rfc3339

ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass
class TokenBucket:
    """A per-key token bucket (requests per second with a burst)."""

    rate: float
    burst: float
    _state: dict[str, tuple[float, float]] = field(default_factory=dict)

    def take(self, key: str) -> float:
        """Take a token; return 0, or the seconds to wait when empty."""
        now = time.monotonic()
        tokens, last = self._state.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1:
            self._state[key] = (tokens, now)
            return (1 - tokens) / self.rate
        self._state[key] = (tokens - 1, now)
        if len(self._state) > 200_000:
            self._state.clear()
        return 0.0


@dataclass
class ApiContext:
    """The process-wide state of the API."""

    settings: Settings
    verifier: TokenVerifier
    dev_issuer: DevIssuer | None
    wired: Services | None = None
    hub: WebSocketHub | None = None
    timers: QuestionTimers | None = None
    ready_checks: list[Any] = field(default_factory=list)
    metrics: Metrics = field(default_factory=NullMetrics)
    writes: TokenBucket = field(default_factory=lambda: TokenBucket(rate=20.0, burst=40.0))
    _users: dict[str, str] = field(default_factory=dict)
    _tokens: dict[str, tuple[Caller, float]] = field(default_factory=dict)
    _rebuilt: set[str] = field(default_factory=set)
    _rebuild_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def services(self) -> Services:
        """Return the wired services; 503 while the process is still starting."""
        if self.wired is None:
            raise StoreUnavailable("the service is starting")
        return self.wired

    async def authenticate(self, token: str | None) -> Caller:
        """Return the caller of a bearer token; refuse blocked users."""
        if not token:
            raise Unauthorized("a bearer token is required")
        cached = self._tokens.get(token)
        now = time.time()
        if cached is not None and cached[1] > now:
            caller = cached[0]
        else:
            caller = await self.verifier.verify(token)
            # Verified tokens are remembered briefly (an RSA check costs more
            # than the rest of a request), never past their own expiry.
            if len(self._tokens) > 100_000:
                self._tokens.clear()
            self._tokens[token] = (caller, min(now + 60, caller.expires_at or now))
        await self._sync_user(caller)
        return caller

    async def _sync_user(self, caller: Caller) -> None:
        status = self._users.get(caller.user_id)
        if status is None:
            master = self.services.master
            user = await master.get_user(caller.user_id)
            if user is None:
                user = await master.upsert_user(
                    User(user_id=caller.user_id, display_name=caller.display_name)
                )
            status = self._users[caller.user_id] = user.status
        if status != "active":
            raise Forbidden("this account is blocked")

    def forget_user(self, user_id: str) -> None:
        """Drop the cached status of a user (after an identity-provider event)."""
        self._users.pop(user_id, None)

    async def caller(self, req: falcon.asgi.Request) -> Caller:
        """Authenticate the request's bearer token."""
        header = req.get_header("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            raise Unauthorized("a bearer token is required")
        return await self.authenticate(token.strip())

    def limit(self, key: str) -> None:
        """Refuse a write when the caller exceeds the rate limit."""
        wait = self.writes.take(key)
        if wait > 0:
            raise RateLimited("slow down", retry_after=max(1, int(wait + 0.999)))

    async def body(self, req: falcon.asgi.Request, model: type[ModelT]) -> ModelT:
        """Read, bound and validate a JSON body."""
        limit = self.settings.max_body_bytes
        if req.content_length is not None and req.content_length > limit:
            raise PayloadTooLarge(f"bodies are limited to {limit} bytes")
        raw = await req.bounded_stream.read(limit + 1)
        if len(raw) > limit:
            raise PayloadTooLarge(f"bodies are limited to {limit} bytes")
        if not raw.strip():
            data: Any = {}
        else:
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError as ex:
                raise InvalidRequest(f"the body is not valid JSON: {ex}") from ex
        if not isinstance(data, dict):
            raise InvalidRequest("the body must be a JSON object")
        try:
            return model.model_validate(data)
        except ValidationError as ex:
            raise ValidationFailed(ex) from ex

    def check_secret(self, given: str | None) -> None:
        """Compare the webhook secret in constant time."""
        expected = self.settings.auth0_webhook_secret
        if not expected or not given or not hmac.compare_digest(given.encode(), expected.encode()):
            raise Unauthorized("the webhook secret is missing or wrong")

    @staticmethod
    def session_id(raw: str) -> str:
        """Normalise a typed join code; unknown shapes are simply not found."""
        session_id = raw.strip().upper()
        if not is_session_id(session_id):
            raise SessionNotFound(f"no session {raw[:16]}")
        return session_id

    async def ensure_board(self, session_id: str) -> None:
        """Rebuild a session's projections once per process (after a restart)."""
        if session_id in self._rebuilt:
            return
        async with self._rebuild_lock:
            if session_id not in self._rebuilt:
                await self.services.score_event.rebuild(session_id)
                self._rebuilt.add(session_id)

    def mark_rebuilt(self, session_id: str) -> None:
        """Note that a session's projections are current in this process."""
        self._rebuilt.add(session_id)

    async def session_view(self, state: SessionState) -> dict[str, Any]:
        """Return the API's session object."""
        now = self.services.clock.now_ms()
        current = None
        if state.mode == "live" and state.is_open(now):
            quiz = await self.services.catalog.quiz(state.quiz_id)
            window = state.windows[state.question_index]
            current = present(
                current_question(quiz.questions[state.question_index], window[0], window[1])
            )
        last = None if current is not None else await self.services.quiz.last_question(state)
        return {
            "session_id": state.session_id,
            "quiz_id": state.quiz_id,
            "title": state.title,
            "mode": state.mode,
            "status": state.status,
            "host_id": state.host_id,
            "participant_count": await self.services.sessions.participant_count(state.session_id),
            "question_index": state.question_index if state.question_index >= 0 else None,
            "question_count": state.question_count,
            "current_question": current,
            "server_time": rfc3339(now),
            "phase": state.phase(now),
            "last_question": present(last) if last is not None else None,
            "close_when_all_answered": state.close_when_all_answered,
        }


# A random prefix per process and a counter: unique like a uuid4, without
# asking the kernel for random bytes on every answer (py-spy: 3% of the HTTP
# answer path).
_SUBMISSION_PREFIX = f"srv-{secrets.token_hex(8)}-"
_submission_numbers = itertools.count(1)


def new_submission_id() -> str:
    """Return a server-made idempotency key."""
    return f"{_SUBMISSION_PREFIX}{next(_submission_numbers):x}"
