"""Request and response models; the OpenAPI document is generated from them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

SUBMISSION_ID = r"^[A-Za-z0-9._:\-]{1,64}$"
# Control characters (C0, DEL and C1): never in text people see.
CONTROL = r"\x00-\x1f\x7f-\x9f"
# Characters that show nothing on their own: format characters (zero-width
# spaces and joiners, direction marks, the byte order mark, soft hyphens),
# combining marks with nothing to sit on, variation selectors and the
# fillers that render blank (Hangul, Braille).
INVISIBLE = (
    r"\u00ad\u0300-\u036f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    r"\u200b-\u200f\u202a-\u202e\u2060-\u206f\u20d0-\u20ff\u2800\u3164"
    r"\ufe00-\ufe0f\ufe20-\ufe2f\ufeff\uffa0"
)
# Free text people see: no control characters, and something visible, not
# only spaces or characters that show nothing.
VISIBLE_TEXT = rf"^[^{CONTROL}]*[^\s{CONTROL}{INVISIBLE}][^{CONTROL}]*$"
# What each pattern asks for, in words, for the problem's detail.
PATTERN_WORDS = {
    VISIBLE_TEXT: "needs a character that shows, and no control characters",
    SUBMISSION_ID: "1 to 64 letters, digits, '.', '_', ':' or '-'",
}


def _whole_number(value: Any) -> Any:
    """Read 20.0 as 20: JSON Schema counts it an integer; strict mode would not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def whole(low: int, high: int) -> Any:
    """Return an integer type for request bodies: 20 or 20.0, never true or "20"."""
    # The bounds go before the validator, so the schema shows them as
    # minimum/maximum (after it, pydantic cannot express them).
    return Annotated[int, Field(ge=low, le=high), BeforeValidator(_whole_number)]


class Strict(BaseModel):
    """A request body: unknown fields refused, no type coercion.

    Strict mode refuses what JSON Schema refuses: ``true`` or ``"20"`` for an
    integer, ``"yes"`` or ``1`` for a boolean, a number for a string.
    """

    model_config = ConfigDict(extra="forbid", strict=True)


class Problem(BaseModel):
    """An RFC 9457 problem document with a machine-readable code."""

    type: str = "about:blank"
    title: str
    status: int
    code: str
    detail: str = ""


class DevTokenIn(Strict):
    """Ask the local dev issuer for a token."""

    name: str = Field(min_length=1, max_length=40, pattern=VISIBLE_TEXT)
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
    """One authored question.

    Beyond what the schema states: a ``choice`` question's ``answer`` must be
    one of its ``choices``, choices must differ after normalisation (case,
    spaces, surrounding punctuation) and hold no characters that show nothing
    (zero-width spaces, direction marks; a zero-width joiner only before an
    emoji), and a ``text`` answer needs a letter or digit. Such a quiz is
    refused with 400 ``invalid_request``.
    """

    prompt: str = Field(min_length=1, max_length=500, pattern=VISIBLE_TEXT)
    kind: Literal["choice", "text"] = "choice"
    choices: list[str] = Field(default_factory=list, max_length=10)
    answer: str = Field(min_length=1, max_length=200, pattern=VISIBLE_TEXT)
    accept: list[str] = Field(default_factory=list, max_length=20)
    points: whole(1, 10_000) = 1000  # type: ignore[valid-type]
    seconds: whole(1, 300) | None = None  # type: ignore[valid-type]


class ChoiceQuestionIn(QuestionIn):
    """A question answered by picking one of 2 to 10 choices."""

    kind: Literal["choice"] = "choice"
    choices: list[Annotated[str, Field(min_length=1, max_length=200, pattern=VISIBLE_TEXT)]] = (
        Field(min_length=2, max_length=10, json_schema_extra={"uniqueItems": True})
    )
    accept: list[str] = Field(default_factory=list, max_length=0)


class TextQuestionIn(QuestionIn):
    """A question answered by typing; ``accept`` lists alternates."""

    kind: Literal["text"]
    choices: list[str] = Field(default_factory=list, max_length=0)
    accept: list[Annotated[str, Field(min_length=1, max_length=200, pattern=VISIBLE_TEXT)]] = Field(
        default_factory=list, max_length=20
    )


class QuizIn(Strict):
    """An authored quiz."""

    title: str = Field(min_length=1, max_length=200, pattern=VISIBLE_TEXT)
    language: str = Field(default="en", min_length=1, max_length=16, pattern=VISIBLE_TEXT)
    level: str = Field(default="", max_length=16)
    typo_tolerance: bool = False
    questions: list[
        Annotated[ChoiceQuestionIn | TextQuestionIn, Field(union_mode="left_to_right")]
    ] = Field(min_length=1, max_length=200)


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
    """A page of quizzes; ``next_cursor`` fetches the next one (null at the end)."""

    items: list[QuizSummary]
    next_cursor: str | None = None


class QuizListQuery(BaseModel):
    """Paging of the quiz list: pass a page's ``next_cursor`` to get the next."""

    limit: int = Field(default=100, ge=1, le=100)
    cursor: str | None = Field(
        default=None,
        pattern=r"^[0-9]{1,9}$",
        description="Opaque: a previous page's next_cursor. Past the end, a page is empty.",
    )
    mine: bool = Field(
        default=False, description="(v1.2) Only the quizzes the caller wrote (and may delete)."
    )


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
    question_seconds: whole(1, 300) = 20  # type: ignore[valid-type]
    streak_bonus: bool = True
    close_when_all_answered: bool = Field(
        default=False,
        description="Close the open question as soon as every connected participant answered.",
    )
    show_answers: bool = Field(
        default=False,
        description=(
            "(v1.2, self-paced) Show each player a question's answer once it is over for "
            "them (answered, or its time ran out), not only after the finish."
        ),
    )


class SessionCreated(BaseModel):
    """A new session."""

    session_id: str
    quiz_id: str
    mode: str
    status: str
    host_id: str


class QuestionAnswer(BaseModel):
    """(v1.2) A question's right answer, once it may be shown to the caller."""

    question_id: str
    index: int
    correct_answer: str


class AnswerGroup(BaseModel):
    """(v1.2) One group of like answers: its most typed spelling, how many gave it."""

    answer: str
    count: int
    correct: bool


class Responses(BaseModel):
    """(v1.2) What the class answered to one question, the most given first."""

    question_id: str
    index: int
    kind: str
    answer_count: int
    distinct_count: int
    responses: list[AnswerGroup]
    other_count: int


class CurrentQuestion(BaseModel):
    """The question to answer now, with its server-timed window."""

    question_id: str
    index: int
    prompt: str
    kind: str
    choices: list[str]
    opens_at: str
    closes_at: str
    seconds: int = Field(
        description=(
            "(v1.2) The question's time as set. A large room's live window"
            " (closes_at - opens_at) is longer by the time the question takes"
            " to reach its screens; a countdown shows at most these seconds."
        )
    )


class LastQuestion(BaseModel):
    """The last revealed question, with its answer and statistics."""

    question_id: str
    index: int
    prompt: str
    kind: str
    choices: list[str]
    opens_at: str
    closes_at: str
    seconds: int = Field(description="(v1.2) The question's time as set.")
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
    locked: bool = Field(
        description="(v1.2) The host locked the session: nobody new may join (409 session_locked)."
    )


class ParticipantOut(BaseModel):
    """The caller's membership of a session."""

    session_id: str
    user_id: str
    display_name: str
    score: int
    rank: int | None


class ParticipantName(BaseModel):
    """One participant, as the host's list of players shows them."""

    user_id: str
    display_name: str


class ParticipantList(BaseModel):
    """(v1.2) Every participant of a session, in the order they joined (host only)."""

    items: list[ParticipantName]


class ProgressItem(BaseModel):
    """(v1.2) How far one player got."""

    user_id: str
    display_name: str
    answered: int = Field(description="Questions the player answered.")
    correct: int = Field(description="Of those, answered correctly (as scored so far).")
    reached: int = Field(
        description="Questions shown to the player so far (self-paced: served; live: opened)."
    )
    done: bool = Field(
        description=(
            "No question is left for the player: each is answered or its time ran out "
            "for them (every one once the session finished)."
        )
    )
    score: int
    here: bool | None = Field(
        description=(
            "The player has a screen open on the session (or had, less than "
            "QUIZ_PRESENCE_GRACE_SECONDS ago); null where the server cannot tell."
        )
    )


class Progress(BaseModel):
    """(v1.2) Every player's progress, in the order they joined (host only)."""

    session_id: str
    question_count: int
    done_count: int = Field(description="How many players are done.")
    items: list[ProgressItem]


class AnswerIn(Strict):
    """An answer; ``submission_id`` is the client's idempotency key."""

    question_id: str = Field(min_length=1, max_length=64)
    answer: str = Field(min_length=1, max_length=200)
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
    """One player's answer to one question (the host's results, and a player's own)."""

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
    # How many standings there are, however many are listed (v1.2).
    participant_count: int | None = None
    # A participant's copy: their own answers by question id, and their standing (v1.2).
    my_answers: dict[str, AnswerOfPlayer] | None = None
    me: Standing | None = None


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
