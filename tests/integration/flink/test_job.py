"""The real PyFlink job on a local mini-cluster, against moto's AWS services.

One module fixture runs the job twice on the same bounded input (thread
mode, parallelism 2): the second run is a replay, as after a failover or a
restart from an old checkpoint. The sessions are live and were started at
``T0``, so the windows in DynamoDB decide timing, not the wall clock. Each
test then asserts on what one user of the system would see: the answers in
DynamoDB, the results, the SNS notifications, the outcome and dead-letter
files.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pyflink.common import Types

from adapters.aws_messaging import aws_client, create_queue_with_dlq, create_topic, subscribe_queue
from adapters.aws_messaging.codec import PoisonMessage, decode, partition_key
from adapters.dynamodb import (
    DynamoAnswerStore,
    DynamoScoreStore,
    DynamoSessionStore,
    DynamoTables,
    create_tables,
    dynamodb_client,
)
from flink.job import build_pipeline, create_environment
from flink.settings import JobSettings
from flink.sinks import to_files
from quizcore import session as rules
from quizcore.messages import SessionStarted, SubmitAnswer
from quizcore.model import AnswerResult, RecordedAnswer
from quizcore.quiz import build_quiz
from quizcore.session import Participant
from tests.integration.contract.factories_dynamodb import REGION, linearizable_endpoint

pytestmark = pytest.mark.slow

T0 = 1_800_000_000_000  # when both sessions started (question 1 opened)
LIMIT_MS = 10_000
GRACE_MS = 500
HOST = "host"
ROOM = "ROOMAA"  # the session with one case of each rule
CROWD = "ROOMBB"  # eight players, each answering twice
CROWD_USERS = [f"player{number}" for number in range(8)]
QUIZ = build_quiz(
    "quiz-flink",
    {
        "title": "Everyday verbs",
        "questions": [
            {"prompt": f"Question {n}", "choices": ["right", "wrong"], "answer": "right"}
            for n in range(1, 4)
        ],
    },
    author_id=HOST,
)


def submit(
    session_id: str, user: str, submission: str, at: int, answer: str = "right", index: int = 0
) -> SubmitAnswer:
    """Return the command the score service puts on the stream."""
    return SubmitAnswer(
        session_id=session_id,
        question_id=f"q{index + 1}",
        user_id=user,
        answer=answer,
        submission_id=submission,
        received_at=T0 + at,
        question_index=index,
        limit_ms=LIMIT_MS,
    )


def line(command: SubmitAnswer) -> str:
    return json.dumps(command.to_dict())


ALICE = submit(ROOM, "alice", "alice-1", 1_000)
BOB_FIRST = submit(ROOM, "bob", "bob-1", 2_000, answer="wrong")
BOB_SECOND = submit(ROOM, "bob", "bob-2", 3_000, answer="right")
CAROL_LATE = submit(ROOM, "carol", "carol-1", LIMIT_MS + GRACE_MS + 1)
ERIN = submit(ROOM, "erin", "erin-1", 4_000)
MALLORY = submit(ROOM, "mallory", "mallory-1", 5_000)
DAVE_EARLY = submit(ROOM, "dave", "dave-1", 5_000, index=1)
GHOST = submit("NOSUCH", "alice", "ghost-1", 1_000)
CROWD_FIRST = [submit(CROWD, user, f"{user}-a", 100 * n) for n, user in enumerate(CROWD_USERS)]
CROWD_SECOND = [
    submit(CROWD, user, f"{user}-b", 2_000 + 100 * n, answer="wrong")
    for n, user in enumerate(CROWD_USERS)
]

UNDECODABLE = {
    "undecodable": "this is not JSON",
    "not_an_object": "[1, 2, 3]",
    "not_a_submission": json.dumps(SessionStarted(session_id=ROOM, mode="live", at=T0).to_dict()),
    "lacks_fields": json.dumps({"type": "SubmitAnswer", "session_id": ROOM}),
    "wrong_type": json.dumps({**ALICE.to_dict(), "submission_id": "x", "received_at": "soon"}),
    # Python refuses integers of more than 4300 digits with a plain ValueError.
    "huge_number": '{"type": "SubmitAnswer", "received_at": 1' + "0" * 5000 + "}",
}
DEAD_REASONS = {
    "undecodable": "undecodable",
    "not_an_object": "undecodable",
    "not_a_submission": "not_a_submission",
    "lacks_fields": "undecodable",
    "wrong_type": "invalid_field",
    "huge_number": "undecodable",
}


def records() -> list[str]:
    """Return the stream: answers, a redelivery, an EventBridge event, garbage."""
    eventbridge = {
        "version": "0",
        "id": "6a7e8feb",
        "detail-type": "SubmitAnswer",
        "source": "quizcore.score",
        "detail": ERIN.to_dict(),
    }
    crowd = [
        line(command) for pair in zip(CROWD_FIRST, CROWD_SECOND, strict=True) for command in pair
    ]
    return [
        line(ALICE),
        line(BOB_FIRST),
        *crowd[:8],
        UNDECODABLE["undecodable"],
        line(BOB_SECOND),
        json.dumps(eventbridge),
        UNDECODABLE["not_an_object"],
        line(CAROL_LATE),
        line(ALICE),  # redelivered
        *crowd[8:],
        line(MALLORY),
        UNDECODABLE["not_a_submission"],
        line(DAVE_EARLY),
        line(GHOST),
        UNDECODABLE["lacks_fields"],
        UNDECODABLE["wrong_type"],
        UNDECODABLE["huge_number"],
    ]


@dataclass
class Run:
    """What one job run left behind."""

    outcomes: list[dict[str, Any]]
    dead_letters: list[dict[str, Any]]
    answers: dict[str, list[RecordedAnswer]]
    notifications: list[tuple[str, dict[str, Any]]]  # (topic ARN, event)
    seconds: float


@dataclass
class World:
    """Both runs, the topics and the results stored for each submission."""

    first: Run
    replay: Run
    stream_result_arn: str
    quiz_events_arn: str
    results: dict[str, AnswerResult | None]


async def prepare(endpoint: str, tables: DynamoTables, suffix: str) -> tuple[str, str, str]:
    """Create tables, two running live sessions, topics and a subscribed queue."""
    async with dynamodb_client(REGION, endpoint) as dynamodb:
        await create_tables(dynamodb, tables)
        sessions = DynamoSessionStore(dynamodb, tables.sessions)
        players = {ROOM: ["alice", "bob", "carol", "dave", "erin"], CROWD: CROWD_USERS}
        for session_id, users in players.items():
            lobby = rules.create(
                session_id=session_id,
                quiz=QUIZ,
                host_id=HOST,
                mode="live",
                question_seconds=LIMIT_MS // 1000,
                now=T0 - 60_000,
            )
            assert await sessions.create(lobby)
            running, _events = rules.start(lobby, QUIZ, HOST, T0)
            await sessions.save(running, lobby.version)
            for user in users:
                await sessions.add_participant(
                    Participant(
                        session_id=session_id, user_id=user, display_name=user, joined_at=T0 - 1
                    )
                )
    async with (
        aws_client("sns", REGION, endpoint) as sns,
        aws_client("sqs", REGION, endpoint) as sqs,
    ):
        stream_result = await create_topic(sns, f"stream-result-{suffix}")
        quiz_events = await create_topic(sns, f"quiz-events-{suffix}")
        queue = await create_queue_with_dlq(sqs, f"flink-results-{suffix}")
        await subscribe_queue(sns, sqs, stream_result, queue.url)
        await subscribe_queue(sns, sqs, quiz_events, queue.url)
    return stream_result, quiz_events, queue.url


async def observe(
    endpoint: str, tables: DynamoTables, queue_url: str
) -> tuple[dict[str, list[RecordedAnswer]], list[tuple[str, dict[str, Any]]]]:
    """Return the recorded answers per session and the queue's notifications."""
    async with dynamodb_client(REGION, endpoint) as dynamodb:
        store = DynamoAnswerStore(dynamodb, tables.answers)
        answers = {session_id: await store.for_session(session_id) for session_id in (ROOM, CROWD)}
    notifications: list[tuple[str, dict[str, Any]]] = []
    async with aws_client("sqs", REGION, endpoint) as sqs:
        while True:
            response = await sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            )
            messages = response.get("Messages", [])
            if not messages:
                return answers, notifications
            for message in messages:
                envelope = json.loads(message["Body"])
                notifications.append((envelope["TopicArn"], json.loads(envelope["Message"])))
            await sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": message["ReceiptHandle"]}
                    for n, message in enumerate(messages)
                ],
            )


async def stored_results(endpoint: str, tables: DynamoTables) -> dict[str, AnswerResult | None]:
    """Return the result stored for each rejected submission of the room."""
    async with dynamodb_client(REGION, endpoint) as dynamodb:
        scores = DynamoScoreStore(dynamodb, tables.scores)
        return {
            command.submission_id: await scores.get_result(
                command.session_id, command.user_id, command.submission_id
            )
            for command in (BOB_SECOND, CAROL_LATE, MALLORY, DAVE_EARLY)
        }


def read_lines(directory: Path) -> list[dict[str, Any]]:
    """Return the JSON lines of every committed part file under ``directory``."""
    found: list[dict[str, Any]] = []
    for path in sorted(directory.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            found.extend(json.loads(text) for text in path.read_text().splitlines() if text)
    return found


def shard_of(record: str) -> int:
    """Return the shard (of two) Kinesis would put the record on."""
    try:
        command = decode(record)
    except (PoisonMessage, ValueError):
        return 0  # undecodable: any shard will do
    if not isinstance(command, SubmitAnswer):
        return 0
    digest = int.from_bytes(hashlib.md5(partition_key(command).encode()).digest(), "big")
    return 0 if digest < 2**127 else 1


def run_job(settings: JobSettings, output: Path) -> float:
    """Run the real job on the bounded input; return its wall-clock seconds."""
    started = time.monotonic()
    env = create_environment(parallelism=2, python_mode="thread", local=True)
    # Two shards, split the way Kinesis splits two shards' hash-key ranges.
    shards: list[list[str]] = [[], []]
    for record in records():
        shards[shard_of(record)].append(record)
    sources = [env.from_collection(shard, type_info=Types.STRING()) for shard in shards]
    build_pipeline(
        env,
        sources,
        settings=settings,
        outcome_sink=to_files(str(output / "outcomes")),
        dead_letter_sink=to_files(str(output / "dead-letters")),
    )
    env.execute("quizcore-stream-processor-test")
    return time.monotonic() - started


@pytest.fixture(scope="module")
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> World:
    """Run the job twice over the same input; return what each run left."""
    endpoint = linearizable_endpoint(request)
    suffix = uuid.uuid4().hex[:10]
    tables = DynamoTables.prefixed(f"flink-{suffix}")
    stream_result, quiz_events, queue_url = asyncio.run(prepare(endpoint, tables, suffix))
    settings = JobSettings(
        aws_region=REGION,
        aws_endpoint_url=endpoint,
        dynamodb_answers_table=tables.answers,
        dynamodb_scores_table=tables.scores,
        dynamodb_sessions_table=tables.sessions,
        sns_stream_result_topic=stream_result,
        sns_quiz_events_topic=quiz_events,
        answer_grace_ms=GRACE_MS,
        flink_store_attempts=3,
        flink_store_backoff_ms=100,
    )
    runs = []
    for name in ("first", "replay"):
        output = tmp_path_factory.mktemp(f"flink-{name}")
        seconds = run_job(settings, output)
        answers, notifications = asyncio.run(observe(endpoint, tables, queue_url))
        runs.append(
            Run(
                outcomes=read_lines(output / "outcomes"),
                dead_letters=read_lines(output / "dead-letters"),
                answers=answers,
                notifications=notifications,
                seconds=seconds,
            )
        )
    print(f"\nflink job runs: {runs[0].seconds:.1f} s, replay {runs[1].seconds:.1f} s")
    return World(
        first=runs[0],
        replay=runs[1],
        stream_result_arn=stream_result,
        quiz_events_arn=quiz_events,
        results=asyncio.run(stored_results(endpoint, tables)),
    )


def outcomes_of(run: Run, submission_id: str) -> list[dict[str, Any]]:
    return [event for event in run.outcomes if event["submission_id"] == submission_id]


def answer_keys(answers: list[RecordedAnswer]) -> set[tuple[str, str, str, str]]:
    return {(a.user_id, a.question_id, a.submission_id, a.answer) for a in answers}


def test_every_valid_answer_is_recorded_exactly_once(world: World) -> None:
    room = world.first.answers[ROOM]
    assert len(room) == 3
    assert answer_keys(room) == {
        ("alice", "q1", "alice-1", "right"),
        ("bob", "q1", "bob-1", "wrong"),
        ("erin", "q1", "erin-1", "right"),
    }
    erin = next(answer for answer in room if answer.user_id == "erin")
    assert (erin.opened_at, erin.received_at, erin.limit_ms) == (T0, T0 + 4_000, LIMIT_MS)


def test_a_redelivered_submission_is_recorded_once_and_announced_again(world: World) -> None:
    alice = [answer for answer in world.first.answers[ROOM] if answer.user_id == "alice"]
    assert len(alice) == 1
    announced = outcomes_of(world.first, "alice-1")
    assert [event["type"] for event in announced] == ["AnswerRecorded", "AnswerRecorded"]
    assert announced[0] == announced[1]


@pytest.mark.parametrize(
    ("command", "code"),
    [
        (CAROL_LATE, "question_closed"),
        (BOB_SECOND, "already_answered"),
        (MALLORY, "not_participant"),
        (DAVE_EARLY, "question_not_open"),
    ],
    ids=["late", "second-answer", "not-joined", "not-open-yet"],
)
def test_a_refused_answer_is_rejected_with_its_rule(
    world: World, command: SubmitAnswer, code: str
) -> None:
    [outcome] = outcomes_of(world.first, command.submission_id)
    assert (outcome["type"], outcome["code"], outcome["user_id"]) == (
        "AnswerRejected",
        code,
        command.user_id,
    )
    result = world.results[command.submission_id]
    assert result is not None
    assert (result.status, result.code) == ("rejected", code)
    recorded = {
        answer.submission_id for answers in world.first.answers.values() for answer in answers
    }
    assert command.submission_id not in recorded


def test_the_crowd_spreads_over_both_shards() -> None:
    crowd = [line(command) for command in CROWD_FIRST]
    assert {shard_of(record) for record in crowd} == {0, 1}


def test_each_participant_is_handled_in_stream_order(world: World) -> None:
    # Every player answered twice, the session spread over two shards and two
    # subtasks; each participant's answers share a key, so the first answer is
    # the one recorded and the second refused.
    assert len(world.first.answers[CROWD]) == len(CROWD_USERS)
    assert answer_keys(world.first.answers[CROWD]) == {
        (command.user_id, "q1", command.submission_id, "right") for command in CROWD_FIRST
    }
    for command in CROWD_SECOND:
        [outcome] = outcomes_of(world.first, command.submission_id)
        assert outcome["code"] == "already_answered"


def test_the_topics_received_every_published_event(world: World) -> None:
    published = Counter(
        (topic, event["type"], event["submission_id"]) for topic, event in world.first.notifications
    )
    expected = Counter(
        (
            world.stream_result_arn if event["type"] == "AnswerRecorded" else world.quiz_events_arn,
            event["type"],
            event["submission_id"],
        )
        for event in world.first.outcomes
    )
    assert published == expected
    kinds = Counter(event["type"] for _topic, event in world.first.notifications)
    # alice (twice), bob, erin and the crowd's first answers; the rest refused.
    assert kinds == {
        "AnswerRecorded": 4 + len(CROWD_FIRST),
        "AnswerRejected": 4 + len(CROWD_SECOND),
    }


def test_undecodable_records_go_to_the_dead_letters_and_the_job_finishes(world: World) -> None:
    dead = Counter((letter["reason"], letter["record"]) for letter in world.first.dead_letters)
    expected = Counter((DEAD_REASONS[name], record) for name, record in UNDECODABLE.items())
    expected[("session_not_found", json.dumps(GHOST.to_dict(), separators=(",", ":")))] += 1
    assert dead == expected
    # The job ran to the end of its input: every answer after the garbage was handled.
    assert outcomes_of(world.first, DAVE_EARLY.submission_id)


def test_a_replayed_stream_records_nothing_twice(world: World) -> None:
    assert world.replay.answers == world.first.answers

    def key(event: dict[str, Any]) -> str:
        return json.dumps(event, sort_keys=True)

    assert sorted(map(key, world.replay.outcomes)) == sorted(map(key, world.first.outcomes))
    assert Counter(
        (topic, event["type"], event["submission_id"])
        for topic, event in world.replay.notifications
    ) == Counter(
        (topic, event["type"], event["submission_id"]) for topic, event in world.first.notifications
    )
