"""The host removes a player: gone from the room, the board and the results, for good."""

from __future__ import annotations

import pytest

from quizcore.errors import Forbidden, NotFound, NotParticipant, SessionFinished
from quizcore.services import session_board
from tests.unit.support import HOST, Play, new_play
from tests.unit.test_services import play_through, session_events, started


async def board(play: Play) -> list[tuple[str, int]]:
    top = await play.system.leaderboard.top(session_board(play.session_id), 10)
    return [(standing.user_id, standing.score) for standing in top]


async def test_a_removed_player_leaves_the_room_and_the_board(live: Play) -> None:
    await started(live, "ann", "bob", "cat")
    await live.submit("bob", "q1", "right", "s1")

    await live.system.quiz.remove_participant(live.session_id, HOST, "bob")

    assert await live.system.sessions.get_participant(live.session_id, "bob") is None
    assert await board(live) == [("ann", 0), ("cat", 0)]
    assert session_events(live, "participant.removed") == [
        {
            "type": "participant.removed",
            "user_id": "bob",
            "display_name": "BOB",
            "participant_count": 2,
        }
    ]


async def test_a_removed_player_may_neither_join_again_nor_answer(live: Play) -> None:
    await started(live, "ann", "bob")
    await live.system.quiz.remove_participant(live.session_id, HOST, "bob")

    with pytest.raises(Forbidden, match="removed you"):
        await live.system.quiz.join(live.session_id, "bob", "Bob again")
    with pytest.raises(NotParticipant):
        await live.submit("bob", "q1", "right", "s1")
    assert await live.system.sessions.participant_count(live.session_id) == 1


async def test_only_the_host_removes_and_only_before_the_end(live: Play) -> None:
    await started(live, "ann", "bob")

    with pytest.raises(Forbidden):
        await live.system.quiz.remove_participant(live.session_id, "ann", "bob")
    with pytest.raises(NotFound):
        await live.system.quiz.remove_participant(live.session_id, HOST, "nobody")
    await live.system.quiz.finish(live.session_id, HOST)
    with pytest.raises(SessionFinished):
        await live.system.quiz.remove_participant(live.session_id, HOST, "bob")
    assert await live.system.sessions.get_participant(live.session_id, "bob") is not None


async def test_removing_again_succeeds_and_tells_the_room_again(live: Play) -> None:
    await started(live, "ann", "bob")

    await live.system.quiz.remove_participant(live.session_id, HOST, "bob")
    await live.system.quiz.remove_participant(live.session_id, HOST, "bob")

    removed = session_events(live, "participant.removed")
    assert [(event["user_id"], event["participant_count"]) for event in removed] == [
        ("bob", 1),
        ("bob", 1),
    ]


async def test_an_answer_scored_after_the_removal_does_not_put_them_back(live: Play) -> None:
    await started(live, "ann", "bob")
    await live.submit("bob", "q1", "right", "s1")
    (answer,) = await live.system.answers.for_participant(live.session_id, "bob")
    await live.system.quiz.remove_participant(live.session_id, HOST, "bob")

    # The stream result redelivered (or still queued) after the removal.
    await live.system.score_event.handle(answer.recorded_event(live.quiz_id))
    await live.system.score_event.rebuild(live.session_id)

    assert await board(live) == [("ann", 0)]


async def test_the_results_leave_out_a_removed_player_but_keep_everyone_else(live: Play) -> None:
    await live.join("ann", "bob", "cat")
    await live.system.quiz.remove_participant(live.session_id, HOST, "cat")
    await play_through(live, {"ann": ["right", "wrong", "right"], "bob": ["wrong"] * 3})

    results = await live.system.quiz.results(live.session_id, HOST)
    stored = await live.system.master.session_results(live.session_id)

    assert [(s["user_id"], s["rank"]) for s in results["standings"]] == [("ann", 1), ("bob", 2)]
    assert sorted(result.user_id for result in stored if result.final) == ["ann", "bob"]
    with pytest.raises(NotParticipant):
        await live.system.quiz.results(live.session_id, "cat")


async def test_removing_the_last_player_yet_to_answer_closes_the_question() -> None:
    play = await closing_play()
    await started(play, "ann", "bob", "cat")
    await play.submit("ann", "q1", "right", "s1")
    await play.submit("bob", "q1", "wrong", "s2")
    assert session_events(play, "question.closed") == []

    await play.system.quiz.remove_participant(play.session_id, HOST, "cat")

    assert [event["question_id"] for event in session_events(play, "question.closed")] == ["q1"]


async def closing_play() -> Play:
    """A live session that closes a question once every participant answered it."""
    play = await new_play()
    state = await play.system.quiz.create_session(
        host_id=HOST,
        quiz_id=play.quiz_id,
        mode="live",
        question_seconds=10,
        close_when_all_answered=True,
    )
    return Play(
        system=play.system, clock=play.clock, session_id=state.session_id, quiz_id=play.quiz_id
    )


async def test_a_removed_players_answer_leaves_the_statistics(live: Play) -> None:
    await started(live, "ann", "bob", "cat")
    await live.submit("ann", "q1", "right", "s1")
    await live.submit("bob", "q1", "wrong", "s2")
    await live.submit("cat", "q1", "right", "s3")

    await live.system.quiz.remove_participant(live.session_id, HOST, "cat")
    await live.system.quiz.reveal(live.session_id, HOST)

    (closed,) = session_events(live, "question.closed")
    assert (closed["answer_count"], closed["correct_count"]) == (2, 1)
    assert closed["correct_share"] == 0.5
    assert await live.system.quiz.answered_count(live.session_id, "q1") == 2


async def test_a_removed_players_answer_does_not_close_the_question_early() -> None:
    play = await closing_play()
    await started(play, "ann", "bob", "cat")
    await play.submit("cat", "q1", "right", "s3")
    await play.system.quiz.remove_participant(play.session_id, HOST, "cat")

    await play.submit("ann", "q1", "right", "s1")
    assert session_events(play, "question.closed") == [], "bob has not answered"
    await play.submit("bob", "q1", "wrong", "s2")

    assert [event["question_id"] for event in session_events(play, "question.closed")] == ["q1"]
