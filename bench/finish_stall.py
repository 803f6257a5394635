"""How long finishing a large session stops the event loop (embedded profile, SQLite).

While a session runs, the SQLite stores keep its projection rows (scores,
answer results) back in memory and write them once it finishes. This builds
a running session of P players who each answered Q questions (P * (Q + 1)
rows kept back), then saves its finish while a ticker task stands for
every other session in the process, and prints the longest the ticker
waited for a turn (the stall every other socket feels), how long the finish
took to be acknowledged, and the CPU it cost. Run from the project root:

    python -m bench.finish_stall --players 10000 --questions 3
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import tempfile
import time
from pathlib import Path

from adapters.sqlite import SqliteDatabase, SqliteScoreStore, SqliteSessionStore
from bench._results import report
from quizcore.model import AnswerResult, ParticipantScore
from quizcore.session import SessionState

SESSION = "BENCH1"


async def _running(sessions: SqliteSessionStore, questions: int) -> SessionState:
    state = SessionState(
        session_id=SESSION,
        quiz_id="quiz-bench",
        title="Finish stall",
        mode="live",
        host_id="host",
        question_seconds=20,
        question_count=questions,
        created_at=1_800_000_000_000,
    )
    await sessions.create(state)
    running = dataclasses.replace(state, status="running", started_at=1, version=1)
    await sessions.save(running, expected_version=0)
    return running


async def _play(scores: SqliteScoreStore, players: int, questions: int) -> None:
    for player in range(players):
        user = f"player-{player:05d}"
        for question in range(questions):
            await scores.save_result(
                AnswerResult(
                    session_id=SESSION,
                    user_id=user,
                    submission_id=f"{user}-q{question}",
                    question_id=f"q{question}",
                    status="scored",
                    correct=True,
                    points=900,
                    streak=question,
                    score=900 * (question + 1),
                )
            )
        await scores.raise_score(
            ParticipantScore(
                session_id=SESSION,
                user_id=user,
                score=900 * questions,
                correct_count=questions,
                answered_count=questions,
                reached_at=player,
            )
        )


async def _run(players: int, questions: int, directory: Path) -> dict[str, float | int]:
    async with SqliteDatabase(directory / "bench.sqlite3") as database:
        sessions, scores = SqliteSessionStore(database), SqliteScoreStore(database)
        running = await _running(sessions, questions)
        await _play(scores, players, questions)
        kept = database.kept_count(SESSION)

        longest = 0.0
        stop = asyncio.Event()

        async def other_sessions() -> None:
            nonlocal longest
            last = time.perf_counter()
            while not stop.is_set():
                await asyncio.sleep(0)
                now = time.perf_counter()
                longest, last = max(longest, now - last), now

        ticker = asyncio.create_task(other_sessions())
        await asyncio.sleep(0)
        cpu, started = time.process_time(), time.perf_counter()
        finished = dataclasses.replace(running, status="finished", finished_at=9, version=2)
        await sessions.save(finished, expected_version=1)
        acknowledged = time.perf_counter() - started
        cpu = time.process_time() - cpu
        stop.set()
        await ticker
    return {
        "rows kept back": kept,
        "longest wait for a turn, ms": round(longest * 1000, 1),
        "finish acknowledged after, ms": round(acknowledged * 1000, 1),
        "CPU of the finish, ms (all threads)": round(cpu * 1000, 1),
    }


def main() -> None:
    """Parse the arguments, run once, print and record the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=3)
    parser.add_argument("--no-write", dest="write", action="store_false")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="quiz-bench-") as directory:
        figures = asyncio.run(_run(args.players, args.questions, Path(directory)))
    report(
        figures,
        name=f"finish-stall-{args.players}x{args.questions}",
        command=f"python -m bench.finish_stall --players {args.players} "
        f"--questions {args.questions}",
        write=args.write,
        as_json=args.json,
    )


if __name__ == "__main__":
    main()
