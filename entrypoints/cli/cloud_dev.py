"""The whole cloud profile on one machine: moto's server, PostgreSQL, Redis.

``bootstrap`` creates every resource the services read (tables, stream,
topics, queues with dead-letter queues, subscriptions, the event bus and its
rule, the database schema); it is idempotent. ``run_cloud`` starts moto's
server, bootstraps, then starts the API, the stream processor and the three
workers as separate processes, and prints where to connect.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from entrypoints.settings import Settings

DEPLOYABLES = ("stream-processor", "score-event", "notification", "quiz-event")

# The settings every cloud deployable requires, on this machine: the region
# moto serves, the local PostgreSQL and Redis (the test suites' too). Set in
# the environment, QUIZ_AWS_REGION, QUIZ_POSTGRES_DSN and QUIZ_REDIS_URL win.
LOCAL_REQUIRED = {
    "aws_region": "eu-west-1",
    "postgres_dsn": "postgresql://postgres@127.0.0.1:5432/test",
    "redis_url": "redis://127.0.0.1:6379/0",
}


def local_required() -> dict[str, str]:
    """Return the required cloud settings for a run on this machine."""
    return {
        name: os.environ.get(f"QUIZ_{name.upper()}") or default
        for name, default in LOCAL_REQUIRED.items()
    }


def local_cloud_settings(**overrides: Any) -> Settings:
    """Return cloud settings for this machine (the environment's, then these)."""
    values: dict[str, Any] = {"profile": "cloud", **local_required(), **overrides}
    return Settings(**values)


async def bootstrap(settings: Settings) -> dict[str, str]:
    """Create every cloud resource of the settings (safe to run twice)."""
    from adapters.aurora.pool import open_pool
    from adapters.aws_messaging.client import aws_client
    from adapters.aws_messaging.eventbridge import PARTITION_KEY_PATH
    from adapters.aws_messaging.sns import create_topic, subscribe_queue
    from adapters.aws_messaging.sqs import create_queue_with_dlq
    from adapters.dynamodb.client import dynamodb_client
    from adapters.dynamodb.tables import create_tables
    from quizcore import routing

    region, endpoint = settings.aws_region, settings.aws_endpoint_url
    created: dict[str, str] = {}
    async with contextlib.AsyncExitStack() as stack:
        dynamodb = await stack.enter_async_context(
            dynamodb_client(region, settings.dynamodb_endpoint_url)
        )
        sns = await stack.enter_async_context(aws_client("sns", region, endpoint))
        sqs = await stack.enter_async_context(aws_client("sqs", region, endpoint))
        kinesis = await stack.enter_async_context(aws_client("kinesis", region, endpoint))
        events = await stack.enter_async_context(aws_client("events", region, endpoint))
        await create_tables(dynamodb, settings)
        streams = (await kinesis.list_streams())["StreamNames"]
        if settings.kinesis_stream not in streams:
            await kinesis.create_stream(StreamName=settings.kinesis_stream, ShardCount=2)
            waiter = kinesis.get_waiter("stream_exists")
            await waiter.wait(StreamName=settings.kinesis_stream)
        stream_arn = (await kinesis.describe_stream(StreamName=settings.kinesis_stream))[
            "StreamDescription"
        ]["StreamARN"]
        stream_result = await create_topic(sns, settings.sns_stream_result_topic)
        quiz_events = await create_topic(sns, settings.sns_quiz_events_topic)
        topic_of = {routing.STREAM_RESULT: stream_result, routing.QUIZ_EVENTS: quiz_events}
        queue_of = {
            routing.SCORE_EVENT: settings.sqs_score_event_queue,
            routing.UI_RESPONSE: settings.sqs_ui_response_queue,
            routing.QUIZ_RESULT: settings.sqs_quiz_result_queue,
        }
        for route in routing.ROUTES:
            queue = queue_of[route.queue]
            urls = await create_queue_with_dlq(sqs, queue, 5)
            await subscribe_queue(
                sns, sqs, topic_of[route.topic], urls.url, raw=True, kinds=route.kinds
            )
            created[queue] = urls.url
        # The plain stream processor's dead-letter queue (the stream has none).
        stream_dlq = await sqs.create_queue(QueueName=settings.stream_dead_letter_queue)
        created[settings.stream_dead_letter_queue] = stream_dlq["QueueUrl"]
        buses = [bus["Name"] for bus in (await events.list_event_buses())["EventBuses"]]
        if settings.eventbridge_bus not in buses:
            await events.create_event_bus(Name=settings.eventbridge_bus)
        await events.put_rule(
            Name="quizcore-answers-to-kinesis",
            EventBusName=settings.eventbridge_bus,
            EventPattern=json.dumps(
                {"source": ["quizcore.score-service"], "detail-type": ["SubmitAnswer"]}
            ),
        )
        await events.put_targets(
            Rule="quizcore-answers-to-kinesis",
            EventBusName=settings.eventbridge_bus,
            Targets=[
                {
                    "Id": "kinesis",
                    "Arn": stream_arn,
                    "KinesisParameters": {"PartitionKeyPath": PARTITION_KEY_PATH},
                }
            ],
        )
        created.update(stream_result=stream_result, quiz_events=quiz_events, stream=stream_arn)
    # Opening the pool runs the migrations; close it at once.
    async with contextlib.aclosing(
        open_pool(settings.postgres_dsn, schema=settings.postgres_schema)
    ) as pools:
        async for _pool in pools:
            break
    return created


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cloud_env(
    endpoint: str,
    port: int,
    extra: dict[str, str] | None = None,
    *,
    dynamodb_endpoint: str | None = None,
) -> dict[str, str]:
    """Return the environment of every cloud deployable on this machine.

    It gives every setting a cloud deployable requires (``Settings.require``);
    ``extra`` may override any of them. ``dynamodb_endpoint``: where DynamoDB
    is served apart from the other services.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    required = local_required()
    env.update({f"QUIZ_{name.upper()}": value for name, value in required.items()})
    env.update(
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",
        AWS_DEFAULT_REGION=required["aws_region"],
        AWS_EC2_METADATA_DISABLED="true",
        QUIZ_PROFILE="cloud",
        QUIZ_AWS_ENDPOINT_URL=endpoint,
        QUIZ_PORT=str(port),
        # No identity provider here: the dev issuer signs, the same verifier checks.
        QUIZ_DEV_AUTH="true",
        QUIZ_LOG_JSON="true",
    )
    if dynamodb_endpoint:
        env["QUIZ_AWS_DYNAMODB_ENDPOINT_URL"] = dynamodb_endpoint
    env.update(extra or {})
    return env


class CloudSystem:
    """The API, the stream processor and the three workers as processes."""

    def __init__(
        self, env: dict[str, str], api_port: int, log_dir: Path, *, api_processes: int = 1
    ) -> None:
        self.env = env
        self.api_port = api_port
        # "api" on api_port, then "api-2", "api-3"... on free ports: several
        # API processes serving the same sessions through the Redis fan-out.
        self.api_ports = {"api": api_port} | {
            f"api-{number}": _free_port() for number in range(2, api_processes + 1)
        }
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.health_ports: dict[str, int] = {}

    def start(self, name: str, offset: int = 0) -> subprocess.Popen[bytes]:
        """Start one deployable (again, after a kill)."""
        env = dict(self.env)
        if name in self.api_ports:
            command = [sys.executable, "-m", "entrypoints.cli.main", "serve"]
            env["QUIZ_PORT"] = str(self.api_ports[name])
        elif name == "stream-processor":
            command = [sys.executable, "-m", "entrypoints.cli.main", "stream-processor"]
        else:
            command = [sys.executable, "-m", "entrypoints.cli.main", "worker", name]
        self.health_ports[name] = _free_port()
        env["QUIZ_WORKER_HEALTH_PORT"] = str(self.health_ports[name])
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def start_all(self) -> None:
        """Start every deployable."""
        for name in self.api_ports:
            self.start(name)
        for name in DEPLOYABLES:
            self.start(name)

    def stop_all(self) -> None:
        """Send SIGTERM to every deployable and wait for it."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_ready(url: str, seconds: float = 60) -> None:
    """Wait until ``url`` answers 200."""
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not become ready")


def run_cloud(port: int, moto_port: int, api_processes: int = 1) -> int:
    """Run the whole cloud profile locally until interrupted."""
    import logging

    from entrypoints.cli.moto_stand_in import SerialMotoServer, moto_process

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # A SIGTERM stops everything as Ctrl-C does, moto's own process included.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with contextlib.ExitStack() as stack:
        moto = SerialMotoServer(moto_port, writes_only=True)
        moto.start()
        stack.callback(moto.stop)
        endpoint = moto.endpoint
        # DynamoDB, most of the requests, in a moto process of its own: a core of its own.
        dynamodb_endpoint = stack.enter_context(moto_process())
        env = cloud_env(endpoint, port, dynamodb_endpoint=dynamodb_endpoint)
        os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
        settings = local_cloud_settings(
            aws_endpoint_url=endpoint, aws_dynamodb_endpoint_url=dynamodb_endpoint
        )
        created = asyncio.run(bootstrap(settings))
        system = CloudSystem(
            env, port, Path(settings.data_dir) / "cloud-logs", api_processes=api_processes
        )
        system.start_all()
        stack.callback(system.stop_all)
        try:
            for api_port in system.api_ports.values():
                wait_ready(f"http://127.0.0.1:{api_port}/readyz")
            print(f"AWS services (moto): {endpoint}; DynamoDB: {dynamodb_endpoint}")
            print(f"queues: {', '.join(k for k in created if k.startswith('quizcore-'))}")
            for api_port in system.api_ports.values():
                print(f"API, live channel and web app: http://127.0.0.1:{api_port}/")
            print(f"logs: {system.log_dir}/  (Ctrl-C stops everything)")
            while all(process.poll() is None for process in system.processes.values()):
                time.sleep(1)
            failed = [name for name, p in system.processes.items() if p.poll() is not None]
            print(f"stopped: {', '.join(failed)} exited; see the logs")
            return 1
        except KeyboardInterrupt:
            return 0


def main(args: Any) -> int:
    """Entry of ``quiz run-cloud`` and ``quiz bootstrap``."""
    if args.command == "bootstrap":
        created = asyncio.run(bootstrap(local_cloud_settings()))
        print(json.dumps(created, indent=2))
        return 0
    return run_cloud(args.port, args.moto_port, getattr(args, "api_processes", 1))
