"""The pipeline's handler wrapper: metrics when they are on, nothing when off."""

from __future__ import annotations

import pytest

from entrypoints.observability import NullMetrics, instrument
from quizcore.messages import Message

from .support import score_updated


class RecordingMetrics:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, list[str]]] = []

    def increment(self, name: str, value: int = 1, tags: list[str] | None = None) -> None:
        self.calls.append(("increment", name, tags or []))

    def timing(self, name: str, millis: float, tags: list[str] | None = None) -> None:
        self.calls.append(("timing", name, tags or []))

    def gauge(self, name: str, value: float, tags: list[str] | None = None) -> None:
        self.calls.append(("gauge", name, tags or []))


SCORED = score_updated()


async def test_with_metrics_off_the_handler_runs_unwrapped() -> None:
    async def handler(message: Message) -> None:
        return None

    assert instrument(handler, NullMetrics(), "score-event", lambda: 0) is handler


async def test_with_metrics_on_each_message_is_timed_and_counted() -> None:
    metrics = RecordingMetrics()
    handled: list[Message] = []

    async def handler(message: Message) -> None:
        handled.append(message)

    await instrument(handler, metrics, "ui-response", lambda: 0)(SCORED)

    assert handled == [SCORED]
    names = [(kind, name) for kind, name, _tags in metrics.calls]
    assert ("timing", "pipeline.handle_ms") in names
    assert ("increment", "answers.scored") in names
    assert all("hop:ui-response" in tags for kind, _name, tags in metrics.calls if kind == "timing")


async def test_a_failing_handler_is_counted_and_still_raises() -> None:
    metrics = RecordingMetrics()

    async def handler(message: Message) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await instrument(handler, metrics, "quiz-result", lambda: 0)(SCORED)

    assert metrics.calls == [
        ("increment", "pipeline.failed", ["hop:quiz-result", "type:ScoreUpdated"])
    ]
