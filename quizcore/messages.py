"""Commands and events: frozen dataclasses with a stable JSON-able form.

They cross queues and streams, so ``to_dict``/``message_from_dict`` must round
trip exactly and every field is a JSON scalar. Times are epoch milliseconds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """Base of every command and event."""

    kind: ClassVar[str] = "Message"
    session_id: str

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-able form, tagged with the message type."""
        data = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        data["type"] = self.kind
        return data

    @property
    def dedup_key(self) -> str:
        """Return a key that is equal for redeliveries of the same message."""
        return f"{self.kind}:{self.session_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitAnswer(Message):
    """A participant's answer, stamped with the server's receive time."""

    kind: ClassVar[str] = "SubmitAnswer"
    question_id: str
    user_id: str
    answer: str
    submission_id: str
    received_at: int
    # Facts of the question, added by the score service so the stream
    # processor needs the session state only, not the quiz (-1/0: unknown).
    question_index: int = -1
    limit_ms: int = 0
    # When the question opened for the participant, as the score service
    # decided on its check (-1: not decided). Only a stream processor that
    # shares the score service's process and state trusts it
    # (``StreamProcessor.handle_checked``); any other checks again.
    opened_at: int = -1

    @property
    def dedup_key(self) -> str:
        """Return the per-submission key."""
        return f"{self.kind}:{self.session_id}:{self.user_id}:{self.submission_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerRecorded(Message):
    """The stream processor stored the answer once (stream result)."""

    kind: ClassVar[str] = "AnswerRecorded"
    quiz_id: str
    question_id: str
    question_index: int
    user_id: str
    submission_id: str
    answer: str
    received_at: int
    opened_at: int
    limit_ms: int

    @property
    def dedup_key(self) -> str:
        """Return the per-answer key."""
        return f"{self.kind}:{self.session_id}:{self.user_id}:{self.question_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerRejected(Message):
    """The stream processor refused a submission (late, duplicate, ...)."""

    kind: ClassVar[str] = "AnswerRejected"
    user_id: str
    submission_id: str
    question_id: str
    code: str
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoreUpdated(Message):
    """A recorded answer was scored and the participant's score projected."""

    kind: ClassVar[str] = "ScoreUpdated"
    user_id: str
    submission_id: str
    question_id: str
    correct: bool
    points: int
    streak: int
    score: int
    correct_count: int
    reached_at: int

    @property
    def dedup_key(self) -> str:
        """Return the per-answer key."""
        return f"{self.kind}:{self.session_id}:{self.user_id}:{self.submission_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class _ParticipantChange(Message):
    """Someone came into or left the session's participants."""

    user_id: str
    display_name: str
    participant_count: int

    @property
    def dedup_key(self) -> str:
        """Return the per-participant key (each participant's change is its own event)."""
        return f"{self.kind}:{self.session_id}:{self.user_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ParticipantJoined(_ParticipantChange):
    """Someone joined the session for the first time."""

    kind: ClassVar[str] = "ParticipantJoined"


@dataclass(frozen=True, slots=True, kw_only=True)
class ParticipantRemoved(_ParticipantChange):
    """The host removed a participant from the session (they may not join again)."""

    kind: ClassVar[str] = "ParticipantRemoved"


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionStarted(Message):
    """The host started the session."""

    kind: ClassVar[str] = "SessionStarted"
    mode: str
    at: int


@dataclass(frozen=True, slots=True, kw_only=True)
class QuestionOpened(Message):
    """A live-mode question opened for everyone."""

    kind: ClassVar[str] = "QuestionOpened"
    question_id: str
    index: int
    opens_at: int
    closes_at: int


@dataclass(frozen=True, slots=True, kw_only=True)
class QuestionClosed(Message):
    """A live-mode question closed (deadline passed or the host moved on)."""

    kind: ClassVar[str] = "QuestionClosed"
    question_id: str
    index: int
    closed_at: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionFinished(Message):
    """The session ended; its standings are final."""

    kind: ClassVar[str] = "SessionFinished"
    at: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionLockChanged(Message):
    """The host locked the session to newcomers, or let them in again."""

    kind: ClassVar[str] = "SessionLockChanged"
    locked: bool
    at: int


MESSAGE_TYPES: dict[str, type[Message]] = {
    cls.kind: cls
    for cls in (
        SubmitAnswer,
        AnswerRecorded,
        AnswerRejected,
        ScoreUpdated,
        ParticipantJoined,
        ParticipantRemoved,
        SessionStarted,
        SessionLockChanged,
        QuestionOpened,
        QuestionClosed,
        SessionFinished,
    )
}


def message_from_dict(data: dict[str, Any]) -> Message:
    """Rebuild a message from its JSON-able form; raise ValueError if unknown."""
    kind = data.get("type")
    cls = MESSAGE_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"unknown message type {kind!r}")
    fields = dataclasses.fields(cls)
    required = {
        f.name
        for f in fields
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    try:
        values = {f.name: data[f.name] for f in fields if f.name in required or f.name in data}
        return cls(**values)
    except KeyError as ex:
        raise ValueError(f"{kind} message lacks field {ex.args[0]!r}") from ex
