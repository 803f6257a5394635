"""Monitors watch metrics the code really emits; every alarm pages and has a runbook.

The emitted metrics are read from the source (every ``increment``, ``timing``
and ``gauge`` call with a literal name, and the tags it passes), not from a
list kept by hand, so renaming a metric or a tag in the code without the
monitors fails here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from infra_testlib import (
    K8S_DIR,
    PROD_ENV_DIR,
    REPO_ROOT,
    blocks_of,
    load_hcl,
    load_hcl_dir,
    resources_of,
    strip_interpolation,
)

MONITORING_TF = PROD_ENV_DIR / "monitoring.tf"
RUNBOOK = REPO_ROOT / "docs" / "RUNBOOK.md"
OPERATIONS = REPO_ROOT / "docs" / "OPERATIONS.md"
SOURCE_DIRS = ("entrypoints", "adapters", "quizcore")
METRIC_CALLS = {"increment": "count", "timing": "timing", "gauge": "gauge"}
# What the Datadog agent makes of a DogStatsD timing (a histogram); the 99th
# percentile only with DD_HISTOGRAM_PERCENTILES (docs/OPERATIONS.md).
TIMING_SUFFIXES = (".avg", ".median", ".max", ".count", ".95percentile", ".99percentile")
QUERY_TERM = re.compile(
    r"(?P<aggregator>avg|sum|min|max):(?P<metric>[A-Za-z0-9_.]+)\{(?P<scope>[^}]*)\}"
    r"(?:\s+by\s+\{(?P<by>[^}]*)\})?"
)
METRIC_LIKE = re.compile(r"\b([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)\{")
INTERPOLATION = re.compile(r"\$\{(local|var)\.(\w+)\}")

# CloudWatch metrics the issue asks an alarm for: (namespace, metric).
REQUIRED_ALARMS = {
    ("AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds"),
    ("AWS/Kinesis", "WriteProvisionedThroughputExceeded"),
    ("AWS/Kinesis", "ReadProvisionedThroughputExceeded"),
    ("AWS/SQS", "ApproximateAgeOfOldestMessage"),
    ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
    ("AWS/DynamoDB", "ReadThrottleEvents"),
    ("AWS/DynamoDB", "WriteThrottleEvents"),
    ("AWS/DynamoDB", "SystemErrors"),
    ("AWS/KinesisAnalytics", "numberOfFailedCheckpoints"),
    ("AWS/KinesisAnalytics", "downtime"),
    ("AWS/ElastiCache", "Evictions"),
    ("AWS/ElastiCache", "EngineCPUUtilization"),
    ("AWS/RDS", "CPUUtilization"),
    ("AWS/RDS", "DatabaseConnections"),
    ("AWS/ApiGateway", "5xx"),
    ("AWS/ApiGateway", "Latency"),
}


# --- what the code emits ------------------------------------------------------


@dataclass
class Emitted:
    """One metric as the code emits it: its kind and the tag patterns per key."""

    kind: str
    tags: dict[str, set[str]] = field(default_factory=dict)  # key -> value regexes


def _tag_pattern(node: ast.expr) -> tuple[str, str] | None:
    """Return (key, value regex) of a literal or f-string tag, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        key, _, value = node.value.partition(":")
        return key, re.escape(value)
    if isinstance(node, ast.JoinedStr):
        pattern = "".join(
            re.escape(part.value)
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
            else "(.+)"
            for part in node.values
        )
        key, _, value = pattern.partition(":")
        return key.replace("\\", ""), value
    return None


def _tag_nodes(call: ast.Call, scope: ast.AST) -> list[ast.expr]:
    """Return the elements of the call's ``tags=`` list (a literal, or a name set in scope)."""
    for keyword in call.keywords:
        if keyword.arg != "tags":
            continue
        value = keyword.value
        if isinstance(value, ast.Name):
            assigned = [
                node.value
                for node in ast.walk(scope)
                if isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == value.id for t in node.targets)
            ]
            assert assigned, f"tags={value.id} is never assigned"
            value = assigned[-1]
        assert isinstance(value, ast.List), ast.dump(value)
        return list(value.elts)
    return []


def _functions(tree: ast.AST) -> Iterator[tuple[ast.AST, ast.Call]]:
    """Yield (enclosing function or module, call) for every call."""
    scopes: list[ast.AST] = [tree]
    scopes += [
        node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    seen: set[int] = set()
    for scope in reversed(scopes):  # innermost first
        for node in ast.walk(scope):
            if isinstance(node, ast.Call) and id(node) not in seen:
                seen.add(id(node))
                yield scope, node


def emitted_metrics() -> dict[str, Emitted]:
    """Return every metric the source emits with a literal name, prefixed ``quizcore.``."""
    found: dict[str, Emitted] = {}
    for folder in SOURCE_DIRS:
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for scope, call in _functions(tree):
                func = call.func
                if not (isinstance(func, ast.Attribute) and func.attr in METRIC_CALLS):
                    continue
                if not (call.args and isinstance(call.args[0], ast.Constant)):
                    continue  # the sink's own forwarding (name is a parameter)
                name = f"quizcore.{call.args[0].value}"
                metric = found.setdefault(name, Emitted(kind=METRIC_CALLS[func.attr]))
                assert metric.kind == METRIC_CALLS[func.attr], f"{name} emitted as two kinds"
                for node in _tag_nodes(call, scope):
                    tag = _tag_pattern(node)
                    assert tag is not None, f"{path}: a tag of {name} is not a literal"
                    metric.tags.setdefault(tag[0], set()).add(tag[1])
    return found


def constant_tag_keys() -> set[str]:
    """Return the keys of the tags DogStatsD adds to every point (StatsdMetrics)."""
    tree = ast.parse((REPO_ROOT / "entrypoints" / "observability.py").read_text(encoding="utf-8"))
    keys: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "constant_tags":
            assert isinstance(node.value, ast.List)
            for element in node.value.elts:
                tag = _tag_pattern(element)
                assert tag is not None
                keys.add(tag[0])
    return keys


def hop_names() -> set[str]:
    """Return every ``hop`` the pipeline is instrumented under, from the source."""
    hops: set[str] = set()
    for path in (REPO_ROOT / "entrypoints").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name == "instrument" and len(node.args) >= 3:
                hop = node.args[2]
                if isinstance(hop, ast.Constant):
                    hops.add(hop.value)
            if name == "run_worker" and node.args and isinstance(node.args[0], ast.Constant):
                hops.add(node.args[0].value)
    from entrypoints.workers.main import QUEUES  # the workers instrument under their name
    from quizcore.routing import ROUTES  # the embedded lanes, under their queue's name

    return hops | set(QUEUES) | {route.queue for route in ROUTES}


def route_names(data_dir: Path) -> set[str]:
    """Return the ``route`` tag of every route the API serves."""
    import falcon.inspect

    from entrypoints.api.app import build_app
    from entrypoints.observability import route_tag
    from entrypoints.settings import Settings

    settings = Settings(storage="memory", seed_quizzes=False, data_dir=data_dir)
    app, _ctx = build_app(settings)
    return {route_tag(info.path) for info in falcon.inspect.inspect_routes(app)} | {route_tag(None)}


def k8s_label_values(label: str) -> set[str]:
    """Return every value of a metadata label in the k8s manifests."""
    pattern = re.compile(rf"^\s*{re.escape(label)}:\s*(\S+)\s*$", re.M)
    return {
        match
        for path in K8S_DIR.rglob("*.yaml")
        for match in pattern.findall(path.read_text(encoding="utf-8"))
    }


# --- what terraform asks of Datadog ---------------------------------------------


@pytest.fixture(scope="module")
def monitoring() -> dict[str, Any]:
    """The parsed monitoring.tf."""
    parsed: dict[str, Any] = load_hcl(MONITORING_TF)
    return parsed


def _resolver(monitoring: dict[str, Any]) -> Any:
    locals_ = {key: value for block in monitoring["locals"] for key, value in block.items()}
    variables = {
        name: body.get("default")
        for name, body in blocks_of(load_hcl_dir(PROD_ENV_DIR), "variable").items()
    }

    def resolve(text: str) -> str:
        for _ in range(5):
            text = INTERPOLATION.sub(
                lambda match: str((locals_ if match[1] == "local" else variables)[match[2]]),
                text,
            )
        return text

    return resolve


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def datadog_queries(monitoring: dict[str, Any]) -> list[str]:
    """Return every string of the Datadog resources and the locals, resolved."""
    resolve = _resolver(monitoring)
    datadog = {
        key: body for key, body in resources_of(monitoring).items() if key.startswith("datadog_")
    }
    texts = [*_strings(datadog), *_strings(monitoring["locals"])]
    return [resolve(text) for text in texts if "{" in text]


@dataclass(frozen=True)
class Term:
    """One ``aggregator:metric{scope} by {keys}`` of a query."""

    metric: str
    filters: tuple[tuple[str, str], ...]
    by: tuple[str, ...]


def query_terms(queries: list[str]) -> list[Term]:
    """Return every metric term of the queries."""
    terms = []
    for query in queries:
        for match in QUERY_TERM.finditer(query):
            filters = []
            for raw in match["scope"].split(","):
                raw = raw.strip().removeprefix("!")
                if raw and raw != "*":
                    key, _, value = raw.partition(":")
                    filters.append((key, value))
            by = tuple(key.strip() for key in (match["by"] or "").split(",") if key.strip())
            terms.append(Term(match["metric"], tuple(filters), by))
    return terms


def base_metric(name: str, emitted: dict[str, Emitted]) -> str:
    """Return the emitted metric a queried name stands for (histogram suffixes removed)."""
    if name in emitted:
        return name
    for suffix in TIMING_SUFFIXES:
        base = name.removesuffix(suffix)
        if base != name and emitted.get(base, Emitted("")).kind == "timing":
            return base
    raise AssertionError(f"{name} is not a metric the code emits")


# --- tests ----------------------------------------------------------------------


def test_the_source_scan_finds_the_metrics_of_observability() -> None:
    emitted = emitted_metrics()

    # A scan that found nothing would make every check below vacuous.
    assert {"quizcore.http.requests", "quizcore.pipeline.lag_ms"} <= set(emitted)
    assert emitted["quizcore.pipeline.lag_ms"].kind == "timing"
    assert set(emitted["quizcore.pipeline.lag_ms"].tags) == {"hop", "type"}
    assert set(emitted["quizcore.http.requests"].tags) == {"method", "route", "status_class"}
    assert constant_tag_keys() == {"env", "service", "version"}
    assert {"score-event", "stream-processor", "ui-response"} <= hop_names()


def test_every_datadog_query_uses_a_metric_and_tags_the_code_emits(
    monitoring: dict[str, Any], tmp_path: Path
) -> None:
    emitted = emitted_metrics()
    constant = constant_tag_keys()
    from quizcore.messages import MESSAGE_TYPES

    known_values = {
        "hop": hop_names(),
        "type": {kind.lower() for kind in MESSAGE_TYPES},
        "route": route_names(tmp_path),
        "env": k8s_label_values("tags.datadoghq.com/env"),
    }
    queries = datadog_queries(monitoring)
    terms = query_terms(queries)
    assert len(terms) >= 15, queries

    for query in queries:
        for name in METRIC_LIKE.findall(query):
            assert name.startswith("quizcore."), f"{name} is not emitted by quizcore: {query}"
    for term in terms:
        metric = base_metric(term.metric, emitted)
        tags = emitted[metric].tags
        for key, value in term.filters:
            assert key in tags or key in constant, f"{metric} has no tag {key!r}"
            if key in known_values:
                assert value.lower() in {v.lower() for v in known_values[key]}, (
                    f"{metric}: {key}:{value} is never emitted (known: {sorted(known_values[key])})"
                )
            elif key in tags:
                assert any(re.fullmatch(pattern, value, flags=re.I) for pattern in tags[key]), (
                    f"{metric}: {key}:{value} matches none of {tags[key]}"
                )
        for key in term.by:
            assert key in tags or key in constant, f"{metric} cannot be grouped by {key!r}"


def test_percentiles_the_monitors_read_are_configured_on_the_agent(
    monitoring: dict[str, Any],
) -> None:
    terms = query_terms(datadog_queries(monitoring))
    if any(term.metric.endswith(".99percentile") for term in terms):
        assert 'DD_HISTOGRAM_PERCENTILES="0.95 0.99"' in OPERATIONS.read_text(encoding="utf-8")


def test_every_monitor_query_is_alerting_at_its_critical_threshold(
    monitoring: dict[str, Any],
) -> None:
    resolve = _resolver(monitoring)
    monitors = {key: value for block in monitoring["locals"] for key, value in block.items()}[
        "monitors"
    ]
    assert len(monitors) >= 6
    variables = {
        name: body.get("default")
        for name, body in blocks_of(load_hcl_dir(PROD_ENV_DIR), "variable").items()
    }
    for key, monitor in monitors.items():
        query = resolve(monitor["query"])
        threshold = float(query.rsplit(">", 1)[1])
        critical = monitor["critical"]
        if isinstance(critical, str):
            critical = variables[strip_interpolation(critical).removeprefix("var.")]
        assert threshold == float(critical), key


def _runbook_sections() -> set[str]:
    """Return the section names of RUNBOOK.md (headings that are one name)."""
    text = RUNBOOK.read_text(encoding="utf-8")
    return set(re.findall(r"^## `([a-z0-9-]+)`\s*$", text, re.M))


def test_every_monitor_and_alarm_links_a_runbook_section(monitoring: dict[str, Any]) -> None:
    sections = _runbook_sections()
    monitors = {key: value for block in monitoring["locals"] for key, value in block.items()}[
        "monitors"
    ]
    for key in monitors:
        assert key in sections, f"RUNBOOK.md has no section {key}"
    alarms = {
        name: body
        for name, body in resources_of(monitoring).items()
        if name.startswith("aws_cloudwatch_metric_alarm.")
    }
    assert alarms
    for name, alarm in alarms.items():
        anchors = re.findall(
            r"RUNBOOK\.md#([a-z0-9-]+)|runbook_url\}#([a-z0-9-]+)", alarm["alarm_description"]
        )
        linked = {first or second for first, second in anchors}
        assert len(linked) == 1, f"{name} links no runbook section"
        assert linked <= sections, f"{name}: RUNBOOK.md has no section {linked}"


def test_every_alarm_notifies_the_alarm_topic(monitoring: dict[str, Any]) -> None:
    alarms = {
        name: body
        for name, body in resources_of(monitoring).items()
        if name.startswith("aws_cloudwatch_metric_alarm.")
    }
    for name, alarm in alarms.items():
        assert alarm["alarm_actions"] == ["${var.alarm_topic_arn}"], name
        assert alarm["ok_actions"] == ["${var.alarm_topic_arn}"], name
    variables = blocks_of(load_hcl_dir(PROD_ENV_DIR), "variable")
    assert "default" not in variables["alarm_topic_arn"], "alarms must go somewhere real"


def _alarm_metrics(alarm: dict[str, Any]) -> Iterator[tuple[str, str]]:
    if "metric_name" in alarm:
        if alarm["metric_name"] == "${each.value}":  # one alarm per for_each entry
            for name in alarm["for_each"].values():
                yield alarm["namespace"], name
        else:
            yield alarm["namespace"], alarm["metric_name"]
    queries = list(alarm.get("metric_query", []))
    for dynamic in alarm.get("dynamic", []):
        for content in dynamic.get("metric_query", {}).get("content", []):
            queries.append(content)
    for query in queries:
        for metric in query.get("metric", []):
            yield metric["namespace"], metric["metric_name"]


def test_the_alarms_cover_every_aws_signal_the_issue_names(monitoring: dict[str, Any]) -> None:
    covered = {
        pair
        for name, body in resources_of(monitoring).items()
        if name.startswith("aws_cloudwatch_metric_alarm.")
        for pair in _alarm_metrics(body)
    }
    assert covered >= REQUIRED_ALARMS, REQUIRED_ALARMS - covered


def test_the_alarms_name_the_resources_terraform_declares(
    monitoring: dict[str, Any], module_calls: dict[str, Any]
) -> None:
    locals_ = {key: value for block in monitoring["locals"] for key, value in block.items()}
    assert set(locals_["work_queues"]) == set(module_calls["messaging"]["queues"])
    assert set(locals_["dynamodb_tables"]) == set(module_calls["dynamodb"]["tables"])
    assert locals_["event_bus"] == module_calls["streaming"]["bus_name"]
    assert locals_["aurora_cluster"] == module_calls["aurora"]["name"]
    assert locals_["redis_nodes"].startswith(
        "${[for index in range(length(var.availability_zone_ids))"
    )
    assert f'format("{module_calls["redis"]["name"]}-%03d"' in locals_["redis_nodes"]


def test_the_datadog_provider_is_pinned(prod_env: dict[str, Any]) -> None:
    (terraform,) = prod_env["terraform"]
    (providers,) = terraform["required_providers"]
    assert providers["datadog"]["source"] == "DataDog/datadog"
    assert re.fullmatch(r"~> \d+\.\d+", providers["datadog"]["version"])
