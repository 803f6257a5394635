"""The memory benchmark plays sessions to their end and restarts on them.

Keeps ``bench/sqlite_memory.py`` working with tiny numbers; its figures are
checked for completeness, never for size or speed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_memory_bench_plays_restarts_and_reads_the_first_session_back() -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.sqlite_memory",
            "--sessions",
            "2",
            "--players",
            "4",
            "--questions",
            "2",
            "--no-write",
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    # It fails when the first session reads differently after the restart.
    assert completed.returncode == 0, completed.stderr
    figures = json.loads(completed.stdout.strip().splitlines()[-1])
    assert figures["answers"] == 2 * 4 * 2
    for name in (
        "rss_after_first_mib",
        "rss_after_all_mib",
        "rss_restarted_mib",
        "rss_restarted_and_read_mib",
        "database_mib",
    ):
        assert figures[name] > 0, name
