"""A worker's /readyz: its queue and stores with their latency, and a stalled consumer.

The consumer runs against moto's SQS server and the stores are the real
adapters (DynamoDB on moto, the local Redis); only the clock the poll watch
reads is the test's, so "60 s without a poll" needs no waiting. Which
stores each worker checks follows the ports it is built on
(``tests/unit/test_worker_wiring.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import falcon.testing
import pytest

from adapters.aws_messaging import (
    MessageRouter,
    SqsConsumer,
    SqsEventPublisher,
    aws_client,
    create_queue_with_dlq,
)
from adapters.dynamodb.client import dynamodb_client
from adapters.dynamodb.sessions import DynamoSessionStore
from adapters.dynamodb.tables import create_tables
from adapters.redis.client import open_redis
from adapters.redis.leaderboard import RedisLeaderboard
from entrypoints.settings import Settings
from entrypoints.workers.health import PollWatch, health_app, queue_check, store_checks
from quizcore.messages import Message
from tests.unit.support import score_updated

REGION = "eu-west-1"
STALL_AFTER_S = 60


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def stores(moto_endpoint: str, redis_url: str, unique: str) -> AsyncIterator[dict[str, Any]]:
    """The real session store and leaderboard, as ports a worker was built on."""
    settings = Settings(
        dynamodb_answers_table=f"ready-{unique}-answers",
        dynamodb_scores_table=f"ready-{unique}-scores",
        dynamodb_sessions_table=f"ready-{unique}-sessions",
    )
    async with dynamodb_client(REGION, moto_endpoint) as dynamodb:
        await create_tables(dynamodb, settings)
        async with contextlib.aclosing(open_redis(redis_url)) as clients:
            async for redis in clients:
                yield {
                    "sessions": DynamoSessionStore(dynamodb, settings.dynamodb_sessions_table),
                    "leaderboard": RedisLeaderboard(redis, prefix=f"ready-{unique}"),
                }
                break


@pytest.fixture
async def sqs(moto_endpoint: str) -> AsyncIterator[Any]:
    async with aws_client("sqs", REGION, moto_endpoint) as client:
        yield client


async def readyz(app: Any) -> tuple[int, dict[str, Any]]:
    async with falcon.testing.ASGIConductor(app) as conductor:
        result = await conductor.simulate_get("/readyz")
    return result.status_code, result.json


async def until(check: Any, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def test_a_worker_is_ready_while_it_polls_and_not_once_its_consumer_stalls(
    sqs: Any, stores: dict[str, Any], unique: str
) -> None:
    queue = await create_queue_with_dlq(sqs, f"ready-{unique}", 5)
    clock = Clock()
    watch = PollWatch(sqs, clock=clock)
    handling = asyncio.Event()
    release = asyncio.Event()

    async def handler(message: Message) -> None:
        handling.set()
        await release.wait()  # a handler that hangs: the consumer stops polling

    consumer = SqsConsumer(watch, queue.url, handler, wait_time_s=1, visibility_timeout_s=30)
    state: dict[str, Any] = {
        "name": "score-event",
        "ready": True,
        "checks": {
            "queue": queue_check(sqs, queue.url),
            **store_checks(stores),
            "consumer": watch.check(STALL_AFTER_S),
        },
    }
    app = health_app(state, timeout_s=10)
    running = asyncio.create_task(consumer.run())
    try:
        await until(lambda: watch.last_poll is not None, "the first poll")
        status, body = await readyz(app)
        assert status == 200, body
        assert set(body["checks"]) == {"queue", "sessions", "leaderboard", "consumer"}
        assert all(check["status"] == "ok" for check in body["checks"].values())
        assert all(check["latency_ms"] >= 0 for check in body["checks"].values())

        publisher = SqsEventPublisher(sqs, MessageRouter({}, default=queue.url))
        await publisher.publish(score_updated("stuck", "s-ready"))
        await asyncio.wait_for(handling.wait(), 30)
        clock.now += STALL_AFTER_S + 1

        status, body = await readyz(app)
        assert status == 503
        assert body["code"] == "unavailable"
        assert body["checks"]["consumer"]["status"] == "failed"
        assert "no successful poll for 61 s" in body["checks"]["consumer"]["error"]
        assert body["checks"]["queue"]["status"] == "ok"  # the queue is fine: the worker is not

        release.set()  # the handler returns; the consumer polls again
        await until(lambda: watch.last_poll == clock.now, "a poll after the stall")
        status, body = await readyz(app)
        assert status == 200, body
    finally:
        release.set()
        consumer.stop()
        await asyncio.wait_for(running, 30)


async def test_a_missing_queue_and_a_starting_worker_are_not_ready(sqs: Any, unique: str) -> None:
    queue = await create_queue_with_dlq(sqs, f"gone-{unique}", 5)
    state: dict[str, Any] = {"name": "quiz-event", "ready": False}
    app = health_app(state)

    status, body = await readyz(app)
    assert status == 503 and body["phase"] == "starting"

    await sqs.delete_queue(QueueUrl=queue.url)
    state.update(ready=True, checks={"queue": queue_check(sqs, queue.url)})
    status, body = await readyz(app)
    assert status == 503
    assert body["checks"]["queue"]["status"] == "failed"
    assert body["detail"].startswith("queue: ")
