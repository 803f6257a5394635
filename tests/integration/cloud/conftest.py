"""One cloud system (moto's server, PostgreSQL, Redis, five processes) per package run.

Starting the API and the four workers takes a while on a shared machine, so
the suites share one system; each test plays its own session on it, and
checks only that session's data.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from entrypoints.cli.moto_stand_in import SerialMotoServer, moto_process
from tests.integration.cloud.harness import CloudProcesses, Stores, open_stores, unique_settings


@pytest.fixture(scope="package")
def moto_writes_serial(aws_env: None) -> Iterator[tuple[str, str]]:
    """Run the stand-in for AWS as ``make run-cloud`` does; yield both endpoints.

    moto with DynamoDB's writes one at a time (see ``SerialMotoServer``):
    threaded moto tears a TransactWriteItems under concurrent writes, and the
    consumers write concurrently. DynamoDB, most of the requests, is served
    by a moto process of its own (the second endpoint), the other services
    here; every DynamoDB client must honour ``QUIZ_AWS_DYNAMODB_ENDPOINT_URL``
    or find no tables.
    """
    server = SerialMotoServer(0, writes_only=True)
    server.start()
    with moto_process() as dynamodb:
        yield server.endpoint, dynamodb
    server.stop()


@pytest.fixture(scope="package")
def cloud(
    moto_writes_serial: tuple[str, str],
    pg_dsn: str,
    redis_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[CloudProcesses]:
    """Bootstrap unique resources on moto and run every deployable as a process."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    suffix = uuid.uuid4().hex[:10]
    endpoint, dynamodb = moto_writes_serial
    settings = unique_settings(
        endpoint, suffix, pg_dsn=pg_dsn, redis_url=redis_url, dynamodb_endpoint=dynamodb
    )
    # Two API processes: players spread over both share each session through Redis.
    processes = CloudProcesses(
        settings,
        Path(tmp_path_factory.mktemp(f"cloud-{suffix}")),
        api_processes=2,
        # A failed or abandoned message comes back in 5 s, not 30: the drills
        # wait for redeliveries. Slow handlers keep theirs (extended every 1.7 s).
        # The host's screen gone for a second tells players it left
        # (test_host_presence.py); no other suite opens a host socket. A
        # player's screen gone for a second and a half no longer counts as
        # here (test_player_presence.py).
        extra_env={
            "QUIZ_QUEUE_VISIBILITY_SECONDS": "5",
            "QUIZ_HOST_AWAY_SECONDS": "1",
            "QUIZ_PRESENCE_GRACE_SECONDS": "0.5",
            "QUIZ_PRESENCE_RENEW_SECONDS": "0.5",
        },
    )
    try:
        asyncio.run(processes.bootstrap())
        processes.start_all(timeout=300)
        yield processes
    finally:
        processes.stop()
        asyncio.run(processes.cleanup())


@pytest.fixture
async def stores(cloud: CloudProcesses) -> AsyncIterator[Stores]:
    """The system's DynamoDB, Redis, Aurora and SQS, opened in the test process."""
    async with open_stores(cloud.settings) as opened:
        opened.processes = cloud
        yield opened


@pytest.fixture
async def api(cloud: CloudProcesses) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the system's API."""
    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(base_url=cloud.base_url, timeout=30, limits=limits) as client:
        yield client
