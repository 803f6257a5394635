"""The session aggregate as pure transitions: states, host rights and answer timing."""

from __future__ import annotations

import dataclasses
import typing

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizcore import messages
from quizcore import session as rules
from quizcore.errors import (
    Forbidden,
    InvalidRequest,
    NotFound,
    QuestionClosed,
    QuestionNotOpen,
    QuizError,
    SessionFinished,
    SessionNotRunning,
)
from quizcore.quiz import Quiz, build_quiz
from quizcore.session import SessionState
from tests.unit.support import CORE, HOST, quiz_raw

T0 = 1_000_000
QUIZ = build_quiz("qz", quiz_raw(3))


def new_state(mode: str = "live", seconds: int = 10, quiz: Quiz = QUIZ) -> SessionState:
    return rules.create(
        session_id="ABCDEF", quiz=quiz, host_id=HOST, mode=mode, question_seconds=seconds, now=T0
    )


def running(mode: str = "live", seconds: int = 10, quiz: Quiz = QUIZ) -> SessionState:
    state, _ = rules.start(new_state(mode, seconds, quiz), quiz, HOST, T0)
    return state


def kinds(events: list[messages.Message]) -> list[str]:
    return [event.kind for event in events]


# --- creation ---------------------------------------------------------------------


def test_join_codes_use_the_unambiguous_alphabet() -> None:
    for length in (6, 7, 8):
        code = rules.new_session_id(length)
        assert len(code) == length
        assert rules.is_session_id(code)
        assert not set(code) & set("0O1I")
    assert not rules.is_session_id("ABCDE")
    assert not rules.is_session_id("ABCDEFGHJ")
    assert not rules.is_session_id("ABCDE0")


@pytest.mark.parametrize(("mode", "seconds"), [("team", 10), ("live", 0), ("self_paced", 301)])
def test_session_with_bad_mode_or_seconds_is_refused(mode: str, seconds: int) -> None:
    with pytest.raises(InvalidRequest) as caught:
        new_state(mode, seconds)
    assert caught.value.code == "invalid_request"


def test_new_session_waits_in_the_lobby() -> None:
    state = new_state()

    assert state.status == "lobby"
    assert state.question_index == -1
    assert state.question_count == 3
    assert state.current_window() is None


def test_state_survives_its_stored_form_round_trip() -> None:
    state, _ = rules.advance(running(), QUIZ, HOST, T0 + 2000)

    assert SessionState.from_dict(state.to_dict()) == state


# --- host transitions -------------------------------------------------------------


@pytest.mark.parametrize("transition", [rules.start, rules.advance, rules.finish])
def test_only_the_host_may_start_advance_or_finish(transition: object) -> None:
    for state in (new_state(), running()):
        with pytest.raises(Forbidden) as caught:
            transition(state, QUIZ, "guest", T0)  # type: ignore[operator]
        assert caught.value.code == "forbidden"


def test_starting_a_live_session_opens_the_first_question() -> None:
    state, events = rules.start(new_state(), QUIZ, HOST, T0)

    assert state.status == "running"
    assert state.question_index == 0
    assert state.windows == ((T0, T0 + 10_000),)
    assert kinds(events) == ["SessionStarted", "QuestionOpened"]
    assert state.is_open(T0)
    assert not state.is_open(T0 + 10_000)


@pytest.mark.parametrize(
    ("reach", "allowance"),
    [(0, 0), (49, 0), (50, 250), (228, 250), (229, 500), (1_400, 1_750), (2_400, 2_500)],
)
def test_a_large_rooms_question_closes_later_by_the_time_it_takes_to_reach_it(
    reach: int, allowance: int
) -> None:
    state, events = rules.start(new_state(seconds=10), QUIZ, HOST, T0, reach_ms=reach)
    assert state.windows == ((T0, T0 + 10_000 + allowance),)
    opened = events[-1]
    assert isinstance(opened, messages.QuestionOpened)
    assert opened.closes_at == T0 + 10_000 + allowance, "what the room is told is what counts"

    moved, _ = rules.advance(state, QUIZ, HOST, T0 + 3_000, reach_ms=reach)
    assert moved.windows[1] == (T0 + 3_000, T0 + 13_000 + allowance)


def test_a_rooms_reach_adds_at_most_a_quarter_of_the_question_and_five_seconds() -> None:
    short, _ = rules.start(new_state(seconds=4), QUIZ, HOST, T0, reach_ms=3_000)
    long, _ = rules.start(new_state(seconds=120), QUIZ, HOST, T0, reach_ms=60_000)

    assert short.windows == ((T0, T0 + 5_000),)
    assert long.windows == ((T0, T0 + 125_000),)


@given(reach=st.integers(0, 10**7), limit=st.integers(1_000, 300_000))
def test_an_allowance_never_shortens_a_question_nor_doubles_it(reach: int, limit: int) -> None:
    allowance = rules.reach_allowance(reach, limit)

    assert 0 <= allowance <= min(rules.REACH_MAX_MS, limit // 4)
    assert allowance % rules.REACH_STEP_MS == 0 or allowance == limit // 4
    cap = min(rules.REACH_MAX_MS, limit // 4)
    if reach >= rules.REACH_FLOOR_MS and reach + rules.REACH_STEP_MS <= cap:
        assert allowance >= reach, "the last screen reached keeps the whole time"


def test_starting_a_self_paced_session_opens_no_shared_question() -> None:
    state, events = rules.start(new_state("self_paced"), QUIZ, HOST, T0)

    assert state.status == "running"
    assert state.windows == ()
    assert kinds(events) == ["SessionStarted"]


def test_starting_twice_changes_nothing() -> None:
    state = running()

    again, events = rules.start(state, QUIZ, HOST, T0 + 5)

    assert again is state
    assert events == []


def test_a_finished_session_cannot_start_or_advance() -> None:
    state, _ = rules.finish(running(), QUIZ, HOST, T0 + 1)

    with pytest.raises(SessionFinished):
        rules.start(state, QUIZ, HOST, T0 + 2)
    with pytest.raises(SessionFinished):
        rules.advance(state, QUIZ, HOST, T0 + 2)


def test_advancing_before_the_start_is_refused_as_not_running() -> None:
    with pytest.raises(SessionNotRunning) as caught:
        rules.advance(new_state(), QUIZ, HOST, T0)
    assert caught.value.code == "session_not_running"


def test_a_self_paced_session_has_no_question_to_advance() -> None:
    with pytest.raises(InvalidRequest):
        rules.advance(running("self_paced"), QUIZ, HOST, T0)


def test_advance_closes_the_open_question_early_and_opens_the_next() -> None:
    state, events = rules.advance(running(), QUIZ, HOST, T0 + 3000)

    assert kinds(events) == ["QuestionClosed", "QuestionOpened"]
    assert state.windows == ((T0, T0 + 3000), (T0 + 3000, T0 + 13_000))
    assert state.question_index == 1
    assert events[0].closed_at == T0 + 3000  # type: ignore[attr-defined]


def test_advance_after_the_deadline_keeps_the_deadline_as_closing_time() -> None:
    state, events = rules.advance(running(), QUIZ, HOST, T0 + 60_000)

    assert state.windows[0] == (T0, T0 + 10_000)
    assert events[0].closed_at == T0 + 10_000  # type: ignore[attr-defined]


def test_advancing_past_the_last_question_finishes_the_session() -> None:
    state = running()
    for step in range(1, 3):
        state, _ = rules.advance(state, QUIZ, HOST, T0 + step * 1000)

    state, events = rules.advance(state, QUIZ, HOST, T0 + 3000)

    assert state.status == "finished"
    assert state.finished_at == T0 + 3000
    assert kinds(events) == ["QuestionClosed", "SessionFinished"]


def test_finishing_twice_changes_nothing() -> None:
    state, events = rules.finish(running(), QUIZ, HOST, T0 + 100)
    again, more = rules.finish(state, QUIZ, HOST, T0 + 200)

    assert kinds(events) == ["QuestionClosed", "SessionFinished"]
    assert again is state
    assert more == []


def test_finishing_from_the_lobby_needs_no_question_closed() -> None:
    state, events = rules.finish(new_state(), QUIZ, HOST, T0)

    assert state.status == "finished"
    assert kinds(events) == ["SessionFinished"]


def test_due_question_closes_once() -> None:
    state = running()

    # Revealed only once the 500 ms grace after the 10 s deadline ran out too.
    early, none = rules.close_due(state, QUIZ, T0 + 10_500, grace_ms=500)
    closed, events = rules.close_due(state, QUIZ, T0 + 10_501, grace_ms=500)
    again, more = rules.close_due(closed, QUIZ, T0 + 20_000, grace_ms=500)

    assert early is state and none == []
    assert kinds(events) == ["QuestionClosed"]
    assert not closed.is_open(T0 + 5000)
    assert again is closed and more == []


def test_every_change_bumps_the_version() -> None:
    state = new_state()
    versions = [state.version]
    state, _ = rules.start(state, QUIZ, HOST, T0)
    versions.append(state.version)
    state, _ = rules.advance(state, QUIZ, HOST, T0 + 1)
    versions.append(state.version)
    state, _ = rules.finish(state, QUIZ, HOST, T0 + 2)
    versions.append(state.version)

    assert versions == sorted(set(versions))


# --- answer timing: a closed question accepts nothing -------------------------------


def check(state: SessionState, received_at: int, served_at: int | None = None) -> int:
    """Return opened_at of an accepted answer to q1, or raise the broken rule."""
    _, opened_at, _ = rules.check_answer(
        state, QUIZ, question_id="q1", received_at=received_at, served_at=served_at, grace_ms=500
    )
    return opened_at


@CORE
@given(st.integers(min_value=-5000, max_value=20_000), st.integers(1, 300))
def test_live_answer_counts_only_between_opening_and_deadline_plus_grace(
    offset: int, seconds: int
) -> None:
    state = running(seconds=seconds)
    limit = seconds * 1000

    if offset < 0:
        with pytest.raises(QuestionNotOpen):
            check(state, T0 + offset)
    elif offset > limit + 500:
        with pytest.raises(QuestionClosed) as caught:
            check(state, T0 + offset)
        assert caught.value.code == "question_closed"
    else:
        assert check(state, T0 + offset) == T0


@CORE
@given(st.integers(0, 9_999), st.integers(0, 12_000))
def test_question_closed_by_the_host_accepts_nothing_from_the_reveal_on(
    closed_after: int, offset: int
) -> None:
    state, _ = rules.advance(running(), QUIZ, HOST, T0 + closed_after)

    if offset >= closed_after:
        with pytest.raises(QuestionClosed):
            check(state, T0 + offset)
    else:
        assert check(state, T0 + offset) == T0


@CORE
@given(st.integers(10_000, 10_600), st.integers(0, 12_000))
def test_host_moving_on_during_the_grace_ends_the_grace(closed_after: int, offset: int) -> None:
    state, events = rules.reveal(running(), QUIZ, HOST, T0 + closed_after)

    assert kinds(events) == ["QuestionClosed"]
    if offset >= closed_after or offset > 10_500:
        with pytest.raises(QuestionClosed):
            check(state, T0 + offset)
    else:
        assert check(state, T0 + offset) == T0


@CORE
@given(st.integers(0, 50_000), st.integers(-2000, 15_000))
def test_self_paced_answer_counts_until_served_plus_limit_plus_grace(
    served_after: int, offset: int
) -> None:
    state = running("self_paced")
    served_at = T0 + served_after
    received_at = served_at + max(offset, 0)

    if offset > 10_500:
        with pytest.raises(QuestionClosed):
            check(state, received_at, served_at)
    else:
        assert check(state, received_at, served_at) == served_at


@CORE
@given(
    st.sampled_from(["live", "self_paced"]),
    st.sampled_from(["lobby", "running", "advanced", "finished"]),
    st.sampled_from(["q1", "q2", "q3"]),
    st.integers(-2000, 30_000),
    st.none() | st.integers(0, 20_000),
)
def test_window_check_decides_as_the_full_check(
    mode: str, stage: str, question_id: str, offset: int, served_after: int | None
) -> None:
    """The stream processor (check_window) and the API (check_answer) agree."""
    state = new_state(mode)
    if stage != "lobby":
        state, _ = rules.start(state, QUIZ, HOST, T0)
    if stage == "advanced" and mode == "live":
        state, _ = rules.advance(state, QUIZ, HOST, T0 + 3000)
    if stage == "finished":
        state, _ = rules.finish(state, QUIZ, HOST, T0 + 4000)
    served_at = None if served_after is None else T0 + served_after
    received_at = T0 + offset
    question = QUIZ.question(question_id)
    assert question is not None

    def outcome(run: typing.Callable[[], object]) -> object:
        try:
            return run()
        except QuizError as ex:
            return type(ex)

    full = outcome(
        lambda: rules.check_answer(
            state,
            QUIZ,
            question_id=question_id,
            received_at=received_at,
            served_at=served_at,
            grace_ms=500,
        )
    )
    window = outcome(
        lambda: rules.check_window(
            state,
            question_id=question_id,
            question_index=question.index,
            limit=rules.limit_ms(state, question),
            received_at=received_at,
            served_at=served_at,
            grace_ms=500,
        )
    )

    assert window == (full[1] if isinstance(full, tuple) else full)


def test_self_paced_answer_received_before_it_was_served_is_not_open() -> None:
    state = running("self_paced")

    with pytest.raises(QuestionNotOpen):
        check(state, T0 + 1000, served_at=T0 + 5000)


def test_self_paced_question_closes_when_the_host_finishes() -> None:
    state, _ = rules.finish(running("self_paced"), QUIZ, HOST, T0 + 2000)

    # The results are out from the finish on: no grace after it.
    assert check(state, T0 + 1999, served_at=T0 + 1000) == T0 + 1000
    with pytest.raises(QuestionClosed):
        check(state, T0 + 2000, served_at=T0 + 1000)


def test_unserved_self_paced_question_is_not_open() -> None:
    with pytest.raises(QuestionNotOpen) as caught:
        check(running("self_paced"), T0)
    assert caught.value.code == "question_not_open"


def test_live_question_not_yet_opened_is_not_open() -> None:
    with pytest.raises(QuestionNotOpen):
        rules.check_answer(
            running(), QUIZ, question_id="q2", received_at=T0, served_at=None, grace_ms=500
        )


def test_answer_in_the_lobby_is_refused_as_not_running() -> None:
    with pytest.raises(SessionNotRunning):
        check(new_state(), T0)


def test_answer_to_a_question_never_opened_in_a_finished_session_is_refused() -> None:
    state, _ = rules.finish(running(), QUIZ, HOST, T0 + 100)

    with pytest.raises(SessionFinished):
        rules.check_answer(
            state, QUIZ, question_id="q3", received_at=T0 + 200, served_at=None, grace_ms=500
        )


def test_answer_to_an_unknown_question_is_not_found() -> None:
    with pytest.raises(NotFound):
        rules.check_answer(
            running(), QUIZ, question_id="q9", received_at=T0, served_at=None, grace_ms=500
        )


def test_question_seconds_override_the_session_limit() -> None:
    quiz = build_quiz("qz", quiz_raw(2, seconds=5))
    state = running(seconds=30, quiz=quiz)

    _, _, limit = rules.check_answer(
        state, quiz, question_id="q1", received_at=T0, served_at=None, grace_ms=0
    )

    assert limit == 5000
    assert state.windows[0] == (T0, T0 + 5000)


def test_live_progress_counts_opened_questions_and_leaves_none_after_the_last_closes() -> None:
    ids = [question.question_id for question in QUIZ.questions]
    state = running(seconds=10)  # the first question open from T0
    at_first = rules.progress(state, QUIZ, answered=set(), served={}, now=T0 + 1)
    answered_first = rules.progress(state, QUIZ, answered={ids[0]}, served={}, now=T0 + 1)
    state, _ = rules.advance(state, QUIZ, HOST, T0 + 2000)
    state, _ = rules.advance(state, QUIZ, HOST, T0 + 4000)
    last_open = rules.progress(state, QUIZ, answered={ids[0]}, served={}, now=T0 + 5000)
    state, _ = rules.reveal(state, QUIZ, HOST, T0 + 6000)
    last_revealed = rules.progress(state, QUIZ, answered=set(), served={}, now=T0 + 6001)

    assert at_first == (1, False)
    assert answered_first == (1, False), "the next questions are still to come"
    assert last_open == (3, False)
    assert last_revealed == (3, True), "missed questions are gone, not left"


def test_self_paced_progress_leaves_a_question_until_its_time_runs_out() -> None:
    ids = [question.question_id for question in QUIZ.questions]
    state = running("self_paced", seconds=10)
    served = {0: T0, 1: T0 + 1000, 2: T0 + 2000}

    waiting = rules.progress(state, QUIZ, answered=set(ids[:2]), served=served, now=T0 + 11_999)
    lapsed = rules.progress(state, QUIZ, answered=set(ids[:2]), served=served, now=T0 + 12_000)
    unserved = rules.progress(state, QUIZ, answered={ids[0]}, served={0: T0}, now=T0 + 60_000)
    lobby = rules.progress(new_state("self_paced"), QUIZ, answered=set(), served={}, now=T0)

    assert waiting == (3, False)
    assert lapsed == (3, True)
    assert unserved == (1, False), "a question never served is still to come"
    assert lobby == (0, False)


def test_a_self_paced_answer_shows_only_past_the_grace_when_the_player_did_not_answer() -> None:
    state = dataclasses.replace(running("self_paced", seconds=10), show_answers=True)
    question = QUIZ.questions[0]

    def out(now: int, *, answered: bool = False) -> bool:
        return rules.answer_out(
            state, question, answered=answered, served_at=T0, now=now, grace_ms=500
        )

    assert out(T0 + 1, answered=True)
    assert not out(T0 + 10_500), "an answer is still taken in the grace"
    assert out(T0 + 10_501)
    hidden = dataclasses.replace(state, show_answers=False)
    assert not rules.answer_out(
        hidden, question, answered=True, served_at=T0, now=T0 + 60_000, grace_ms=500
    )


# --- locking ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["live", "self_paced"])
def test_the_host_locks_and_unlocks_in_the_lobby_and_while_it_runs(mode: str) -> None:
    for state in (new_state(mode), running(mode)):
        locked, events = rules.set_locked(state, HOST, T0 + 5, locked=True)
        again, repeated = rules.set_locked(locked, HOST, T0 + 6, locked=True)
        opened, reopened = rules.set_locked(again, HOST, T0 + 7, locked=False)

        assert locked.locked and locked.version == state.version + 1
        told = messages.SessionLockChanged
        assert events == [told(session_id="ABCDEF", locked=True, at=T0 + 5)]
        assert again is locked and repeated == [], "locking again changes nothing, tells nobody"
        assert not opened.locked
        assert reopened == [
            messages.SessionLockChanged(session_id="ABCDEF", locked=False, at=T0 + 7)
        ]
        assert rules.SessionState.from_dict(locked.to_dict()) == locked


def test_only_the_host_locks_and_never_a_finished_session() -> None:
    with pytest.raises(Forbidden):
        rules.set_locked(new_state(), "guest", T0, locked=True)
    finished, _ = rules.finish(running(), QUIZ, HOST, T0 + 1)
    with pytest.raises(SessionFinished):
        rules.set_locked(finished, HOST, T0 + 2, locked=True)


def test_a_state_saved_before_locks_existed_reads_unlocked() -> None:
    saved = new_state().to_dict()
    del saved["locked"]

    assert rules.SessionState.from_dict(saved).locked is False
