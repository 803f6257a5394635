"""What every responder needs: services, auth, limits; built once per process."""

from __future__ import annotations

import asyncio
import hmac
import itertools
import json
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import falcon.asgi
import orjson
from pydantic import BaseModel, ValidationError

from adapters.memory.presence import MemoryHostPresence
from adapters.websocket_hub import WebSocketHub
from entrypoints.api.auth import Caller, DevIssuer, TokenVerifier
from entrypoints.api.errors import (
    PayloadTooLarge,
    RateLimited,
    TooManySockets,
    UnsupportedMediaType,
    ValidationFailed,
    WebhookUnauthorized,
)
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
from quizcore.ports import HostPresence
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


# WebSocket close codes of a revoked live connection.
CLOSE_EXPIRED = 4401
CLOSE_BLOCKED = 4403
# A player the host removed: forbidden too, told apart by the close reason.
CLOSE_REMOVED = 4403
REMOVED_REASON = "removed by the host"


@dataclass(eq=False)
class LiveGuard:
    """One open live connection, bound to its token's expiry and its user."""

    session_id: str
    user_id: str
    expires_at: float
    revoked: asyncio.Future[int]
    # The close frame's reason, set with the code that won.
    reason: str = ""

    def revoke(self, code: int, reason: str = "") -> None:
        """Ask the connection to close with ``code`` (the first call wins)."""
        if not self.revoked.done():
            self.revoked.set_result(code)
            self.reason = reason

    async def wait(self) -> int:
        """Return the close code once revoked, or 4401 when the token expires."""
        remaining = self.expires_at - time.time()
        if self.expires_at and remaining <= 0:
            return CLOSE_EXPIRED
        try:
            return await asyncio.wait_for(
                asyncio.shield(self.revoked), remaining if self.expires_at else None
            )
        except TimeoutError:
            return CLOSE_EXPIRED


class StatusChannel(Protocol):
    """Where user-status changes travel between API processes."""

    async def publish(self, user_id: str, status: str) -> None:
        """Announce a user's new status to every process."""
        ...


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
    # Per-user rate limits, from the settings (__post_init__).
    writes: TokenBucket = field(init=False)
    quiz_writes: TokenBucket = field(init=False)
    # Set in the cloud profile: status changes reach every process through it.
    status_channel: StatusChannel | None = None
    # Whether each session's host has a screen open (every process's sockets),
    # and how an event reaches every socket of a session: the profile's.
    host_presence: HostPresence = field(default_factory=MemoryHostPresence)
    announcer: Callable[[str, dict[str, Any]], Awaitable[None]] | None = None
    # Where API Gateway holds sockets too (gateway mode): starts posting
    # what is announced there, in the background.
    relay: Callable[[str, dict[str, Any]], None] | None = None
    # user id -> (status, trusted until, monotonic seconds)
    _users: dict[str, tuple[str, float]] = field(default_factory=dict)
    _sockets: dict[str, set[LiveGuard]] = field(default_factory=dict)
    _tokens: dict[str, tuple[Caller, float]] = field(default_factory=dict)
    _rebuilt: set[str] = field(default_factory=set)
    _rebuild_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        settings = self.settings
        self.writes = TokenBucket(
            rate=settings.write_rate_per_second, burst=float(settings.write_burst)
        )
        self.quiz_writes = TokenBucket(
            rate=settings.quiz_create_per_minute / 60, burst=float(settings.quiz_create_burst)
        )

    async def announce(self, session_id: str, event: dict[str, Any]) -> None:
        """Tell every socket of the session, on every process serving it, and API Gateway's."""
        if self.announcer is None:
            raise StoreUnavailable("the service is starting")
        await self.announcer(session_id, event)
        if self.relay is not None:
            self.relay(session_id, event)

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
        status = await self._status(caller.user_id, caller.display_name)
        if status != "active":
            raise Forbidden("this account is blocked")

    async def _status(self, user_id: str, display_name: str) -> str:
        """Return a user's status, cached for ``user_status_ttl_seconds``."""
        cached = self._users.get(user_id)
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            return cached[0]
        user = await self.services.users.sync(user_id, display_name)
        self._remember(user_id, user.status)
        return user.status

    def _remember(self, user_id: str, status: str) -> None:
        if len(self._users) > 200_000:
            self._users.clear()
        self._users[user_id] = (status, time.monotonic() + self.settings.user_status_ttl_seconds)

    def forget_user(self, user_id: str) -> None:
        """Drop the cached status of a user (after an identity-provider event)."""
        self._users.pop(user_id, None)

    async def announce_status(self, user_id: str, status: str) -> None:
        """Apply a user's new status here and in every other API process."""
        await self.user_status_changed(user_id, status)
        if self.status_channel is not None:
            await self.status_channel.publish(user_id, status)

    def participant_removed(self, session_id: str, user_id: str) -> None:
        """Close the user's sockets to the session: the host removed them."""
        for guard in list(self._sockets.get(user_id, ())):
            if guard.session_id == session_id:
                guard.revoke(CLOSE_REMOVED, REMOVED_REASON)

    async def user_status_changed(self, user_id: str, status: str) -> None:
        """Cache a user's new status; close their sockets unless active."""
        self._remember(user_id, status)
        if status != "active":
            for guard in list(self._sockets.get(user_id, ())):
                guard.revoke(CLOSE_BLOCKED)

    def open_socket(self, caller: Caller, session_id: str) -> LiveGuard:
        """Register a live connection; refuse one over the per-user cap."""
        guards = self._sockets.setdefault(caller.user_id, set())
        limit = self.settings.ws_max_sockets_per_user
        if sum(1 for guard in guards if guard.session_id == session_id) >= limit:
            raise TooManySockets(f"at most {limit} live connections per user and session")
        guard = LiveGuard(
            session_id=session_id,
            user_id=caller.user_id,
            expires_at=caller.expires_at,
            revoked=asyncio.get_running_loop().create_future(),
        )
        guards.add(guard)
        return guard

    def close_socket(self, guard: LiveGuard) -> None:
        """Forget a live connection that ended."""
        guards = self._sockets.get(guard.user_id)
        if guards is not None:
            guards.discard(guard)
            if not guards:
                del self._sockets[guard.user_id]

    async def ensure_active(self, user_id: str) -> None:
        """Refuse a message from a user who is no longer active."""
        if await self._status(user_id, user_id) != "active":
            raise Forbidden("this account is blocked")

    async def recheck(self, guard: LiveGuard) -> None:
        """Refuse a socket's message once its token expired or its user is blocked."""
        if guard.revoked.done():
            if guard.revoked.result() == CLOSE_EXPIRED:
                raise Unauthorized("the token has expired")
            raise Forbidden("this account is blocked")
        if guard.expires_at and guard.expires_at <= time.time():
            guard.revoke(CLOSE_EXPIRED)
            raise Unauthorized("the token has expired")
        try:
            await self.ensure_active(guard.user_id)
        except Forbidden:
            guard.revoke(CLOSE_BLOCKED)
            raise

    async def caller(self, req: falcon.asgi.Request) -> Caller:
        """Authenticate the request's bearer token."""
        header = req.get_header("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            raise Unauthorized("a bearer token is required")
        return await self.authenticate(token.strip())

    def limit(self, key: str) -> None:
        """Refuse a write when the caller exceeds the rate limit."""
        _take(self.writes, key, "writes")

    def limit_quiz(self, key: str) -> None:
        """Refuse quiz authoring beyond its own (lower) rate, then as a write."""
        _take(self.quiz_writes, key, "new quizzes")
        self.limit(key)

    async def body(
        self, req: falcon.asgi.Request, model: type[ModelT], limit: int | None = None
    ) -> ModelT:
        """Read, bound and validate a JSON body."""
        limit = min(limit or self.settings.max_body_bytes, self.settings.max_body_bytes)
        if req.content_length is not None and req.content_length > limit:
            raise PayloadTooLarge(f"bodies are limited to {limit} bytes")
        raw = await req.bounded_stream.read(limit + 1)
        if len(raw) > limit:
            raise PayloadTooLarge(f"bodies are limited to {limit} bytes")
        if not raw.strip():
            data: Any = {}
        else:
            media = (req.content_type or "").split(";")[0].strip().lower()
            if media != "application/json" and not media.endswith("+json"):
                raise UnsupportedMediaType("request bodies must be application/json")
            data = parse_json(raw)
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
            raise WebhookUnauthorized("the webhook secret is missing or wrong")

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

    def first_sight(self, session_id: str, user_id: str, question_id: str) -> int | None:
        """Return when this process first showed the user the live question, if it did."""
        if self.hub is None:
            return None
        return self.hub.first_sight(session_id, user_id, question_id)

    async def session_view(self, state: SessionState, viewer: str | None = None) -> dict[str, Any]:
        """Return the API's session object; ``viewer`` is shown its open question now."""
        now = self.services.clock.now_ms()
        current = None
        if state.mode == "live" and state.is_open(now):
            quiz = await self.services.catalog.quiz(state.quiz_id)
            window = state.windows[state.question_index]
            question = quiz.questions[state.question_index]
            seconds = question.limit_seconds(state.question_seconds)
            current = present(current_question(question, window[0], window[1], seconds))
            if viewer is not None and self.hub is not None:
                question_id = quiz.questions[state.question_index].question_id
                self.hub.sight(state.session_id, viewer, question_id)
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
            "locked": state.locked,
        }


# A key is a string followed by a colon; strings inside values may match
# too, which only sends a body to the exact check below.
_KEY = re.compile(rb'"\s*:')


def _count_keys(value: Any) -> int:
    if isinstance(value, dict):
        return len(value) + sum(_count_keys(item) for item in value.values())
    if isinstance(value, list):
        return sum(_count_keys(item) for item in value)
    return 0


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InvalidRequest(f"the body repeats the key {key[:40]!r}")
        result[key] = value
    return result


def parse_json(raw: bytes) -> Any:
    """Parse a JSON body strictly: valid UTF-8 JSON, no repeated keys."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as ex:
        raise InvalidRequest(f"the body is not valid JSON: {ex}") from ex
    if len(_KEY.findall(raw)) > _count_keys(data):
        json.loads(raw, object_pairs_hook=_unique_pairs)
    return data


def _take(bucket: TokenBucket, key: str, what: str) -> None:
    wait = bucket.take(key)
    if wait > 0:
        seconds = max(1, int(wait + 0.999))
        raise RateLimited(f"too many {what}; retry in {seconds} s", retry_after=seconds)


# A random prefix per process and a counter: unique like a uuid4, without
# asking the kernel for random bytes on every answer (py-spy: 3% of the HTTP
# answer path).
_SUBMISSION_PREFIX = f"srv-{secrets.token_hex(8)}-"
_submission_numbers = itertools.count(1)


def new_submission_id() -> str:
    """Return a server-made idempotency key."""
    return f"{_SUBMISSION_PREFIX}{next(_submission_numbers):x}"
