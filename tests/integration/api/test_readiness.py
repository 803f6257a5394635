"""The API's /readyz names each dependency with its latency, ready or not."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from entrypoints.settings import Settings

from .conftest import assert_problem, conducted


async def test_a_ready_api_reports_each_dependency_and_its_latency(
    settings_for: Callable[..., Settings],
) -> None:
    async with conducted(settings_for(storage="sqlite")) as harness:
        reply = await harness.api.get("/readyz")

    assert reply.status == 200
    body = reply.body
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"sessions", "leaderboard"}
    for outcome in body["checks"].values():
        assert outcome["status"] == "ok"
        assert isinstance(outcome["latency_ms"], float) and outcome["latency_ms"] >= 0


async def test_a_failing_dependency_is_named_in_the_problem_and_its_checks(
    settings_for: Callable[..., Settings],
) -> None:
    async with conducted(settings_for()) as harness:

        async def search_index() -> None:
            raise ConnectionRefusedError("the index is down")

        harness.ctx.ready_checks.append(search_index)
        reply = await harness.api.get("/readyz")

    problem = assert_problem(reply, 503, "unavailable")
    assert problem["detail"] == "search_index: ConnectionRefusedError"
    checks = problem["checks"]
    assert checks["search_index"]["status"] == "failed"
    assert "the index is down" in checks["search_index"]["error"]
    assert checks["sessions"]["status"] == "ok"
    assert checks["leaderboard"]["status"] == "ok"


async def test_a_dependency_that_does_not_answer_in_time_fails_the_probe(
    settings_for: Callable[..., Settings],
) -> None:
    release = asyncio.Event()
    async with conducted(settings_for(ready_check_timeout_s=0.2)) as harness:

        async def hung_store() -> None:
            await release.wait()

        harness.ctx.ready_checks.append(hung_store)
        reply = await harness.api.get("/readyz")
        release.set()

    problem = assert_problem(reply, 503, "unavailable")
    assert problem["checks"]["hung_store"]["status"] == "failed"
    assert problem["checks"]["hung_store"]["error"].startswith("TimeoutError")
