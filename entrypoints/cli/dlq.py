"""``quiz dlq``: inspect dead-letter queues and move their messages back.

* ``list``: every dead-letter queue of the settings with its depth;
* ``show QUEUE``: peek at its messages (they stay where they are);
* ``redrive QUEUE``: move them back where they failed, each sent to the
  source and only then deleted from the dead-letter queue, so a crash in
  between leaves a copy in both places, never in neither; a second redrive
  sends that copy again, which the idempotent handlers count once;
* ``redrive-records PATH``: put the Flink job's dead letters (JSON lines
  ``{"reason", "detail", "record"}`` under ``QUIZ_FLINK_DEAD_LETTER_PATH``, a
  folder or ``s3://bucket/prefix``) back on the answer stream.

``QUEUE`` is a work queue (``quizcore-score-event``, or the worker's name
``score-event``), its dead-letter queue (``quizcore-score-event-dlq``) or the
event bus's dead-letter queue (``quizcore-stream-events-dlq``, whose events
go straight to the answer stream, as the bus's rule would have put them).
A message that is not a quizcore message at all is left where it is unless
``--force``: sent back, it would only fail again.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from entrypoints.settings import Settings
from quizcore.messages import Message

WORKERS = {
    "score-event": "sqs_score_event_queue",
    "notification": "sqs_ui_response_queue",
    "quiz-event": "sqs_quiz_result_queue",
}
DLQ_SUFFIX = "-dlq"
# Long enough to send and delete a batch; released at once after a peek.
HOLD_S = 60


class UnknownQueue(LookupError):
    """The name is none of the settings' queues."""


class Undecodable(ValueError):
    """A body that is no quizcore message."""


def stream_key(message: Message) -> str:
    """Return the answer stream's partition key of a message put back on it."""
    from adapters.aws_messaging.codec import partition_key
    from quizcore.messages import SubmitAnswer

    if isinstance(message, SubmitAnswer):
        return partition_key(message)  # session and participant: keeps their order
    return message.session_id


def decode_body(body: str | bytes) -> Message:
    """Return the message a body holds; raise Undecodable if none."""
    # Imported here: the ``quiz`` command's other subcommands need no AWS SDK.
    from adapters.aws_messaging.codec import PoisonMessage, decode

    try:
        return decode(body)
    except PoisonMessage as ex:
        raise Undecodable(str(ex)) from ex


@dataclass(frozen=True, slots=True)
class DeadLetterQueue:
    """A dead-letter queue and where its messages came from."""

    name: str
    source: str  # a work queue's name, or the event bus's
    kind: str  # "queue": back to the source queue; "bus": onto the answer stream


@dataclass
class Report:
    """What a redrive moved, would move, or left."""

    moved: list[str] = field(default_factory=list)  # message ids (or record numbers)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (id, why)
    dry_run: bool = False


def dead_letter_queues(settings: Settings) -> list[DeadLetterQueue]:
    """Return every dead-letter queue the settings' resources have."""
    queues = [
        DeadLetterQueue(getattr(settings, field) + DLQ_SUFFIX, getattr(settings, field), "queue")
        for field in WORKERS.values()
    ]
    bus = settings.eventbridge_bus
    queues.append(DeadLetterQueue(bus + DLQ_SUFFIX, bus, "bus"))
    # The plain stream processor's: records it gave up on, back onto the stream.
    queues.append(
        DeadLetterQueue(settings.stream_dead_letter_queue, settings.kinesis_stream, "bus")
    )
    return queues


def resolve(settings: Settings, name: str) -> DeadLetterQueue:
    """Return the dead-letter queue a name stands for; raise UnknownQueue."""
    if name in WORKERS:
        name = getattr(settings, WORKERS[name])
    for queue in dead_letter_queues(settings):
        if name in (queue.name, queue.source):
            return queue
    known = ", ".join(queue.name for queue in dead_letter_queues(settings))
    raise UnknownQueue(f"no dead-letter queue {name!r} (known: {known}, {', '.join(WORKERS)})")


@contextlib.asynccontextmanager
async def _clients(settings: Settings, *services: str) -> AsyncIterator[dict[str, Any]]:
    from adapters.aws_messaging.client import aws_client

    async with contextlib.AsyncExitStack() as stack:
        opened = {}
        for service in services:
            opened[service] = await stack.enter_async_context(
                aws_client(service, settings.aws_region, settings.aws_endpoint_url)
            )
        yield opened


async def _url(sqs: Any, name: str) -> str | None:
    try:
        response = await sqs.get_queue_url(QueueName=name)
    except sqs.exceptions.QueueDoesNotExist:
        return None
    return str(response["QueueUrl"])


async def depths(settings: Settings) -> list[dict[str, Any]]:
    """Return each dead-letter queue's visible and in-flight counts."""
    rows = []
    async with _clients(settings, "sqs") as clients:
        sqs = clients["sqs"]
        for queue in dead_letter_queues(settings):
            url = await _url(sqs, queue.name)
            row: dict[str, Any] = {"queue": queue.name, "source": queue.source}
            if url is None:
                rows.append({**row, "exists": False})
                continue
            attributes = (
                await sqs.get_queue_attributes(
                    QueueUrl=url,
                    AttributeNames=[
                        "ApproximateNumberOfMessages",
                        "ApproximateNumberOfMessagesNotVisible",
                    ],
                )
            )["Attributes"]
            rows.append(
                {
                    **row,
                    "exists": True,
                    "visible": int(attributes["ApproximateNumberOfMessages"]),
                    "in_flight": int(attributes["ApproximateNumberOfMessagesNotVisible"]),
                }
            )
    return rows


async def _receive(sqs: Any, url: str, count: int) -> list[dict[str, Any]]:
    response = await sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=max(1, min(10, count)),
        WaitTimeSeconds=1,
        VisibilityTimeout=HOLD_S,
        MessageAttributeNames=["All"],
        MessageSystemAttributeNames=["All"],
    )
    messages: list[dict[str, Any]] = response.get("Messages", [])
    return messages


async def _release(sqs: Any, url: str, messages: list[dict[str, Any]]) -> None:
    """Make held messages visible again at once."""
    for start in range(0, len(messages), 10):
        chunk = messages[start : start + 10]
        await sqs.change_message_visibility_batch(
            QueueUrl=url,
            Entries=[
                {
                    "Id": str(index),
                    "ReceiptHandle": message["ReceiptHandle"],
                    "VisibilityTimeout": 0,
                }
                for index, message in enumerate(chunk)
            ],
        )


def describe(message: dict[str, Any]) -> dict[str, Any]:
    """Return what ``show`` prints of one message."""
    attributes = message.get("Attributes", {})
    kind: str | None
    session: str | None
    problem: str | None
    try:
        decoded = decode_body(message["Body"])
    except Undecodable as ex:
        kind, session, problem = None, None, str(ex)
    else:
        kind, session, problem = decoded.kind, decoded.session_id, None
    return {
        "message_id": message["MessageId"],
        "type": kind,
        "session_id": session,
        "undecodable": problem,
        "receive_count": int(attributes.get("ApproximateReceiveCount", 0)),
        "sent_at_ms": int(attributes.get("SentTimestamp", 0)),
        "first_received_at_ms": int(attributes.get("ApproximateFirstReceiveTimestamp", 0)),
        "attributes": {
            name: value.get("StringValue")
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "body": message["Body"],
    }


async def peek(settings: Settings, name: str, limit: int = 10) -> list[dict[str, Any]]:
    """Return up to ``limit`` messages of a dead-letter queue, left in place."""
    queue = resolve(settings, name)
    async with _clients(settings, "sqs") as clients:
        sqs = clients["sqs"]
        url = await _url(sqs, queue.name)
        if url is None:
            raise UnknownQueue(f"{queue.name} does not exist")
        held: list[dict[str, Any]] = []
        try:
            while len(held) < limit:
                batch = await _receive(sqs, url, limit - len(held))
                if not batch:
                    break
                held.extend(batch)
        finally:
            await _release(sqs, url, held)
    return [describe(message) for message in held]


def _send_params(message: dict[str, Any], target_url: str) -> dict[str, Any]:
    params: dict[str, Any] = {"QueueUrl": target_url, "MessageBody": message["Body"]}
    attributes = {
        name: {
            key: value[key] for key in ("DataType", "StringValue", "BinaryValue") if key in value
        }
        for name, value in message.get("MessageAttributes", {}).items()
    }
    if attributes:
        params["MessageAttributes"] = attributes
    if target_url.endswith(".fifo"):
        system = message.get("Attributes", {})
        params["MessageGroupId"] = system.get("MessageGroupId", "redrive")
        params["MessageDeduplicationId"] = system.get(
            "MessageDeduplicationId", message["MessageId"]
        )
    return params


async def redrive(
    settings: Settings,
    name: str,
    *,
    dry_run: bool = False,
    limit: int | None = None,
    force: bool = False,
) -> Report:
    """Move a dead-letter queue's messages back: send each, then delete it."""
    queue = resolve(settings, name)
    report = Report(dry_run=dry_run)
    async with _clients(settings, "sqs", "kinesis") as clients:
        sqs, kinesis = clients["sqs"], clients["kinesis"]
        url = await _url(sqs, queue.name)
        if url is None:
            raise UnknownQueue(f"{queue.name} does not exist")
        target = await _url(sqs, queue.source) if queue.kind == "queue" else None
        if queue.kind == "queue" and target is None:
            raise UnknownQueue(f"the source queue {queue.source} does not exist")
        held: list[dict[str, Any]] = []  # received and left: released at the end
        sent: set[str] = set()
        try:
            while limit is None or len(report.moved) < limit:
                wanted = 10 if limit is None else limit - len(report.moved)
                batch = await _receive(sqs, url, wanted)
                if not batch:
                    break
                for message in batch:
                    message_id = message["MessageId"]
                    decoded: Message | None
                    try:
                        decoded = decode_body(message["Body"])
                    except Undecodable as ex:
                        decoded = None
                        if not force:
                            report.skipped.append((message_id, f"undecodable: {ex}"))
                            held.append(message)
                            continue
                    if dry_run:
                        report.moved.append(message_id)
                        held.append(message)
                        continue
                    # The same message received again in this run (its delete
                    # failed): it was sent already, only the delete is left.
                    if message_id not in sent:
                        if queue.kind == "queue":
                            assert target is not None
                            await sqs.send_message(**_send_params(message, target))
                        else:
                            if decoded is None:
                                report.skipped.append((message_id, "no session to key it by"))
                                held.append(message)
                                continue
                            await kinesis.put_record(
                                StreamName=settings.kinesis_stream,
                                Data=message["Body"].encode(),
                                PartitionKey=stream_key(decoded),
                            )
                        sent.add(message_id)
                    await sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                    report.moved.append(message_id)
        finally:
            await _release(sqs, url, held)
    return report


# --- the Flink job's dead letters ---------------------------------------------


def _local_lines(path: Path) -> Iterator[tuple[str, str]]:
    files = [path] if path.is_file() else sorted(path.rglob("*"))
    for file in files:
        if file.is_file() and not file.name.startswith("."):
            for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
                if line.strip():
                    yield f"{file.name}:{number}", line


async def _s3_lines(settings: Settings, url: str) -> list[tuple[str, str]]:
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    lines: list[tuple[str, str]] = []
    async with _clients(settings, "s3") as clients:
        s3 = clients["s3"]
        paginator = s3.get_paginator("list_objects_v2")
        async for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                key = item["Key"]
                if key.rsplit("/", 1)[-1].startswith("."):
                    continue  # a part file still being written
                response = await s3.get_object(Bucket=bucket, Key=key)
                async with response["Body"] as body:
                    text = (await body.read()).decode("utf-8")
                for number, line in enumerate(text.splitlines(), 1):
                    if line.strip():
                        lines.append((f"{key}:{number}", line))
    return lines


async def redrive_records(
    settings: Settings,
    location: str,
    *,
    dry_run: bool = False,
    limit: int | None = None,
) -> Report:
    """Put the Flink job's dead-lettered submissions back on the answer stream.

    The stream processor records an answer once per submission, so a record
    put back twice (two runs over the same files) is recorded once. Files are
    read, never deleted: remove them once the redrive is verified.
    """
    if location.startswith("s3://"):
        lines = await _s3_lines(settings, location)
    else:
        lines = list(_local_lines(Path(location)))
    report = Report(dry_run=dry_run)
    async with _clients(settings, "kinesis") as clients:
        for where, line in lines:
            if limit is not None and len(report.moved) >= limit:
                break
            try:
                letter = json.loads(line)
                record = letter["record"]
                command = decode_body(record)
            except (ValueError, KeyError, TypeError) as ex:
                report.skipped.append((where, f"not a redrivable dead letter: {ex}"))
                continue
            if command.kind != "SubmitAnswer":
                report.skipped.append((where, f"{command.kind} is not an answer"))
                continue
            if not dry_run:
                await clients["kinesis"].put_record(
                    StreamName=settings.kinesis_stream,
                    Data=record.encode(),
                    PartitionKey=stream_key(command),
                )
            report.moved.append(where)
    return report


# --- the command line -----------------------------------------------------------


def _print_report(report: Report, what: str) -> None:
    verb = "would move" if report.dry_run else "moved"
    print(f"{verb} {len(report.moved)} {what}")
    for item, why in report.skipped:
        print(f"left {item}: {why}")


def run(args: argparse.Namespace) -> int:
    """Run one ``quiz dlq`` subcommand."""
    settings = Settings()
    try:
        if args.dlq_command == "list":
            for row in asyncio.run(depths(settings)):
                if not row["exists"]:
                    print(f"{row['queue']}\t(absent)\tsource {row['source']}")
                else:
                    print(
                        f"{row['queue']}\tvisible {row['visible']}\tin flight {row['in_flight']}"
                        f"\tsource {row['source']}"
                    )
        elif args.dlq_command == "show":
            for shown in asyncio.run(peek(settings, args.queue, args.max)):
                print(json.dumps(shown, ensure_ascii=False))
        elif args.dlq_command == "redrive":
            report = asyncio.run(
                redrive(
                    settings, args.queue, dry_run=args.dry_run, limit=args.max, force=args.force
                )
            )
            _print_report(report, "message(s)")
        else:
            report = asyncio.run(
                redrive_records(settings, args.path, dry_run=args.dry_run, limit=args.max)
            )
            _print_report(report, "record(s) to the answer stream")
    except UnknownQueue as ex:
        print(f"quiz dlq: {ex}", file=sys.stderr)
        return 2
    return 0


def add_parser(commands: Any) -> None:
    """Register ``quiz dlq`` and its subcommands."""
    parser = commands.add_parser("dlq", help="inspect dead-letter queues and redrive them")
    sub = parser.add_subparsers(dest="dlq_command", required=True)
    sub.add_parser("list", help="every dead-letter queue and its depth")
    show = sub.add_parser("show", help="peek at a dead-letter queue's messages")
    show.add_argument("queue")
    show.add_argument("--max", type=int, default=10)
    again = sub.add_parser("redrive", help="move a dead-letter queue's messages back")
    again.add_argument("queue")
    again.add_argument("--dry-run", action="store_true", help="show what would move")
    again.add_argument("--max", type=int, default=None, help="move at most N messages")
    again.add_argument("--force", action="store_true", help="move undecodable messages too")
    records = sub.add_parser(
        "redrive-records", help="put the Flink job's dead letters back on the stream"
    )
    records.add_argument("path", help="a folder, a file or s3://bucket/prefix")
    records.add_argument("--dry-run", action="store_true")
    records.add_argument("--max", type=int, default=None)
    parser.set_defaults(func=run)
