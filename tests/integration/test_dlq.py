"""``quiz dlq`` against moto's server: list, show, redrive, and the Flink dead letters."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.aws_messaging import (
    KinesisAnswerStream,
    KinesisConsumer,
    MemoryCheckpointStore,
    MessageRouter,
    SqsConsumer,
    SqsDeadLetter,
    SqsEventPublisher,
    aws_client,
    create_queue_with_dlq,
)
from adapters.aws_messaging.codec import partition_key
from entrypoints.cli import dlq
from entrypoints.cli.main import main
from entrypoints.settings import Settings
from quizcore.errors import StoreUnavailable
from quizcore.messages import Message, SubmitAnswer
from tests.unit.support import score_updated

REGION = "eu-west-1"
POISON = "this is not JSON {"


@pytest.fixture
def settings(moto_endpoint: str, unique: str) -> Settings:
    """Cloud settings whose queues, stream and bus are this test's own."""
    name = f"qc-{unique}"
    return Settings(
        profile="cloud",
        aws_region=REGION,
        aws_endpoint_url=moto_endpoint,
        sqs_score_event_queue=f"{name}-score-event",
        sqs_ui_response_queue=f"{name}-ui-response",
        sqs_quiz_result_queue=f"{name}-quiz-result",
        eventbridge_bus=f"{name}-stream-events",
        kinesis_stream=f"{name}-answers",
        stream_dead_letter_queue=f"{name}-answers-dlq",
    )


@pytest.fixture
async def sqs(moto_endpoint: str) -> AsyncIterator[Any]:
    async with aws_client("sqs", REGION, moto_endpoint) as client:
        yield client


@pytest.fixture
async def kinesis(moto_endpoint: str, settings: Settings) -> AsyncIterator[Any]:
    async with aws_client("kinesis", REGION, moto_endpoint) as client:
        await client.create_stream(StreamName=settings.kinesis_stream, ShardCount=1)
        await client.get_waiter("stream_exists").wait(StreamName=settings.kinesis_stream)
        yield client


@pytest.fixture
async def queues(sqs: Any, settings: Settings) -> dict[str, Any]:
    """The three work queues, each with a DLQ after one receive."""
    return {
        worker: await create_queue_with_dlq(
            sqs, getattr(settings, field), max_receive_count=1, visibility_timeout_s=1
        )
        for worker, field in dlq.WORKERS.items()
    }


async def depth(sqs: Any, url: str) -> int:
    """Return visible plus in-flight messages."""
    attributes = (
        await sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
            ],
        )
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


async def wait_depth(sqs: Any, url: str, count: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while await depth(sqs, url) != count:
        assert time.monotonic() < deadline, f"{url} never held {count}"
        await asyncio.sleep(0.2)


async def park(sqs: Any, queue: Any, *bodies: str) -> None:
    """Put bodies straight in a dead-letter queue, as the redrive policy would."""
    for body in bodies:
        await sqs.send_message(
            QueueUrl=queue.dlq_url,
            MessageBody=body,
            MessageAttributes={"type": {"DataType": "String", "StringValue": "ScoreUpdated"}},
        )


async def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    """Receive and delete everything a queue holds."""
    got: list[dict[str, Any]] = []
    while True:
        response = await sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        if not messages:
            return got
        for message in messages:
            await sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        got.extend(messages)


def body(message: Message) -> str:
    from adapters.aws_messaging.codec import encode

    return encode(message)


async def test_a_failed_message_parks_then_a_redrive_after_the_fix_brings_it_back(
    sqs: Any, queues: dict[str, Any], settings: Settings
) -> None:
    queue = queues["score-event"]
    events = [score_updated(f"user-{n}", "s-redrive") for n in range(3)]
    publisher = SqsEventPublisher(sqs, MessageRouter({}, default=queue.url))
    for event in events:
        await publisher.publish(event)
    broken = True
    handled: list[Message] = []

    async def handler(message: Message) -> None:
        if broken:
            raise RuntimeError("the bug before the fix")
        handled.append(message)

    consumer = SqsConsumer(sqs, queue.url, handler, wait_time_s=1, visibility_timeout_s=1)
    running = asyncio.create_task(consumer.run())
    try:
        await wait_depth(sqs, queue.dlq_url, len(events))
        assert consumer.failed >= len(events)
        assert handled == []

        broken = False  # the fix is deployed
        report = await dlq.redrive(settings, "score-event")

        assert len(set(report.moved)) == len(events)
        assert report.skipped == []
        await wait_depth(sqs, queue.dlq_url, 0)
        deadline = time.monotonic() + 60
        while len(handled) < len(events):
            assert time.monotonic() < deadline, handled
            await asyncio.sleep(0.1)
    finally:
        consumer.stop()
        await asyncio.wait_for(running, 30)
    assert sorted(handled, key=str) == sorted(events, key=str)
    await wait_depth(sqs, queue.url, 0)


async def test_list_shows_every_dead_letter_queue_and_its_depth(
    sqs: Any, queues: dict[str, Any], settings: Settings
) -> None:
    await park(sqs, queues["notification"], body(score_updated("a")), body(score_updated("b")))

    rows = {row["queue"]: row for row in await dlq.depths(settings)}

    assert rows[f"{settings.sqs_ui_response_queue}-dlq"]["visible"] == 2
    assert rows[f"{settings.sqs_score_event_queue}-dlq"]["visible"] == 0
    assert rows[f"{settings.sqs_quiz_result_queue}-dlq"]["source"] == settings.sqs_quiz_result_queue
    assert rows[f"{settings.eventbridge_bus}-dlq"] == {
        "queue": f"{settings.eventbridge_bus}-dlq",
        "source": settings.eventbridge_bus,
        "exists": False,
    }


async def test_show_peeks_without_moving_anything(
    sqs: Any, queues: dict[str, Any], settings: Settings
) -> None:
    queue = queues["quiz-event"]
    await park(sqs, queue, body(score_updated("carol", "s-show")), POISON)

    shown = await dlq.peek(settings, f"{settings.sqs_quiz_result_queue}-dlq", 10)

    assert len(shown) == 2
    by_type = {item["type"]: item for item in shown}
    assert by_type["ScoreUpdated"]["session_id"] == "s-show"
    assert by_type["ScoreUpdated"]["attributes"] == {"type": "ScoreUpdated"}
    assert by_type[None]["undecodable"] and by_type[None]["body"] == POISON
    assert all(item["receive_count"] >= 1 for item in shown)
    assert await depth(sqs, queue.dlq_url) == 2  # released at once: visible again
    assert len(await dlq.peek(settings, "quiz-event", 1)) == 1


async def test_a_dry_run_moves_nothing_and_max_bounds_a_redrive(
    sqs: Any, queues: dict[str, Any], settings: Settings
) -> None:
    queue = queues["score-event"]
    bodies = [body(score_updated(f"u{n}", "s-max")) for n in range(5)]
    await park(sqs, queue, *bodies)

    dry = await dlq.redrive(settings, settings.sqs_score_event_queue, dry_run=True)
    assert dry.dry_run and len(dry.moved) == 5
    assert await depth(sqs, queue.dlq_url) == 5
    assert await depth(sqs, queue.url) == 0

    first = await dlq.redrive(settings, "score-event", limit=2)
    assert len(first.moved) == 2
    assert await depth(sqs, queue.dlq_url) == 3
    rest = await dlq.redrive(settings, "score-event")
    assert len(rest.moved) == 3
    assert set(first.moved).isdisjoint(rest.moved)

    returned = await drain(sqs, queue.url)
    assert sorted(message["Body"] for message in returned) == sorted(bodies)
    assert all(
        message["MessageAttributes"]["type"]["StringValue"] == "ScoreUpdated"
        for message in returned
    )
    assert await depth(sqs, queue.dlq_url) == 0


async def test_an_undecodable_message_stays_unless_forced(
    sqs: Any, queues: dict[str, Any], settings: Settings
) -> None:
    queue = queues["notification"]
    good = body(score_updated("dave", "s-poison"))
    await park(sqs, queue, POISON, good)

    report = await dlq.redrive(settings, "notification")

    assert len(report.moved) == 1 and len(report.skipped) == 1
    assert "undecodable" in report.skipped[0][1]
    assert [message["Body"] for message in await drain(sqs, queue.url)] == [good]
    assert await depth(sqs, queue.dlq_url) == 1

    forced = await dlq.redrive(settings, "notification", force=True)
    assert len(forced.moved) == 1
    assert [message["Body"] for message in await drain(sqs, queue.url)] == [POISON]


def submission(user_id: str, session_id: str = "s-stream") -> SubmitAnswer:
    return SubmitAnswer(
        session_id=session_id,
        question_id="q1",
        user_id=user_id,
        answer="start",
        submission_id=f"{user_id}-q1",
        received_at=1_700_000_000_000,
        question_index=0,
        limit_ms=20_000,
    )


async def stream_records(kinesis: Any, stream: str) -> list[dict[str, Any]]:
    shard = (await kinesis.list_shards(StreamName=stream))["Shards"][0]["ShardId"]
    iterator = (
        await kinesis.get_shard_iterator(
            StreamName=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
        )
    )["ShardIterator"]
    records: list[dict[str, Any]] = (await kinesis.get_records(ShardIterator=iterator))["Records"]
    return records


async def test_the_event_bus_dead_letters_go_straight_to_the_answer_stream(
    sqs: Any, kinesis: Any, settings: Settings
) -> None:
    dead = await sqs.create_queue(QueueName=f"{settings.eventbridge_bus}-dlq")
    command = submission("erin")
    envelope = json.dumps(
        {
            "version": "0",
            "source": "quizcore.score-service",
            "detail-type": "SubmitAnswer",
            "detail": command.to_dict(),
        }
    )
    await sqs.send_message(QueueUrl=dead["QueueUrl"], MessageBody=envelope)

    report = await dlq.redrive(settings, f"{settings.eventbridge_bus}-dlq")

    assert len(report.moved) == 1
    (record,) = await stream_records(kinesis, settings.kinesis_stream)
    assert record["PartitionKey"] == partition_key(command)  # the participant's order
    assert dlq.decode_body(record["Data"]) == command
    assert await depth(sqs, dead["QueueUrl"]) == 0


async def test_flink_dead_letters_are_put_back_on_the_stream(
    kinesis: Any, settings: Settings, tmp_path: Path
) -> None:
    from flink.records import dead_letter

    folder = tmp_path / "dead-letters" / "2026-12-05--23"
    folder.mkdir(parents=True)
    commands = [submission("frank", "s-flink"), submission("gina", "s-flink")]
    lines = [dead_letter("session_not_found", "no session", body(c)) for c in commands]
    lines.append(dead_letter("undecodable", "not JSON", POISON))
    (folder / "part-0-0.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / ".part-0-1.jsonl.inprogress").write_text(lines[0], encoding="utf-8")

    dry = await dlq.redrive_records(settings, str(tmp_path / "dead-letters"), dry_run=True)
    assert len(dry.moved) == 2 and len(dry.skipped) == 1
    assert await stream_records(kinesis, settings.kinesis_stream) == []

    report = await dlq.redrive_records(settings, str(tmp_path / "dead-letters"))

    assert report.moved == ["part-0-0.jsonl:1", "part-0-0.jsonl:2"]
    assert report.skipped[0][0] == "part-0-0.jsonl:3"
    records = await stream_records(kinesis, settings.kinesis_stream)
    assert [dlq.decode_body(record["Data"]) for record in records] == commands
    assert [record["PartitionKey"] for record in records] == [partition_key(c) for c in commands]


def test_the_command_line_lists_and_refuses_an_unknown_queue(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def create() -> None:
        async with aws_client("sqs", REGION, settings.aws_endpoint_url) as client:
            queue = await create_queue_with_dlq(client, settings.sqs_score_event_queue, 1)
            await client.send_message(QueueUrl=queue.dlq_url, MessageBody=POISON)

    asyncio.run(create())
    for name in ("aws_endpoint_url", "sqs_score_event_queue", "sqs_ui_response_queue"):
        monkeypatch.setenv(f"QUIZ_{name.upper()}", str(getattr(settings, name)))
    monkeypatch.setenv("QUIZ_SQS_QUIZ_RESULT_QUEUE", settings.sqs_quiz_result_queue)
    monkeypatch.setenv("QUIZ_EVENTBRIDGE_BUS", settings.eventbridge_bus)
    monkeypatch.setenv("QUIZ_PROFILE", "cloud")

    assert main(["dlq", "list"]) == 0
    listed = capsys.readouterr().out
    assert f"{settings.sqs_score_event_queue}-dlq\tvisible 1\tin flight 0" in listed
    assert f"{settings.sqs_ui_response_queue}-dlq\t(absent)" in listed

    assert main(["dlq", "show", "score-event"]) == 0
    (shown,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert shown["body"] == POISON

    assert main(["dlq", "redrive", "score-event", "--dry-run"]) == 0
    assert "would move 0 message(s)" in capsys.readouterr().out

    assert main(["dlq", "redrive", "no-such-queue"]) == 2
    assert "no dead-letter queue 'no-such-queue'" in capsys.readouterr().err


async def test_the_stream_processor_dead_letters_a_record_it_cannot_handle_then_redrive_heals(
    sqs: Any, kinesis: Any, settings: Settings
) -> None:
    dead = await sqs.create_queue(QueueName=settings.stream_dead_letter_queue)
    writer = KinesisAnswerStream(kinesis, settings.kinesis_stream)
    poison, fine = submission("hank"), submission("iris")
    for command in (poison, fine):
        await writer.put(command)
    await writer.aclose()
    broken = True
    handled: list[SubmitAnswer] = []
    outages = 0

    async def handler(command: SubmitAnswer) -> None:
        nonlocal outages
        if command.user_id == "iris" and outages < 3:
            outages += 1
            raise StoreUnavailable("DynamoDB is down")  # waits, never dead-lettered
        if command.user_id == "hank" and broken:
            raise ValueError("a bug this record trips")
        handled.append(command)

    positions = MemoryCheckpointStore()  # the second run resumes where the first stopped

    async def consume_until(count: int) -> KinesisConsumer:
        consumer = KinesisConsumer(
            kinesis,
            settings.kinesis_stream,
            handler,
            checkpoints=positions,
            poll_interval_s=0.05,
            retry_delay_s=0.01,
            dead_letter=SqsDeadLetter(sqs, dead["QueueUrl"]),
            max_attempts=3,
        )
        running = asyncio.create_task(consumer.run())
        for _ in range(400):
            if len(handled) >= count and (count > 1 or consumer.dead_lettered):
                break
            await asyncio.sleep(0.025)
        consumer.stop()
        await asyncio.wait_for(running, 10)
        return consumer

    first = await consume_until(1)

    assert handled == [fine] and outages == 3
    assert first.dead_lettered == 1
    (parked,) = await dlq.peek(settings, settings.stream_dead_letter_queue)
    assert parked["attributes"]["reason"].startswith("failed 3 times: ValueError")

    broken = False
    report = await dlq.redrive(settings, settings.stream_dead_letter_queue)
    await consume_until(2)

    assert len(report.moved) == 1
    assert handled == [fine, poison], "healed once, and nothing handled twice"
    assert await depth(sqs, dead["QueueUrl"]) == 0
