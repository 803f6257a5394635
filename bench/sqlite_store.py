"""Benchmark SqliteAnswerStore.record under group commit.

Records N answers from many concurrent tasks into a fresh SQLite file and
prints the throughput and the p50/p99/max latency of ``record()`` (each call
returns only once its answer is committed). Run from the project root:

    python -m bench.sqlite_store --answers 50000 --tasks 1000
    python -m bench.sqlite_store --answers 50000 --tasks 1000 --rate 5000

Without ``--rate`` every task records its next answer as soon as the last one
returns (closed loop: the figures show the store's ceiling, and latency is
about tasks / throughput). With ``--rate`` the tasks together offer that many
answers per second on a fixed schedule (open loop, as players do), and the
latency counts from each answer's scheduled time, so queueing is included.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from adapters.sqlite import SqliteAnswerStore, SqliteDatabase
from quizcore.model import RecordedAnswer, RecordOutcome


def _answer(task: int, number: int) -> RecordedAnswer:
    return RecordedAnswer(
        session_id=f"S{task % 20:04d}",
        question_id=f"q{number + 1}",
        question_index=number,
        user_id=f"user-{task:05d}",
        submission_id=f"sub-{task:05d}-{number:04d}",
        answer="bonjour",
        received_at=1_800_000_000_000 + number,
        opened_at=1_800_000_000_000,
        limit_ms=20_000,
    )


async def _run(
    answers: int, tasks: int, synchronous: str, directory: Path, rate: float | None = None
) -> None:
    database = SqliteDatabase(directory / "bench.sqlite3", synchronous=synchronous)  # type: ignore[arg-type]
    await database.open()
    store = SqliteAnswerStore(database)
    latencies: list[float] = []
    per_task, extra = divmod(answers, tasks)

    async def participant(task: int) -> None:
        for number in range(per_task + (1 if task < extra else 0)):
            answer = _answer(task, number)
            started = time.perf_counter()
            if rate is not None:
                due = begin + (number * tasks + task) / rate
                if due > started:
                    await asyncio.sleep(due - started)
                started = due
            outcome, _ = await store.record(answer)
            latencies.append(time.perf_counter() - started)
            if outcome is not RecordOutcome.RECORDED:
                raise AssertionError(f"{answer.submission_id} was {outcome}")

    cpu = time.process_time()
    begin = started = time.perf_counter()
    await asyncio.gather(*(participant(task) for task in range(tasks)))
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    await database.close()

    latencies.sort()
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    offered = "as fast as possible" if rate is None else f"offered {rate:,.0f}/s"
    print(f"synchronous={synchronous} answers={len(latencies)} tasks={tasks} {offered}")
    print(f"throughput: {len(latencies) / elapsed:,.0f} answers/s ({elapsed:.2f} s)")
    print(
        f"record() latency: p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms,"
        f" max {latencies[-1] * 1000:.1f} ms"
    )
    batch = database.committed_writes / max(database.commits, 1)
    print(f"commits: {database.commits}, mean batch {batch:.0f} writes")
    # CPU time per answer does not depend on what else the machine runs.
    print(f"cpu: {cpu / len(latencies) * 1e6:.0f} us per answer (this process, all threads)")


def main() -> None:
    """Parse the arguments and run the benchmark once."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=50_000)
    parser.add_argument("--tasks", type=int, default=1_000)
    parser.add_argument("--synchronous", choices=("NORMAL", "FULL", "EXTRA"), default="FULL")
    parser.add_argument("--rate", type=float, default=None, help="answers per second offered")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="quiz-bench-") as directory:
        asyncio.run(_run(args.answers, args.tasks, args.synchronous, Path(directory), args.rate))


if __name__ == "__main__":
    main()
