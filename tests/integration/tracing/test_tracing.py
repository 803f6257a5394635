"""Traces of a real request reach a Datadog agent, and its logs carry the trace ids.

``GET /v1/quizzes/{quiz_id}`` goes through the read-through quiz cache: the
first read misses Redis, reads PostgreSQL and fills Redis; the second is a
Redis hit. Both must show up as one trace each, rooted in the API's web span.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.integration.tracing.conftest import (
    ENV,
    SERVICE,
    VERSION,
    Span,
    TestAgent,
    Trace,
    TracedApi,
)

pytestmark = pytest.mark.slow

QUIZ = "everyday-verbs"  # seeded at the API's start-up
ROUTE = "/v1/quizzes/{quiz_id}"


def dev_token(client: httpx.Client, name: str) -> dict[str, str]:
    """Return the Authorization header of a dev-issuer token."""
    response = client.post("/v1/dev/token", json={"name": name})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def get_quiz(api: TracedApi) -> None:
    """Read the seeded quiz twice: a cache miss, then a hit."""
    with httpx.Client(base_url=api.base_url, timeout=10) as client:
        auth = dev_token(client, "tracer")
        for _ in range(2):
            response = client.get(f"/v1/quizzes/{QUIZ}", headers=auth)
            assert response.status_code == 200, response.text
            assert response.json()["quiz_id"] == QUIZ


def quiz_url(api: TracedApi) -> str:
    """Return the URL of the quiz read (the API's port tells the tests apart)."""
    return f"{api.base_url}/v1/quizzes/{QUIZ}"


def request_spans(trace: Trace, url: str) -> list[Span]:
    """Return the trace's web spans of ``GET url``."""
    return [
        span
        for span in trace
        if span.get("type") == "web"
        and span.get("meta", {}).get("http.method") == "GET"
        and span.get("meta", {}).get("http.url", "").split("?")[0] == url
    ]


def quiz_traces(agent: TestAgent, api: TracedApi, count: int) -> list[Trace]:
    """Wait for ``count`` traces of the quiz read; return them oldest first."""
    url = quiz_url(api)
    traces = agent.wait_for_traces(lambda trace: bool(request_spans(trace, url)), count)
    return sorted(traces, key=lambda trace: root_of(trace, url)["start"])


def root_of(trace: Trace, url: str) -> Span:
    """Return the trace's one web span of ``GET url``."""
    roots = request_spans(trace, url)
    assert len(roots) == 1, describe([trace])
    return roots[0]


def descends_from(span: Span, ancestor: Span, trace: Trace) -> bool:
    """Whether ``span`` sits under ``ancestor`` in the trace's parent links."""
    by_id = {item["span_id"]: item for item in trace}
    parent = span.get("parent_id")
    while parent:
        if parent == ancestor["span_id"]:
            return True
        parent = by_id.get(parent, {}).get("parent_id")
    return False


def describe(traces: list[Trace]) -> str:
    """Render spans compactly for failure messages."""
    lines = []
    for trace in traces:
        lines.append("trace:")
        for span in trace:
            meta = span.get("meta", {})
            lines.append(
                f"  {span['name']} service={span.get('service')} resource={span.get('resource')} "
                f"component={meta.get('component')} span={span['span_id']} "
                f"parent={span.get('parent_id')}"
            )
    return "\n".join(lines)


def of_component(trace: Trace, component: str) -> list[Span]:
    """Return the trace's spans made by one ddtrace integration."""
    return [span for span in trace if span.get("meta", {}).get("component") == component]


def test_request_trace_has_the_web_span_and_redis_and_postgres_spans(
    traced_api: TracedApi, ddagent: TestAgent
) -> None:
    get_quiz(traced_api)
    miss, hit = quiz_traces(ddagent, traced_api, 2)
    url = quiz_url(traced_api)

    # The web span: the API's service, env and version, named after the route.
    root = root_of(miss, url)
    meta: dict[str, Any] = root["meta"]
    assert root["service"] == f"{SERVICE}-api", describe([miss])
    assert meta.get("env") == ENV
    assert meta.get("version") == VERSION
    assert root["resource"] == f"GET {ROUTE}", describe([miss])
    assert meta.get("http.route") == ROUTE
    assert meta.get("http.status_code") == "200"
    assert root.get("error", 0) == 0

    # The miss: Redis GET (nothing), the PostgreSQL read, then Redis SET (fill).
    prefix = traced_api.settings.redis_prefix
    redis = of_component(miss, "redis")
    postgres = of_component(miss, "asyncpg")
    assert redis and postgres, describe([miss])
    assert all(descends_from(span, root, miss) for span in redis + postgres), describe([miss])
    key = f"{prefix}:quiz:v1:{QUIZ}"
    commands = [span["meta"].get("redis.raw_command", "") for span in redis]
    lookups = [span for span in redis if span["meta"].get("redis.raw_command") == f"GET {key}"]
    fills = [
        span for span in redis if span["meta"].get("redis.raw_command", "").startswith(f"SET {key}")
    ]
    assert lookups and fills, commands
    assert all(span["name"] == "postgres.query" for span in postgres), describe([miss])
    assert all(span["meta"].get("db.system") == "postgresql" for span in postgres)
    quiz_query = [span for span in postgres if "quiz" in span["resource"].lower()]
    assert quiz_query, describe([miss])
    assert lookups[0]["start"] < quiz_query[0]["start"] < fills[-1]["start"], describe([miss])
    for span in miss:
        assert span["meta"].get("env") == ENV, describe([miss])

    # The hit: Redis answers, PostgreSQL is not asked.
    hit_root = root_of(hit, url)
    assert hit_root["resource"] == f"GET {ROUTE}"
    assert hit_root["trace_id"] != root["trace_id"]
    hit_commands = [span["meta"].get("redis.raw_command") for span in of_component(hit, "redis")]
    assert hit_commands == [f"GET {key}"], hit_commands
    assert not of_component(hit, "asyncpg"), describe([hit])


def correlation_ids(root: Span) -> set[str]:
    """Return the forms of the trace id that Datadog correlates logs with.

    The agent's ``trace_id`` is the low 64 bits; a 128-bit id keeps the high
    half in ``_dd.p.tid`` and is logged as 32 hex digits.
    """
    low = int(root["trace_id"])
    ids = {str(low)}
    high = root.get("meta", {}).get("_dd.p.tid")
    if high:
        ids.add(f"{int(high, 16):016x}{low:016x}")
    return ids


def test_json_logs_of_the_request_carry_its_trace_id(
    traced_api: TracedApi, ddagent: TestAgent
) -> None:
    get_quiz(traced_api)
    miss, _hit = quiz_traces(ddagent, traced_api, 2)
    root = root_of(miss, quiz_url(traced_api))
    span_ids = {str(span["span_id"]) for span in miss}
    records = traced_api.log_records()
    assert records, traced_api.output()
    correlated = [record for record in records if "dd.trace_id" in record]
    ours = [record for record in correlated if record["dd.trace_id"] in correlation_ids(root)]
    assert ours, (
        f"no log line of the request carries dd.trace_id {correlation_ids(root)}:\n"
        + "\n".join(json.dumps(record) for record in correlated[-10:])
    )
    for record in ours:
        assert record["dd.span_id"] in span_ids, record
