"""The job's record formats: input answers, outcomes and dead letters.

Input records are ``SubmitAnswer.to_dict()`` JSON, bare (``KinesisAnswerStream``)
or in an EventBridge event (a bus rule targeting the stream puts the whole
event, the command in its ``detail``). ``parse_submission`` accepts both, via
the adapters' codec, and checks every field's JSON type, so a malformed record
is refused here, once, instead of failing the stateful step on every replay.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from typing import Any

from adapters.aws_messaging.codec import PoisonMessage, decode, encode
from quizcore.messages import Message, SubmitAnswer

_FIELD_TYPES: dict[str, type] = {
    name: hint
    for name, hint in typing.get_type_hints(SubmitAnswer).items()
    if name in {field.name for field in dataclasses.fields(SubmitAnswer)}
}


class Undecodable(ValueError):
    """A record that is not a usable ``SubmitAnswer``; retrying cannot help."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def parse_submission(raw: str | bytes) -> SubmitAnswer:
    """Return the ``SubmitAnswer`` in a record; raise ``Undecodable`` if none."""
    try:
        message = decode(raw)
    except PoisonMessage as ex:
        raise Undecodable("undecodable", str(ex)) from ex
    if not isinstance(message, SubmitAnswer):
        raise Undecodable("not_a_submission", f"a {message.kind} is not a SubmitAnswer")
    for name, expected in _FIELD_TYPES.items():
        value = getattr(message, name)
        # bool is an int to Python, never to the domain.
        if not isinstance(value, expected) or isinstance(value, bool):
            raise Undecodable(
                "invalid_field", f"{name} must be a JSON {expected.__name__}, not {value!r}"
            )
    if not message.session_id:
        raise Undecodable("invalid_field", "session_id is empty")
    return message


def submission_json(command: SubmitAnswer) -> str:
    """Return the canonical JSON of a command (what the keyed step reads)."""
    return encode(command)


def outcome_json(event: Message) -> str:
    """Return the JSON of a published event, as the outcome sink gets it."""
    return encode(event)


def dead_letter(reason: str, detail: str, record: str | bytes) -> str:
    """Return the JSON line describing a record the job set aside."""
    text = record.decode("utf-8", "replace") if isinstance(record, bytes) else record
    body: dict[str, Any] = {"reason": reason, "detail": detail, "record": text}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)
