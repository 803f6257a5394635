"""Records the stores keep: answers, scores, results and users."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import Any, Literal

from quizcore.messages import AnswerRecorded


class RecordOutcome(enum.Enum):
    """What happened when an answer was offered to the answer store."""

    RECORDED = "recorded"
    DUPLICATE = "duplicate"  # the same submission was already stored
    CONFLICT = "conflict"  # another submission already answered this question


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedAnswer:
    """An accepted answer: the source of truth every score is derived from."""

    session_id: str
    question_id: str
    question_index: int
    user_id: str
    submission_id: str
    answer: str
    received_at: int
    opened_at: int
    limit_ms: int

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-able form."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecordedAnswer:
        """Rebuild from ``to_dict`` output."""
        return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls)})

    def recorded_event(self, quiz_id: str) -> AnswerRecorded:
        """Return the stream-result event announcing this answer."""
        return AnswerRecorded(
            session_id=self.session_id,
            quiz_id=quiz_id,
            question_id=self.question_id,
            question_index=self.question_index,
            user_id=self.user_id,
            submission_id=self.submission_id,
            answer=self.answer,
            received_at=self.received_at,
            opened_at=self.opened_at,
            limit_ms=self.limit_ms,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ParticipantScore:
    """A participant's running score in one session (a projection)."""

    session_id: str
    user_id: str
    score: int
    correct_count: int
    answered_count: int
    reached_at: int


ResultStatus = Literal["scored", "rejected"]


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerResult:
    """The outcome of one submission, as the participant sees it."""

    session_id: str
    user_id: str
    submission_id: str
    question_id: str
    status: ResultStatus
    correct: bool = False
    points: int = 0
    streak: int = 0
    score: int = 0
    code: str = ""
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-able form."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnswerResult:
        """Rebuild from ``to_dict`` output."""
        return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data})


UserStatus = Literal["active", "blocked", "deleted"]


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """A user of the product, synced from the identity provider."""

    user_id: str
    display_name: str
    status: UserStatus = "active"
    email: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionResult:
    """One participant's result in one session, kept in master data."""

    session_id: str
    user_id: str
    display_name: str
    score: int
    correct_count: int
    rank: int = 0
    final: bool = False
    reached_at: int = 0
