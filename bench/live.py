"""Live-session benchmark: P players over WebSocket, every one answering at once.

Starts ``quiz serve`` (local profile, SQLite under a temporary folder) as a
separate process, joins P players to one live session, connects each over
WebSocket, and plays Q questions where every player answers as soon as the
question opens. Prints join time, answers per second, p50/p99 from sending
an answer to its ``answer.result``, p99 from sending it to the first
``leaderboard.updated`` whose ``me`` shows it, dropped messages and the
server's peak RSS; writes them to bench/RESULTS.md.

    python -m bench.live --players 1000 --questions 5
    python -m bench.live --players 10000 --questions 2
    python -m bench.live --http --clients 64 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._results import write_section  # noqa: E402

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


def _rss_peak_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


@contextlib.asynccontextmanager
async def server(data_dir: str) -> Any:
    port = _free_port()
    env = {
        **os.environ,
        "QUIZ_DATA_DIR": data_dir,
        "QUIZ_PORT": str(port),
        "QUIZ_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(  # noqa: ASYNC220 - started once, before any load
        [sys.executable, "-m", "entrypoints.cli.main", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
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


@dataclass
class Player:
    name: str
    token: str = ""
    user_id: str = ""
    sent: dict[str, float] = field(default_factory=dict)
    result_at: dict[str, float] = field(default_factory=dict)
    score_after: dict[str, int] = field(default_factory=dict)
    visible_at: dict[str, float] = field(default_factory=dict)
    snapshots: int = 0
    errors: int = 0


async def _gather_limited(coros: list[Any], limit: int) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def run(coro: Any) -> Any:
        async with gate:
            return await coro

    return await asyncio.gather(*(run(c) for c in coros))


async def _register(client: httpx.AsyncClient, player: Player, session_id: str) -> None:
    # A pooled connection the server closed while idle fails once; try again.
    for attempt in range(3):
        try:
            return await _register_once(client, player, session_id)
        except httpx.TransportError:
            if attempt == 2:
                raise
            await asyncio.sleep(0.1)


async def _register_once(client: httpx.AsyncClient, player: Player, session_id: str) -> None:
    if not player.token:
        response = await client.post("/v1/dev/token", json={"name": player.name})
        body = response.json()
        player.token, player.user_id = body["access_token"], body["user_id"]
    if not session_id:
        return
    joined = await client.post(
        f"/v1/sessions/{session_id}/participants",
        headers={"Authorization": f"Bearer {player.token}"},
    )
    if joined.status_code not in (200, 201):
        raise RuntimeError(f"join failed: {joined.status_code} {joined.text}")


async def _play(
    base: str,
    session_id: str,
    player: Player,
    ready: asyncio.Event,
    done: asyncio.Event,
    total_q: int,
) -> None:
    url = (
        base.replace("http", "ws", 1)
        + f"/v1/sessions/{session_id}/live?access_token={player.token}"
    )
    async with connect(url, max_queue=None, ping_interval=None, open_timeout=120) as ws:
        ready.set()
        pending: dict[str, str] = {}  # question -> submission
        async for raw in ws:
            event = orjson.loads(raw)
            kind = event["type"]
            now = time.perf_counter()
            if kind == "question.opened":
                question = event["question_id"]
                submission = f"{player.user_id}-{question}"
                player.sent[submission] = time.perf_counter()
                pending[question] = submission
                await ws.send(
                    orjson.dumps(
                        {
                            "type": "answer.submit",
                            "question_id": question,
                            "answer": "alpha",
                            "submission_id": submission,
                        }
                    ).decode()
                )
            elif kind == "answer.result":
                submission = event["submission_id"]
                player.result_at.setdefault(submission, now)
                player.score_after[submission] = event["score"]
            elif kind == "leaderboard.updated":
                me = event.get("me") or {}
                for submission, score in player.score_after.items():
                    if submission not in player.visible_at and me.get("score", -1) >= score:
                        player.visible_at[submission] = now
            elif kind == "session.snapshot":
                player.snapshots += 1
            elif kind == "error":
                player.errors += 1
            elif kind == "session.finished":
                break


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def live(players_count: int, questions: int, seconds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as data_dir:
        async with server(data_dir) as (base, process):
            limits = httpx.Limits(max_connections=64)
            async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
                host = (await client.post("/v1/dev/token", json={"name": "bench-host"})).json()
                headers = {"Authorization": f"Bearer {host['access_token']}"}
                quiz_id = (await client.post("/v1/quizzes", json=QUIZ, headers=headers)).json()[
                    "quiz_id"
                ]
                session_id = (
                    await client.post(
                        "/v1/sessions",
                        json={"quiz_id": quiz_id, "mode": "live", "question_seconds": seconds},
                        headers=headers,
                    )
                ).json()["session_id"]
                players = [Player(name=f"p{n:05d}") for n in range(players_count)]
                # Tokens first (the identity provider's work, not the join's).
                await _gather_limited([_register(client, p, "") for p in players], 64)
                started = time.perf_counter()
                await _gather_limited([_register(client, p, session_id) for p in players], 64)
                joined_s = time.perf_counter() - started
                done = asyncio.Event()
                readies = [asyncio.Event() for _ in players]
                connect_started = time.perf_counter()
                tasks = []
                for index, (player, ready) in enumerate(zip(players, readies, strict=True)):
                    tasks.append(
                        asyncio.create_task(_play(base, session_id, player, ready, done, questions))
                    )
                    if index % 250 == 249:
                        # Connect in waves, as a room does, not in one SYN flood.
                        await asyncio.gather(*(r.wait() for r in readies[index - 249 : index + 1]))
                await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), timeout=300)
                connected_s = time.perf_counter() - connect_started
                await asyncio.sleep(1.0)
                await client.post(f"/v1/sessions/{session_id}/start", headers=headers)
                play_started = time.perf_counter()
                for number in range(questions):
                    deadline = time.perf_counter() + seconds
                    target = (number + 1) * players_count
                    while time.perf_counter() < deadline:
                        if sum(len(p.result_at) for p in players) >= target:
                            break
                        await asyncio.sleep(0.02)
                    await asyncio.sleep(0.5)  # let the last leaderboard frame arrive
                    if number + 1 < questions:
                        await client.post(f"/v1/sessions/{session_id}/next", headers=headers)
                play_s = time.perf_counter() - play_started
                await client.post(f"/v1/sessions/{session_id}/finish", headers=headers)
                await asyncio.wait(tasks, timeout=30)
                for task in tasks:
                    task.cancel()
                rss = _rss_peak_mib(process.pid)
    sent = sum(len(p.sent) for p in players)
    results = [p.result_at[s] - p.sent[s] for p in players for s in p.result_at if s in p.sent]
    visible = [p.visible_at[s] - p.sent[s] for p in players for s in p.visible_at if s in p.sent]
    first_sent = min((t for p in players for t in p.sent.values()), default=0)
    last_result = max((t for p in players for t in p.result_at.values()), default=0)
    # Answers per second over the bursts: each question's answers from its
    # first send to its last result (time between questions is idle).
    per_question: dict[str, list[tuple[float, float]]] = {}
    for p in players:
        for submission, sent_at in p.sent.items():
            question = submission.rsplit("-", 1)[1]
            if submission in p.result_at:
                per_question.setdefault(question, []).append((sent_at, p.result_at[submission]))
    busy = sum(
        max(r for _, r in pairs) - min(s for s, _ in pairs) for pairs in per_question.values()
    )
    return {
        "players": players_count,
        "questions": questions,
        "join_s": joined_s,
        "connect_s": connected_s,
        "answers_sent": sent,
        "answers_scored": len(results),
        "answers_per_s": len(results) / busy if busy else float("nan"),
        "result_p50_ms": statistics.median(results) * 1000 if results else float("nan"),
        "result_p99_ms": _pct(results, 0.99) * 1000,
        "visible_p99_ms": _pct(visible, 0.99) * 1000,
        "visible_count": len(visible),
        "dropped": (sent - len(results)) + sum(max(0, p.snapshots - 1) for p in players),
        "errors": sum(p.errors for p in players),
        "server_rss_mib": rss,
        "play_s": play_s,
        "span_s": last_result - first_sent,
    }


async def http_answers(clients: int, seconds: float) -> dict[str, Any]:
    """POST .../answers from many concurrent clients for a fixed time."""
    with tempfile.TemporaryDirectory() as data_dir:
        async with (
            server(data_dir) as (base, process),
            httpx.AsyncClient(
                base_url=base, timeout=60, limits=httpx.Limits(max_connections=clients + 8)
            ) as client,
        ):
            host = (await client.post("/v1/dev/token", json={"name": "bench-host"})).json()
            headers = {"Authorization": f"Bearer {host['access_token']}"}
            big = {"title": "HTTP benchmark", "questions": [QUIZ["questions"][0]] * 200}
            quiz_id = (await client.post("/v1/quizzes", json=big, headers=headers)).json()[
                "quiz_id"
            ]
            session_id = (
                await client.post(
                    "/v1/sessions",
                    json={"quiz_id": quiz_id, "mode": "self_paced", "question_seconds": 300},
                    headers=headers,
                )
            ).json()["session_id"]
            # Sixteen players per client keep each under the per-user rate limit.
            players = [Player(name=f"h{n:04d}") for n in range(clients * 16)]
            await _gather_limited([_register(client, p, session_id) for p in players], 32)
            await client.post(f"/v1/sessions/{session_id}/start", headers=headers)
            latencies: list[float] = []
            statuses: dict[int, int] = {}
            stop_at = time.perf_counter() + seconds

            async def worker(group: list[Player]) -> None:
                # Each answer is two requests, as a self-paced player makes
                # them: fetch the current question (starting its timer), answer.
                turn = 0
                while time.perf_counter() < stop_at:
                    player = group[turn % len(group)]
                    turn += 1
                    auth = {"Authorization": f"Bearer {player.token}"}
                    current = await client.get(
                        f"/v1/sessions/{session_id}/questions/current", headers=auth
                    )
                    if current.status_code != 200:
                        continue
                    question = current.json()["question_id"]
                    began = time.perf_counter()
                    response = await client.post(
                        f"/v1/sessions/{session_id}/answers",
                        json={"question_id": question, "answer": "alpha"},
                        headers=auth,
                    )
                    latencies.append(time.perf_counter() - began)
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

            began = time.perf_counter()
            await asyncio.gather(*(worker(players[i::clients]) for i in range(clients)))
            elapsed = time.perf_counter() - began
            rss = _rss_peak_mib(process.pid)
    accepted = statuses.get(202, 0)
    return {
        "clients": clients,
        "seconds": elapsed,
        "answers_accepted": accepted,
        "answers_per_s": accepted / elapsed,
        "requests_per_s": 2 * sum(statuses.values()) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p99_ms": _pct(latencies, 0.99) * 1000,
        "statuses": statuses,
        "server_rss_mib": rss,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--players", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--http", action="store_true")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    if args.http:
        figures = asyncio.run(http_answers(args.clients, args.seconds))
        name = "live-http"
        command = f"python -m bench.live --http --clients {args.clients} --seconds {args.seconds}"
    else:
        figures = asyncio.run(live(args.players, args.questions, args.seconds))
        name = f"live-{args.players}"
        command = f"python -m bench.live --players {args.players} --questions {args.questions}"
    for key, value in figures.items():
        print(f"{key:>16}: {value:.1f}" if isinstance(value, float) else f"{key:>16}: {value}")
    if not args.no_write:
        rows = "\n".join(
            f"| {key} | {value:.1f} |" if isinstance(value, float) else f"| {key} | {value} |"
            for key, value in figures.items()
        )
        write_section(
            name,
            f"### {name}\n\n`{command}` on {os.cpu_count()} cores, "
            f"{time.strftime('%Y-%m-%d')}, load generator on the same machine.\n\n"
            f"| figure | value |\n| --- | --- |\n{rows}\n",
        )


if __name__ == "__main__":
    main()
