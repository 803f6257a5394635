"""An acknowledged answer survives the process being killed mid-stream."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from adapters.sqlite import SqliteAnswerStore, SqliteDatabase

ROOT = Path(__file__).resolve().parents[2]

# The child records answers from many tasks at once (so commits are shared and
# some are always in flight) and prints "worker index" only after record()
# returned: each printed line is an acknowledgement.
CHILD = """
import asyncio
import sys

from adapters.sqlite import SqliteAnswerStore, SqliteDatabase
from quizcore.model import RecordedAnswer


async def main(path: str) -> None:
    database = SqliteDatabase(path)
    await database.open()
    store = SqliteAnswerStore(database)

    async def worker(number: int) -> None:
        index = 0
        while True:
            answer = RecordedAnswer(
                session_id="KILLED",
                question_id=f"q{index + 1}",
                question_index=index,
                user_id=f"user-{number}",
                submission_id=f"{number}-{index}",
                answer="bonjour",
                received_at=1_800_000_001_000 + index,
                opened_at=1_800_000_000_000,
                limit_ms=20_000,
            )
            await store.record(answer)
            sys.stdout.write(f"{number} {index}\\n")
            sys.stdout.flush()
            index += 1

    await asyncio.gather(*(worker(number) for number in range(64)))


asyncio.run(main(sys.argv[1]))
"""


def _acknowledged(output: bytes) -> list[tuple[int, int]]:
    # A line cut by the kill has no newline yet; it was never acknowledged.
    lines = output.decode().split("\n")[:-1]
    return [(int(number), int(index)) for number, index in (line.split() for line in lines)]


def _run_and_kill(path: Path, acknowledgements: int) -> tuple[list[tuple[int, int]], str]:
    """Run the child, SIGKILL it mid-stream; return its acknowledgements."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None
    seen = b""
    deadline = time.monotonic() + 90
    while seen.count(b"\n") < acknowledgements and time.monotonic() < deadline:
        chunk = os.read(child.stdout.fileno(), 65536)
        if not chunk:
            break
        seen += chunk
    child.send_signal(signal.SIGKILL)
    rest, errors = child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL, errors.decode()
    return _acknowledged(seen + rest), errors.decode()


async def test_every_acknowledged_answer_survives_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "quiz.sqlite3"
    acknowledged, errors = await asyncio.to_thread(_run_and_kill, path, 2000)
    assert len(acknowledged) >= 2000, errors

    async with SqliteDatabase(path) as database:
        store = SqliteAnswerStore(database)
        missing = [
            (number, index)
            for number, index in acknowledged
            if (stored := await store.get("KILLED", f"q{index + 1}", f"user-{number}")) is None
            or stored.submission_id != f"{number}-{index}"
        ]
        recorded = await store.for_session("KILLED")

    assert missing == []
    assert len(recorded) >= len(acknowledged)
    assert len({(a.user_id, a.question_id) for a in recorded}) == len(recorded)
