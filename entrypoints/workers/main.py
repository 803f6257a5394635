"""Run one worker: score-event, notification, quiz-event or the stream processor.

Each consumes its queue (or the answer stream) with the same quizcore
handler the embedded profile runs in process, built alone on only the
ports it uses (``PORTS``, ``wire``), serves ``/healthz`` and
``/readyz`` for Kubernetes probes, logs JSON, and on SIGTERM finishes or
releases the messages in flight before it exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass
from typing import Any

import uvicorn

from entrypoints.cloud import CloudContainer, FanoutNotifier
from entrypoints.logs import configure_logging
from entrypoints.observability import enable_tracing, instrument, make_metrics
from entrypoints.settings import Settings
from entrypoints.wiring import open_links, resolve, shutdown
from entrypoints.workers.health import (
    PollWatch,
    health_app,
    queue_check,
    store_checks,
    stream_check,
)
from quizcore.batching import batch_scope, cached_sessions
from quizcore.bootstrap import (
    build_notification,
    build_quiz_event,
    build_quiz_service,
    build_score_event,
    build_stream_processor,
)
from quizcore.services import Catalog

log = logging.getLogger(__name__)

QUEUES = {
    "score-event": "sqs_score_event_queue",
    "notification": "sqs_ui_response_queue",
    "quiz-event": "sqs_quiz_result_queue",
}


# The ports each worker's handler uses, and no other: a worker resolves only
# these, so it opens only the clients behind them (the stream processor no
# Redis and no Aurora; the notification and quiz-event workers no SNS), and
# its /readyz checks the stores among them. The clock times every handler.
PORTS: dict[str, tuple[str, ...]] = {
    "stream-processor": ("clock", "sessions", "answers", "scores", "publisher"),
    "score-event": (
        "clock",
        "master",
        "sessions",
        "answers",
        "scores",
        "leaderboard",
        "publisher",
        "presence",
    ),
    "notification": ("clock", "master", "sessions", "answers", "leaderboard", "fanout"),
    "quiz-event": ("clock", "master", "sessions", "scores", "leaderboard"),
}


@dataclass
class Wired:
    """One worker's handler, the ports it was built on, and its fan-out."""

    handler: Any
    ports: dict[str, Any]
    notifier: FanoutNotifier | None = None  # the notification worker's push


async def wire(name: str, container: CloudContainer, settings: Settings) -> Wired:
    """Resolve the ports of the named worker's handler; build that handler alone."""
    ports = {port: await resolve(getattr(container, port)) for port in PORTS[name]}
    if name == "stream-processor":
        # No catalog: the command carries the question facts.
        processor = build_stream_processor(
            sessions=ports["sessions"],
            answers=ports["answers"],
            scores=ports["scores"],
            publisher=ports["publisher"],
            catalog=None,
            grace_ms=settings.answer_grace_ms,
        )
        return Wired(processor, ports)
    if name == "score-event":
        quiz = build_quiz_service(
            clock=ports["clock"],
            master=ports["master"],
            sessions=ports["sessions"],
            answers=ports["answers"],
            scores=ports["scores"],
            leaderboard=ports["leaderboard"],
            publisher=ports["publisher"],
            grace_ms=settings.answer_grace_ms,
            # Who is here, on any API process: "everyone answered" means them.
            presence=ports["presence"],
        )
        return Wired(build_score_event(quiz), ports)
    if name == "notification":
        notifier = FanoutNotifier(
            ports["fanout"],
            leaderboard=ports["leaderboard"],
            sessions=ports["sessions"],
            interval_ms=settings.leaderboard_interval_ms,
            top=settings.leaderboard_top,
            also=await firebase_notifiers(settings, ports),
            gateway=await apigateway_notifier(settings, ports),
        )
        notification = build_notification(
            notifier=notifier,
            sessions=ports["sessions"],
            answers=ports["answers"],
            leaderboard=ports["leaderboard"],
            catalog=Catalog(ports["master"]),
            top=settings.leaderboard_top,
        )
        return Wired(notification, ports, notifier)
    # The quiz-event worker (PORTS names no other).
    handler = build_quiz_event(
        master=ports["master"],
        sessions=ports["sessions"],
        scores=ports["scores"],
        leaderboard=ports["leaderboard"],
    )
    return Wired(handler, ports)


async def apigateway_notifier(settings: Settings, ports: dict[str, Any]) -> Any:
    """Return the API Gateway notifier when its callback URL is set, else None."""
    if not settings.apigw_ws_callback_url:
        return None
    from adapters.aws_messaging.apigateway import ApiGatewayConnections, ApiGatewayNotifier

    links = await open_links(settings)
    return ApiGatewayNotifier(
        ApiGatewayConnections(links.connections.client),
        links.registry,
        leaderboard=ports["leaderboard"],
    )


async def firebase_notifiers(settings: Settings, ports: dict[str, Any]) -> list[Any]:
    """Return the Firebase notifier when Firebase is configured, else nothing."""
    if not (settings.firebase_project_id or settings.firebase_credentials):
        return []
    from adapters.firebase import FirebaseNotifier, firebase_app
    from quizcore.services import leaderboard_view

    app = firebase_app(
        settings.firebase_credentials or None,
        project_id=settings.firebase_project_id,
        database_url=settings.firebase_database_url,
    )

    async def snapshot(session_id: str) -> dict[str, Any]:
        return await leaderboard_view(
            leaderboard=ports["leaderboard"],
            sessions=ports["sessions"],
            session_id=session_id,
            limit=settings.leaderboard_top,
            user_id=None,
        )

    return [FirebaseNotifier(app, snapshot, interval_ms=settings.leaderboard_interval_ms)]


async def stream_dead_letter(stack: contextlib.AsyncExitStack, settings: Settings) -> Any:
    """Return the stream's dead-letter queue sink, or None (with a warning) if absent."""
    from adapters.aws_messaging.client import aws_client
    from adapters.aws_messaging.kinesis import SqsDeadLetter

    sqs = await stack.enter_async_context(
        aws_client("sqs", settings.aws_region, settings.aws_endpoint_url)
    )
    name = settings.stream_dead_letter_queue
    try:
        url = (await sqs.get_queue_url(QueueName=name))["QueueUrl"]
    except Exception as ex:
        log.warning("no dead-letter queue %s for the stream (%s): failing records wait", name, ex)
        return None
    return SqsDeadLetter(sqs, url)


async def consume(name: str, settings: Settings, state: dict[str, Any]) -> None:
    """Run one worker until SIGTERM."""
    from adapters.aws_messaging.client import aws_client
    from adapters.aws_messaging.kinesis import KinesisConsumer
    from adapters.aws_messaging.sqs import SqsConsumer
    from adapters.dynamodb.checkpoints import DynamoCheckpointStore
    from adapters.dynamodb.client import dynamodb_client

    # Nothing opens up front: resolving the worker's ports opens what they need.
    container: Any = CloudContainer(settings=settings)
    metrics = make_metrics(settings)
    try:
        wired = await wire(name, container, settings)
        service = wired.handler
        now_ms = wired.ports["clock"].now_ms
        handler: Any
        consumer: Any
        async with contextlib.AsyncExitStack() as stack:
            if name == "stream-processor":
                client = await stack.enter_async_context(
                    aws_client("kinesis", settings.aws_region, settings.aws_endpoint_url)
                )
                handler = instrument(service.handle, metrics, name, now_ms)
                dynamodb = await stack.enter_async_context(
                    dynamodb_client(settings.aws_region, settings.dynamodb_endpoint_url)
                )
                # Positions survive a restart or deploy: resume, don't replay.
                checkpoints = DynamoCheckpointStore(
                    dynamodb, settings.dynamodb_sessions_table, settings.kinesis_stream
                )
                # One session state and participant read per batch, not per record.
                cached = cached_sessions(service)
                assert cached is not None

                async def prefetch(commands: list[Any]) -> None:
                    # The batch's participants in one BatchGetItem per 100.
                    await cached.prefetch_participants(
                        [(command.session_id, command.user_id) for command in commands]
                    )

                watch = PollWatch(client)
                consumer = KinesisConsumer(
                    watch,
                    settings.kinesis_stream,
                    handler,
                    checkpoints=checkpoints,
                    concurrency=settings.stream_concurrency,
                    scope=batch_scope,
                    prefetch=prefetch,
                    dead_letter=await stream_dead_letter(stack, settings),
                    max_attempts=settings.stream_max_attempts,
                )
                checks = {"stream": stream_check(client, settings.kinesis_stream)}
            else:
                client = await stack.enter_async_context(
                    aws_client("sqs", settings.aws_region, settings.aws_endpoint_url)
                )
                queue = getattr(settings, QUEUES[name])
                url = (await client.get_queue_url(QueueName=queue))["QueueUrl"]
                cached_sessions(service)  # state and participants: once per receive
                handler = instrument(service.handle, metrics, name, now_ms)
                watch = PollWatch(client)
                consumer = SqsConsumer(
                    watch,
                    url,
                    handler,
                    concurrency=settings.queue_concurrency,
                    visibility_timeout_s=settings.queue_visibility_seconds,
                    scope=batch_scope,
                )
                checks = {"queue": queue_check(client, url)}
            if wired.notifier is not None:
                await wired.notifier.start()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, _stopper(consumer, state))
            state["checks"] = {
                **checks,
                **store_checks(wired.ports),
                "consumer": watch.check(settings.worker_stall_after_s),
            }
            state["ready"] = True
            log.info("worker started", extra={"worker": name})
            reporter = asyncio.create_task(report_calls(metrics, name))
            try:
                await consumer.run()
            finally:
                reporter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reporter
                send_calls(metrics, name)
            if wired.notifier is not None:
                await wired.notifier.stop()
    finally:
        state["ready"] = False
        await shutdown(container)
        log.info("worker stopped", extra={"worker": name})


_sent_calls: dict[str, int] = {}


def send_calls(metrics: Any, name: str) -> None:
    """Send the AWS requests made since the last call as ``aws.calls`` counts."""
    from adapters.aws_messaging.client import CALLS

    for operation, count in list(CALLS.items()):
        delta = count - _sent_calls.get(operation, 0)
        if delta:
            _sent_calls[operation] = count
            metrics.increment("aws.calls", delta, tags=[f"hop:{name}", f"operation:{operation}"])


async def report_calls(metrics: Any, name: str, every_s: float = 1.0) -> None:
    """Send the AWS request counts every ``every_s`` (until cancelled)."""
    while True:
        await asyncio.sleep(every_s)
        send_calls(metrics, name)


def _stopper(consumer: Any, state: dict[str, Any]) -> Any:
    def stop() -> None:
        state["ready"] = False
        state["stopping"] = True
        consumer.stop()

    return stop


async def _main(name: str, settings: Settings) -> None:
    state: dict[str, Any] = {"name": name, "ready": False}
    config = uvicorn.Config(
        health_app(state, settings.ready_check_timeout_s),
        host="0.0.0.0",
        port=settings.worker_health_port,
        log_level="warning",
        lifespan="off",
    )
    health = uvicorn.Server(config)
    # The worker owns SIGTERM (to drain its consumer); the probe server must not.
    health.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    probe = asyncio.create_task(health.serve())
    try:
        await consume(name, settings, state)
    finally:
        health.should_exit = True
        await probe


def run_worker(name: str, settings: Settings) -> int:
    """Run the named worker until it is told to stop; return the exit code."""
    configure_logging(settings)
    enable_tracing(settings, service=f"{settings.service}-{name}")
    asyncio.run(_main(name, settings))
    return 0
