"""Request and response models; the OpenAPI document is generated from them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SUBMISSION_ID = r"^[A-Za-z0-9._:\-]{1,64}$"


class Strict(BaseModel):
    """A request body that refuses unknown fields."""

    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """An RFC 9457 problem document with a machine-readable code."""

    type: str = "about:blank"
    title: str
    status: int
    code: str
    detail: str = ""


class DevTokenIn(Strict):
    """Ask the local dev issuer for a token."""

    name: str = Field(min_length=1, max_length=40)
    device_key: str | None = Field(
        default=None,
        min_length=16,
        max_length=128,
        description=(
            "A random secret the client makes once and keeps: the same key always "
            "gets the same user, so a reload keeps its identity. Without it every "
            "call mints a new user."
        ),
    )


class DevTokenOut(BaseModel):
    """A dev token (local profile only)."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    user_id: str


class QuestionIn(Strict):
    """One authored question."""

    prompt: str = Field(max_length=500)
    kind: Literal["choice", "text"] = "choice"
    choices: list[str] = Field(default_factory=list, max_length=10)
    answer: str = Field(max_length=200)
    accept: list[str] = Field(default_factory=list, max_length=20)
    points: int = Field(default=1000, ge=1, le=10_000)
    seconds: int | None = Field(default=None, ge=1, le=300)


class QuizIn(Strict):
    """An authored quiz."""

    title: str = Field(max_length=200)
    language: str = Field(default="en", max_length=16)
    level: str = Field(default="", max_length=16)
    typo_tolerance: bool = False
    questions: list[QuestionIn] = Field(min_length=1, max_length=200)


class QuizCreated(BaseModel):
    """The id of a new quiz."""

    quiz_id: str


class QuizSummary(BaseModel):
    """A quiz in the list."""

    quiz_id: str
    title: str
    language: str
    level: str
    question_count: int


class QuizList(BaseModel):
    """Every quiz."""

    items: list[QuizSummary]


class PublicQuestion(BaseModel):
    """A question as players see it: no answers."""

    question_id: str
    index: int
    prompt: str
    kind: str
    choices: list[str]
    points: int
    seconds: int | None


class QuizDetail(QuizSummary):
    """A quiz with its questions, without answers."""

    questions: list[PublicQuestion]


class SessionIn(Strict):
    """Create a session (a play of a quiz)."""

    quiz_id: str = Field(min_length=1, max_length=64)
    mode: Literal["live", "self_paced"] = "live"
    question_seconds: int = Field(default=20, ge=1, le=300)
    streak_bonus: bool = True
    close_when_all_answered: bool = Field(
        default=False,
        description="Close the open question as soon as every connected participant answered.",
    )


class SessionCreated(BaseModel):
    """A new session."""

    session_id: str
    quiz_id: str
    mode: str
    status: str
    host_id: str


class CurrentQuestion(BaseModel):
    """The question to answer now, with its server-timed window."""

    question_id: str
    index: int
    prompt: str
    kind: str
    choices: list[str]
    opens_at: str
    closes_at: str


class LastQuestion(BaseModel):
    """The last revealed question, with its answer and statistics."""

    question_id: str
    index: int
    prompt: str
    kind: str
    choices: list[str]
    opens_at: str
    closes_at: str
    closed_at: str
    correct_answer: str
    answer_count: int
    correct_count: int
    correct_share: float
    choice_counts: dict[str, int]


class SessionView(BaseModel):
    """The state of a session."""

    session_id: str
    quiz_id: str
    title: str
    mode: str
    status: Literal["lobby", "running", "finished"]
    host_id: str
    participant_count: int
    question_index: int | None
    question_count: int
    current_question: CurrentQuestion | None
    server_time: str
    phase: Literal["lobby", "question", "reveal", "finished"] = Field(
        description=(
            "What screens show: the lobby, an open question (or one whose answer is "
            "not revealed yet), the reveal of the last question, or the end."
        )
    )
    last_question: LastQuestion | None = Field(
        description="While no question is open: the last revealed question (live mode)."
    )
    close_when_all_answered: bool


class ParticipantOut(BaseModel):
    """The caller's membership of a session."""

    session_id: str
    user_id: str
    display_name: str
    score: int
    rank: int | None


class AnswerIn(Strict):
    """An answer; ``submission_id`` is the client's idempotency key."""

    question_id: str = Field(min_length=1, max_length=64)
    answer: str = Field(max_length=200)
    submission_id: str | None = Field(default=None, pattern=SUBMISSION_ID)


class AnswerAccepted(BaseModel):
    """The answer is durable and on its way to be scored."""

    submission_id: str
    status: Literal["accepted"]


class AnswerScored(BaseModel):
    """The scored result of an answer."""

    submission_id: str
    status: Literal["scored"]
    question_id: str
    correct: bool
    points: int
    streak: int
    score: int
    rank: int | None


class AnswerState(BaseModel):
    """A submission: ``accepted`` while in flight, then ``scored`` with its result."""

    submission_id: str
    status: Literal["accepted", "scored"]
    question_id: str | None = None
    correct: bool | None = None
    points: int | None = None
    streak: int | None = None
    score: int | None = None
    rank: int | None = None


class Status(BaseModel):
    """A probe's answer."""

    status: str


class JwksOut(BaseModel):
    """A JSON Web Key Set."""

    keys: list[dict[str, str]]


class Entry(BaseModel):
    """One line of a leaderboard."""

    rank: int
    user_id: str
    display_name: str
    score: int


class Me(BaseModel):
    """The caller's own standing."""

    rank: int
    score: int


class LeaderboardOut(BaseModel):
    """A session's leaderboard."""

    session_id: str
    version: int
    participant_count: int
    entries: list[Entry]
    me: Me | None


class Standing(Entry):
    """A final standing."""

    correct_count: int


class QuestionStats(BaseModel):
    """How a question went."""

    question_id: str
    index: int
    prompt: str
    correct_answer: str
    answer_count: int
    answers: int
    correct: int
    correct_share: float
    choices: dict[str, int]
    played: bool = Field(description="False for questions never opened (finished early).")


class AnswerOfPlayer(BaseModel):
    """One player's answer to one question (host's results only)."""

    answer: str
    correct: bool
    points: int


class HostStanding(Standing):
    """A final standing with the player's answers (host only)."""

    answers: dict[str, AnswerOfPlayer] | None = None


class ResultsOut(BaseModel):
    """Final standings and per-question statistics."""

    session_id: str
    quiz_id: str
    title: str
    finished_at: str | None
    standings: list[HostStanding]
    questions: list[QuestionStats]


class UserOut(BaseModel):
    """The caller's profile (UMS)."""

    user_id: str
    display_name: str
    status: str
    total_score: int
    sessions_played: int
    global_rank: int | None


class GlobalLeaderboardOut(BaseModel):
    """Standings by total score over all finished sessions."""

    version: int
    participant_count: int
    entries: list[Entry]
    me: Me | None


class Auth0User(BaseModel):
    """The user part of an identity-provider event."""

    model_config = ConfigDict(extra="ignore")

    user_id: str = Field(min_length=1, max_length=128)
    name: str | None = Field(default=None, max_length=100)
    nickname: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=200)
    blocked: bool = False


class Auth0EventIn(BaseModel):
    """A user-lifecycle event from the identity provider."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["user.created", "user.updated", "user.blocked", "user.deleted"]
    user: Auth0User
