"""``RecordAnswers`` through a store outage, outside Flink (no JVM needed).

The function is opened on memory adapters whose session store fails a given
number of times, then fed records the way the keyed operator feeds them.
"""

from __future__ import annotations

import json
from contextlib import AsyncExitStack
from typing import Any

import pytest

from adapters.memory.messaging import RecordingPublisher as MemoryPublisher
from adapters.memory.stores import MemoryAnswerStore, MemoryScoreStore, MemorySessionStore
from flink import functions
from flink.functions import RecordAnswers
from flink.settings import JobSettings
from flink.wiring import RecordingPublisher
from quizcore import session as rules
from quizcore.errors import StoreUnavailable
from quizcore.messages import SubmitAnswer
from quizcore.quiz import build_quiz
from quizcore.services import PlayRules, StreamProcessor
from quizcore.session import Participant, SessionState

T0 = 1_800_000_000_000
QUIZ = build_quiz(
    "quiz-1",
    {"title": "Verbs", "questions": [{"prompt": "Go", "choices": ["a", "b"], "answer": "a"}]},
)
COMMAND = SubmitAnswer(
    session_id="ROOMAA",
    question_id="q1",
    user_id="alice",
    answer="a",
    submission_id="alice-1",
    received_at=T0 + 1_000,
    question_index=0,
    limit_ms=10_000,
)


class FlakySessions(MemorySessionStore):
    """A session store that is down for the first ``failures`` reads of each kind."""

    def __init__(self, *, state_failures: int = 0, participant_failures: int = 0) -> None:
        super().__init__()
        self.state_failures = state_failures
        self.participant_failures = participant_failures

    async def get(self, session_id: str) -> SessionState | None:
        if self.state_failures:
            self.state_failures -= 1
            raise StoreUnavailable("DynamoDB unreachable")
        return await super().get(session_id)

    async def get_participant(self, session_id: str, user_id: str) -> Participant | None:
        if self.participant_failures:
            self.participant_failures -= 1
            raise StoreUnavailable("DynamoDB unreachable")
        return await super().get_participant(session_id, user_id)


class Counters:
    """Stands in for Flink's metric group."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def counter(self, name: str) -> Any:
        values = self.values
        values.setdefault(name, 0)

        class Counter:
            def inc(self, amount: int = 1) -> None:
                values[name] += amount

        return Counter()


class Context:
    def __init__(self) -> None:
        self.metrics = Counters()

    def get_metrics_group(self) -> Counters:
        return self.metrics


async def seed(sessions: MemorySessionStore) -> None:
    lobby = rules.create(
        session_id="ROOMAA", quiz=QUIZ, host_id="host", mode="live", question_seconds=10, now=T0
    )
    await sessions.create(lobby)
    running, _events = rules.start(lobby, QUIZ, "host", T0)
    await sessions.save(running, lobby.version)
    await sessions.add_participant(
        Participant(session_id="ROOMAA", user_id="alice", display_name="Alice", joined_at=T0)
    )


def opened(
    monkeypatch: pytest.MonkeyPatch, sessions: FlakySessions, attempts: int
) -> tuple[RecordAnswers, MemoryPublisher, Context]:
    """Return the function opened on memory adapters, its publisher and context."""
    published = MemoryPublisher()

    async def open_memory(
        stack: AsyncExitStack, settings: JobSettings
    ) -> tuple[StreamProcessor, RecordingPublisher]:
        failures = (sessions.state_failures, sessions.participant_failures)
        sessions.state_failures = sessions.participant_failures = 0
        await seed(sessions)
        sessions.state_failures, sessions.participant_failures = failures
        publisher = RecordingPublisher(published)
        processor = StreamProcessor(
            sessions=sessions,
            answers=MemoryAnswerStore(),
            scores=MemoryScoreStore(),
            publisher=publisher,
            catalog=None,
            play=PlayRules(grace_ms=500),
        )
        return processor, publisher

    monkeypatch.setattr(functions, "open_processor", open_memory)
    function = RecordAnswers(JobSettings(flink_store_attempts=attempts, flink_store_backoff_ms=1))
    context = Context()
    function.open(context)
    return function, published, context


def feed(function: RecordAnswers) -> list[Any]:
    return list(function.process_element(("ROOMAA", json.dumps(COMMAND.to_dict())), None))


def test_an_outage_shorter_than_the_retries_only_delays_the_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    function, published, context = opened(monkeypatch, FlakySessions(state_failures=2), 3)
    try:
        [outcome] = feed(function)
    finally:
        function.close()

    assert json.loads(outcome)["type"] == "AnswerRecorded"
    assert [message.kind for message in published.messages] == ["AnswerRecorded"]
    assert context.metrics.values["store_retries"] == 2


def test_an_outage_during_validation_is_retried_and_never_published_as_a_rejection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    function, published, _context = opened(monkeypatch, FlakySessions(participant_failures=1), 3)
    try:
        [outcome] = feed(function)
    finally:
        function.close()

    assert json.loads(outcome)["type"] == "AnswerRecorded"
    # An outage is not a verdict on the answer: nothing but the real outcome goes out.
    assert [(message.kind, getattr(message, "code", "")) for message in published.messages] == [
        ("AnswerRecorded", ""),
    ]


def test_an_outage_longer_than_the_retries_fails_the_job_for_a_replay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    function, published, _context = opened(monkeypatch, FlakySessions(state_failures=10), 3)
    try:
        with pytest.raises(StoreUnavailable):
            feed(function)
    finally:
        function.close()

    assert published.messages == []
