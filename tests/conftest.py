"""Keep suites that share one costly fixture on one parallel worker.

``make test`` runs pytest with ``-n auto --dist loadgroup`` (pytest-xdist):
tests go one by one to whichever worker is free, except those of one
``xdist_group``, which all run on the same worker. Every test already names
its own tables, queues, keys, schemas, ports and temporary folders; what
remains shared is below.
"""

from __future__ import annotations

import pytest

# Suites whose fixtures outlive a test, by path prefix. Spread over workers,
# each worker would start its own copy, or two would build the same folder.
SHARED_FIXTURE_GROUPS = {
    # One cloud system (five processes) per package run.
    "tests/integration/cloud/": "cloud-system",
    # One Datadog test agent per package run; its venv is built on first use.
    "tests/integration/tracing/": "ddagent",
    # A server and a browser per module; test-output/web/server.log is one file.
    "tests/integration/web/": "web-client",
    # bench/loadgen's node_modules is installed by the first benchmark that runs.
    "tests/integration/bench/": "loadgen",
    # The Flink job runs twice per module (a local mini-cluster each time).
    "tests/integration/flink/test_job.py": "flink-job",
}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test of a shared-fixture suite with its xdist group."""
    for item in items:
        path = item.path.relative_to(config.rootpath).as_posix()
        for prefix, group in SHARED_FIXTURE_GROUPS.items():
            if path.startswith(prefix):
                item.add_marker(pytest.mark.xdist_group(group))
