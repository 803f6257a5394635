"""Fault drills: the AWS endpoint gone for a while, Redis restarted mid-session.

Each drill runs on a cloud system of its own (the API and the four workers
as processes) whose AWS endpoint is a moto listener and whose Redis is a
``redis-server`` that this module starts, so both can be taken away without
touching the services other suites share. The processes send their DogStatsD
metrics to a socket of the test, which checks that the metric behind the
monitor that should fire moved (docs/RUNBOOK.md). After each drill the
totals are exact: every acknowledged answer is recorded once and scored
once, in DynamoDB, Redis and Aurora (``assert_projections_match``).

A worker killed mid-batch is drilled in ``test_redelivery.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.cloud.harness import (
    CloudProcesses,
    Host,
    Player,
    Stores,
    assert_projections_match,
    choice,
    current_question_id,
    free_port,
    gather_limited,
    new_session,
    open_stores,
    unique_settings,
    wait_final,
    wait_scored,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


class StatsdSink:
    """A UDP socket standing in for the Datadog agent; keeps every line."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = int(self.socket.getsockname()[1])
        self.lines: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                packet = self.socket.recv(65535)
            except TimeoutError:
                continue
            self.lines.extend(packet.decode(errors="replace").splitlines())

    def seen(self, name: str, *tags: str) -> bool:
        """Return whether a point of ``name`` carrying every tag arrived."""
        for line in list(self.lines):
            if line.startswith(f"{name}:") and all(tag in line for tag in tags):
                return True
        return False

    def close(self) -> None:
        """Stop reading and close the socket."""
        self._stop.set()
        self._thread.join(5)
        self.socket.close()


class RedisServer:
    """A ``redis-server`` of this module, persisted (AOF) so a restart keeps its data."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Return the server's URL."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server and wait until it answers."""
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.folder),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe,
            ):
                probe.sendall(b"PING\r\n")
                if probe.recv(64).startswith(b"+PONG"):
                    return
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop the server (SIGTERM) and wait for it."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)


class MotoListener:
    """A moto server listener on a fixed port; its state outlives a stop."""

    def __init__(self) -> None:
        self.port = free_port()
        self.server: Any = None

    @property
    def endpoint(self) -> str:
        """Return the endpoint URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Listen again on the same port (moto's backends live in this process)."""
        from moto.server import ThreadedMotoServer

        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()

    def stop(self) -> None:
        """Stop listening: every AWS call of the processes fails meanwhile."""
        if self.server is not None:
            self.server.stop()
            self.server = None


@dataclass
class Drill:
    """A cloud system whose AWS endpoint and Redis the test can take away."""

    processes: CloudProcesses
    moto: MotoListener
    redis: RedisServer
    statsd: StatsdSink


@pytest.fixture(scope="module")
def drill(aws_env: None, pg_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Drill]:
    """Run a system on a private moto listener and a private Redis."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    suffix = uuid.uuid4().hex[:10]
    folder = Path(tmp_path_factory.mktemp(f"drill-{suffix}"))
    moto = MotoListener()
    redis = RedisServer(folder)
    statsd = StatsdSink()
    moto.start()
    redis.start()
    settings = unique_settings(moto.endpoint, suffix, pg_dsn=pg_dsn, redis_url=redis.url)
    metrics = {
        "QUIZ_METRICS_ENABLED": "true",
        "QUIZ_STATSD_HOST": "127.0.0.1",
        "QUIZ_STATSD_PORT": str(statsd.port),
        "QUIZ_ENV": "drill",
        # Messages held when a dependency went away come back in 5 s, not 30.
        "QUIZ_QUEUE_VISIBILITY_SECONDS": "5",
    }
    processes = CloudProcesses(settings, folder, extra_env=metrics)
    try:
        asyncio.run(processes.bootstrap())
        processes.start_all(timeout=150)
        yield Drill(processes, moto, redis, statsd)
    finally:
        processes.stop()
        if moto.server is None:
            moto.start()  # a failed drill may have left it stopped
        with contextlib.suppress(Exception):
            asyncio.run(processes.cleanup())
        redis.stop()
        moto.stop()
        statsd.close()


@pytest.fixture
async def stores(drill: Drill) -> AsyncIterator[Stores]:
    async with open_stores(drill.processes.settings) as opened:
        yield opened


@pytest.fixture
async def api(drill: Drill) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=drill.processes.base_url, timeout=30) as client:
        yield client


async def try_answer(
    api: httpx.AsyncClient, host: Host, player: Player, question_id: str, answer: str, sub: str
) -> int:
    """POST one answer once; note it as sent only when acknowledged (202)."""
    response = await api.post(
        f"/v1/sessions/{host.session_id}/answers",
        json={"question_id": question_id, "answer": answer, "submission_id": sub},
        headers=player.auth,
    )
    if response.status_code == 202:
        player.sent[sub] = time.time()
        player.question_of[sub] = question_id
    return response.status_code


async def answer_until_acknowledged(
    api: httpx.AsyncClient, host: Host, players: list[Player], index: int, seconds: float = 120
) -> None:
    """Retry each player's answer (same submission id) until the API takes it."""
    question_id = await current_question_id(api, host)
    deadline = time.monotonic() + seconds
    for number, player in enumerate(players):
        submission = f"{player.name}-q{index}"
        while submission not in player.sent:
            with contextlib.suppress(httpx.HTTPError):
                await try_answer(api, host, player, question_id, choice(number, index), submission)
            assert time.monotonic() < deadline, f"{submission} never acknowledged"
            if submission not in player.sent:
                await asyncio.sleep(0.5)


async def wait_until(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


async def finish_exactly(drill: Drill, stores: Stores, host: Host, players: list[Player]) -> None:
    """Everything acknowledged is scored once; the final results agree."""
    await wait_scored(stores, host.session_id, players, 180)
    await drill.processes.wait_drained(stores.sqs, seconds=180)
    await assert_projections_match(stores, host.session_id, players)
    await host.act("finish")
    await wait_final(stores, host.session_id, len(players), 120)
    expected = await assert_projections_match(stores, host.session_id, players, final=True)
    assert len(expected.answers) == sum(len(player.sent) for player in players)
    for worker in ("score-event", "notification", "quiz-event"):
        assert await drill.processes.queue_depth(stores.sqs, worker, dlq=True) == (0, 0)


async def test_the_aws_endpoint_gone_for_a_while_loses_and_doubles_nothing(
    drill: Drill, stores: Stores, api: httpx.AsyncClient
) -> None:
    host, players = await new_session(api, "moto-gone", 6)
    await answer_round(api, host, players, 0, start=True)
    await wait_scored(stores, host.session_id, players, 120)
    await host.act("next")
    question_id = await current_question_id(api, host)

    drill.statsd.lines.clear()
    drill.moto.stop()
    try:
        # Answers meanwhile are refused (503, nothing acknowledged), not lost.
        statuses = await gather_limited(
            [
                try_answer(api, host, player, question_id, "alpha", f"{player.name}-q1")
                for player in players
            ],
            6,
        )
        assert 503 in statuses, statuses
        await wait_until(
            lambda: drill.statsd.seen("quizcore.http.requests", "status_class:5xx"),
            60,
            "the API's 5xx count (monitor api-5xx-ratio)",
        )
    finally:
        drill.moto.start()

    await answer_until_acknowledged(api, host, players, 1)
    await finish_exactly(drill, stores, host, players)


async def test_redis_restarted_mid_session_loses_and_doubles_nothing(
    drill: Drill, stores: Stores, api: httpx.AsyncClient
) -> None:
    host, players = await new_session(api, "redis-restart", 6)
    await answer_round(api, host, players, 0, start=True)
    await wait_scored(stores, host.session_id, players, 120)
    await host.act("next")

    drill.statsd.lines.clear()
    drill.redis.stop()
    try:
        answering = asyncio.create_task(answer_until_acknowledged(api, host, players, 1))
        # Either the API refuses answers (monitor api-5xx-ratio) or it takes
        # them and the score-event worker cannot raise the leaderboard: its
        # messages fail and come back (monitor pipeline-failures).
        await wait_until(
            lambda: (
                drill.statsd.seen("quizcore.pipeline.failed", "hop:score-event")
                or drill.statsd.seen("quizcore.http.requests", "status_class:5xx")
            ),
            120,
            "a failure metric of the Redis outage",
        )
    finally:
        drill.redis.start()
    await answering

    await host.act("next")
    await answer_until_acknowledged(api, host, players, 2)
    await finish_exactly(drill, stores, host, players)


async def answer_round(
    api: httpx.AsyncClient, host: Host, players: list[Player], index: int, *, start: bool
) -> None:
    """Open the question (start or next) and have everyone answer it."""
    await host.act("start" if start else "next")
    await answer_until_acknowledged(api, host, players, index)
