"""Keep each benchmark's figures in its own block of bench/RESULTS.md.

A block runs from ``<!-- name:start -->`` to ``<!-- name:end -->``; writing a
section replaces its block and leaves every other one alone, so benches owned
by different people can share the file.
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADER = "# Benchmark results\n"


def write_section(name: str, markdown: str, path: Path = RESULTS) -> None:
    """Replace the ``name`` block of the results file, creating either if missing."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ValueError(f"section name {name!r} must be letters, digits, '_', '.' or '-'")
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{markdown.strip()}\n{end}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(exist_ok=True)
    with path.open("r+", encoding="utf-8") as handle:
        # Benches may finish at the same moment: read-modify-write under one lock.
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            text = handle.read()
            if not text.strip():
                text = HEADER
            pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
            if pattern.search(text):
                text = pattern.sub(lambda _match: block, text, count=1)
            else:
                text = text.rstrip("\n") + "\n\n" + block + "\n"
            handle.seek(0)
            handle.write(text)
            handle.truncate()
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _cell(value: Any) -> str:
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def report(
    figures: dict[str, Any],
    *,
    name: str,
    command: str,
    note: str = "",
    write: bool,
    as_json: bool,
    where: str = "load generator on the same machine",
) -> None:
    """Print a run's figures (aligned, or as one JSON line) and keep them in RESULTS.md."""
    import orjson

    if as_json:
        print(orjson.dumps(figures).decode())
    else:
        width = max(map(len, figures), default=0)
        for key, value in figures.items():
            print(f"{key:>{width}}: {_cell(value)}")
    if write:
        rows = "\n".join(f"| {key} | {_cell(value)} |" for key, value in figures.items())
        write_section(
            name,
            f"### {name}\n\n`{command}` on {os.cpu_count()} cores, "
            f"{time.strftime('%Y-%m-%d')}, {where}.{note}\n\n"
            f"| figure | value |\n| --- | --- |\n{rows}\n",
        )
