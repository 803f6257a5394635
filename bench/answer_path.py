"""The quiz's own work per answer: the embedded app's answer path, sockets stood in.

``bench/live.py`` measures the server with real sockets and the load
generator on the same cores; ``bench/ws_floor.py`` the socket stack with no
quiz behind it. This measures what lies between: the embedded app (SQLite
storage, the hub, the in-process lanes, the live channel's answer handling)
built in this process, its players' sockets stand-ins that take every frame
at once. Each question, every player answers at once through
``submit_from_socket`` (what the live channel runs for an ``answer.submit``
frame), then the lanes drain: results, boards and projections are made as in
``quiz serve``, minus the kernel's work of sending them. CPU time is counted
over those bursts only (not the setup, not the host's moves), with the
cyclic collector off as ``quiz serve`` keeps it while a session runs, on
uvloop as ``quiz serve`` runs. Steadier than the live figures on a shared
machine: no load generator, no sockets.

    python -m bench.answer_path --players 1000 --questions 5
    python -m bench.answer_path --players 1000 --questions 5 --profile --no-write
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import time
from typing import Any

import orjson
import uvloop

from bench._embedded import lobby
from bench._results import write_section


async def run(players: int, questions: int, profile: cProfile.Profile | None) -> dict[str, Any]:
    """Play one live session; return the figures of its answer bursts."""
    async with lobby(players, questions) as room:
        ctx, sid = room.ctx, room.session_id
        hub = ctx.hub
        assert hub is not None
        frames = 0

        async def take(_frame: str) -> None:
            nonlocal frames
            frames += 1

        for _, user_id in room.players:
            hub.connect(sid, user_id).send_now = take
        gc.collect()
        gc.freeze()
        gc.disable()
        await room.host_does("start")
        cpu = 0.0
        for index in range(questions):
            assert (await ctx.services.quiz.session(sid)).question_index == index
            await room.drain()
            frames_before = frames
            started = time.process_time()
            if profile is not None:
                profile.enable()
            await room.answer_all(index)
            await room.drain()
            if profile is not None:
                profile.disable()
            cpu += time.process_time() - started
            assert frames - frames_before >= players, "every answer got its result"
            if index + 1 < questions:
                await room.host_does("next")
        gc.enable()
        # Every answer right: every player scored, once per question.
        scored = 0
        for _, user_id in room.players:
            score = await ctx.services.scores.get_score(sid, user_id)
            scored += score is not None and score.score > 0
    answers = players * questions
    return {
        "players": players,
        "questions": questions,
        "answers": answers,
        "players_scored": scored,
        "cpu_s": round(cpu, 3),
        "cpu_us_per_answer": round(cpu / answers * 1e6, 1),
        "answers_per_cpu_s": round(answers / cpu),
    }


def main() -> None:
    """Run, print the figures, and write them to bench/RESULTS.md unless told not to."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = parser.parse_args()
    profile = cProfile.Profile() if args.profile else None
    figures = uvloop.run(run(args.players, args.questions, profile))
    if args.json:
        print(orjson.dumps(figures).decode())
    else:
        for key, value in figures.items():
            print(f"{key}: {value}")
    if profile is not None:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(30)
        print(out.getvalue())
        return  # the profiler's overhead is in the figures: not for the record
    if not args.no_write:
        command = (
            f"python -m bench.answer_path --players {args.players} --questions {args.questions}"
        )
        rows = "\n".join(f"| {key} | {value} |" for key, value in figures.items())
        write_section(
            f"answer-path-{args.players}",
            f"### answer-path-{args.players}\n\n`{command}`, "
            f"{time.strftime('%Y-%m-%d')}: the embedded app's answer path in process, "
            "sockets stood in (what `bench/live.py` measures minus the sockets' work).\n\n"
            f"| figure | value |\n| --- | --- |\n{rows}",
        )


if __name__ == "__main__":
    main()
