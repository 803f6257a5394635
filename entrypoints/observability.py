"""Tracing and business metrics: off and silent unless enabled in settings.

Tracing uses ddtrace (Falcon, asyncpg, redis, botocore and aiobotocore are
patched); metrics go to DogStatsD. Names are prefixed ``quizcore.``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from adapters.inprocess import BatchHandler, Handler
from entrypoints.settings import Settings
from quizcore.messages import Message

log = logging.getLogger(__name__)

# No "falcon": ddtrace's Falcon integration is WSGI-only (a synchronous
# middleware reading ``req.env``) and breaks ``falcon.asgi.App``; the ASGI app
# is traced by ddtrace's ASGI middleware instead (``trace_asgi``).
PATCHED = ("asyncpg", "redis", "botocore", "aiobotocore", "httpx")


class Metrics(Protocol):
    """Where business metrics go."""

    def increment(self, name: str, value: int = 1, tags: list[str] | None = None) -> None:
        """Count an occurrence."""
        ...

    def timing(self, name: str, millis: float, tags: list[str] | None = None) -> None:
        """Record a duration in milliseconds."""
        ...

    def gauge(self, name: str, value: float, tags: list[str] | None = None) -> None:
        """Record a level."""
        ...


class NullMetrics:
    """Metrics switched off: every call does nothing."""

    def increment(self, name: str, value: int = 1, tags: list[str] | None = None) -> None:
        """Drop the count."""

    def timing(self, name: str, millis: float, tags: list[str] | None = None) -> None:
        """Drop the duration."""

    def gauge(self, name: str, value: float, tags: list[str] | None = None) -> None:
        """Drop the level."""


class StatsdMetrics:
    """Metrics sent to a DogStatsD agent over UDP (never blocks the caller)."""

    def __init__(self, settings: Settings) -> None:
        from datadog.dogstatsd.base import DogStatsd

        self.client = DogStatsd(
            host=settings.statsd_host,
            port=settings.statsd_port,
            namespace="quizcore",
            constant_tags=[
                f"env:{settings.env}",
                f"service:{settings.service}",
                f"version:{settings.version}",
            ],
        )

    def increment(self, name: str, value: int = 1, tags: list[str] | None = None) -> None:
        """Count an occurrence."""
        self.client.increment(name, value, tags=tags)

    def timing(self, name: str, millis: float, tags: list[str] | None = None) -> None:
        """Record a duration in milliseconds."""
        self.client.timing(name, millis, tags=tags)

    def gauge(self, name: str, value: float, tags: list[str] | None = None) -> None:
        """Record a level."""
        self.client.gauge(name, value, tags=tags)


def make_metrics(settings: Settings) -> Metrics:
    """Return the metrics sink the settings ask for."""
    return StatsdMetrics(settings) if settings.metrics_enabled else NullMetrics()


def enable_tracing(settings: Settings, service: str | None = None) -> bool:
    """Patch the libraries and tag traces; return whether tracing is on."""
    if not settings.trace_enabled:
        return False
    os.environ.setdefault("DD_SERVICE", service or settings.service)
    os.environ.setdefault("DD_ENV", settings.env)
    os.environ.setdefault("DD_VERSION", settings.version)
    os.environ.setdefault("DD_LOGS_INJECTION", "true")
    # One span per live-channel frame would swamp the tracer.
    os.environ.setdefault("DD_TRACE_WEBSOCKET_MESSAGES_ENABLED", "false")
    import ddtrace

    ddtrace.patch(**dict.fromkeys(PATCHED, True), raise_errors=False)
    log.info("tracing enabled", extra={"service": os.environ["DD_SERVICE"]})
    return True


class RouteResource:
    """Falcon middleware: name the request's span after its route template."""

    async def process_resource(self, req: Any, resp: Any, resource: Any, params: Any) -> None:
        """Set ``GET /v1/quizzes/{quiz_id}`` (not the raw path) as the resource."""
        from ddtrace.contrib.asgi import span_from_scope

        span = span_from_scope(req.scope)
        if span is not None and req.uri_template:
            span.resource = f"{req.method} {req.uri_template}"
            span.set_tag("http.route", req.uri_template)


def trace_asgi(app: Any) -> Any:
    """Wrap the ASGI app in ddtrace's middleware: one web span per request."""
    from ddtrace.contrib.asgi import TraceMiddleware

    return TraceMiddleware(app)  # type: ignore[no-untyped-call]


def instrument(
    handler: Handler, metrics: Metrics, hop: str, clock_ms: Callable[[], int]
) -> Handler:
    """Wrap a handler to count messages, time them and measure pipeline lag."""
    if isinstance(metrics, NullMetrics):
        # Metrics off (the embedded default): nothing to count, so no wrapper
        # building tags for every message of the pipeline.
        return handler

    async def wrapped(message: Message) -> None:
        began = time.perf_counter()
        try:
            await handler(message)
        except Exception:
            metrics.increment("pipeline.failed", tags=[f"hop:{hop}", f"type:{message.kind}"])
            raise
        _handled(metrics, hop, clock_ms, message, (time.perf_counter() - began) * 1000)

    return wrapped


def instrument_batch(
    handler: BatchHandler, metrics: Metrics, hop: str, clock_ms: Callable[[], int]
) -> BatchHandler:
    """Wrap a batch handler as ``instrument`` wraps one: each message is counted."""
    if isinstance(metrics, NullMetrics):
        return handler

    async def wrapped(messages: list[Message]) -> Sequence[Message]:
        began = time.perf_counter()
        try:
            left = await handler(messages)
        except Exception:
            metrics.increment("pipeline.failed", tags=[f"hop:{hop}", "type:batch"])
            raise
        # Each message's share of the batch's time; lag as of the batch's end.
        unhandled = {id(message) for message in left}
        done = [message for message in messages if id(message) not in unhandled]
        share = (time.perf_counter() - began) * 1000 / max(1, len(messages))
        for message in done:
            _handled(metrics, hop, clock_ms, message, share)
        return left

    return wrapped


def _handled(
    metrics: Metrics, hop: str, clock_ms: Callable[[], int], message: Message, took_ms: float
) -> None:
    tags = [f"hop:{hop}", f"type:{message.kind}"]
    metrics.timing("pipeline.handle_ms", took_ms, tags=tags)
    received_at: Any = getattr(message, "received_at", None)
    if isinstance(received_at, int):
        metrics.timing("pipeline.lag_ms", clock_ms() - received_at, tags=tags)
    if message.kind == "ScoreUpdated":
        metrics.increment("answers.scored")
    elif message.kind == "AnswerRejected":
        metrics.increment("answers.rejected", tags=[f"reason:{getattr(message, 'code', '')}"])


def route_tag(template: str | None) -> str:
    """Return a route template as a tag value: ``/v1/quizzes/:quiz_id``."""
    if not template:
        return "unmatched"
    # DogStatsD turns braces into underscores; a colon survives.
    return re.sub(r"\{(\w+)\}", r":\1", template)


class RequestMetrics:
    """Falcon middleware: count and time each HTTP request.

    Emits ``http.requests`` and ``http.request_ms`` tagged with the method,
    the route template (``route_tag``; ``unmatched`` when no route matched) and the status
    class (``2xx`` to ``5xx``): the API availability and latency objectives
    of docs/OPERATIONS.md. WebSocket traffic is not an HTTP response and is
    not counted here.
    """

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    async def process_request(self, req: Any, resp: Any) -> None:
        """Note when the request arrived."""
        req.context.metrics_began = time.perf_counter()

    async def process_response(
        self, req: Any, resp: Any, resource: Any, req_succeeded: bool
    ) -> None:
        """Count the response and record how long it took."""
        tags = [
            f"method:{req.method}",
            f"route:{route_tag(req.uri_template)}",
            f"status_class:{resp.status_code // 100}xx",
        ]
        self.metrics.increment("http.requests", tags=tags)
        began = getattr(req.context, "metrics_began", None)
        if began is not None:
            self.metrics.timing("http.request_ms", (time.perf_counter() - began) * 1000, tags=tags)


Check = Callable[[], Awaitable[object]]


async def probe(checks: dict[str, Check], timeout_s: float) -> tuple[bool, dict[str, Any]]:
    """Run every check at once; return (all passed, each one's outcome).

    An outcome is ``{"status": "ok"|"failed", "latency_ms": ...}``, with
    ``"error"`` (the exception's class and message) when it failed; a check
    slower than ``timeout_s`` fails as ``TimeoutError``.
    """

    async def one(check: Check) -> dict[str, Any]:
        began = time.perf_counter()
        try:
            await asyncio.wait_for(check(), timeout_s)
        except Exception as ex:
            error = f"{type(ex).__name__}: {ex}".rstrip(": ")
            outcome: dict[str, Any] = {"status": "failed", "error": error[:200]}
        else:
            outcome = {"status": "ok"}
        outcome["latency_ms"] = round((time.perf_counter() - began) * 1000, 1)
        return outcome

    names = list(checks)
    outcomes = await asyncio.gather(*(one(checks[name]) for name in names))
    results = dict(zip(names, outcomes, strict=True))
    return all(outcome["status"] == "ok" for outcome in outcomes), results
