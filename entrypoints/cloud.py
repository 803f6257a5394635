"""The cloud profile's composition root: every port on its managed service.

The API and each worker use this one container; each resolves only the
providers it needs, so a worker never opens a client it does not use. The
provider names are the local container's (``master``, ``sessions``,
``answers``, ``scores``, ``leaderboard``, ``publisher``, ``stream``), so
the same wiring code serves both profiles.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from dependency_injector import containers, providers

from adapters.aurora.pool import open_pool
from adapters.aurora.store import PostgresMasterStore
from adapters.aws_messaging.apigateway import ApiGatewayNotifier
from adapters.aws_messaging.client import aws_client
from adapters.aws_messaging.codec import seed_topic_router
from adapters.aws_messaging.eventbridge import EventBridgeAnswerStream
from adapters.aws_messaging.kinesis import KinesisAnswerStream
from adapters.aws_messaging.sns import SnsEventPublisher, create_topic
from adapters.clock import SystemClock
from adapters.dynamodb.answers import DynamoAnswerStore
from adapters.dynamodb.client import dynamodb_client
from adapters.dynamodb.scores import DynamoScoreStore
from adapters.dynamodb.sessions import DynamoSessionStore
from adapters.redis.cache import RedisQuizCache
from adapters.redis.client import open_redis
from adapters.redis.fanout import SEQ_STEP, FanoutMessage, RedisFanout
from adapters.redis.leaderboard import RedisLeaderboard
from adapters.redis.presence import RedisHostPresence, RedisPlayerPresence
from adapters.websocket_hub import WebSocketHub
from entrypoints.observability import Metrics
from entrypoints.runtime import QuestionTimers, TeePublisher
from entrypoints.settings import Settings
from quizcore.bootstrap import Services
from quizcore.ports import EventPublisher, Leaderboard, SessionStore
from quizcore.services import leaderboard_view

log = logging.getLogger(__name__)


async def topic_arns(sns: Any, settings: Settings) -> dict[str, str]:
    """Return the topics' ARNs: given as ARNs, or looked up by name (idempotent)."""
    arns = {}
    for key, value in (
        ("stream_result", settings.sns_stream_result_topic),
        ("quiz_events", settings.sns_quiz_events_topic),
    ):
        arns[key] = value if value.startswith("arn:") else await create_topic(sns, value)
    return arns


async def answer_stream(settings: Settings) -> AsyncIterator[Any]:
    """Yield the answer stream the settings choose, flushed on shutdown."""
    service = "events" if settings.answer_stream == "eventbridge" else "kinesis"
    async with aws_client(service, settings.aws_region, settings.aws_endpoint_url) as client:
        stream: Any
        if settings.answer_stream == "eventbridge":
            stream = EventBridgeAnswerStream(client, settings.eventbridge_bus)
        else:
            stream = KinesisAnswerStream(client, settings.kinesis_stream)
        try:
            yield stream
        finally:
            with contextlib.suppress(Exception):
                await stream.flush()


async def publisher(settings: Settings) -> AsyncIterator[SnsEventPublisher]:
    """Yield the SNS publisher routing stream results and quiz events."""
    async with aws_client("sns", settings.aws_region, settings.aws_endpoint_url) as sns:
        arns = await topic_arns(sns, settings)
        linger = settings.publish_linger_ms
        events = SnsEventPublisher(
            sns,
            seed_topic_router(arns["stream_result"], arns["quiz_events"]),
            linger_ms=linger if linger > 0 else None,
        )
        try:
            yield events
        finally:
            with contextlib.suppress(Exception):
                await events.aclose()


class CloudPipeline:
    """The cloud profile's hops: managed services; this process is a gateway.

    The handlers run in the workers and the Flink job; the API publishes
    durably (and tells its own question timers), and its hub delivers what
    the Redis fan-out numbered across every API process.
    """

    rebuilds_projections = False

    def __init__(
        self,
        publisher: EventPublisher,
        fanout: RedisFanout,
        hub: WebSocketHub,
        host_presence: RedisHostPresence,
        presence: RedisPlayerPresence,
        session_state_ttl_ms: int = 0,
    ) -> None:
        # The session's state item is read by every answer: the score
        # service remembers it this long (quizcore.batching.RecentSessions).
        self.session_state_ttl_ms = session_state_ttl_ms
        self._publisher = publisher
        self.fanout = fanout
        self.hub = hub
        # A host's sockets may be on any API process: counted in Redis; a
        # player's too: leased there by the process holding them.
        self.host_presence = host_presence
        self.presence = presence
        self._gateway: asyncio.Task[None] | None = None
        self._alive: asyncio.Task[None] | None = None
        self._leases: asyncio.Task[None] | None = None
        self._services: Services | None = None
        # What tells every socket, API Gateway's included (``ApiContext.announce``).
        self.announcer: Callable[[str, dict[str, Any]], Awaitable[None]] = self.announce

    def publisher(self, timers: QuestionTimers) -> EventPublisher:
        """Return the durable publisher, teed to this process's timers."""
        return TeePublisher(self._publisher, timers.on_event)

    async def announce(self, session_id: str, event: dict[str, Any]) -> None:
        """Tell every socket of the session, on every API process (the fan-out numbers it).

        Where API Gateway holds sockets too, ``announcer`` (the API's, which
        also posts there) is used for what this runtime announces by itself.
        """
        await self.fanout.publish(session_id, event)

    def wire(self, services: Services, timers: QuestionTimers, metrics: Metrics) -> None:
        """Wire nothing in process (the workers run the handlers); keep the services.

        The quiz service closes a question whose last player yet to answer
        left (``renew_leases``), as the score worker does at each answer.
        """
        self._services = services

    async def start(self) -> None:
        """Start delivering fanned-out events to this process's sockets.

        And saying, while a host's screen is open here, that this process is
        alive: one that dies stops keeping the host present.
        """
        self._gateway = asyncio.create_task(feed_gateway(self.fanout, self.hub))
        self._alive = asyncio.create_task(self.host_presence.run(self._host_back))
        self._leases = asyncio.create_task(self._renew_forever())

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(self.presence.renew_seconds)
            await self.renew_leases()

    async def renew_leases(self) -> None:
        """Renew the leases of the players here; share the count of those anywhere.

        The count rides on every board this process splices. Where the
        host's screen is here and the count changed, the host is sent a
        board at once (through the fan-out, numbered as any event): their
        "N of M" need not wait for the next answer. Where someone left,
        everyone still here may have answered the open question: a session
        that closes once all answered closes it now, not at its deadline
        (every process that saw them leave checks; the close happens once).
        """
        for session_id, players in self.hub.present_players().items():
            try:
                here = await self.presence.renew(
                    session_id, players, self.hub.removed_players(session_id)
                )
            except Exception:
                # One session's failure is not every session's: the next renewal tries again.
                log.warning("could not renew the players' presence", exc_info=True)
                continue
            before, leased = self.hub.present_count(session_id), self.hub.leased(session_id)
            self.hub.share_present(session_id, here)
            if leased is not None and leased - here and self._services is not None:
                try:
                    await self._services.quiz.recheck_answered(session_id)
                except Exception:
                    log.warning("could not recheck who answered", exc_info=True)
            changed = self.hub.present_count(session_id) != before
            hosts = self.hub.spectators_here(session_id) if changed else set()
            for host_id in hosts:
                try:
                    board = await self.hub.board_payload(session_id)
                    event = {"type": "leaderboard.updated", **board}
                    await self.fanout.to_user(session_id, host_id, event)
                except Exception:
                    log.warning("could not push the players' count", exc_info=True)

    async def _host_back(self, session_id: str) -> None:
        """Players were told the host left while this process, holding their screen, was silent."""
        await self.announcer(session_id, {"type": "host.joined"})

    async def stop(self) -> None:
        """Stop the delivery and the saying."""
        for task in (self._gateway, self._alive, self._leases):
            if task is not None:
                task.cancel()
                # A task that had already failed must not keep the others running.
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._gateway = self._alive = self._leases = None


class CloudContainer(containers.DeclarativeContainer):
    """The cloud profile: DynamoDB, Aurora, Redis, SNS/SQS, Kinesis or EventBridge."""

    settings = providers.Dependency(instance_of=Settings)
    clock = providers.Singleton(SystemClock)
    dynamodb = providers.Resource(
        dynamodb_client,
        region=providers.Callable(lambda s: s.aws_region, settings),
        endpoint_url=providers.Callable(lambda s: s.dynamodb_endpoint_url, settings),
    )
    redis = providers.Resource(open_redis, providers.Callable(lambda s: s.redis_url, settings))
    pool = providers.Resource(
        open_pool,
        providers.Callable(lambda s: s.postgres_dsn, settings),
        schema=providers.Callable(lambda s: s.postgres_schema, settings),
    )
    prefix = providers.Callable(lambda s: s.redis_prefix, settings)
    master = providers.Singleton(
        RedisQuizCache,
        master=providers.Singleton(
            PostgresMasterStore,
            pool,
            schema=providers.Callable(lambda s: s.postgres_schema, settings),
        ),
        client=redis,
        prefix=prefix,
    )
    sessions = providers.Singleton(
        DynamoSessionStore,
        dynamodb,
        providers.Callable(lambda s: s.dynamodb_sessions_table, settings),
    )
    answers = providers.Singleton(
        DynamoAnswerStore,
        dynamodb,
        providers.Callable(lambda s: s.dynamodb_answers_table, settings),
    )
    scores = providers.Singleton(
        DynamoScoreStore, dynamodb, providers.Callable(lambda s: s.dynamodb_scores_table, settings)
    )
    leaderboard = providers.Singleton(RedisLeaderboard, redis, prefix=prefix)
    fanout = providers.Singleton(RedisFanout, redis, prefix=prefix)
    host_presence = providers.Singleton(RedisHostPresence, redis, prefix=prefix)
    presence = providers.Singleton(
        RedisPlayerPresence,
        redis,
        prefix=prefix,
        grace_seconds=providers.Callable(lambda s: s.presence_grace_seconds, settings),
        renew_seconds=providers.Callable(lambda s: s.presence_renew_seconds, settings),
    )
    publisher = providers.Resource(publisher, settings)
    stream = providers.Resource(answer_stream, settings)
    # The API process's gateway: its own sockets, fed by the Redis fan-out.
    notifier = providers.Singleton(
        WebSocketHub,
        leaderboard=leaderboard,
        sessions=sessions,
        interval_ms=providers.Callable(lambda s: s.leaderboard_interval_ms, settings),
        top=providers.Callable(lambda s: s.leaderboard_top, settings),
        replay_size=providers.Callable(lambda s: s.replay_buffer, settings),
        queue_size=providers.Callable(lambda s: s.ws_queue_size, settings),
        # The fan-out numbers the session's events across the API processes.
        numbers_events=False,
        seq_step=SEQ_STEP,
    )
    pipeline = providers.Singleton(
        CloudPipeline,
        publisher,
        fanout,
        notifier,
        host_presence,
        presence,
        session_state_ttl_ms=providers.Callable(lambda s: s.session_state_cache_ms, settings),
    )


class FanoutNotifier:
    """The notification service's push: Redis fan-out to every API gateway.

    ``leaderboard_changed`` is coalesced here, once for all gateways: at most
    one ``leaderboard.updated`` per session per interval, carrying the shared
    top entries; each gateway splices in its receivers' own standing.
    Optional secondary notifiers (Firebase) get every call as well.
    """

    def __init__(
        self,
        fanout: RedisFanout,
        *,
        leaderboard: Leaderboard,
        sessions: SessionStore,
        interval_ms: int = 200,
        top: int = 10,
        also: list[Any] | None = None,
        gateway: ApiGatewayNotifier | None = None,
    ) -> None:
        self.fanout = fanout
        # API Gateway's WebSocket clients: posted once, here, with the fan-out's seq.
        self.gateway = gateway
        self.leaderboard = leaderboard
        self.sessions = sessions
        self.interval = interval_ms / 1000
        self.top = top
        self.also = also or []
        self._dirty: set[str] = set()
        self._ticker: asyncio.Task[None] | None = None

    async def to_session(self, session_id: str, event: dict[str, Any]) -> None:
        """Publish to every gateway (and the secondary notifiers)."""
        published = await self.fanout.publish(session_id, event)
        await self._gateway(session_id, published, None)
        for other in self.also:
            await other.to_session(session_id, event)

    async def to_user(self, session_id: str, user_id: str, event: dict[str, Any]) -> None:
        """Publish to the user's sockets on every gateway."""
        published = await self.fanout.to_user(session_id, user_id, event)
        await self._gateway(session_id, published, user_id)
        for other in self.also:
            await other.to_user(session_id, user_id, event)

    async def leaderboard_changed(self, session_id: str) -> None:
        """Mark the board dirty for the next coalesced push."""
        self._dirty.add(session_id)
        for other in self.also:
            await other.leaderboard_changed(session_id)

    async def flush(self) -> None:
        """Publish one leaderboard frame per dirty session."""
        dirty, self._dirty = self._dirty, set()
        for session_id in dirty:
            view = await leaderboard_view(
                leaderboard=self.leaderboard,
                sessions=self.sessions,
                session_id=session_id,
                limit=self.top,
                user_id=None,
            )
            view.pop("me", None)
            view.pop("session_id", None)
            published = await self.fanout.publish(
                session_id, {"type": "leaderboard.updated", **view}
            )
            await self._gateway(session_id, published, None)

    async def _gateway(self, session_id: str, event: dict[str, Any], user_id: str | None) -> None:
        if self.gateway is None:
            return
        try:
            await self.gateway.deliver(session_id, event, user_id)
        except Exception:
            # The Redis fan-out already has the event; a client behind API
            # Gateway that missed it resynchronises from a snapshot.
            log.exception("API Gateway push failed")

    async def start(self) -> None:
        """Start the coalescing ticker."""
        if self._ticker is None:
            self._ticker = asyncio.create_task(self._tick())

    async def stop(self) -> None:
        """Push what is pending and stop the ticker."""
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        await self.flush()

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.flush()
            except Exception:
                log.exception("leaderboard fan-out failed")


async def feed_gateway(fanout: RedisFanout, hub: WebSocketHub) -> None:
    """Deliver every fanned-out event to this process's sockets (until cancelled)."""

    async def deliver(message: FanoutMessage) -> None:
        await hub.receive(message.session_id, message.event, message.user_id)
        if message.gap:
            # Events before this one were lost and the history no longer
            # holds them: the session's sockets start again from a snapshot.
            log.warning("fan-out gap in session %s: fresh snapshots", message.session_id)
            hub.resync(message.session_id)

    await fanout.listen(deliver)
