"""The services wired on memory adapters: sessions, submissions, notifications, results."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from quizcore.errors import (
    AlreadyAnswered,
    Forbidden,
    InvalidRequest,
    NotFound,
    NotParticipant,
    QuestionClosed,
    QuestionNotOpen,
    QuizNotFound,
    SessionFinished,
    SessionLocked,
    SessionNotFound,
    SessionNotRunning,
)
from quizcore.messages import SessionFinished as SessionFinishedEvent
from quizcore.messages import SubmitAnswer
from quizcore.model import RecordedAnswer
from quizcore.quiz import Question
from quizcore.services import (
    GLOBAL_BOARD,
    SubmissionView,
    leaderboard_view,
    score_answers,
    score_event,
    session_board,
)
from quizcore.services.score import Outcomes
from quizcore.session import is_session_id
from tests.unit.support import GRACE_MS, HOST, Play, new_play


def in_flight(play: Play, user: str, question_id: str, submission_id: str, received_at: int) -> Any:
    """Return a submission the score service stamped at ``received_at``, still in flight."""
    return SubmitAnswer(
        session_id=play.session_id,
        question_id=question_id,
        user_id=user,
        answer="right",
        submission_id=submission_id,
        received_at=received_at,
    )


def session_events(play: Play, kind: str) -> list[dict[str, Any]]:
    return [
        event
        for sid, event in play.system.notifier.session_events
        if sid == play.session_id and event["type"] == kind
    ]


def user_events(play: Play, user: str, kind: str) -> list[dict[str, Any]]:
    return [
        event
        for sid, uid, event in play.system.notifier.user_events
        if sid == play.session_id and uid == user and event["type"] == kind
    ]


async def started(play: Play, *users: str) -> Play:
    await play.join(*users)
    await play.system.quiz.start(play.session_id, HOST)
    return play


# --- creating and joining -----------------------------------------------------------


async def test_new_session_gets_a_join_code_and_waits_in_the_lobby(live: Play) -> None:
    state = await live.system.quiz.session(live.session_id)

    assert is_session_id(live.session_id)
    assert state.status == "lobby"
    assert state.host_id == HOST
    assert state.question_count == 3


async def test_session_of_an_unknown_quiz_is_quiz_not_found() -> None:
    play = await new_play()

    with pytest.raises(QuizNotFound) as caught:
        await play.system.quiz.create_session(
            host_id=HOST, quiz_id="nope", mode="live", question_seconds=10
        )
    assert caught.value.code == "quiz_not_found"


async def test_session_with_seconds_out_of_range_is_invalid(live: Play) -> None:
    with pytest.raises(InvalidRequest):
        await live.system.quiz.create_session(
            host_id=HOST, quiz_id=live.quiz_id, mode="live", question_seconds=301
        )


async def test_unknown_session_is_session_not_found(live: Play) -> None:
    with pytest.raises(SessionNotFound) as caught:
        await live.system.quiz.session("ZZZZZZ")
    assert caught.value.code == "session_not_found"
    with pytest.raises(SessionNotFound):
        await live.system.quiz.join("ZZZZZZ", "ann", "Ann")


async def test_joining_twice_returns_the_same_participant_and_announces_once(live: Play) -> None:
    first, created = await live.system.quiz.join(live.session_id, "ann", "Ann")
    again, created_again = await live.system.quiz.join(live.session_id, "ann", "Someone")

    assert created and not created_again
    assert again == first
    assert again.display_name == "Ann"
    assert session_events(live, "participant.joined") == [
        {
            "type": "participant.joined",
            "user_id": "ann",
            "display_name": "Ann",
            "participant_count": 1,
        }
    ]
    assert live.system.notifier.leaderboard_changes == [live.session_id]


async def test_joined_participant_appears_on_the_leaderboard_with_zero(live: Play) -> None:
    await live.join("ann", "bob")

    view = await leaderboard_view(
        leaderboard=live.system.leaderboard,
        sessions=live.system.sessions,
        session_id=live.session_id,
        limit=10,
        user_id="bob",
    )

    assert view["participant_count"] == 2
    assert view["entries"] == [
        {"rank": 1, "user_id": "ann", "display_name": "ANN", "score": 0},
        {"rank": 1, "user_id": "bob", "display_name": "BOB", "score": 0},
    ]
    assert view["me"] == {"rank": 1, "score": 0}


async def test_joining_a_finished_session_is_refused_with_session_finished(live: Play) -> None:
    await live.join("ann")
    await live.system.quiz.finish(live.session_id, HOST)

    with pytest.raises(SessionFinished) as caught:
        await live.system.quiz.join(live.session_id, "bob", "Bob")
    participant, created = await live.system.quiz.join(live.session_id, "ann", "Ann")

    assert caught.value.code == "session_finished"
    assert participant.user_id == "ann" and not created


# --- host transitions ---------------------------------------------------------------


@pytest.mark.parametrize("action", ["start", "advance", "finish"])
async def test_guest_calling_a_host_route_is_forbidden(live: Play, action: str) -> None:
    await live.join("ann")

    with pytest.raises(Forbidden) as caught:
        await getattr(live.system.quiz, action)(live.session_id, "ann")

    assert caught.value.code == "forbidden"
    assert (await live.system.quiz.session(live.session_id)).status == "lobby"


async def test_starting_twice_opens_the_first_question_once(live: Play) -> None:
    first = await live.system.quiz.start(live.session_id, HOST)
    live.clock.advance(1000)
    again = await live.system.quiz.start(live.session_id, HOST)

    assert again == first
    assert first.status == "running"
    assert len(session_events(live, "question.opened")) == 1
    assert len(session_events(live, "session.started")) == 1


async def test_question_opened_carries_the_current_question_without_answer(live: Play) -> None:
    await live.system.quiz.start(live.session_id, HOST)

    (opened,) = session_events(live, "question.opened")

    assert opened == {
        "type": "question.opened",
        "question_id": "q1",
        "index": 0,
        "prompt": "Question 1",
        "kind": "choice",
        "choices": ["right", "wrong", "other"],
        "opens_at": live.clock.now_ms(),
        "closes_at": live.clock.now_ms() + 10_000,
        "seconds": 10,
    }


async def test_advancing_moves_through_the_questions_and_past_the_last_finishes(
    live: Play,
) -> None:
    await started(live, "ann")

    indices = []
    for _ in range(3):
        live.clock.advance(2000)
        state = await live.system.quiz.advance(live.session_id, HOST)
        indices.append((state.status, state.question_index))

    assert indices == [("running", 1), ("running", 2), ("finished", 2)]
    assert [e["question_id"] for e in session_events(live, "question.closed")] == ["q1", "q2", "q3"]
    assert len(session_events(live, "session.finished")) == 1
    with pytest.raises(SessionFinished):
        await live.system.quiz.advance(live.session_id, HOST)


async def test_advancing_in_the_lobby_is_session_not_running(live: Play) -> None:
    with pytest.raises(SessionNotRunning):
        await live.system.quiz.advance(live.session_id, HOST)


async def test_finishing_twice_announces_the_end_once(live: Play) -> None:
    await started(live, "ann")

    first = await live.system.quiz.finish(live.session_id, HOST)
    again = await live.system.quiz.finish(live.session_id, HOST)

    assert first.status == "finished"
    assert again == first
    assert len(session_events(live, "session.finished")) == 1
    with pytest.raises(SessionFinished):
        await live.system.quiz.start(live.session_id, HOST)


async def test_reading_a_session_after_the_deadline_closes_the_question_once(live: Play) -> None:
    await started(live, "ann")
    live.clock.advance(10_000 + GRACE_MS)
    in_grace = await live.system.quiz.session(live.session_id)
    live.clock.advance(1)

    state = await live.system.quiz.session(live.session_id)
    await live.system.quiz.session(live.session_id)
    await live.system.quiz.close_due(live.session_id)

    # Revealed only once no answer can count any more: deadline plus grace.
    assert in_grace.closed_through == -1
    assert state.closed_through == 0
    (closed,) = session_events(live, "question.closed")
    assert closed["correct_answer"] == "right"
    assert closed["closed_at"] == live.clock.now_ms() - GRACE_MS - 1


class Reach:
    """A room that takes ``ms`` to reach, as a hub would measure it."""

    def __init__(self, ms: int) -> None:
        self.ms = ms
        self.asked: list[str] = []

    def reach_ms(self, session_id: str) -> int:
        self.asked.append(session_id)
        return self.ms


async def test_a_large_rooms_question_stays_open_for_its_last_screen(live: Play) -> None:
    live.system.quiz.reach = reach = Reach(1_400)
    await started(live, "ann", "bob")
    (opened,) = session_events(live, "question.opened")
    assert opened["closes_at"] - opened["opens_at"] == 10_000 + 1_750

    # Reached 1.4 s after the opening, bob has his whole 10 s (and the grace).
    live.clock.advance(1_400 + 10_000 + GRACE_MS)
    late = await live.submit("bob", "q1", "right", "s1")
    await live.system.quiz.close_due(live.session_id)
    assert session_events(live, "question.closed") == [], "no reveal while an answer counts"
    live.clock.advance(350 + 1)
    await live.system.quiz.close_due(live.session_id)
    with pytest.raises(QuestionClosed):
        await live.submit("ann", "q1", "right", "s2")

    assert late.status == "scored" and late.points == 500, "timed from the room's opening here"
    assert len(session_events(live, "question.closed")) == 1
    reach.ms = 0
    await live.system.quiz.advance(live.session_id, HOST)
    second = session_events(live, "question.opened")[-1]
    assert second["closes_at"] - second["opens_at"] == 10_000, "a small room's exactly its seconds"
    assert reach.asked == [live.session_id, live.session_id]


async def test_a_locked_session_lets_back_who_joined_and_nobody_new(live: Play) -> None:
    await live.join("ann")
    locked = await live.system.quiz.set_locked(live.session_id, HOST, locked=True)

    again, created = await live.system.quiz.join(live.session_id, "ann", "Ann")
    with pytest.raises(SessionLocked) as caught:
        await live.system.quiz.join(live.session_id, "bob", "Bob")
    host, _ = await live.system.quiz.join(live.session_id, HOST, "Teacher")
    assert [event["type"] for event in session_events(live, "session.locked")] == ["session.locked"]

    await live.system.quiz.start(live.session_id, HOST)
    with pytest.raises(SessionLocked):
        await live.system.quiz.join(live.session_id, "bob", "Bob")
    await live.system.quiz.set_locked(live.session_id, HOST, locked=False)
    bob, bob_new = await live.system.quiz.join(live.session_id, "bob", "Bob")

    assert locked.locked and (await live.system.quiz.session(live.session_id)).locked is False
    assert not created and again.user_id == "ann"
    assert caught.value.code == "session_locked"
    assert host.user_id == HOST, "the host may still join their own session"
    assert bob_new and bob.user_id == "bob"
    assert len(session_events(live, "session.unlocked")) == 1


async def test_only_the_host_locks(live: Play) -> None:
    await live.join("ann")
    with pytest.raises(Forbidden):
        await live.system.quiz.set_locked(live.session_id, "ann", locked=True)


# --- current question ---------------------------------------------------------------


async def test_live_current_question_is_the_open_one_until_answered(live: Play) -> None:
    await started(live, "ann", "bob")
    now = live.clock.now_ms()

    current = await live.system.quiz.current_question(live.session_id, "ann")
    await live.submit("ann", "q1", "right", "a1")

    assert current is not None
    question, opens_at, closes_at, seconds = current
    assert (question.question_id, opens_at, closes_at, seconds) == ("q1", now, now + 10_000, 10)
    assert await live.system.quiz.current_question(live.session_id, "ann") is None
    live.clock.advance(10_000)
    assert await live.system.quiz.current_question(live.session_id, "bob") is None


async def test_current_question_needs_a_participant_and_a_running_session(live: Play) -> None:
    await live.join("ann")

    assert await live.system.quiz.current_question(live.session_id, "ann") is None
    with pytest.raises(NotParticipant):
        await live.system.quiz.current_question(live.session_id, "eve")


async def test_self_paced_question_is_timed_from_when_it_was_served(self_paced: Play) -> None:
    play = await started(self_paced, "ann")
    quiz = play.system.quiz
    play.clock.advance(3000)
    served_at = play.clock.now_ms()

    first = await quiz.current_question(play.session_id, "ann")
    play.clock.advance(4000)
    again = await quiz.current_question(play.session_id, "ann")
    view = await play.submit("ann", "q1", "right", "s1")

    assert first is not None and again is not None
    assert (first[0].question_id, first[1], first[2]) == ("q1", served_at, served_at + 10_000)
    assert again == first
    assert view.points == 800  # 4 s of 10 s: 1000 * (1 - 0.4 / 2)
    assert await play.system.sessions.served(play.session_id, "bob") == {}


async def test_self_paced_serves_the_next_question_after_an_answer_or_a_timeout(
    self_paced: Play,
) -> None:
    play = await started(self_paced, "ann")
    quiz = play.system.quiz

    first = await quiz.current_question(play.session_id, "ann")
    await play.submit("ann", "q1", "right", "s1")
    second = await quiz.current_question(play.session_id, "ann")
    play.clock.advance(10_000)
    third = await quiz.current_question(play.session_id, "ann")
    play.clock.advance(10_000)
    none_left = await quiz.current_question(play.session_id, "ann")

    served = [item[0].question_id if item else None for item in (first, second, third, none_left)]
    assert served == ["q1", "q2", "q3", None]
    assert third is not None and third[1] == play.clock.now_ms() - 10_000


async def test_self_paced_answer_after_its_limit_plus_grace_is_closed(self_paced: Play) -> None:
    play = await started(self_paced, "ann", "bob")
    await play.system.quiz.current_question(play.session_id, "ann")
    await play.system.quiz.current_question(play.session_id, "bob")

    play.clock.advance(10_500)
    on_time = await play.submit("ann", "q1", "right", "s1")
    play.clock.advance(1)
    with pytest.raises(QuestionClosed):
        await play.submit("bob", "q1", "right", "s2")

    assert on_time.status == "scored" and on_time.points == 500


async def test_self_paced_question_never_served_is_not_open(self_paced: Play) -> None:
    play = await started(self_paced, "ann")

    with pytest.raises(QuestionNotOpen):
        await play.submit("ann", "q2", "right", "s1")


# --- submissions --------------------------------------------------------------------


async def test_correct_quick_answer_earns_full_points_and_rank(live: Play) -> None:
    await started(live, "ann", "bob")
    live.clock.advance(400)

    view = await live.submit("ann", "q1", " Right ", "s1")

    assert view.public() == {
        "submission_id": "s1",
        "status": "scored",
        "question_id": "q1",
        "correct": True,
        "points": 1000,
        "streak": 0,
        "score": 1000,
        "rank": 1,
    }
    assert (await live.system.leaderboard.standing(session_board(live.session_id), "bob")).rank == 2  # type: ignore[union-attr]


async def test_wrong_answer_earns_nothing(live: Play) -> None:
    await started(live, "ann")

    view = await live.submit("ann", "q1", "wrong", "s1")

    assert (view.correct, view.points, view.score) == (False, 0, 0)


async def test_streak_adds_100_per_previous_correct_answer(live: Play) -> None:
    await started(live, "ann")
    views = []
    for number in (1, 2, 3):
        views.append(await live.submit("ann", f"q{number}", "right", f"s{number}"))
        await live.system.quiz.advance(live.session_id, HOST)

    assert [(v.points, v.streak) for v in views] == [(1000, 0), (1100, 1), (1200, 2)]
    assert views[-1].score == 3300


async def test_no_streak_when_the_session_turns_it_off() -> None:
    play = await started(await new_play(streak_bonus=False), "ann")
    for number in (1, 2):
        await play.submit("ann", f"q{number}", "right", f"s{number}")
        await play.system.quiz.advance(play.session_id, HOST)

    assert await play.score_of("ann") == 2000


async def test_same_submission_id_gets_the_same_view_and_never_counts_twice(live: Play) -> None:
    await started(live, "ann")
    live.clock.advance(2000)

    first = await live.submit("ann", "q1", "right", "s1")
    live.clock.advance(3000)
    again = await live.submit("ann", "q1", "right", "s1")

    assert again.public() == first.public()
    assert await live.score_of("ann") == first.score == 900
    assert len(await live.system.answers.for_session(live.session_id)) == 1
    assert len(user_events(live, "ann", "answer.result")) == 1


async def test_different_second_answer_is_already_answered(live: Play) -> None:
    await started(live, "ann")
    await live.submit("ann", "q1", "wrong", "s1")

    with pytest.raises(AlreadyAnswered) as caught:
        await live.submit("ann", "q1", "right", "s2")

    assert caught.value.code == "already_answered"
    assert await live.score_of("ann") == 0


async def test_answer_from_someone_who_did_not_join_is_not_participant(live: Play) -> None:
    await started(live, "ann")

    with pytest.raises(NotParticipant) as caught:
        await live.submit("eve", "q1", "right", "s1")

    assert caught.value.code == "not_participant"


async def test_answer_to_an_unknown_session_is_session_not_found(live: Play) -> None:
    with pytest.raises(SessionNotFound):
        await live.system.score.submit(
            session_id="ZZZZZZ", user_id="ann", question_id="q1", answer="x", submission_id="s"
        )


async def test_answer_to_an_unknown_question_is_not_found(live: Play) -> None:
    await started(live, "ann")

    with pytest.raises(NotFound):
        await live.submit("ann", "q9", "right", "s1")


async def test_answer_in_the_lobby_is_session_not_running(live: Play) -> None:
    await live.join("ann")

    with pytest.raises(SessionNotRunning):
        await live.submit("ann", "q1", "right", "s1")


async def test_late_answer_is_rejected_with_question_closed(live: Play) -> None:
    await started(live, "ann", "bob")

    live.clock.advance(10_500)
    in_grace = await live.submit("ann", "q1", "right", "s1")
    live.clock.advance(1)
    with pytest.raises(QuestionClosed) as caught:
        await live.submit("bob", "q1", "right", "s2")
    with pytest.raises(QuestionClosed):
        await live.submit("bob", "q1", "right", "s2")

    assert caught.value.code == "question_closed"
    assert in_grace.points == 500
    assert await live.score_of("bob") == 0


async def test_answer_after_the_host_reveals_is_refused(live: Play) -> None:
    await started(live, "ann", "bob")
    live.clock.advance(2000)
    await live.system.quiz.reveal(live.session_id, HOST)

    live.clock.advance(15)
    with pytest.raises(QuestionClosed):
        await live.submit("ann", "q1", "right", "s1")

    (closed,) = session_events(live, "question.closed")
    assert closed["correct_answer"] == "right"
    assert (await live.system.scores.get_score(live.session_id, "ann")) is None


async def test_answer_received_before_the_reveal_counts_when_processed_after(live: Play) -> None:
    await started(live, "ann")
    opened = live.clock.now_ms()
    live.clock.advance(2500)
    received = live.clock.now_ms() - 1
    await live.system.quiz.reveal(live.session_id, HOST)

    await live.system.stream.handle(in_flight(live, "ann", "q1", "s1", received))

    view = await live.system.score.view(live.session_id, "ann", "s1")
    assert view is not None and view.status == "scored"
    assert view.points == round(1000 * (1 - ((received - opened) / 10_000) / 2))


async def test_rejection_in_the_stream_is_sent_back_and_replayed_on_retry(live: Play) -> None:
    await started(live, "ann")
    late = SubmitAnswer(
        session_id=live.session_id,
        question_id="q1",
        user_id="ann",
        answer="right",
        submission_id="s1",
        received_at=live.clock.now_ms() + 60_000,
    )

    await live.system.stream.handle(late)

    (error,) = user_events(live, "ann", "error")
    assert error["code"] == "question_closed"
    assert error["submission_id"] == "s1"
    with pytest.raises(QuestionClosed):
        await live.submit("ann", "q1", "right", "s1")


async def test_the_score_service_hands_its_window_to_the_stream(live: Play) -> None:
    await started(live, "ann")
    opened = live.clock.now_ms()
    live.clock.advance(1500)
    handed: list[SubmitAnswer] = []
    stream = live.system.score.stream
    process = stream.process  # type: ignore[attr-defined]

    async def keep(command: SubmitAnswer) -> None:
        handed.append(command)
        await process(command)

    stream.process = keep  # type: ignore[attr-defined]
    await live.submit("ann", "q1", "right", "s1")

    (command,) = handed
    assert (command.opened_at, command.question_index, command.limit_ms) == (opened, 0, 10_000)
    (recorded,) = await live.system.answers.for_session(live.session_id)
    assert recorded.opened_at == opened


async def test_a_checked_submission_is_recorded_on_the_score_services_decision(
    live: Play,
) -> None:
    await started(live, "ann")
    received = live.clock.now_ms() + 60_000  # past the window: handle would refuse it
    checked = dataclasses.replace(
        in_flight(live, "ann", "q1", "s1", received),
        question_index=0,
        limit_ms=10_000,
        opened_at=received - 1000,
    )

    await live.system.stream.handle_checked(checked)

    (recorded,) = await live.system.answers.for_session(live.session_id)
    assert (recorded.opened_at, recorded.limit_ms) == (received - 1000, 10_000)
    assert not user_events(live, "ann", "error")


async def test_a_submission_without_the_decision_is_checked_again(live: Play) -> None:
    await started(live, "ann")
    late = in_flight(live, "ann", "q1", "s1", live.clock.now_ms() + 60_000)

    await live.system.stream.handle_checked(late)

    (error,) = user_events(live, "ann", "error")
    assert error["code"] == "question_closed"
    assert await live.system.answers.for_session(live.session_id) == []


async def test_a_checked_submission_that_lost_the_race_is_already_answered(live: Play) -> None:
    await started(live, "ann")
    await live.submit("ann", "q1", "wrong", "s1")
    rival = dataclasses.replace(
        in_flight(live, "ann", "q1", "s2", live.clock.now_ms()),
        question_index=0,
        limit_ms=10_000,
        opened_at=live.clock.now_ms(),
    )

    await live.system.stream.handle_checked(rival)

    (error,) = user_events(live, "ann", "error")
    assert (error["code"], error["submission_id"]) == ("already_answered", "s2")
    (recorded,) = await live.system.answers.for_session(live.session_id)
    assert recorded.submission_id == "s1"


async def submit_seen(play: Play, seen_at: int, submission_id: str = "s1") -> Any:
    return await play.system.score.submit(
        session_id=play.session_id,
        user_id="ann",
        question_id="q1",
        answer="right",
        submission_id=submission_id,
        seen_at=seen_at,
    )


async def test_a_live_answer_is_timed_from_when_the_player_was_shown_the_question(
    live: Play,
) -> None:
    await started(live, "ann")
    opened = live.clock.now_ms()
    live.clock.advance(4000)
    shown = live.clock.now_ms()  # the room's question.opened reached ann 4 s late
    live.clock.advance(2000)

    view = await submit_seen(live, shown)

    (recorded,) = await live.system.answers.for_session(live.session_id)
    assert recorded.opened_at == shown > opened
    assert view.points == round(1000 * (1 - (2 / 10) / 2)), "2 s after ann saw it, not 6"


@pytest.mark.parametrize(
    ("shown_after", "answered_after"),
    [(-3000, 5000), (7000, 5000), (10_100, 10_400), (30_000, 5000)],
    ids=["before-the-opening", "after-the-answer", "in-the-grace", "past-the-deadline"],
)
async def test_a_sighting_outside_the_question_keeps_the_rooms_time(
    live: Play, shown_after: int, answered_after: int
) -> None:
    await started(live, "ann")
    opened = live.clock.now_ms()
    live.clock.advance(answered_after)

    view = await submit_seen(live, opened + shown_after)

    (recorded,) = await live.system.answers.for_session(live.session_id)
    assert recorded.opened_at == opened
    assert view.points == round(1000 * (1 - (min(answered_after, 10_000) / 10_000) / 2))


async def test_a_self_paced_answer_is_timed_from_when_it_was_served_whatever_seen(
    self_paced: Play,
) -> None:
    await started(self_paced, "ann")
    served = await self_paced.system.quiz.current_question(self_paced.session_id, "ann")
    assert served is not None
    self_paced.clock.advance(3000)

    await submit_seen(self_paced, self_paced.clock.now_ms() - 1000)

    (recorded,) = await self_paced.system.answers.for_session(self_paced.session_id)
    assert recorded.opened_at == served[1]


async def test_the_stream_processor_takes_the_players_opening_within_the_window(
    live: Play,
) -> None:
    await started(live, "ann", "bob")
    opened = live.clock.now_ms()
    received = opened + 3000
    shown = dataclasses.replace(
        in_flight(live, "ann", "q1", "s1", received), opened_at=opened + 2000
    )
    too_late = dataclasses.replace(
        in_flight(live, "bob", "q1", "s2", received), opened_at=received + 1
    )

    await live.system.stream.handle(shown)
    await live.system.stream.handle(too_late)

    recorded = {
        a.user_id: a.opened_at for a in await live.system.answers.for_session(live.session_id)
    }
    assert recorded == {"ann": opened + 2000, "bob": opened}


async def test_re_scoring_works_out_each_answer_once(
    live: Play, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    is_correct = Question.is_correct

    def counting(self: Question, answer: str, **kw: Any) -> bool:
        checked.append(answer)
        return is_correct(self, answer, **kw)

    monkeypatch.setattr(Question, "is_correct", counting)
    await started(live, "ann")
    scoring: list[int] = []
    for number in (1, 2, 3):
        checked.clear()
        await live.submit("ann", f"q{number}", "right", f"s{number}")
        scoring.append(len(checked))
        await live.system.quiz.advance(live.session_id, HOST)  # its statistics check too

    assert scoring == [1, 1, 1], "not 1, 2, 3: earlier answers' facts are kept"
    assert await live.score_of("ann") == 1000 + 1100 + 1200


async def test_a_player_whose_facts_were_dropped_is_scored_the_same(
    live: Play, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(score_event, "KNOWN_FACTS", 2)
    await started(live, "ann", "bob")
    answers = {"ann": ["right", "wrong", "right"], "bob": ["right", "right", "wrong"]}
    for number in (1, 2, 3):
        for user in ("ann", "bob"):  # each one's facts push out the other's
            live.clock.advance(700 * number)
            await live.submit(user, f"q{number}", answers[user][number - 1], f"{user}-{number}")
        await live.system.quiz.advance(live.session_id, HOST)

    quiz = await live.system.quiz.catalog.quiz(live.quiz_id)
    state = await live.system.sessions.get(live.session_id)
    assert state is not None
    for user in ("ann", "bob"):
        theirs = await live.system.answers.for_participant(live.session_id, user)
        tally, _ = score_answers(quiz, state, theirs)  # worked out afresh
        assert await live.score_of(user) == tally.score > 0


async def test_the_facts_kept_stay_within_their_bound(
    live: Play, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(score_event, "KNOWN_FACTS", 3)
    users = ("ann", "bob", "cat")
    await started(live, *users)
    for number in (1, 2):
        for user in users:
            await live.submit(user, f"q{number}", "right", f"{user}-{number}")
        await live.system.quiz.advance(live.session_id, HOST)

    kept = live.system.score_event._known
    assert sum(len(facts) for facts in kept.values()) <= 3
    assert list(kept) == [(live.session_id, "cat")], "the most recently scored stays"


async def test_known_facts_of_another_answer_under_the_same_submission_id_are_not_used(
    live: Play,
) -> None:
    await started(live, "ann")
    quiz = await live.system.quiz.catalog.quiz(live.quiz_id)
    state = await live.system.sessions.get(live.session_id)
    assert state is not None
    opened = live.clock.now_ms()
    wrong = RecordedAnswer(
        session_id=live.session_id,
        question_id="q1",
        question_index=0,
        user_id="ann",
        submission_id="same",
        answer="wrong",
        received_at=opened + 100,
        opened_at=opened,
        limit_ms=10_000,
    )
    right = dataclasses.replace(wrong, question_id="q2", question_index=1, answer="right")
    known: dict[str, Any] = {}
    score_answers(quiz, state, [wrong], known)

    tally, correct_of = score_answers(quiz, state, [right], known)

    assert (tally.score, correct_of) == (1000, {"same": True})


async def test_unknown_submission_has_no_view(live: Play) -> None:
    await started(live, "ann")

    assert await live.system.score.view(live.session_id, "ann", "nope") is None


async def test_wait_returns_the_scored_view(live: Play) -> None:
    await started(live, "ann")
    await live.submit("ann", "q1", "right", "s1")

    view = await live.system.score.wait(live.session_id, "ann", "s1", seconds=0.1)

    assert view is not None and view.status == "scored"


def reads_until_scored(live: Play, announce_during_read: bool = False) -> list[int]:
    """Make the score service's reads see 'accepted' first, 'scored' after; count them.

    Its poll interval becomes an hour, so a wait that ends at all ended on
    an announcement.
    """
    score = live.system.score
    score.POLL_SECONDS = 3600  # type: ignore[misc]
    reads: list[int] = []

    async def view(session_id: str, user_id: str, submission_id: str) -> SubmissionView:
        reads.append(1)
        if len(reads) == 1:
            if announce_during_read:  # the result goes out while this read is under way
                score.outcomes.announce(session_id, submission_id)
            return SubmissionView(submission_id=submission_id, status="accepted")
        return SubmissionView(submission_id=submission_id, status="scored", points=1000)

    score.view = view  # type: ignore[method-assign]
    return reads


async def test_a_waiting_request_reads_again_when_its_result_is_announced(live: Play) -> None:
    reads = reads_until_scored(live)
    score = live.system.score
    asyncio.get_running_loop().call_later(
        0.01,
        score.outcomes.on_frame,
        live.session_id,
        {"type": "answer.result", "submission_id": "s1"},
    )

    view = await asyncio.wait_for(score.wait(live.session_id, "ann", "s1", seconds=60), 10)

    assert view is not None and view.status == "scored"
    assert len(reads) == 2
    assert len(score.outcomes) == 0  # no waiter left behind


async def test_an_announcement_during_the_read_is_not_missed(live: Play) -> None:
    reads = reads_until_scored(live, announce_during_read=True)
    score = live.system.score

    view = await asyncio.wait_for(score.wait(live.session_id, "ann", "s1", seconds=60), 10)

    assert view is not None and view.status == "scored"
    assert len(reads) == 2


def test_only_frames_that_settle_a_submission_announce_it() -> None:
    async def scenario() -> list[bool]:
        outcomes = Outcomes()
        woken = []
        for frame in (
            {"type": "leaderboard.updated", "submission_id": "s1"},
            {"type": "answer.result", "submission_id": "s2"},
            {"type": "error", "code": "question_closed", "submission_id": "s1"},
        ):
            waiter = outcomes.expect("ROOM", "s1")
            outcomes.on_frame("ROOM", frame)
            woken.append(waiter.done())
            outcomes.forget("ROOM", "s1", waiter)
        assert len(outcomes) == 0
        return woken

    assert asyncio.run(scenario()) == [False, False, True]


# --- notifications ------------------------------------------------------------------


async def test_answer_result_goes_to_the_answering_participant_only(live: Play) -> None:
    await started(live, "ann", "bob")
    live.clock.advance(5000)

    await live.submit("ann", "q1", "right", "s1")

    assert user_events(live, "ann", "answer.result") == [
        {
            "type": "answer.result",
            "submission_id": "s1",
            "status": "scored",
            "question_id": "q1",
            "correct": True,
            "points": 750,
            "streak": 0,
            "score": 750,
            "rank": 1,
        }
    ]
    assert user_events(live, "bob", "answer.result") == []
    assert live.system.notifier.leaderboard_changes.count(live.session_id) == 3  # 2 joins, 1 score


async def test_question_closed_reports_the_correct_answer_and_statistics(live: Play) -> None:
    await started(live, "ann", "bob", "cat")
    await live.submit("ann", "q1", "right", "s1")
    await live.submit("bob", "q1", "wrong", "s2")

    await live.system.quiz.advance(live.session_id, HOST)

    (closed,) = session_events(live, "question.closed")
    assert closed["question_id"] == "q1"
    assert closed["correct_answer"] == "right"
    assert closed["stats"]["answers"] == 2
    assert closed["stats"]["correct"] == 1
    assert closed["stats"]["correct_share"] == 0.5
    assert closed["stats"]["choices"] == {"right": 1, "wrong": 1}


async def test_a_later_question_closed_counts_its_own_answers_only(live: Play) -> None:
    await started(live, "ann", "bob")
    await live.submit("ann", "q1", "right", "s1")
    await live.submit("bob", "q1", "right", "s2")
    live.clock.advance(1000)
    await live.system.quiz.advance(live.session_id, HOST)
    await live.submit("ann", "q2", "wrong", "s3")

    await live.system.quiz.advance(live.session_id, HOST)

    first, second = session_events(live, "question.closed")
    assert (first["question_id"], first["answer_count"], first["correct_count"]) == ("q1", 2, 2)
    assert second["question_id"] == "q2"
    assert second["stats"] == {
        "question_id": "q2",
        "index": 1,
        "answers": 1,
        "correct": 0,
        "correct_share": 0.0,
        "choices": {"wrong": 1},
    }
    every = await live.system.quiz.question_stats(live.session_id)
    assert every["q2"] == second["stats"]
    assert (await live.system.quiz.question_stats(live.session_id, "q2")) == {"q2": every["q2"]}


async def test_session_finished_announces_the_final_top_entries(live: Play) -> None:
    await started(live, "ann", "bob")
    await live.submit("bob", "q1", "right", "s1")

    await live.system.quiz.finish(live.session_id, HOST)

    (finished,) = session_events(live, "session.finished")
    assert [(e["rank"], e["user_id"], e["score"]) for e in finished["entries"]] == [
        (1, "bob", 1000),
        (2, "ann", 0),
    ]


# --- results and master data ----------------------------------------------------------


async def play_through(play: Play, answers: dict[str, list[str]]) -> None:
    """Answer every question (``answers[user][i]``), advancing after each."""
    await started(play, *answers)
    for index in range(3):
        for user, given in answers.items():
            await play.submit(user, f"q{index + 1}", given[index], f"{user}-{index}")
        play.clock.advance(1000)
        await play.system.quiz.advance(play.session_id, HOST)


async def test_finished_session_writes_final_results_to_master_data(live: Play) -> None:
    await play_through(
        live,
        {
            "ann": ["right", "right", "wrong"],
            "bob": ["right", "right", "wrong"],
            "cat": ["wrong"] * 3,
        },
    )

    stored = {r.user_id: r for r in await live.system.master.session_results(live.session_id)}

    assert {user: (r.score, r.rank, r.correct_count, r.final) for user, r in stored.items()} == {
        "ann": (2100, 1, 2, True),
        "bob": (2100, 1, 2, True),
        "cat": (0, 3, 0, True),
    }
    assert stored["ann"].display_name == "ANN"


async def test_results_list_standings_and_question_statistics_after_finish(live: Play) -> None:
    await live.join("ann")
    with pytest.raises(SessionNotRunning):
        await live.system.quiz.results(live.session_id, "ann")
    await play_through(live, {"ann": ["right", "wrong", "right"], "bob": ["wrong"] * 3})

    results = await live.system.quiz.results(live.session_id, HOST)

    assert [
        (s["user_id"], s["rank"], s["score"], s["correct_count"]) for s in results["standings"]
    ] == [
        ("ann", 1, 2000, 2),
        ("bob", 2, 0, 0),
    ]
    assert [q["correct_share"] for q in results["questions"]] == [0.5, 0.0, 0.5]
    with pytest.raises(NotParticipant):
        await live.system.quiz.results(live.session_id, "eve")


async def test_results_are_read_once_for_the_room_until_a_score_or_answer_changes(
    live: Play,
) -> None:
    await play_through(live, {"ann": ["right", "wrong", "right"], "bob": ["wrong"] * 3})
    quiz, sid = live.system.quiz, live.session_id

    ann, mine = await quiz.results_parts(sid, "ann")
    bob, theirs = await quiz.results_parts(sid, "bob")

    assert ann is bob, "the room's phones share one read"
    assert mine["my_answers"]["q1"] == {"answer": "right", "correct": True, "points": 1000}
    assert theirs["my_answers"]["q2"]["correct"] is False
    # An answer in flight at the finish scored after it: read again.
    await live.system.leaderboard.submit(session_board(sid), "bob", 500, 1)
    again, _ = await quiz.results_parts(sid, "bob")
    assert again is not ann
    _, hosted = await quiz.results_parts(sid, HOST)
    assert [s.get("answers") is not None for s in hosted["standings"]] == [True, True]
    assert all("answers" not in s for s in again["standings"]), "the kept part is not changed"


async def test_a_room_reading_the_results_at_once_reads_the_stores_once(live: Play) -> None:
    await play_through(live, {"ann": ["right"] * 3, "bob": ["wrong"] * 3})
    quiz, store = live.system.quiz, live.system.quiz.answers
    reads = 0
    whole_session = store.for_session

    async def slow(session_id: str) -> Any:
        nonlocal reads
        reads += 1
        await asyncio.sleep(0.01)  # a store across the network
        return await whole_session(session_id)

    store.for_session = slow  # type: ignore[method-assign]
    readers = ["ann", "bob"] * 10

    parts = await asyncio.gather(*(quiz.results_parts(live.session_id, who) for who in readers))

    assert reads == 1, "one read shared by every reader that asked before it was done"
    assert all(shared is parts[0][0] for shared, _ in parts)
    assert parts[0][1]["my_answers"]["q1"]["correct"] is True
    assert parts[1][1]["my_answers"]["q1"]["correct"] is False


async def test_global_totals_add_up_over_sessions_and_redelivery_adds_nothing() -> None:
    first = await new_play()
    await play_through(first, {"ann": ["right"] * 3, "bob": ["right", "wrong", "wrong"]})
    state = await first.system.quiz.create_session(
        host_id=HOST, quiz_id=first.quiz_id, mode="live", question_seconds=10
    )
    second = Play(
        system=first.system, clock=first.clock, session_id=state.session_id, quiz_id=first.quiz_id
    )
    await play_through(second, {"bob": ["right", "right", "right"]})
    board, master = first.system.leaderboard, first.system.master
    version = await board.version(GLOBAL_BOARD)

    for play in (first, second):
        await first.system.publisher.publish(
            SessionFinishedEvent(session_id=play.session_id, at=first.clock.now_ms())
        )

    assert await master.user_totals("ann") == (3300, 1)
    assert await master.user_totals("bob") == (1000 + 3300, 2)
    assert [(s.user_id, s.rank, s.score) for s in await board.top(GLOBAL_BOARD, 10)] == [
        ("bob", 1, 4300),
        ("ann", 2, 3300),
    ]
    assert await board.version(GLOBAL_BOARD) == version


async def test_answer_received_before_finish_counts_in_final_results(live: Play) -> None:
    await started(live, "ann")
    live.clock.advance(1200)
    received = live.clock.now_ms()
    live.clock.advance(1)
    await live.system.quiz.finish(live.session_id, HOST)

    await live.system.stream.handle(in_flight(live, "ann", "q1", "s1", received))
    view = await live.system.score.view(live.session_id, "ann", "s1")
    (result,) = await live.system.master.session_results(live.session_id)

    assert view is not None and view.score == 940  # 1.2 s into a 10 s question
    assert (result.score, result.final) == (940, True)
    assert await live.system.master.user_totals("ann") == (940, 1)


async def test_answer_after_finish_is_refused(live: Play) -> None:
    await started(live, "ann")
    live.clock.advance(1000)
    await live.system.quiz.finish(live.session_id, HOST)

    live.clock.advance(200)
    with pytest.raises(QuestionClosed):
        await live.submit("ann", "q1", "right", "s1")


async def test_points_shown_add_up_to_the_score_when_an_earlier_answer_arrives_late(
    live: Play,
) -> None:
    await started(live, "ann")
    live.clock.advance(5300)
    received = live.clock.now_ms()  # q1's answer, received before the host moved on
    live.clock.advance(1)
    await live.system.quiz.advance(live.session_id, HOST)

    live.clock.advance(100)
    second = await live.submit("ann", "q2", "right", "s2")
    live.clock.advance(200)
    await live.system.stream.handle(in_flight(live, "ann", "q1", "s1", received))
    first = await live.system.score.view(live.session_id, "ann", "s1")
    shown = [await live.system.score.view(live.session_id, "ann", s) for s in ("s1", "s2")]

    assert first is not None
    assert second.status == first.status == "scored"
    assert first.score == 735 + 1000 + 100
    assert sum(view.points for view in shown if view) == first.score


async def test_a_retry_racing_its_own_first_try_gets_that_try_back(live: Play) -> None:
    await started(live, "ann")
    score = live.system.score
    first_view = score.view
    calls = 0

    async def recorded_meanwhile(session_id: str, user_id: str, submission_id: str) -> Any:
        # The first try is recorded between the retry's replay check and its
        # check for an earlier answer: the replay check sees nothing yet.
        nonlocal calls
        calls += 1
        if calls == 1:
            await live.system.stream.handle(
                in_flight(live, "ann", "q1", submission_id, live.clock.now_ms())
            )
            return None
        return await first_view(session_id, user_id, submission_id)

    score.view = recorded_meanwhile  # type: ignore[method-assign]
    retried = await live.submit("ann", "q1", "right", "s1")

    assert retried.status == "scored" and retried.replayed
    assert await live.score_of("ann") == retried.score


@pytest.mark.parametrize("index_lags", [False, True])
async def test_a_retry_of_an_answer_recorded_but_not_yet_scored_is_accepted(
    live: Play, index_lags: bool
) -> None:
    # The first try reached the stream and was recorded; the scorer has not
    # run yet (in the cloud it is a queue away). Its retry is the same
    # submission: accepted again, never already_answered, also where the
    # lookup by submission (DynamoDB's index, eventually consistent) does not
    # show the record yet while the lookup by question does.
    await started(live, "ann")
    if index_lags:

        async def not_yet(session_id: str, user_id: str, submission_id: str) -> None:
            return None

        live.system.answers.by_submission = not_yet  # type: ignore[method-assign]
    now = live.clock.now_ms()
    await live.system.answers.record(
        RecordedAnswer(
            session_id=live.session_id,
            question_id="q1",
            question_index=0,
            user_id="ann",
            submission_id="s1",
            answer="right",
            received_at=now,
            opened_at=now,
            limit_ms=20_000,
        )
    )

    retried = await live.submit("ann", "q1", "right", "s1")

    assert (retried.status, retried.replayed) == ("accepted", True)
    assert await live.system.scores.get_result(live.session_id, "ann", "s1") is None
    with pytest.raises(AlreadyAnswered):
        await live.submit("ann", "q1", "wrong", "s2")
