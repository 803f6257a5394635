"""The session aggregate: lobby -> running -> finished, with server-timed questions.

Transitions are pure functions: they take the state, the quiz, the actor and
the time, and return the new state with the events it raised. Timing rules
are decided here from the server's clock only.
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass, field
from typing import Any, Literal

from quizcore.errors import (
    Forbidden,
    InvalidRequest,
    NotFound,
    QuestionClosed,
    QuestionNotOpen,
    SessionFinished,
    SessionNotRunning,
)
from quizcore.messages import (
    Message,
    QuestionOpened,
    SessionLockChanged,
    SessionStarted,
)
from quizcore.messages import (
    QuestionClosed as QuestionClosedEvent,
)
from quizcore.messages import (
    SessionFinished as SessionFinishedEvent,
)
from quizcore.names import clean_name
from quizcore.quiz import Question, Quiz, normalise

Mode = Literal["live", "self_paced"]
Status = Literal["lobby", "running", "finished"]
Phase = Literal["lobby", "question", "reveal", "finished"]

JOIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MIN_QUESTION_SECONDS = 1
MAX_QUESTION_SECONDS = 300


def new_session_id(length: int = 6) -> str:
    """Return a random join code from the unambiguous alphabet (no 0/O/1/I)."""
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(length))


def name_key(display_name: str) -> str:
    """Return the form under which two display names count as the same.

    Names are compared as screens show them (``quizcore.names``): "Al\u200bice"
    is Alice's name.
    """
    return normalise(clean_name(display_name))


def is_session_id(text: str) -> bool:
    """Return whether ``text`` has the shape of a join code."""
    return 6 <= len(text) <= 8 and all(char in JOIN_ALPHABET for char in text)


@dataclass(frozen=True, slots=True, kw_only=True)
class Participant:
    """A user who joined a session."""

    session_id: str
    user_id: str
    display_name: str
    joined_at: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionState:
    """One play of a quiz; small, so it can be read on every answer."""

    session_id: str
    quiz_id: str
    title: str
    mode: Mode
    host_id: str
    question_seconds: int
    question_count: int
    created_at: int
    status: Status = "lobby"
    streak_bonus: bool = True
    # Close the open question once every (connected) participant answered.
    close_when_all_answered: bool = False
    # Self-paced: show each player a question's answer once it is over for
    # them (answered, or its time ran out), not only after the finish.
    show_answers: bool = False
    # The host locked the session: nobody new may join (those who joined
    # may come back).
    locked: bool = False
    question_index: int = -1
    started_at: int | None = None
    finished_at: int | None = None
    # Live mode: (opened_at, closes_at) of every question opened so far, by index.
    # A question closed early by the host has closes_at set to that moment.
    windows: tuple[tuple[int, int], ...] = field(default_factory=tuple)
    # Highest question index whose closing was announced (QuestionClosed raised).
    closed_through: int = -1
    # (index, cutoff) of questions closed by the host or because everyone
    # answered: answers received at or after the cutoff are refused, because
    # the answer is revealed at that moment.
    cutoffs: tuple[tuple[int, int], ...] = field(default_factory=tuple)
    version: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-able form."""
        data = dataclasses.asdict(self)
        data["windows"] = [list(window) for window in self.windows]
        data["cutoffs"] = [list(cutoff) for cutoff in self.cutoffs]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionState:
        """Rebuild the state from ``to_dict`` output."""
        values = {f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data}
        values["windows"] = tuple((int(w[0]), int(w[1])) for w in data.get("windows", ()))
        values["cutoffs"] = tuple((int(c[0]), int(c[1])) for c in data.get("cutoffs", ()))
        return cls(**values)

    def current_window(self) -> tuple[int, int] | None:
        """Return the open question's window in live mode, or None."""
        if self.mode != "live" or self.status != "running":
            return None
        if 0 <= self.question_index < len(self.windows):
            return self.windows[self.question_index]
        return None

    def is_open(self, now: int) -> bool:
        """Return whether a live question is open at ``now``."""
        window = self.current_window()
        return (
            window is not None
            and self.closed_through < self.question_index
            and window[0] <= now < window[1]
        )

    def cutoff(self, question_index: int) -> int | None:
        """Return when an early-closed question stopped taking answers, or None."""
        for index, at in self.cutoffs:
            if index == question_index:
                return at
        return None

    def reveal_due(self, grace_ms: int) -> int | None:
        """Return when the open live question's answer may be revealed, or None.

        That is the first millisecond at which no answer to it is accepted any
        more: after its deadline plus the grace for answers in flight.
        """
        window = self.current_window()
        if window is None or self.closed_through >= self.question_index:
            return None
        return window[1] + grace_ms + 1

    def phase(self, now: int) -> Phase:
        """Return the phase a screen shows: lobby, question, reveal or finished."""
        if self.status == "lobby":
            return "lobby"
        if self.status == "finished":
            return "finished"
        if self.mode == "live" and self.closed_through >= self.question_index >= 0:
            return "reveal"
        return "question"

    def last_closed_index(self) -> int | None:
        """Return the index of the last live question whose answer was revealed."""
        if self.mode != "live" or self.closed_through < 0:
            return None
        return self.closed_through

    def played(self, question_index: int) -> bool:
        """Return whether the question was ever opened (live) in this session."""
        if self.mode != "live":
            return self.status != "lobby"
        return question_index < len(self.windows)


def create(
    *,
    session_id: str,
    quiz: Quiz,
    host_id: str,
    mode: str,
    question_seconds: int,
    now: int,
    streak_bonus: bool = True,
    close_when_all_answered: bool = False,
    show_answers: bool = False,
) -> SessionState:
    """Return a new session in the lobby; validate mode and seconds."""
    if mode not in ("live", "self_paced"):
        raise InvalidRequest("mode must be 'live' or 'self_paced'")
    if not MIN_QUESTION_SECONDS <= question_seconds <= MAX_QUESTION_SECONDS:
        raise InvalidRequest("question_seconds must be from 1 to 300")
    return SessionState(
        session_id=session_id,
        quiz_id=quiz.quiz_id,
        title=quiz.title,
        mode=mode,  # type: ignore[arg-type]
        host_id=host_id,
        question_seconds=question_seconds,
        question_count=quiz.question_count,
        created_at=now,
        streak_bonus=streak_bonus,
        close_when_all_answered=close_when_all_answered,
        show_answers=show_answers,
    )


def limit_ms(state: SessionState, question: Question) -> int:
    """Return the time limit of ``question`` in this session, in milliseconds."""
    return question.limit_seconds(state.question_seconds) * 1000


# A live question reaches a large room's screens over a while (the last of
# 10,000 more than a second after the first); its deadline makes up for
# that, in steps of ``REACH_STEP_MS``, once the reach is ``REACH_FLOOR_MS``
# or more (a classroom's screens are reached within a few milliseconds, and
# its questions stay open exactly their seconds). Never by more than
# ``REACH_MAX_MS``, nor a quarter of the question's own time.
REACH_FLOOR_MS = 50
REACH_STEP_MS = 250
REACH_MAX_MS = 5000


def reach_allowance(reach_ms: int, limit: int) -> int:
    """Return how much later a live question closes, for a room it takes ``reach_ms`` to reach.

    Every player is then left the question's whole time from when their
    screen was handed it: the players reached first have up to that much
    more. ``reach_ms`` is the hub's estimate, from how long the room's last
    question took to reach every socket it had; a tenth is added to it.
    """
    if reach_ms < REACH_FLOOR_MS:
        return 0
    # A tenth more: the hub measures when it handed the frame to the last
    # socket's queue, and the frame still has to leave the process.
    needed = reach_ms + reach_ms // 10
    steps = -(-needed // REACH_STEP_MS)
    return min(steps * REACH_STEP_MS, REACH_MAX_MS, limit // 4)


def _require_host(state: SessionState, actor: str) -> None:
    if actor != state.host_id:
        raise Forbidden("only the host may do this")


def _require_live_host(state: SessionState, actor: str, action: str) -> None:
    """Refuse a host's question move unless a live session is running."""
    _require_host(state, actor)
    if state.status == "finished":
        raise SessionFinished(f"session {state.session_id} is finished")
    if state.status != "running":
        raise SessionNotRunning(f"session {state.session_id} has not started")
    if state.mode != "live":
        raise InvalidRequest(f"a self-paced session has no shared question to {action}")


def _bump(state: SessionState, **changes: Any) -> SessionState:
    return dataclasses.replace(state, version=state.version + 1, **changes)


def _open(
    state: SessionState, quiz: Quiz, index: int, now: int, reach_ms: int
) -> tuple[SessionState, Message]:
    question = quiz.questions[index]
    limit = limit_ms(state, question)
    closes_at = now + limit + reach_allowance(reach_ms, limit)
    state = _bump(state, question_index=index, windows=(*state.windows, (now, closes_at)))
    event = QuestionOpened(
        session_id=state.session_id,
        question_id=question.question_id,
        index=index,
        opens_at=now,
        closes_at=closes_at,
    )
    return state, event


def _close_current(state: SessionState, quiz: Quiz, now: int) -> tuple[SessionState, list[Message]]:
    """Close the open live question at ``now``, if it is still unrevealed.

    Its answer is revealed now, so nothing received from now on is accepted
    (the cutoff), whatever grace the deadline had left. Past its deadline,
    the deadline stands as the closing time.
    """
    window = state.current_window()
    if window is None or state.closed_through >= state.question_index:
        return state, []
    opened_at, closes_at = window
    windows = list(state.windows)
    if now >= closes_at:
        closed_at = closes_at
    else:
        closed_at = max(now, opened_at)
        windows[state.question_index] = (opened_at, closed_at)
    cutoffs = (*state.cutoffs, (state.question_index, max(now, opened_at)))
    question = quiz.questions[state.question_index]
    event = QuestionClosedEvent(
        session_id=state.session_id,
        question_id=question.question_id,
        index=question.index,
        closed_at=closed_at,
    )
    state = _bump(
        state, windows=tuple(windows), cutoffs=cutoffs, closed_through=state.question_index
    )
    return state, [event]


def start(
    state: SessionState, quiz: Quiz, actor: str, now: int, *, reach_ms: int = 0
) -> tuple[SessionState, list[Message]]:
    """Start the session; live mode opens question 0.

    ``reach_ms``: how long the question is expected to take to reach every
    screen of the room (``reach_allowance``).
    """
    _require_host(state, actor)
    if state.status == "finished":
        raise SessionFinished(f"session {state.session_id} is finished")
    if state.status == "running":
        return state, []
    state = _bump(state, status="running", started_at=now)
    events: list[Message] = [SessionStarted(session_id=state.session_id, mode=state.mode, at=now)]
    if state.mode == "live":
        state, opened = _open(state, quiz, 0, now, reach_ms)
        events.append(opened)
    return state, events


def advance(
    state: SessionState, quiz: Quiz, actor: str, now: int, *, reach_ms: int = 0
) -> tuple[SessionState, list[Message]]:
    """Close the open question and open the next; finish after the last.

    ``reach_ms`` as for ``start``.
    """
    _require_live_host(state, actor, "move on")
    state, events = _close_current(state, quiz, now)
    following = state.question_index + 1
    if following >= quiz.question_count:
        state = _bump(state, status="finished", finished_at=now)
        events.append(SessionFinishedEvent(session_id=state.session_id, at=now))
        return state, events
    state, opened = _open(state, quiz, following, now, reach_ms)
    events.append(opened)
    return state, events


def finish(
    state: SessionState, quiz: Quiz, actor: str, now: int
) -> tuple[SessionState, list[Message]]:
    """Finish the session (idempotent); an open live question closes first."""
    _require_host(state, actor)
    if state.status == "finished":
        return state, []
    events: list[Message] = []
    if state.status == "running" and state.mode == "live":
        state, events = _close_current(state, quiz, now)
    state = _bump(state, status="finished", finished_at=now)
    events.append(SessionFinishedEvent(session_id=state.session_id, at=now))
    return state, events


def set_locked(
    state: SessionState, actor: str, now: int, *, locked: bool
) -> tuple[SessionState, list[Message]]:
    """Lock the session to newcomers, or open it again (host only, idempotent).

    A class that is in shuts the door on a code passed on to another room
    (or to a script): those who joined may still come back, in the lobby
    or while it runs.
    """
    _require_host(state, actor)
    if state.status == "finished":
        raise SessionFinished(f"session {state.session_id} is finished")
    if state.locked == locked:
        return state, []
    state = _bump(state, locked=locked)
    return state, [SessionLockChanged(session_id=state.session_id, locked=locked, at=now)]


def reveal(
    state: SessionState, quiz: Quiz, actor: str, now: int
) -> tuple[SessionState, list[Message]]:
    """Close the open live question without opening the next (idempotent)."""
    _require_live_host(state, actor, "reveal")
    return _close_current(state, quiz, now)


def close_answered(
    state: SessionState, quiz: Quiz, question_index: int, now: int
) -> tuple[SessionState, list[Message]]:
    """Close question ``question_index`` early because everyone answered it."""
    if (
        not state.close_when_all_answered
        or state.question_index != question_index
        or state.current_window() is None
    ):
        return state, []
    return _close_current(state, quiz, now)


def close_due(
    state: SessionState, quiz: Quiz, now: int, *, grace_ms: int
) -> tuple[SessionState, list[Message]]:
    """Reveal the live question whose deadline and grace passed, once (idempotent).

    The answer is revealed only when no answer to the question can be
    accepted any more, so nobody can answer with the revealed answer.
    """
    due = state.reveal_due(grace_ms)
    if due is None or now < due:
        return state, []
    return _close_current(state, quiz, now)


def progress(
    state: SessionState,
    quiz: Quiz,
    *,
    answered: set[str],
    served: dict[int, int],
    now: int,
) -> tuple[int, bool]:
    """Return how far one player got: (questions shown to them, none left to answer).

    A question is left while it is not answered and its time has not run
    out for the player: live, until the room's deadline or the host's
    reveal; self-paced, until its limit from when it was served (one never
    served is left, as the player's screen serves it next). Nothing is left
    once the session finished. ``served``: the player's serve times by
    question index (self-paced).
    """
    if state.mode == "live":
        reached = min(len(state.windows), len(quiz.questions))
    else:
        reached = sum(1 for index in served if 0 <= index < len(quiz.questions))
    if state.status == "finished":
        return reached, True
    if state.status == "lobby":
        return reached, False
    for question in quiz.questions:
        if question.question_id in answered:
            continue
        if state.mode == "live":
            if question.index >= len(state.windows):
                return reached, False
            closes_at = state.windows[question.index][1]
            if question.index > state.closed_through and now < closes_at:
                return reached, False
            continue
        served_at = served.get(question.index)
        if served_at is None or now < served_at + limit_ms(state, question):
            return reached, False
    return reached, True


def answer_out(
    state: SessionState,
    question: Question,
    *,
    answered: bool,
    served_at: int | None,
    now: int,
    grace_ms: int,
) -> bool:
    """Return whether a question's answer may be shown to one viewer.

    Nothing shows an answer while the server may still take one that it
    helps: for everyone once the session finished; live, once the question
    was revealed (its deadline and grace passed, or the host's reveal); in
    a self-paced session whose host chose ``show_answers``, to a player who
    answered it (one answer each) or whose time for it ran out, grace
    included. ``served_at``: when it was served to the viewer (self-paced).
    """
    if state.status != "running" or state.mode == "live":
        return responses_out(state, question)
    if not state.show_answers:
        return False
    if answered:
        return True
    return served_at is not None and now > served_at + limit_ms(state, question) + grace_ms


def check_answer(
    state: SessionState,
    quiz: Quiz,
    *,
    question_id: str,
    received_at: int,
    served_at: int | None,
    grace_ms: int,
) -> tuple[Question, int, int]:
    """Decide whether an answer received at ``received_at`` may count.

    Return ``(question, opened_at, limit_ms)`` for the participant, or raise
    the rule it breaks. ``served_at`` is when a self-paced question was served
    to this participant.
    """
    if state.status == "lobby":
        raise SessionNotRunning(f"session {state.session_id} has not started")
    question = quiz.question(question_id)
    if question is None:
        raise NotFound(f"no question {question_id} in this quiz")
    limit = limit_ms(state, question)
    opened_at = check_window(
        state,
        question_id=question_id,
        question_index=question.index,
        limit=limit,
        received_at=received_at,
        served_at=served_at,
        grace_ms=grace_ms,
    )
    return question, opened_at, limit


def player_opening(
    state: SessionState, question_index: int, opened_at: int, seen_at: int, received_at: int
) -> int:
    """Return when a live question opened for one player: when they were shown it.

    ``seen_at`` (when the question's frame was handed to the player's socket,
    or a read showed it) counts from the room's opening until its deadline.
    An answer received before it was seen there came from a sight elsewhere,
    and a sight at or past the deadline (in the grace) gains nothing: both
    keep the room's ``opened_at``. The deadline stays the room's: only the
    answer's time, and so its speed points, runs from the player's own
    opening.
    """
    if state.mode != "live" or question_index >= len(state.windows) or seen_at > received_at:
        return opened_at
    if seen_at >= state.windows[question_index][1]:
        return opened_at
    return max(opened_at, seen_at)


def check_window(
    state: SessionState,
    *,
    question_id: str,
    question_index: int,
    limit: int,
    received_at: int,
    served_at: int | None,
    grace_ms: int,
) -> int:
    """Return when the question opened for the participant, or raise why it is not open.

    Decided by server time and session state alone (no quiz needed), so the
    API and the stream processor, wherever it runs, decide alike.
    """
    if state.status == "lobby":
        raise SessionNotRunning(f"session {state.session_id} has not started")
    if state.mode == "live":
        if question_index >= len(state.windows):
            if state.status == "finished":
                raise SessionFinished(f"session {state.session_id} is finished")
            raise QuestionNotOpen(f"question {question_id} has not opened")
        opened_at, closes_at = state.windows[question_index]
        if received_at < opened_at:
            raise QuestionNotOpen(f"question {question_id} has not opened")
        cutoff = state.cutoff(question_index)
        if cutoff is not None and received_at >= cutoff:
            # Closed early: its answer was revealed at the cutoff.
            raise QuestionClosed(f"question {question_id} closed at {cutoff}")
        if received_at > closes_at + grace_ms:
            raise QuestionClosed(f"question {question_id} closed at {closes_at}")
        return opened_at
    if served_at is None or received_at < served_at:
        if served_at is None and state.status == "finished":
            raise SessionFinished(f"session {state.session_id} is finished")
        raise QuestionNotOpen(f"question {question_id} has not been served to you")
    deadline = served_at + limit
    if state.finished_at is not None and received_at >= state.finished_at:
        # The results, with every answer, are out from the finish on.
        raise QuestionClosed(f"question {question_id} closed at {state.finished_at}")
    if received_at > deadline + grace_ms:
        raise QuestionClosed(f"question {question_id} closed at {deadline}")
    return served_at


def responses_out(state: SessionState, question: Question) -> bool:
    """Return whether the host may see what the class answered to a question.

    Not while a live question may still take an answer: the host's screen
    is the room's projector, and the words on it would answer for whoever
    has not yet. Live, once the question was revealed; self-paced, at any
    time (the teacher follows homework, which nobody sees over their
    shoulder); every question once the session finished.
    """
    if state.status != "running":
        return state.status == "finished"
    return state.mode != "live" or question.index <= state.closed_through
