"""Which event goes to which topic and which queue: one table for every profile.

The seed's stream result (6.1) carries recorded answers to scoring; every
other event goes to the quiz-events topic, from which the notification
service's queue takes what clients see and the quiz event handler's queue
takes what master data needs. The embedded profile's in-process lanes, the
cloud publishers, the run-cloud bootstrap and the terraform subscriptions
(with their filter policies) are all read from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from quizcore.messages import MESSAGE_TYPES

STREAM_RESULT = "stream-result"
QUIZ_EVENTS = "quiz-events"

SCORE_EVENT = "score-event"
UI_RESPONSE = "ui-response"
QUIZ_RESULT = "quiz-result"

# Commands are not events: a submission goes on the answer stream.
COMMANDS = frozenset({"SubmitAnswer"})
SCORING_KINDS = frozenset({"AnswerRecorded"})
NOTIFY_KINDS = frozenset(MESSAGE_TYPES) - COMMANDS - SCORING_KINDS
RESULT_KINDS = frozenset({"ScoreUpdated", "SessionFinished"})


@dataclass(frozen=True, slots=True)
class Route:
    """A queue, the topic it subscribes to, and the event types it takes."""

    queue: str
    topic: str
    kinds: frozenset[str]


ROUTES: tuple[Route, ...] = (
    Route(SCORE_EVENT, STREAM_RESULT, SCORING_KINDS),
    Route(UI_RESPONSE, QUIZ_EVENTS, NOTIFY_KINDS),
    Route(QUIZ_RESULT, QUIZ_EVENTS, RESULT_KINDS),
)


def topic_of(kind: str) -> str | None:
    """Return the topic an event type is published to (None for commands)."""
    if kind in COMMANDS:
        return None
    return STREAM_RESULT if kind in SCORING_KINDS else QUIZ_EVENTS


def route(queue: str) -> Route:
    """Return the route of a queue by its name."""
    for candidate in ROUTES:
        if candidate.queue == queue:
            return candidate
    raise KeyError(queue)
