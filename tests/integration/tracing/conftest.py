"""Datadog's test agent and a traced cloud API, each as its own process.

The test agent (``ddapm-test-agent``) lives in its own virtual environment,
made by ``infra/ddagent.sh`` (its pins clash with the project's). It listens on
a free port; the API runs ``quiz serve`` in the cloud profile with tracing on,
against moto's server, the local PostgreSQL and Redis, every resource named
after the test's unique suffix.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from entrypoints.cli.cloud_dev import bootstrap, cloud_env
from entrypoints.settings import Settings
from tests.integration.cloud.harness import free_port, settings_env, unique_settings

REPO = Path(__file__).resolve().parents[3]
DDAGENT = REPO / "infra" / "ddagent.sh"

SERVICE = "quizcore-test"
ENV = "test"
VERSION = "9.9.9"

Span = dict[str, Any]
Trace = list[Span]


def _stop(process: subprocess.Popen[bytes], seconds: float = 20) -> None:
    """SIGTERM the process (ours, by its pid) and reap it; SIGKILL if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return "(no output)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


class TestAgent:
    """The running test agent: its URL and the traces it received."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, url: str, log: Path) -> None:
        self.url = url
        self.log = log

    def traces(self) -> list[Trace]:
        """Return every trace received so far (the agent decodes the payloads)."""
        response = httpx.get(f"{self.url}/test/session/traces", timeout=5)
        response.raise_for_status()
        traces: list[Trace] = response.json()
        return traces

    def wait_for_traces(
        self, matches: Callable[[Trace], bool], count: int = 1, seconds: float = 20
    ) -> list[Trace]:
        """Poll until ``count`` received traces match; return exactly those.

        ddtrace's writer flushes on an interval (shortened in the API's
        environment), so a trace lands a moment after its response.
        """
        deadline = time.monotonic() + seconds
        while True:
            traces = [trace for trace in self.traces() if matches(trace)]
            if len(traces) >= count or time.monotonic() >= deadline:
                break
            time.sleep(0.25)
        if len(traces) != count:
            seen = [[span["name"] for span in trace] for trace in self.traces()]
            raise AssertionError(
                f"{len(traces)} matching traces after {seconds:.0f} s, not {count}; "
                f"received: {seen}"
            )
        return traces


@pytest.fixture(scope="package")
def ddagent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestAgent]:
    """Install the test agent in its venv (first run only) and run it on a free port."""
    installed = subprocess.run(
        ["bash", str(DDAGENT), "install"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if installed.returncode != 0:
        pytest.fail(f"infra/ddagent.sh install failed:\n{installed.stderr[-3000:]}")
    work = tmp_path_factory.mktemp("ddagent")
    port = free_port()
    command = [
        "bash",
        str(DDAGENT),
        "start",
        str(port),
        # Its OTLP servers default to fixed ports (4317, 4318): give them free ones.
        "--otlp-http-port",
        str(free_port()),
        "--otlp-grpc-port",
        str(free_port()),
        "--snapshot-dir",
        str(work / "snapshots"),
    ]
    env = {key: value for key, value in os.environ.items() if not key.startswith("DD_")}
    log = work / "agent.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    agent = TestAgent(f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"the test agent exited with {process.returncode}:\n{_tail(log)}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{agent.url}/info", timeout=2).status_code == 200:
                    break
            if time.monotonic() >= deadline:
                pytest.fail(f"the test agent did not start:\n{_tail(log)}")
            time.sleep(0.2)
        yield agent
    finally:
        _stop(process, 10)


@dataclass
class TracedApi:
    """The API process: its URL, settings and output files."""

    base_url: str
    settings: Settings
    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def log_records(self) -> list[dict[str, Any]]:
        """Return the JSON log records printed so far (other lines skipped)."""
        records = []
        for line in self.stdout.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if isinstance(record, dict):
                    records.append(record)
        return records

    def output(self) -> str:
        """Return the end of both streams (for failure messages)."""
        return f"--- stdout ---\n{_tail(self.stdout)}\n--- stderr ---\n{_tail(self.stderr)}"


async def _cleanup(settings: Settings) -> None:
    import asyncpg
    from redis.asyncio import Redis

    connection = await asyncpg.connect(settings.postgres_dsn)
    try:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{settings.postgres_schema}" CASCADE')
    finally:
        await connection.close()
    client = Redis.from_url(settings.redis_url)
    try:
        keys = [key async for key in client.scan_iter(f"{settings.redis_prefix}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture
def traced_api(
    ddagent: TestAgent,
    moto_endpoint: str,
    pg_dsn: str,
    redis_url: str,
    unique: str,
    tmp_path: Path,
) -> Iterator[TracedApi]:
    """Run ``quiz serve`` (cloud profile, tracing on) on this test's own resources."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    settings = unique_settings(moto_endpoint, unique, pg_dsn=pg_dsn, redis_url=redis_url)
    asyncio.run(bootstrap(settings))
    port = free_port()
    extra = {
        **settings_env(settings),
        "QUIZ_DATA_DIR": str(tmp_path / "data"),
        "QUIZ_WEB_DIST": str(tmp_path / "no-web"),
        "QUIZ_LOG_JSON": "true",
        "QUIZ_TRACE_ENABLED": "true",
        "QUIZ_SERVICE": SERVICE,
        "QUIZ_ENV": ENV,
        "QUIZ_VERSION": VERSION,
    }
    env = {
        key: value
        for key, value in cloud_env(moto_endpoint, port, extra).items()
        if not key.startswith("DD_")  # nothing of the machine's Datadog setup
    }
    env.update(
        DD_TRACE_AGENT_URL=ddagent.url,
        DD_TRACE_SAMPLE_RATE="1",
        DD_TRACE_SAMPLING_RULES='[{"sample_rate": 1.0}]',
        # Flush every half second instead of every second.
        DD_TRACE_WRITER_INTERVAL_SECONDS="0.5",
        # Traces only: no telemetry, remote configuration or profiling traffic.
        DD_INSTRUMENTATION_TELEMETRY_ENABLED="false",
        DD_REMOTE_CONFIGURATION_ENABLED="false",
        DD_RUNTIME_METRICS_ENABLED="false",
    )
    stdout, stderr = tmp_path / "api.stdout", tmp_path / "api.stderr"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli.main", "serve"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=err,
        )
    api = TracedApi(f"http://127.0.0.1:{port}", settings, process, stdout, stderr)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"the API exited with {process.returncode}:\n{api.output()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{api.base_url}/readyz", timeout=2).status_code == 200:
                    break
            if time.monotonic() >= deadline:
                pytest.fail(f"the API did not become ready:\n{api.output()}")
            time.sleep(0.2)
        yield api
    finally:
        _stop(process)
        asyncio.run(_cleanup(settings))
