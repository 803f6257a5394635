"""The routing table: every event reaches exactly the queues that need it."""

from __future__ import annotations

from quizcore import routing
from quizcore.messages import MESSAGE_TYPES


def test_every_event_has_one_topic_and_commands_none() -> None:
    for kind in MESSAGE_TYPES:
        topic = routing.topic_of(kind)
        if kind == "SubmitAnswer":
            assert topic is None
        else:
            assert topic in (routing.STREAM_RESULT, routing.QUIZ_EVENTS), kind


def test_each_queue_takes_only_events_of_its_own_topic() -> None:
    for route in routing.ROUTES:
        assert route.kinds, route.queue
        assert {routing.topic_of(kind) for kind in route.kinds} == {route.topic}, route.queue


def test_recorded_answers_go_to_scoring_and_everything_else_to_clients() -> None:
    events = set(MESSAGE_TYPES) - {"SubmitAnswer"}

    assert routing.route(routing.SCORE_EVENT).kinds == {"AnswerRecorded"}
    assert routing.route(routing.UI_RESPONSE).kinds == events - {"AnswerRecorded"}
    assert routing.route(routing.QUIZ_RESULT).kinds == {"ScoreUpdated", "SessionFinished"}
