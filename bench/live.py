"""Live-session benchmark: P players over WebSocket, every one answering at once.

Starts ``quiz serve`` (local profile, SQLite under a temporary folder) as a
separate process, then runs the load generator (``bench/loadgen/live.mjs``,
Node and the ``ws`` package, so that the client does not take the server's
CPU the way a Python client on the same two cores did): it joins P players
to one live session, connects each over WebSocket, and plays Q questions
where every player answers as soon as the question opens, or (``--spread S``)
after a uniform random delay in [0, S) seconds, as a class answers over the
seconds a question is open. Prints join
time, answers per second, p50/p99 from sending an answer to its
``answer.result``, p99 from sending it to the first ``leaderboard.updated``
whose ``me`` shows it (and answer -> result split between the answers sent in
the first second after a question opened, while ``question.opened`` is still
going out to the room, and those sent later), each player's time to
answer (``closes_at`` minus when ``question.opened`` reached them: the
least, the 1st percentile and the least per question), dropped messages
and the server's peak RSS; writes them to bench/RESULTS.md.

    python -m bench.live --players 1000 --questions 5
    python -m bench.live --players 10000 --questions 2
    python -m bench.live --players 10000 --questions 3 --spread 5
    python -m bench.live --http --clients 64 --duration 10
    python -m bench.live --http --flow self-paced --clients 64 --duration 10
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._results import report  # noqa: E402

QUIZ = {
    "title": "Benchmark quiz",
    "questions": [
        {
            "prompt": f"Question {n}",
            "kind": "choice",
            "choices": ["alpha", "beta", "gamma", "delta"],
            "answer": "alpha",
        }
        for n in range(10)
    ],
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cpu_s(pid: int) -> float:
    """Return the CPU time (user + system) the process and its children have used so far.

    Servers that run their app in worker processes (granian) count whole.
    """
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    for child in _children(pid):
        used = _cpu_s(child)
        if used == used:  # a child that already exited is not counted
            total += used
    return total


def _children(pid: int) -> list[int]:
    children: list[int] = []
    for listing in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children += [int(child) for child in listing.read_text().split()]
        except OSError:
            continue
    return children


def _rss_peak_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


@contextlib.asynccontextmanager
async def server(data_dir: str, server_name: str = "uvicorn", log_path: str | None = None) -> Any:
    """Serve the product; its log, at INFO, goes to ``log_path`` if given, else nowhere."""
    port = _free_port()
    env = {
        **os.environ,
        "QUIZ_DATA_DIR": data_dir,
        "QUIZ_PORT": str(port),
        "QUIZ_LOG_LEVEL": "INFO" if log_path else "WARNING",
    }
    command = [sys.executable, "-m", "entrypoints.cli.main", "serve"]
    if server_name == "granian":
        # The same app under granian, for the comparison only: ``quiz serve``
        # runs uvicorn with the limits of entrypoints/api/server.py.
        command = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory"]
        command += ["--host", "127.0.0.1", "--port", str(port), "--loop", "uvloop"]
        command += ["--backlog", "4096", "--log-level", "warning"]
        command += ["entrypoints.api.app:create_app"]
    with contextlib.ExitStack() as files:
        # The child keeps its own copy of the file; this process needs none.
        log: Any = subprocess.DEVNULL
        if log_path:
            log = files.enter_context(Path(log_path).open("wb"))  # noqa: ASYNC230 - before any load
        process = subprocess.Popen(  # noqa: ASYNC220 - started once, before any load
            command, cwd=ROOT, env=env, stdout=log, stderr=log if log_path else None
        )
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base) as client:
        for _ in range(200):
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/readyz")).status_code == 200:
                    break
            await asyncio.sleep(0.1)
    try:
        yield base, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


LOADGEN = ROOT / "bench" / "loadgen"


def _loadgen_ready() -> None:
    if not (LOADGEN / "node_modules" / "ws").is_dir():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=LOADGEN, check=True
        )


async def run_loadgen(
    arguments: list[str], server_name: str = "uvicorn", log_path: str | None = None
) -> tuple[dict[str, Any], float, float]:
    """Start the server, run the load generator; return figures, peak RSS, CPU seconds.

    The figures also get the server's CPU seconds at each phase the load
    generator reports (``cpu_at_<phase>_s``, counted from the start).
    """
    _loadgen_ready()
    with tempfile.TemporaryDirectory() as data_dir:
        async with server(data_dir, server_name, log_path) as (base, process):
            cpu_before = _cpu_s(process.pid)
            loadgen = await asyncio.create_subprocess_exec(
                "node",
                str(LOADGEN / "live.mjs"),
                "--base",
                base,
                *arguments,
                stdout=asyncio.subprocess.PIPE,
                limit=2**24,
            )
            assert loadgen.stdout is not None
            phases: dict[str, float] = {}
            last = b""
            async for line in loadgen.stdout:
                if line.startswith(b"@phase "):
                    name = line.split()[1].decode()
                    phases[f"cpu_at_{name}_s"] = _cpu_s(process.pid) - cpu_before
                elif line.strip():
                    last = line
            if await loadgen.wait() != 0:
                raise SystemExit(f"load generator failed ({loadgen.returncode})")
            rss = max([_rss_peak_mib(pid) for pid in [process.pid, *_children(process.pid)]])
            cpu = _cpu_s(process.pid) - cpu_before
    return {**orjson.loads(last), **phases}, rss, cpu


def split_cpu(figures: dict[str, Any], answers: int) -> None:
    """Add the server's CPU per player to set up and per answer in play.

    The whole run's figure divides everything by the answers: at five
    questions, each player's token, join and socket weigh about as much as
    their answers. Setting up is the load generator's tokens, joins and
    sockets (up to its ``connected`` phase); play is from there to the end
    of the last question (``played``), the questions' frames and boards
    included.
    """
    connected = figures.pop("cpu_at_connected_s", None)
    played = figures.pop("cpu_at_played_s", None)
    figures.pop("cpu_at_joined_s", None)
    players = figures.get("players")
    if connected is None or played is None or not players or not answers:
        return
    figures["server_cpu_us_per_player_setup"] = connected / players * 1e6
    figures["server_cpu_us_per_answer_in_play"] = (played - connected) / answers * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--players", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument(
        "--spread",
        type=float,
        default=0.0,
        help="each player answers after a random delay in [0, S) s (0: all at once)",
    )
    parser.add_argument("--http", action="store_true")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--flow", choices=("live", "self-paced"), default="live")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument(
        "--server",
        choices=["uvicorn", "granian"],
        default="uvicorn",
        help="the ASGI server (granian only to compare: quiz serve runs uvicorn)",
    )
    parser.add_argument(
        "--server-log",
        metavar="PATH",
        help="keep the server's log, at INFO, in PATH (its collections, its requests:"
        " logging every request costs CPU, so compare such runs only with each other)",
    )
    parser.add_argument(
        "--answers-csv",
        metavar="PATH",
        help="write one row per answer to PATH: when its question reached the player and"
        " when they answered (ms from the question first reaching anyone), answer -> result"
        " and answer -> on the board",
    )
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.http:
        arguments = ["--http", "--flow", args.flow, "--clients", str(args.clients)]
        arguments += ["--duration", str(args.duration)]
        name = "live-http" if args.flow == "live" else f"live-http-{args.flow}"
        command = (
            f"python -m bench.live --http --flow {args.flow} --clients {args.clients}"
            f" --duration {args.duration}"
        )
    else:
        arguments = ["--players", str(args.players), "--questions", str(args.questions)]
        arguments += ["--seconds", str(args.seconds), "--spread", str(args.spread)]
        name = f"live-{args.players}"
        command = f"python -m bench.live --players {args.players} --questions {args.questions}"
        if args.spread:
            name += f"-spread-{args.spread:g}s"
            command += f" --spread {args.spread:g}"
    if args.answers_csv and not args.http:
        arguments += ["--answers-csv", str(Path(args.answers_csv).resolve())]
    if args.server != "uvicorn":
        name += f"-{args.server}"
        command += f" --server {args.server}"
    figures, rss, cpu = asyncio.run(run_loadgen(arguments, args.server, args.server_log))
    figures["server_rss_mib"] = rss
    # The server's CPU over the whole run (joins and connections included).
    figures["server_cpu_s"] = cpu
    answers = figures.get("answers_scored", figures.get("answers_accepted", 0))
    figures["server_cpu_us_per_answer"] = cpu / answers * 1e6 if answers else float("nan")
    split_cpu(figures, answers)
    report(figures, name=name, command=command, write=not args.no_write, as_json=args.json)


if __name__ == "__main__":
    main()
