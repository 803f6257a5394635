"""Commands and events cross queues as dicts; the round trip must be exact."""

from __future__ import annotations

import dataclasses
import json
import typing

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizcore.messages import MESSAGE_TYPES, Message, SubmitAnswer, message_from_dict
from quizcore.model import AnswerResult, RecordedAnswer
from tests.unit.support import CORE

SCALARS: dict[type, st.SearchStrategy[object]] = {
    str: st.text(),
    int: st.integers(),
    bool: st.booleans(),
}


def every_field(cls: type) -> st.SearchStrategy[object]:
    """Build ``cls`` drawing every field, those with defaults too."""
    hints = typing.get_type_hints(cls)
    return st.builds(cls, **{f.name: SCALARS[hints[f.name]] for f in dataclasses.fields(cls)})


any_message = st.one_of(*(every_field(cls) for cls in MESSAGE_TYPES.values()))


@CORE
@given(any_message)
def test_every_message_survives_the_dict_round_trip(message: Message) -> None:
    data = message.to_dict()

    assert data["type"] == message.kind
    assert message_from_dict(data) == message


@CORE
@given(any_message)
def test_every_message_survives_a_json_round_trip(message: Message) -> None:
    rebuilt = message_from_dict(json.loads(json.dumps(message.to_dict())))

    assert rebuilt == message
    assert type(rebuilt) is type(message)
    assert rebuilt.dedup_key == message.dedup_key


@given(every_field(RecordedAnswer))
def test_recorded_answer_survives_the_dict_round_trip(answer: RecordedAnswer) -> None:
    assert RecordedAnswer.from_dict(json.loads(json.dumps(answer.to_dict()))) == answer


@given(st.builds(AnswerResult, status=st.sampled_from(["scored", "rejected"])))
def test_answer_result_survives_the_dict_round_trip(result: AnswerResult) -> None:
    assert AnswerResult.from_dict(result.to_dict()) == result


def test_every_message_type_is_registered_under_its_kind() -> None:
    for kind, cls in MESSAGE_TYPES.items():
        assert cls.kind == kind
    assert len(MESSAGE_TYPES) == 11


def test_message_from_an_older_producer_gets_the_newer_fields_defaults() -> None:
    data = SubmitAnswer(
        session_id="S", question_id="q1", user_id="u", answer="a", submission_id="x", received_at=1
    ).to_dict()
    del data["question_index"], data["limit_ms"]

    rebuilt = message_from_dict(data)

    assert isinstance(rebuilt, SubmitAnswer)
    assert (rebuilt.question_index, rebuilt.limit_ms) == (-1, 0)


def test_unknown_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown message type"):
        message_from_dict({"type": "Nope", "session_id": "S"})
    with pytest.raises(ValueError):
        message_from_dict({"session_id": "S"})


def test_missing_field_is_refused_by_name() -> None:
    data = SubmitAnswer(
        session_id="S", question_id="q1", user_id="u", answer="a", submission_id="x", received_at=1
    ).to_dict()
    del data["answer"]

    with pytest.raises(ValueError, match="'answer'"):
        message_from_dict(data)


def test_redelivered_submission_has_the_same_dedup_key_and_a_new_one_does_not() -> None:
    first = SubmitAnswer(
        session_id="S", question_id="q1", user_id="u", answer="a", submission_id="x", received_at=1
    )

    assert dataclasses.replace(first, received_at=2).dedup_key == first.dedup_key
    assert dataclasses.replace(first, submission_id="y").dedup_key != first.dedup_key
