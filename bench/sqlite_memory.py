"""Measure the embedded server's memory as finished sessions pile up.

Plays N live sessions of P players each to their end on the local profile's
real wiring (the API app's lifespan, its container, the SQLite storage in a
fresh data folder, the in-process bus), each session with its own quiz and
fresh players: every player joins, answers every question, the host moves
on and finishes. Reads the process's resident set size (VmRSS) after the
first session and after the last. Then a second process starts on the same
folder (a restart) and reads its RSS once started, and again after the first
session was read back through the HTTP API (session, results, leaderboard,
an answer, the player's totals), which must equal what the first process
served. Run from the project root:

    python -m bench.sqlite_memory --sessions 100 --players 200

Each phase runs in its own process, started from ``--server-root`` (this
checkout by default; another commit's checkout gives a before figure), so
the figures are the app's memory alone. Play calls the wired services
directly, as the HTTP handlers do, to keep the load generator's own cost
out of a long run on a small machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHOICES = ["alpha", "bravo", "charlie", "delta"]


def rss_mib() -> float:
    """Return this process's resident set size in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def quiz_body(number: int, questions: int) -> dict[str, Any]:
    """Return a quiz of ``questions`` choice questions."""
    return {
        "title": f"Memory bench {number}",
        "language": "en",
        "level": "A2",
        "questions": [
            {
                "prompt": f"Pick word {index} of quiz {number}",
                "kind": "choice",
                "choices": CHOICES,
                "answer": CHOICES[index % len(CHOICES)],
            }
            for index in range(questions)
        ],
    }


# --------------------------------------------------------------- one process


class App:
    """The API app of the local profile, started in this process."""

    def __init__(self, data_dir: Path) -> None:
        from entrypoints.api.app import build_app
        from entrypoints.api.auth import DevIssuer
        from entrypoints.settings import Settings

        settings = Settings(
            profile="local",
            storage="sqlite",
            data_dir=data_dir,
            web_dist=data_dir / "no-web",
            log_level="WARNING",
        )
        self.app, self.ctx = build_app(settings)
        self.issuer = DevIssuer(
            data_dir / "dev-signing-key.pem", issuer="quizcore-dev", audience="quizcore"
        )
        self.conductor: Any = None

    async def __aenter__(self) -> App:
        import falcon.testing

        self.conductor = falcon.testing.ASGIConductor(self.app)
        await self.conductor.__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.conductor.__aexit__(*exc_info)

    @property
    def services(self) -> Any:
        """Return the wired services."""
        return self.ctx.services

    async def settle(self) -> None:
        """Wait until the in-process queues have handled every message."""
        drain = getattr(self.services.publisher, "drain", None)
        if drain is not None:
            await drain()

    def ident(self, name: str) -> tuple[str, str]:
        """Return a dev token and user id that every process gives ``name``."""
        try:
            return self.issuer.issue(name, device_key=name)
        except TypeError:  # an older issuer derives the id from the name
            return self.issuer.issue(name)

    async def get(self, path: str, name: str, **params: Any) -> Any:
        """GET through the HTTP API as the dev user ``name``; return the body."""
        token, _user_id = self.ident(name)
        result = await self.conductor.simulate_get(
            path, headers={"Authorization": f"Bearer {token}"}, params=params or None
        )
        if result.status_code != 200:
            raise RuntimeError(f"GET {path}: {result.status_code} {result.text[:300]}")
        return result.json

    async def play(self, number: int, players: int, questions: int) -> str:
        """Play one live session to its end; return its id."""
        from quizcore.model import User

        services = self.services
        host = self.ident(f"host {number}")[1]
        await services.master.upsert_user(User(user_id=host, display_name=f"host {number}"))
        quiz = await services.quiz.create_quiz(host, quiz_body(number, questions))
        state = await services.quiz.create_session(
            host_id=host, quiz_id=quiz.quiz_id, mode="live", question_seconds=300
        )
        sid = state.session_id
        # Only the last seat is read back through the API, with a token.
        seats = [f"bench-{number}-{seat}" for seat in range(players - 1)]
        seats.append(self.ident(f"s{number} p{players - 1}")[1])

        async def join(seat: int) -> None:
            name = f"s{number} p{seat}"
            await services.master.upsert_user(User(user_id=seats[seat], display_name=name))
            await services.quiz.join(sid, seats[seat], name)

        await asyncio.gather(*(join(seat) for seat in range(players)))
        await services.quiz.start(sid, host)
        for index in range(questions):
            question_id = f"q{index + 1}"

            async def answer(seat: int, question_id: str = question_id, index: int = index) -> None:
                # Three in four answer right, so scores and ranks differ.
                given = CHOICES[(index + (0 if seat % 4 else 1)) % len(CHOICES)]
                await services.score.submit(
                    session_id=sid,
                    user_id=seats[seat],
                    question_id=question_id,
                    answer=given,
                    submission_id=f"{sid}-{question_id}-{seat}",
                )

            await asyncio.gather(*(answer(seat) for seat in range(players)))
            await self.settle()
            if index + 1 < questions:
                await services.quiz.advance(sid, host)
        await services.quiz.finish(sid, host)
        await self.settle()
        return str(sid)

    async def seen(self, sid: str, number: int, players: int) -> dict[str, Any]:
        """Return what the API serves about a finished session and one player."""
        base = f"/v1/sessions/{sid}"
        host, player = f"host {number}", f"s{number} p{players - 1}"
        view = await self.get(base, host)
        view.pop("server_time", None)
        board = await self.get(f"{base}/leaderboard", host, limit=100)
        board.pop("version", None)
        me = await self.get("/v1/users/me", player)
        top = await self.get("/v1/leaderboard", host, limit=100)
        top.pop("version", None)
        return {
            "session": view,
            "results": await self.get(f"{base}/results", host),
            "leaderboard": board,
            "answer": await self.get(f"{base}/answers/{sid}-q1-{players - 1}", player),
            "me": me,
            "global": top,
        }


async def _play_phase(args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    async with App(args.data_dir) as app:
        figures["rss_started_mib"] = rss_mib()
        began = time.perf_counter()
        first = await app.play(0, args.players, args.questions)
        figures["rss_after_first_mib"] = rss_mib()
        for number in range(1, args.sessions):
            await app.play(number, args.players, args.questions)
            if args.progress and number % 10 == 9:
                print(f"{number + 1} sessions, rss {rss_mib():.1f} MiB", file=sys.stderr)
        figures["play_s"] = time.perf_counter() - began
        figures["answers"] = args.sessions * args.players * args.questions
        figures["rss_after_all_mib"] = rss_mib()
        figures["seen"] = await app.seen(first, 0, args.players)
        figures["first"] = first
    return figures


async def _restart_phase(args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    began = time.perf_counter()
    async with App(args.data_dir) as app:
        figures["restart_s"] = time.perf_counter() - began
        figures["rss_restarted_mib"] = rss_mib()
        figures["seen"] = await app.seen(args.first, 0, args.players)
        figures["rss_restarted_and_read_mib"] = rss_mib()
    return figures


# ------------------------------------------------------------------ the parent


def _phase(args: argparse.Namespace, phase: str, data_dir: Path, extra: list[str]) -> Any:
    root = args.server_root.resolve()
    env = {key: value for key, value in os.environ.items() if not key.startswith("QUIZ_")}
    env["PYTHONPATH"] = str(root)
    completed = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--phase",
            phase,
            "--data-dir",
            str(data_dir),
            "--sessions",
            str(args.sessions),
            "--players",
            str(args.players),
            "--questions",
            str(args.questions),
            *(["--progress"] if args.progress else []),
            *extra,
        ],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"the {phase} phase failed with {completed.returncode}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _run(args: argparse.Namespace, directory: Path) -> dict[str, Any]:
    data_dir = directory / "data"
    data_dir.mkdir()
    played = _phase(args, "play", data_dir, [])
    first = played.pop("first")
    restarted = _phase(args, "restart", data_dir, ["--first", first])
    before, after = played.pop("seen"), restarted.pop("seen")
    if after != before:
        changed = [key for key in before if before[key] != after.get(key)]
        raise AssertionError(f"the first session reads differently after a restart: {changed}")
    figures: dict[str, Any] = {"sessions": args.sessions, "players": args.players}
    figures.update(played)
    figures.update(restarted)
    figures["growth_mib"] = figures["rss_after_all_mib"] - figures["rss_after_first_mib"]
    figures["database_mib"] = sum(path.stat().st_size for path in data_dir.glob("quizcore.db*")) / (
        1024 * 1024
    )
    return figures


def main() -> None:
    """Parse the arguments, run the benchmark once and report its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--players", type=int, default=200)
    parser.add_argument("--questions", type=int, default=3)
    parser.add_argument(
        "--server-root",
        type=Path,
        default=ROOT,
        help="the checkout whose app is measured (another commit's, for a before figure)",
    )
    parser.add_argument("--progress", action="store_true", help="print RSS every ten sessions")
    parser.add_argument("--label", default="", help="a note on the code measured")
    parser.add_argument("--no-write", dest="write", action="store_false")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--phase", choices=("play", "restart"), help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--first", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sessions < 1 or args.players < 1 or args.questions < 1:
        parser.error("sessions, players and questions must be at least 1")
    if args.phase is not None:
        run = _play_phase if args.phase == "play" else _restart_phase
        print(json.dumps(asyncio.run(run(args))))
        return
    with tempfile.TemporaryDirectory(prefix="quiz-bench-") as directory:
        figures = _run(args, Path(directory))
    command = (
        f"python -m bench.sqlite_memory --sessions {args.sessions} --players {args.players}"
        f" --questions {args.questions}"
    )
    if args.server_root.resolve() != ROOT:
        command += " --server-root <another checkout>"
    section = "sqlite_memory" + (f"-{args.label}" if args.label else "")
    from bench._results import report

    report(figures, name=section, command=command, write=args.write, as_json=args.json)


if __name__ == "__main__":
    main()
