"""The API counts and times each HTTP request on DogStatsD, as OPERATIONS.md says."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator

import falcon.testing
import pytest

from entrypoints.api.app import build_app
from entrypoints.settings import Settings


@pytest.fixture
def statsd() -> Iterator[socket.socket]:
    """A UDP socket standing in for the DogStatsD agent."""
    agent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    agent.bind(("127.0.0.1", 0))
    agent.settimeout(0.2)
    yield agent
    agent.close()


def received(agent: socket.socket, wanted: Callable[[list[str]], bool]) -> list[str]:
    """Read DogStatsD lines until ``wanted`` holds (or 30 s passed)."""
    lines: list[str] = []
    deadline = time.monotonic() + 30
    while not wanted(lines) and time.monotonic() < deadline:
        try:
            packet = agent.recv(65535)
        except TimeoutError:
            continue
        lines.extend(line for line in packet.decode().splitlines() if line)
    return lines


def metric(lines: list[str], name: str) -> list[str]:
    """Return the lines of one metric."""
    return [line for line in lines if line.startswith(f"{name}:")]


async def test_each_request_is_counted_and_timed_with_route_and_status(
    settings_for: Callable[..., Settings], statsd: socket.socket
) -> None:
    port = statsd.getsockname()[1]
    settings = settings_for(metrics_enabled=True, statsd_port=port, env="drill", seed_quizzes=False)
    app, _ctx = build_app(settings)
    async with falcon.testing.ASGIConductor(app) as conductor:
        assert (await conductor.simulate_get("/healthz")).status_code == 200
        assert (await conductor.simulate_get("/v1/quizzes/nope")).status_code == 401
        assert (await conductor.simulate_get("/no/such/route")).status_code == 404

    lines = received(statsd, lambda got: len(metric(got, "quizcore.http.request_ms")) >= 3)
    counts = metric(lines, "quizcore.http.requests")
    timings = metric(lines, "quizcore.http.request_ms")
    assert len(counts) == 3 and len(timings) == 3, lines
    assert all("|c|" in line for line in counts)
    assert all("|ms|" in line for line in timings)
    by_route = {
        tag.removeprefix("route:"): line
        for line in counts
        for tag in line.split("|#", 1)[1].split(",")
        if tag.startswith("route:")
    }
    assert set(by_route) == {"/healthz", "/v1/quizzes/:quiz_id", "unmatched"}
    assert "status_class:2xx" in by_route["/healthz"]
    assert "status_class:4xx" in by_route["/v1/quizzes/:quiz_id"]
    assert "method:GET" in by_route["unmatched"]
    for line in counts + timings:
        assert "env:drill" in line and "service:quizcore" in line
