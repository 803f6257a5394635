"""Cloud-pipeline benchmark: a live session through every process of the cloud profile.

Starts moto's server in this process (a free port), bootstraps unique
resources (tables, stream, topics, queues, bus, PostgreSQL schema, Redis
prefix), runs the API, the stream processor and the three workers as
separate processes (``CloudSystem``), joins P players to one live session,
connects each over WebSocket and plays Q questions where every player
answers as soon as the question opens. Prints answers per second, p50/p99
from sending an answer to seeing it on the leaderboard (the receiver's
``me.score`` in a ``leaderboard.updated`` frame), and where the time goes
hop by hop; writes them to the ``pipeline`` section of bench/RESULTS.md.

How the hops are timed (all clocks are this machine's wall clock):

* client send -> API stamp: the answer's ``received_at`` (the score service
  stamps it first thing), read back from DynamoDB, minus the send time;
* API stamp -> recorded: the stream processor's own ``pipeline.lag_ms``
  metric (now - ``received_at`` when its handler returns, i.e. after the
  answer is written to DynamoDB and ``AnswerRecorded`` is published). The
  processes send it to DogStatsD; the bench listens on the UDP port itself
  (``QUIZ_METRICS_ENABLED``), so measuring adds no request to moto;
* API stamp -> scored: the score-event worker's ``pipeline.lag_ms``
  (score, leaderboard and result stored, ``ScoreUpdated`` published);
* client send -> ``answer.result`` and -> leaderboard, at the client.

The metrics carry no answer id, so the middle hops are distributions, not
per-answer joins: the table lists each stage's percentiles measured from the
same origin, and the difference of medians is the typical cost of a hop.
``pipeline.handle_ms`` (time inside each handler) separates work from
waiting in queues and polls.

    python -m bench.pipeline --players 50 --questions 3
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._results import write_section  # noqa: E402
from tests.integration.cloud.harness import (  # noqa: E402
    CloudProcesses,
    Host,
    Player,
    gather_limited,
    join,
    live,
    open_stores,
    unique_settings,
    wait_for,
)

PG_DSN = os.environ.get("QUIZ_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("QUIZ_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

QUIZ = {
    "title": "Pipeline benchmark",
    "questions": [
        {
            "prompt": f"Question {n}",
            "kind": "choice",
            "choices": ["alpha", "beta", "gamma", "delta"],
            "answer": "alpha",
        }
        for n in range(20)
    ],
}


# -- DogStatsD, received in this process ----------------------------------------


@dataclass
class Statsd(asyncio.DatagramProtocol):
    """Collect the processes' timing metrics, by (name, hop, type)."""

    timings: dict[tuple[str, str, str], list[tuple[float, float]]] = field(default_factory=dict)
    counts: dict[str, float] = field(default_factory=dict)
    # aws.calls by (hop, operation): every AWS request each worker made.
    calls: dict[tuple[str, str], float] = field(default_factory=dict)
    datagrams: int = 0

    def datagram_received(self, data: bytes, addr: Any) -> None:
        """Parse ``name:value|type|#tag:v,...`` lines."""
        self.datagrams += 1
        now = time.time()
        for line in data.decode(errors="replace").splitlines():
            head, _, rest = line.partition("|")
            name, _, value = head.partition(":")
            kind, _, tag_part = rest.partition("|")
            tags = dict(
                tag.split(":", 1) for tag in tag_part.removeprefix("#").split(",") if ":" in tag
            )
            try:
                number = float(value)
            except ValueError:
                continue
            if kind == "ms":
                key = (name, tags.get("hop", ""), tags.get("type", ""))
                self.timings.setdefault(key, []).append((now, number))
            elif kind == "c":
                self.counts[name] = self.counts.get(name, 0) + number
                if name == "quizcore.aws.calls":
                    key = (tags.get("hop", ""), tags.get("operation", ""))
                    self.calls[key] = self.calls.get(key, 0) + number

    def get(self, name: str, hop: str, kind: str) -> list[float]:
        """Return the timings of one metric, hop and message type."""
        return [value for _at, value in self.timed(name, hop, kind)]

    def timed(self, name: str, hop: str, kind: str) -> list[tuple[float, float]]:
        """Return (arrival time, value) of one metric, hop and message type."""
        return self.timings.get((f"quizcore.{name}", hop, kind), [])


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- the run ------------------------------------------------------------------


@contextlib.contextmanager
def moto_servers() -> Iterator[tuple[str, str]]:
    """Run moto's server in two processes of its own; yield their endpoints.

    Processes of their own, so moto's CPU is not shared with the load
    generator's event loop (on AWS the services are elsewhere too); the
    second serves DynamoDB, most of the requests, on a core of its own, as
    ``make run-cloud`` does. Each serves DynamoDB's writes one at a time and
    its reads beside each other (``SerialMotoServer``), since moto's backend
    is not thread-safe, as in the cloud suite and run-cloud.
    """
    from entrypoints.cli.moto_stand_in import moto_process

    saved = {key: value for key, value in os.environ.items() if key.startswith("AWS_")}
    for key in saved:
        del os.environ[key]
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="eu-west-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    with moto_process(cwd=str(ROOT)) as endpoint, moto_process(cwd=str(ROOT)) as dynamodb:
        yield endpoint, dynamodb


async def moto_round_trip_ms(stores: Any, samples: int = 40) -> float:
    """Return the median time of one DynamoDB GetItem on moto, with no load."""
    took = []
    for _ in range(samples):
        began = time.perf_counter()
        await stores.scores.get_score("BENCH", "nobody")
        took.append((time.perf_counter() - began) * 1000)
    return statistics.median(took)


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def play(
    processes: CloudProcesses, statsd: Statsd, players_count: int, questions: int, seconds: int
) -> dict[str, Any]:
    """Play the session; return the figures."""
    settings = processes.settings
    async with (
        open_stores(settings) as stores,
        httpx.AsyncClient(
            base_url=processes.base_url, timeout=60, limits=httpx.Limits(max_connections=32)
        ) as client,
    ):
        idle_moto_ms = await moto_round_trip_ms(stores)
        host = Host(client)
        session_id = await host.open_session(QUIZ, seconds=seconds, name="bench-host")
        players = [Player(f"bench-{n:04d}") for n in range(players_count)]
        began = time.perf_counter()
        await gather_limited([join(client, session_id, p) for p in players], 16)
        join_s = time.perf_counter() - began
        connected = [asyncio.Event() for _ in players]
        tasks = [
            asyncio.create_task(
                live(processes.base_url, session_id, p, lambda _p, _q: ("alpha", 0.0), ready)
            )
            for p, ready in zip(players, connected, strict=True)
        ]
        await asyncio.wait_for(asyncio.gather(*(ready.wait() for ready in connected)), 120)
        await asyncio.sleep(1.0)
        statsd.timings.clear()  # joins and snapshots are not answers
        statsd.calls.clear()
        opened: list[float] = []
        for index in range(questions):
            opened.append(time.time())
            await host.act("start" if index == 0 else "next")
            target = (index + 1) * players_count

            def scored(target: int = target) -> bool:
                return sum(len(p.results) for p in players) >= target

            with contextlib.suppress(TimeoutError):
                await wait_for(
                    scored,
                    seconds + 120,
                    "answer results",
                    interval=0.05,
                )
            await asyncio.sleep(1.0)  # the last coalesced leaderboard frame
        await host.act("finish")
        await asyncio.wait(tasks, timeout=30)
        for task in tasks:
            task.cancel()
        recorded = {a.submission_id: a for a in await stores.answers.for_session(session_id)}

    sent = {(p.name, s): t for p in players for s, t in p.sent.items()}
    to_stamp = [recorded[s].received_at - t * 1000 for (_n, s), t in sent.items() if s in recorded]
    to_result: list[float] = []
    to_board: list[float] = []
    per_question: dict[str, list[tuple[float, float]]] = {}
    for p in players:
        for submission, (at, result) in p.results.items():
            if submission not in p.sent:
                continue
            to_result.append((at - p.sent[submission]) * 1000)
            seen = p.seen_score(int(result["score"]), p.sent[submission])
            if seen is not None:
                to_board.append((seen - p.sent[submission]) * 1000)
            question = submission.rsplit("-", 1)[1]
            per_question.setdefault(question, []).append((p.sent[submission], at))
    busy = sum(
        max(got for _, got in pairs) - min(sent for sent, _ in pairs)
        for pairs in per_question.values()
    )
    stream_lag = statsd.get("pipeline.lag_ms", "stream-processor", "SubmitAnswer")
    score_lag = statsd.get("pipeline.lag_ms", "score-event", "AnswerRecorded")
    handle = {
        "stream-processor": statsd.get("pipeline.handle_ms", "stream-processor", "SubmitAnswer"),
        "score-event": statsd.get("pipeline.handle_ms", "score-event", "AnswerRecorded"),
        "notification": statsd.get("pipeline.handle_ms", "notification", "ScoreUpdated"),
        "quiz-event": statsd.get("pipeline.handle_ms", "quiz-event", "ScoreUpdated"),
    }
    # The stream processor's time per record, question by question: moto's
    # TransactWriteItems copies the whole table, so it grows with the data.
    record_ms: list[list[float]] = [[] for _ in opened]
    for at, value in statsd.timed("pipeline.handle_ms", "stream-processor", "SubmitAnswer"):
        record_ms[max(0, sum(1 for start in opened if start <= at) - 1)].append(value)
    stages = [
        ("client send -> API stamp (received_at)", to_stamp, "client + DynamoDB"),
        ("API stamp -> recorded + AnswerRecorded published", stream_lag, "stream-processor"),
        ("API stamp -> scored + ScoreUpdated published", score_lag, "score-event"),
        ("client send -> answer.result at the client", to_result, "client"),
        ("client send -> leaderboard shows it (me.score)", to_board, "client"),
    ]
    total = players_count * questions
    return {
        "players": players_count,
        "questions": questions,
        "answers_sent": len(sent),
        "answers_scored": len(to_result),
        "answers_seen_on_board": len(to_board),
        "lost": total - len(to_result),
        "errors": sum(len(p.errors) for p in players),
        "join_s": join_s,
        "answers_per_s": len(to_result) / busy if busy else float("nan"),
        "busy_s": busy,
        "board_p50_ms": statistics.median(to_board) if to_board else float("nan"),
        "board_p99_ms": _pct(to_board, 0.99),
        "result_p50_ms": statistics.median(to_result) if to_result else float("nan"),
        "result_p99_ms": _pct(to_result, 0.99),
        "moto_getitem_ms": idle_moto_ms,
        "stages": stages,
        "handle": handle,
        "record_ms_by_question": [statistics.median(v) if v else float("nan") for v in record_ms],
        "statsd_datagrams": statsd.datagrams,
        "calls": dict(statsd.calls),
    }


async def run(players: int, questions: int, seconds: int) -> dict[str, Any]:
    """Start everything, play, stop everything."""
    loop = asyncio.get_running_loop()
    statsd_port = _free_udp_port()
    transport, statsd = await loop.create_datagram_endpoint(
        Statsd, local_addr=("127.0.0.1", statsd_port)
    )
    try:
        with moto_servers() as (endpoint, dynamodb), tempfile.TemporaryDirectory() as work:
            suffix = uuid.uuid4().hex[:10]
            settings = unique_settings(
                endpoint, suffix, pg_dsn=PG_DSN, redis_url=REDIS_URL, dynamodb_endpoint=dynamodb
            )
            processes = CloudProcesses(
                settings,
                Path(work),
                extra_env={
                    "QUIZ_METRICS_ENABLED": "true",
                    "QUIZ_STATSD_HOST": "127.0.0.1",
                    "QUIZ_STATSD_PORT": str(statsd_port),
                    "QUIZ_LOG_LEVEL": "WARNING",
                },
            )
            try:
                began = time.perf_counter()
                await processes.bootstrap()
                await asyncio.to_thread(processes.start_all, 180)
                startup_s = time.perf_counter() - began
                figures = await play(processes, statsd, players, questions, seconds)
                figures["startup_s"] = startup_s
            finally:
                await asyncio.to_thread(processes.stop)
                await processes.cleanup()
    finally:
        transport.close()
    return figures


def _row(name: str, values: list[float], where: str) -> str:
    if not values:
        return f"| {name} | {where} | 0 | - | - |"
    return (
        f"| {name} | {where} | {len(values)} | {statistics.median(values):,.0f} "
        f"| {_pct(values, 0.99):,.0f} |"
    )


def reading(figures: dict[str, Any]) -> str:
    """Return what the figures say, with the numbers that say it."""
    stream = figures["handle"]["stream-processor"]
    per_record = statistics.median(stream) if stream else float("nan")
    return (
        "Reading it: the answer stream is keyed by session and participant, so one "
        "session's answers spread over both shards, and the stream processor handles "
        "each GetRecords batch with up to `QUIZ_STREAM_CONCURRENCY` handlers at once "
        "(one lane per participant); the SQS workers handle ten messages at once. A "
        f"record still takes {per_record:,.0f} ms inside its handler on moto (median), "
        f"but handlers overlap: {sum(stream) / 1000:,.1f} s of handler time fit in "
        f"{figures['busy_s']:.1f} s of bursts. Every hop is a request to moto, two "
        "Python processes (DynamoDB in one, with its writes one at a time; the other "
        f"services in the other) serving all five processes on a shared {os.cpu_count()}-core "
        "machine (its transactions copy only the items they name, see "
        "entrypoints/cli/moto_stand_in.py), so moto's CPU is the bound: the "
        "absolute numbers measure moto more than the code. AWS calls counted include "
        "the consumers' idle polling (GetRecords, ReceiveMessage), which does not grow "
        "with answers."
    )


def calls_table(figures: dict[str, Any]) -> list[str]:
    """Return the AWS requests per scored answer, by worker and operation."""
    scored = figures["answers_scored"] or 1
    lines = [
        "AWS requests per scored answer, by worker and operation (counted by the "
        "client wrapper in each worker process, during the questions):",
        "",
        "| worker | operation | requests | per answer |",
        "| --- | --- | ---: | ---: |",
    ]
    for (hop, operation), count in sorted(figures["calls"].items()):
        lines.append(f"| {hop} | {operation} | {count:,.0f} | {count / scored:.2f} |")
    return lines


def report(figures: dict[str, Any], command: str) -> str:
    """Return the markdown of the figures."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        "## Pipeline: one live session through every process of the cloud profile",
        "",
        f"Run {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, Python "
        f"{sys.version.split()[0]}; command `{command}`. moto's server (two "
        "processes of its own: DynamoDB, with its writes one at a time, and the rest), "
        "the local PostgreSQL and Redis; API, stream processor, score-event, "
        "notification and quiz-event workers as separate processes; load generator on "
        f"the same machine. Load average when it ended: {load}.",
        "",
        f"{figures['players']} players x {figures['questions']} questions, every player "
        "answering the moment a question opens (a burst of P answers per question).",
        "",
        "| figure | value |",
        "| --- | ---: |",
        f"| answers sent / scored / seen on the leaderboard | {figures['answers_sent']} / "
        f"{figures['answers_scored']} / {figures['answers_seen_on_board']} |",
        f"| answers lost, errors | {figures['lost']}, {figures['errors']} |",
        f"| answers per second (scored over the bursts, {figures['busy_s']:.1f} s) | "
        f"{figures['answers_per_s']:.1f} |",
        f"| send -> leaderboard shows it, p50 / p99 | {figures['board_p50_ms']:,.0f} ms / "
        f"{figures['board_p99_ms']:,.0f} ms |",
        f"| send -> answer.result, p50 / p99 | {figures['result_p50_ms']:,.0f} ms / "
        f"{figures['result_p99_ms']:,.0f} ms |",
        f"| moto: one DynamoDB GetItem, idle, median | {figures['moto_getitem_ms']:.1f} ms |",
        f"| start-up (bootstrap + five processes ready) | {figures['startup_s']:.1f} s |",
        "",
        "### Where the time goes",
        "",
        "Each stage is measured from the same origin (cumulative); a difference of medians "
        "is the typical cost of the hops in between. The middle two come from the "
        "processes' own `pipeline.lag_ms` metric (see the module notes).",
        "",
        "| stage (cumulative) | measured by | n | p50 ms | p99 ms |",
        "| --- | --- | ---: | ---: | ---: |",
        *(_row(name, values, where) for name, values, where in figures["stages"]),
        "",
        "Time inside each handler (`pipeline.handle_ms`), i.e. work rather than waiting:",
        "",
        "| handler | n | p50 ms | p99 ms | sum s |",
        "| --- | ---: | ---: | ---: | ---: |",
        *(
            f"| {hop} | {len(values)} | {statistics.median(values) if values else 0:,.0f} "
            f"| {_pct(values, 0.99) if values else 0:,.0f} | {sum(values) / 1000:,.1f} |"
            for hop, values in figures["handle"].items()
        ),
        "",
        "Stream processor, median time per record, question by question: "
        + ", ".join(f"{value:,.0f} ms" for value in figures["record_ms_by_question"])
        + ".",
        "",
        *calls_table(figures),
        "",
        reading(figures),
    ]
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark and record its figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--players", type=int, default=50)
    parser.add_argument("--questions", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=60, help="question time limit")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    figures = asyncio.run(run(args.players, args.questions, args.seconds))
    command = f"python -m bench.pipeline --players {args.players} --questions {args.questions}"
    markdown = report(figures, command)
    print(markdown)
    if not args.no_write:
        write_section("pipeline", markdown)


if __name__ == "__main__":
    main()
