"""The API's app factory: routes, error handlers, lifespan and the web client."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import falcon
import falcon.asgi
import falcon.media
import orjson

from entrypoints.api import errors
from entrypoints.api.auth import DevIssuer, HttpJwks, StaticJwks, TokenVerifier
from entrypoints.api.container import LocalContainer
from entrypoints.api.context import ApiContext
from entrypoints.api.resources import add_routes, spec
from entrypoints.gc_policy import LIVE_GC
from entrypoints.observability import (
    NullMetrics,
    RequestMetrics,
    RouteResource,
    enable_tracing,
    make_metrics,
    trace_asgi,
)
from entrypoints.runtime import (
    QuestionTimers,
    rebuild_projections,
)
from entrypoints.seed import load_quizzes, seed
from entrypoints.settings import Settings
from entrypoints.wiring import resolve
from quizcore.bootstrap import build_services

log = logging.getLogger(__name__)


class Lifespan:
    """Start the wiring on ASGI startup and stop it cleanly on shutdown."""

    def __init__(self, ctx: ApiContext, container: Any) -> None:
        self.ctx = ctx
        self.container = container
        self.timers: QuestionTimers | None = None
        self.pipeline: Any = None
        self._status: asyncio.Task[None] | None = None

    async def process_startup(self, scope: Any, event: Any) -> None:
        """Open stores, wire the handlers, seed, rebuild, start the workers."""
        settings = self.ctx.settings
        container = self.container
        await container.init_resources()
        ports = {
            name: await resolve(getattr(container, name))
            for name in (
                "clock",
                "master",
                "sessions",
                "answers",
                "scores",
                "leaderboard",
                "publisher",
                "stream",
                "notifier",
            )
        }
        # The profile's hops, chosen by the container: no type checks here.
        pipeline = self.pipeline = await resolve(container.pipeline)
        timers = self.timers = QuestionTimers()
        ports["publisher"] = pipeline.publisher(timers)
        services = build_services(
            **ports,
            grace_ms=settings.answer_grace_ms,
            top=settings.leaderboard_top,
            presence=pipeline.presence,
            reach=ports["notifier"],
            session_state_ttl_ms=pipeline.session_state_ttl_ms,
        )
        timers.services = services
        pipeline.wire(services, timers, self.ctx.metrics)
        if settings.seed_quizzes:
            added = await seed(services.master, load_quizzes())
            log.info("quizzes seeded", extra={"added": added})
        rebuilt = await rebuild_projections(services) if pipeline.rebuilds_projections else 0
        for state in await services.sessions.running():
            self.ctx.mark_rebuilt(state.session_id)
        log.info("projections rebuilt", extra={"sessions": rebuilt})
        await timers.resume()
        await pipeline.start()
        hub = ports["notifier"]
        metrics = self.ctx.metrics
        hub.on_push = lambda millis, receivers: metrics.timing(
            "leaderboard.push_ms", millis, tags=[f"receivers:{min(receivers, 10_000) // 1000}k"]
        )
        # A request waiting for its answer's result (Prefer: wait) wakes when
        # the result goes out on the live channel, not at its next poll; the
        # process's collector follows sessions starting and finishing.
        outcomes = services.score.outcomes

        def on_frame(session_id: str, frame: dict[str, Any]) -> None:
            outcomes.on_frame(session_id, frame)
            LIVE_GC.on_frame(session_id, frame)
            if frame.get("type") == "participant.removed":
                # Told first (the frame is on its way), then closed.
                self.ctx.participant_removed(session_id, str(frame.get("user_id", "")))

        hub.on_frame = on_frame
        await hub.start()
        self.ctx.hub = hub
        self.ctx.host_presence = pipeline.host_presence
        self.ctx.announcer = pipeline.announce
        if hasattr(pipeline, "announcer"):
            # What the runtime announces by itself reaches API Gateway's sockets too.
            pipeline.announcer = self.ctx.announce
        self.ctx.timers = timers
        self.ctx.wired = services

        async def sessions() -> None:
            await services.sessions.get("READYZ")

        async def leaderboard() -> None:
            await services.leaderboard.size("readyz")

        self.ctx.ready_checks.extend([sessions, leaderboard])
        await self._follow_user_status()

    async def _follow_user_status(self) -> None:
        """Share user-status changes between processes wherever Redis is wired."""
        if "redis" not in self.container.providers:
            return  # one process: status changes apply in process
        from adapters.redis.user_status import RedisUserStatusChannel

        client = await resolve(self.container.redis)
        channel = RedisUserStatusChannel(client, prefix=self.ctx.settings.redis_prefix)
        subscribed = asyncio.Event()
        self._status = asyncio.create_task(
            channel.follow(self.ctx.user_status_changed, ready=subscribed)
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(subscribed.wait(), 10)
        self.ctx.status_channel = channel

    async def process_shutdown(self, scope: Any, event: Any) -> None:
        """Stop timers and workers, drain queues, close the stores."""
        if self._status is not None:
            self._status.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._status
        if self.ctx.hub is not None:
            await self.ctx.hub.stop()
        if self.timers is not None:
            await self.timers.stop()
        if self.pipeline is not None:
            await self.pipeline.stop()
        await self.container.shutdown_resources()


class RequestLog:
    """One log line per API request: method, route, status and duration."""

    async def process_request(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Note when the request began."""
        req.context.began = time.perf_counter()

    async def process_response(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, resource: Any, ok: bool
    ) -> None:
        """Log the request (inside its trace span, so the line carries the trace ids)."""
        if not req.path.startswith("/v1/"):
            return
        began = getattr(req.context, "began", None)
        log.info(
            "request",
            extra={
                "method": req.method,
                "route": req.uri_template or req.path,
                "status": resp.status_code,
                "ms": round((time.perf_counter() - began) * 1000, 1) if began else None,
            },
        )


LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def check_dev_auth(settings: Settings) -> None:
    """Refuse dev tokens outside a local run; warn loudly on a local cloud run."""
    if not settings.dev_auth_enabled:
        return
    if settings.production:
        raise ValueError(
            f"QUIZ_DEV_AUTH is on with QUIZ_ENV={settings.env}: dev tokens are for local "
            "runs only; turn QUIZ_DEV_AUTH off and set QUIZ_AUTH_JWKS_URL"
        )
    if settings.profile != "cloud":
        return
    endpoints = {settings.aws_endpoint_url, settings.dynamodb_endpoint_url}
    if any((urlsplit(url or "").hostname or "") not in LOOPBACK_HOSTS for url in endpoints):
        raise ValueError(
            "QUIZ_DEV_AUTH is on in the cloud profile against real AWS: dev tokens are "
            "allowed only for a local run (QUIZ_AWS_ENDPOINT_URL on this machine)"
        )
    banner = (
        "WARNING: DEV AUTH IS ON in the cloud profile: POST /v1/dev/token mints "
        "author tokens for anyone. Local runs only; never deploy this."
    )
    log.warning(banner)
    print(f"\n{'!' * 72}\n{banner}\n{'!' * 72}\n", file=sys.stderr, flush=True)


def make_verifier(settings: Settings) -> tuple[TokenVerifier, DevIssuer | None]:
    """Return the token verifier and, with dev auth on, the local issuer."""
    check_dev_auth(settings)
    skew = settings.auth_clock_skew_seconds
    if settings.dev_auth_enabled:
        issuer = DevIssuer(
            settings.data_dir / "dev-signing-key.pem",
            issuer=settings.auth_issuer,
            audience=settings.auth_audience,
        )
        source: Any = StaticJwks(issuer.jwks())
        if settings.auth_jwks_url:
            source = HttpJwks(settings.auth_jwks_url)
        verifier = TokenVerifier(
            source,
            issuer=settings.auth_issuer,
            audience=settings.auth_audience,
            clock_skew=skew,
        )
        return verifier, issuer
    if not settings.auth_jwks_url:
        raise ValueError("QUIZ_AUTH_JWKS_URL is required when dev auth is off")
    verifier = TokenVerifier(
        HttpJwks(settings.auth_jwks_url),
        issuer=settings.auth_issuer,
        audience=settings.auth_audience,
        clock_skew=skew,
    )
    return verifier, None


class NoStore:
    """Keep API responses out of shared caches; they are per user and live."""

    async def process_response(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, resource: Any, ok: bool
    ) -> None:
        """Mark API responses uncacheable."""
        if req.path.startswith("/v1/"):
            resp.set_header("Cache-Control", "no-store")


async def _api_not_found(
    req: falcon.asgi.Request, resp: falcon.asgi.Response | None, **_: Any
) -> None:
    raise falcon.HTTPNotFound(title="Not found", description=f"no route {req.path}")


def create_app(settings: Settings | None = None, container: Any = None) -> Any:
    """Return the ASGI app for the given settings (read from the environment by default)."""
    return build_app(settings, container)[0]


def build_app(settings: Settings | None = None, container: Any = None) -> tuple[Any, ApiContext]:
    """Return the ASGI app and its context (tests reach the services through it)."""
    settings = settings or Settings()
    if container is None:
        if settings.profile == "cloud":
            from entrypoints.cloud import CloudContainer

            container = CloudContainer(settings=settings)
        else:
            container = LocalContainer(settings=settings)
    verifier, issuer = make_verifier(settings)
    tracing = enable_tracing(settings, service=f"{settings.service}-api")
    ctx = ApiContext(
        settings=settings, verifier=verifier, dev_issuer=issuer, metrics=make_metrics(settings)
    )
    lifespan = Lifespan(ctx, container)
    middleware: list[Any] = [lifespan, NoStore(), RequestLog()]
    if tracing:
        middleware.append(RouteResource())
    if not isinstance(ctx.metrics, NullMetrics):
        middleware.append(RequestMetrics(ctx.metrics))
    app = falcon.asgi.App(middleware=middleware, cors_enable=False)
    app.req_options.strip_url_path_trailing_slash = True
    json_handler = falcon.media.JSONHandler(
        dumps=lambda obj: orjson.dumps(obj).decode(), loads=orjson.loads
    )
    app.req_options.media_handlers.update({falcon.MEDIA_JSON: json_handler})
    app.resp_options.media_handlers.update(
        {falcon.MEDIA_JSON: json_handler, errors.PROBLEM_JSON: json_handler}
    )
    app.resp_options.secure_cookies_by_default = True
    # The live channel always has a receive pending, so Falcon's own receive
    # buffer (a pump task and an asyncio.wait per incoming message) only adds
    # cost: py-spy put it at about a fifth of each answer's receive path.
    app.ws_options.max_receive_queue = 0
    errors.install(app)
    add_routes(app, ctx)
    # The document is served by our own route (problem+json error bodies), so
    # spectree only needs to know the app, not to mount its own route.
    spec.app = app
    dist = Path(settings.web_dist)
    if (dist / "index.html").exists():
        app.add_static_route("/", str(dist.resolve()), fallback_filename="index.html")
    # Unknown API paths are problems, never the web client's index page.
    app.add_sink(_api_not_found, prefix=r"^/v1(/|$)")
    return (trace_asgi(app) if tracing else app), ctx
