"""Keep suites that share one costly fixture on one parallel worker.

``make test`` runs pytest with ``-n <cores + 1> --dist loadgroup`` (pytest-xdist):
tests go one by one to whichever worker is free, except those of one group
below, which all run on the same worker, one after another. Every test
already names its own tables, queues, keys, schemas, ports and temporary
folders; what remains shared is below.

The groups are decided by path in the scheduler, not by ``xdist_group``
marks: pytest-xdist 3.8 records a mark's group by rewriting ``item._nodeid``,
which pytest 9 no longer reads, so marked tests were spread over workers.
"""

from __future__ import annotations

from typing import Any

import pytest

# Suites whose fixtures outlive a test, by path prefix. Spread over workers,
# each worker would start its own copy, or two would build the same folder.
SHARED_FIXTURE_GROUPS = {
    # The drills run a system of their own (private moto and Redis), beside the shared one.
    "tests/integration/cloud/test_drills.py": "cloud-drills",
    # One cloud system (moto, the API twice, four workers) per package run
    # and worker: the suites that kill, stop or starve a worker on one, the
    # others on another, so that the two halves can run at once.
    "tests/integration/cloud/test_dlq_redrive.py": "cloud-system-drills",
    "tests/integration/cloud/test_redelivery.py": "cloud-system-drills",
    "tests/integration/cloud/test_finish.py": "cloud-system-drills",
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


# The longest units first, so that none of them starts last and runs alone
# at the end (each takes 20 s to over a minute; most single tests take < 1 s).
LONGEST_FIRST = (
    "cloud-system-drills",
    "cloud-system",
    "tests/integration/infra/test_checkov.py",  # builds its venv on a first run
    "flink-job",
    "cloud-drills",
    "web-client",
    "ddagent",
    "loadgen",
)


def group_of(nodeid: str) -> str | None:
    """Return the shared-fixture group of a test, or None (the first prefix that fits)."""
    for prefix, group in SHARED_FIXTURE_GROUPS.items():
        if nodeid.startswith(prefix):
            return group
    return None


def _rank(nodeid: str) -> int:
    unit = group_of(nodeid) or nodeid
    for rank, name in enumerate(LONGEST_FIRST):
        if unit == name or unit.startswith(name):
            return rank
    return len(LONGEST_FIRST)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put the longest units first; the rest keep their order."""
    # The workers collect; the scheduler takes their order.
    if hasattr(config, "workerinput") or config.getoption("dist", "no") == "loadgroup":
        items.sort(key=lambda item: _rank(item.nodeid))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Schedule each group as one unit and every other test on its own, in collection order."""
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    # xdist would order the units by their number of tests; the collection
    # order above puts the longest first instead.
    config.option.loadscopereorder = False

    class SharedFixtureScheduling(LoadScopeScheduling):
        """Load scheduling whose units are the groups and single tests."""

        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid) or nodeid

    return SharedFixtureScheduling(config, log)
