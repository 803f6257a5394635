"""Stage bench: one session's throughput per stage as concurrency grows.

Runs the real stage handlers (``StreamProcessor.handle`` behind the real
``KinesisConsumer``, ``ScoreEventHandler.handle`` behind the real ``SqsConsumer``)
on the memory adapters, each port call delayed by an injected latency (a
stand-in for a DynamoDB, SNS or Redis round trip) and counted, so the
figures show where a serial point would be: with none left, one session's
answers per second grow with the consumer's concurrency until CPU bounds
them. Also prints each stage's port calls per answer (each is one AWS or
Redis request in the cloud profile) and its CPU per answer with no latency.

    python -m bench.stages --players 2000 --latency-ms 10
    python -m bench.stages --client-cpu      # CPU of one AWS request, client side

``--client-cpu`` sends requests of each kind the stages make to moto (in a
process of its own) and divides this process's CPU time by the requests:
what building, signing, sending and parsing one request costs a worker,
the other half of a stage's CPU per answer.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.aws_messaging.codec import encode, partition_key  # noqa: E402
from adapters.aws_messaging.kinesis import KinesisConsumer, MemoryCheckpointStore  # noqa: E402
from adapters.aws_messaging.sqs import SqsConsumer  # noqa: E402
from adapters.clock import ManualClock  # noqa: E402
from adapters.memory.messaging import RecordingPublisher  # noqa: E402
from adapters.memory.system import build_memory_system  # noqa: E402
from bench._results import write_section  # noqa: E402
from quizcore.batching import BatchCachedSessions, batch_scope  # noqa: E402
from quizcore.messages import AnswerRecorded, SubmitAnswer  # noqa: E402
from quizcore.services import PlayRules, ScoreEventHandler, StreamProcessor  # noqa: E402

# What each port call is in the cloud profile (service and operation).
OPERATIONS = {
    "sessions.get": "DynamoDB GetItem (session state)",
    "sessions.get_participant": "DynamoDB GetItem (participant)",
    "sessions.served": "DynamoDB Query (served times)",
    "answers.by_submission": "DynamoDB GetItem (answer by submission)",
    "answers.record": "DynamoDB TransactWriteItems",
    "answers.for_participant": "DynamoDB Query (participant's answers)",
    "scores.save_result": "DynamoDB PutItem (result)",
    "scores.raise_score": "DynamoDB UpdateItem (conditional)",
    "leaderboard.submit": "Redis (Lua script)",
    "publisher.publish": "SNS Publish (PublishBatch shares it)",
    "master.get_quiz": "PostgreSQL / Redis cache (quiz)",
}


class Delayed:
    """Proxy: each coroutine method sleeps ``latency_s`` first and is counted."""

    def __init__(self, inner: Any, name: str, latency_s: float, calls: Counter[str]) -> None:
        self._inner = inner
        self._name = name
        self._latency_s = latency_s
        self._calls = calls

    def __getattr__(self, attribute: str) -> Any:
        target = getattr(self._inner, attribute)
        if not asyncio.iscoroutinefunction(target):
            return target

        async def call(*args: Any, **kwargs: Any) -> Any:
            self._calls[f"{self._name}.{attribute}"] += 1
            if self._latency_s:
                await asyncio.sleep(self._latency_s)
            return await target(*args, **kwargs)

        return call


class MemoryKinesis:
    """One shard holding the session's answers: what KinesisConsumer calls."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records

    async def list_shards(self, **_params: Any) -> dict[str, Any]:
        """Return the one shard."""
        return {"Shards": [{"ShardId": "shard-0"}]}

    async def get_shard_iterator(self, **params: Any) -> dict[str, Any]:
        """Return an iterator: the index of the next record."""
        if params["ShardIteratorType"] == "TRIM_HORIZON":
            return {"ShardIterator": "0"}
        return {"ShardIterator": str(int(params["StartingSequenceNumber"]) + 1)}

    async def get_records(self, *, ShardIterator: str, Limit: int) -> dict[str, Any]:
        """Return up to ``Limit`` records from the iterator."""
        start = int(ShardIterator)
        batch = self.records[start : start + Limit]
        return {"Records": batch, "NextShardIterator": str(start + len(batch))}


class EndCheckpoints(MemoryCheckpointStore):
    """Checkpoints that tell when the shard's last record is checkpointed."""

    def __init__(self, last: str) -> None:
        super().__init__()
        self.last = last
        self.reached = asyncio.Event()

    async def set(self, shard_id: str, sequence_number: str) -> None:
        """Store the checkpoint; signal the end."""
        await super().set(shard_id, sequence_number)
        if sequence_number == self.last:
            self.reached.set()


class MemorySqs:
    """A queue of bodies: what SqsConsumer calls (no redelivery needed here)."""

    def __init__(self, bodies: list[str]) -> None:
        self.bodies = bodies
        self.position = 0
        self.deleted = 0

    async def receive_message(self, **params: Any) -> dict[str, Any]:
        """Return up to ``MaxNumberOfMessages`` messages."""
        count = params["MaxNumberOfMessages"]
        batch = self.bodies[self.position : self.position + count]
        start, self.position = self.position, self.position + len(batch)
        return {
            "Messages": [
                {"MessageId": str(start + n), "ReceiptHandle": str(start + n), "Body": body}
                for n, body in enumerate(batch)
            ]
        }

    async def delete_message_batch(self, **params: Any) -> dict[str, Any]:
        """Count the deleted messages."""
        self.deleted += len(params["Entries"])
        return {"Successful": params["Entries"], "Failed": []}

    async def change_message_visibility_batch(self, **_params: Any) -> dict[str, Any]:
        """Accept (no message outlives the run)."""
        return {"Successful": [], "Failed": []}


async def session(players: int) -> tuple[Any, list[SubmitAnswer]]:
    """Return a live memory system and one answer per player to its first question."""
    clock = ManualClock()
    system = build_memory_system(clock)
    quiz = await system.quiz.create_quiz(
        "host",
        {
            "title": "Stage bench",
            "questions": [{"prompt": "Q", "kind": "choice", "choices": ["a", "b"], "answer": "a"}],
        },
    )
    state = await system.quiz.create_session(
        host_id="host", quiz_id=quiz.quiz_id, mode="live", question_seconds=60
    )
    users = [f"p{n:05d}" for n in range(players)]
    for user in users:
        await system.quiz.join(state.session_id, user, user)
    await system.quiz.start(state.session_id, "host")
    question = quiz.questions[0]
    now = clock.now_ms()
    commands = [
        SubmitAnswer(
            session_id=state.session_id,
            question_id=question.question_id,
            user_id=user,
            answer="a",
            submission_id=f"{user}-1",
            received_at=now + n % 1000,
            question_index=0,
            limit_ms=60_000,
        )
        for n, user in enumerate(users)
    ]
    return system, commands


async def stream_stage(players: int, concurrency: int, latency_s: float) -> dict[str, Any]:
    """Run the stream processor over one session's answers; return its figures."""
    system, commands = await session(players)
    calls: Counter[str] = Counter()
    published = RecordingPublisher()
    processor = StreamProcessor(
        sessions=BatchCachedSessions(Delayed(system.sessions, "sessions", latency_s, calls)),  # type: ignore[arg-type]
        answers=Delayed(system.answers, "answers", latency_s, calls),  # type: ignore[arg-type]
        scores=Delayed(system.scores, "scores", latency_s, calls),  # type: ignore[arg-type]
        publisher=Delayed(published, "publisher", latency_s, calls),  # type: ignore[arg-type]
        catalog=None,
        play=PlayRules(),
    )
    records = [
        {"SequenceNumber": str(n), "PartitionKey": partition_key(c), "Data": encode(c).encode()}
        for n, c in enumerate(commands)
    ]
    checkpoints = EndCheckpoints(records[-1]["SequenceNumber"])
    consumer = KinesisConsumer(
        MemoryKinesis(records),
        "answers",
        processor.handle,  # type: ignore[arg-type]
        checkpoints=checkpoints,
        poll_interval_s=0,
        concurrency=concurrency,
        scope=batch_scope,
    )
    began, cpu = time.perf_counter(), time.process_time()
    running = asyncio.create_task(consumer.run())
    await checkpoints.reached.wait()
    took, cpu_took = time.perf_counter() - began, time.process_time() - cpu
    consumer.stop()
    await running
    recorded = await system.answers.for_session(commands[0].session_id)
    assert len(recorded) == players, "every answer recorded once"
    events = [m for m in published.messages if isinstance(m, AnswerRecorded)]
    return {
        "answers_per_s": players / took,
        "cpu_us": cpu_took / players * 1e6,
        "calls": calls,
        "events": events,
        "system": system,
    }


async def score_stage(
    system: Any, events: list[AnswerRecorded], concurrency: int, latency_s: float
) -> dict[str, Any]:
    """Run score-event over the stream results; return its figures."""
    calls: Counter[str] = Counter()
    scoring = ScoreEventHandler(
        sessions=BatchCachedSessions(Delayed(system.sessions, "sessions", latency_s, calls)),  # type: ignore[arg-type]
        answers=Delayed(system.answers, "answers", latency_s, calls),  # type: ignore[arg-type]
        scores=Delayed(system.scores, "scores", latency_s, calls),  # type: ignore[arg-type]
        leaderboard=Delayed(system.leaderboard, "leaderboard", latency_s, calls),  # type: ignore[arg-type]
        publisher=Delayed(RecordingPublisher(), "publisher", latency_s, calls),  # type: ignore[arg-type]
        catalog=system.score_event.catalog,
    )
    queue = MemorySqs([encode(event) for event in events])
    # Several consumers on one queue, as several worker tasks or pods would run.
    consumers = [
        SqsConsumer(
            queue,
            "score-event",
            scoring.handle,  # type: ignore[arg-type]
            wait_time_s=0,
            concurrency=10,
            scope=batch_scope,
        )
        for _ in range(max(1, concurrency // 10))
    ]
    if concurrency < 10:
        consumers = [
            SqsConsumer(
                queue,
                "score-event",
                scoring.handle,  # type: ignore[arg-type]
                wait_time_s=0,
                batch_size=concurrency,
                concurrency=concurrency,
                scope=batch_scope,
            )
        ]
    began, cpu = time.perf_counter(), time.process_time()

    async def drain(consumer: SqsConsumer) -> None:
        while queue.position < len(queue.bodies):
            await consumer.poll_once()

    await asyncio.gather(*(drain(consumer) for consumer in consumers))
    took, cpu_took = time.perf_counter() - began, time.process_time() - cpu
    assert queue.deleted == len(events), "every result scored and deleted"
    return {
        "answers_per_s": len(events) / took,
        "cpu_us": cpu_took / len(events) * 1e6,
        "calls": calls,
    }


async def run(players: int, latency_ms: float, levels: list[int]) -> dict[str, Any]:
    """Measure both stages at every concurrency level, and CPU with no latency."""
    rows = []
    for level in levels:
        stream = await stream_stage(players, level, latency_ms / 1000)
        score = await score_stage(stream["system"], stream["events"], level, latency_ms / 1000)
        rows.append((level, stream, score))
    bare = await stream_stage(players, 32, 0)
    bare_score = await score_stage(bare["system"], bare["events"], 32, 0)
    return {"rows": rows, "bare": (bare, bare_score), "players": players}


async def client_cpu(samples: int) -> dict[str, float]:
    """Return this process's CPU microseconds per AWS request, by operation."""
    from adapters.aws_messaging.client import aws_client
    from adapters.dynamodb.client import dynamodb_client
    from adapters.dynamodb.tables import DynamoTables
    from bench.pipeline import moto_server

    region = "eu-west-1"
    cpu: dict[str, float] = {}
    with moto_server() as endpoint:
        async with (
            dynamodb_client(region, endpoint) as dynamodb,
            aws_client("sns", region, endpoint) as sns,
            aws_client("sqs", region, endpoint) as sqs,
        ):
            tables = await DynamoTables.create_tables(dynamodb, DynamoTables.prefixed("cpu"))
            item = {
                "pk": {"S": "S#ROOM#U#user"},
                "sk": {"S": "Q#q1"},
                **{f"field{n}": {"S": f"value-{n}"} for n in range(12)},
            }
            topic = (await sns.create_topic(Name="cpu"))["TopicArn"]
            queue = (await sqs.create_queue(QueueName="cpu"))["QueueUrl"]
            body = encode(
                AnswerRecorded(
                    session_id="ROOM11",
                    quiz_id="quiz",
                    question_id="q1",
                    question_index=0,
                    user_id="user",
                    submission_id="user-1",
                    answer="a",
                    received_at=1,
                    opened_at=0,
                    limit_ms=10_000,
                )
            )

            async def get_item(n: int) -> Any:
                return await dynamodb.get_item(
                    TableName=tables.answers, Key={"pk": item["pk"], "sk": item["sk"]}
                )

            async def put_item(n: int) -> Any:
                return await dynamodb.put_item(
                    TableName=tables.scores, Item={**item, "sk": {"S": f"R#{n}"}}
                )

            async def transact(n: int) -> Any:
                return await dynamodb.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": tables.sessions,
                                "Item": {**item, "sk": {"S": f"T#{n}#{k}"}},
                            }
                        }
                        for k in range(3)
                    ]
                )

            async def query(n: int) -> Any:
                return await dynamodb.query(
                    TableName=tables.answers,
                    KeyConditionExpression="pk = :pk",
                    ExpressionAttributeValues={":pk": item["pk"]},
                )

            async def publish_batch(n: int) -> Any:
                return await sns.publish_batch(
                    TopicArn=topic,
                    PublishBatchRequestEntries=[{"Id": str(k), "Message": body} for k in range(10)],
                )

            async def receive(n: int) -> Any:
                return await sqs.receive_message(
                    QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0
                )

            await put_item(0)
            for name, call in (
                ("dynamodb.GetItem", get_item),
                ("dynamodb.PutItem", put_item),
                ("dynamodb.Query", query),
                ("dynamodb.TransactWriteItems (3 puts)", transact),
                ("sns.PublishBatch (10)", publish_batch),
                ("sqs.ReceiveMessage (empty)", receive),
            ):
                await call(0)  # warm the client and the model
                began = time.process_time()
                for n in range(1, samples + 1):
                    await call(n)
                cpu[name] = (time.process_time() - began) / samples * 1e6
    return cpu


def report(figures: dict[str, Any], command: str, latency_ms: float) -> str:
    """Return the markdown of the figures."""
    players = figures["players"]
    rows = figures["rows"]
    base_stream, base_score = rows[0][1]["answers_per_s"], rows[0][2]["answers_per_s"]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        "## Stages: one session's throughput per stage as concurrency grows",
        "",
        f"Run {time.strftime('%Y-%m-%d')} on {os.cpu_count()} shared cores (other work "
        f"running; load average at the end {load}); command `{command}`. Real handlers "
        "and consumers on the memory adapters, every port call delayed by "
        f"{latency_ms:g} ms; {players} players of one session each answering once.",
        "",
        "| concurrency | stream-processor answers/s | x | score-event answers/s | x |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for level, stream, score in rows:
        lines.append(
            f"| {level} | {stream['answers_per_s']:,.0f} | "
            f"{stream['answers_per_s'] / base_stream:.1f} | {score['answers_per_s']:,.0f} | "
            f"{score['answers_per_s'] / base_score:.1f} |"
        )
    bare, bare_score = figures["bare"]
    lines += [
        "",
        "Port calls per answer (each one AWS or Redis request in the cloud profile; "
        "session state and participant are read once per batch):",
        "",
        "| stage | call | cloud operation | per answer |",
        "| --- | --- | --- | ---: |",
    ]
    for stage, result in (("stream-processor", bare), ("score-event", bare_score)):
        for name, count in sorted(result["calls"].items()):
            lines.append(
                f"| {stage} | `{name}` | {OPERATIONS.get(name, '?')} | {count / players:.3f} |"
            )
    lines += [
        "",
        f"CPU per answer with no latency, concurrency 32: stream-processor "
        f"{bare['cpu_us']:,.0f} us, score-event {bare_score['cpu_us']:,.0f} us "
        "(the handlers, the consumers and the memory adapters; no network code).",
    ]
    return "\n".join(lines)


def main() -> None:
    """Run the bench and record its figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--players", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=10)
    parser.add_argument("--levels", default="1,2,4,8,16,32,64")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--client-cpu", action="store_true", help="CPU per AWS request")
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    if args.client_cpu:
        cpu = asyncio.run(client_cpu(args.samples))
        lines = [
            "CPU of the requesting process per AWS request (aiobotocore: build, sign, "
            f"send, parse), {args.samples} requests each to moto in its own process, "
            f"`python -m bench.stages --client-cpu --samples {args.samples}`:",
            "",
            "| request | CPU per request |",
            "| --- | ---: |",
            *(f"| {name} | {micros:,.0f} us |" for name, micros in cpu.items()),
        ]
        markdown = "\n".join(lines)
        print(markdown)
        if not args.no_write:
            write_section("stages-client-cpu", markdown)
        return
    levels = [int(level) for level in args.levels.split(",")]
    figures = asyncio.run(run(args.players, args.latency_ms, levels))
    command = f"python -m bench.stages --players {args.players} --latency-ms {args.latency_ms:g}"
    markdown = report(figures, command, args.latency_ms)
    print(markdown)
    if not args.no_write:
        with contextlib.suppress(OSError):
            write_section("stages", markdown)


if __name__ == "__main__":
    main()
