"""Answers that arrive together are handled in one pass: lanes drain into batches.

A batch must do exactly what handling its messages one by one does: the same
stored scores, results and board, the same events out, and the same outcome
when it is delivered again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from adapters.inprocess import InProcessBus, Lane
from adapters.memory.messaging import RecordingPublisher
from quizcore.messages import AnswerRecorded, Message, QuestionClosed, ScoreUpdated
from quizcore.services import session_board
from tests.unit.support import HOST, Play, new_play
from tests.unit.support import score_updated as scored

USERS = ("ann", "bob", "cat")


async def run_lane(
    one: Callable[[Message], Awaitable[None]],
    many: Callable[[list[Message]], Awaitable[list[Message]]],
    *users: str,
) -> Lane:
    """Queue a result for each user before the lane's worker runs; drain; stop."""
    bus = InProcessBus()
    lane = bus.lane("scores", one, {"ScoreUpdated"}, batch=many)
    await bus.start()
    try:
        for user in users:
            await bus.publish(scored(user))  # queued: the worker has not run yet
        await bus.drain()
    finally:
        await bus.stop()
    assert not bus.busy()
    return lane


async def test_a_lane_with_a_batch_handler_takes_what_queued_together_in_one_call() -> None:
    bus = InProcessBus()
    batches: list[list[str]] = []
    singles: list[str] = []

    async def one(message: Message) -> None:
        singles.append(message.user_id)  # type: ignore[attr-defined]

    async def many(messages: list[Message]) -> list[Message]:
        batches.append([message.user_id for message in messages])  # type: ignore[attr-defined]
        return []

    lane = bus.lane("scores", one, {"ScoreUpdated"}, batch=many)
    await bus.start()
    try:
        for user in USERS:
            await bus.publish(scored(user))  # queued: the worker has not run yet
        await bus.drain()
        await bus.publish(scored("dan"))  # alone: no batch to make
        await bus.drain()
    finally:
        await bus.stop()

    assert batches == [list(USERS)]
    assert singles == ["dan"]
    assert lane.handled == 4
    assert not bus.busy()


async def test_a_batch_that_raised_is_handled_one_by_one_each_with_its_retries() -> None:
    handled: list[str] = []
    tried: list[int] = []

    async def one(message: Message) -> None:
        user = message.user_id  # type: ignore[attr-defined]
        if user == "bob":
            raise RuntimeError("bob's message cannot be handled")
        handled.append(user)

    async def many(messages: list[Message]) -> list[Message]:
        tried.append(len(messages))
        raise RuntimeError("the batch failed")

    lane = await run_lane(one, many, *USERS)

    assert tried == [3]
    assert handled == ["ann", "cat"]
    assert lane.dead == [scored("bob")]
    assert lane.handled == 2


async def test_only_what_a_batch_left_unhandled_is_handled_again() -> None:
    singles: list[str] = []

    async def one(message: Message) -> None:
        singles.append(message.user_id)  # type: ignore[attr-defined]

    async def many(messages: list[Message]) -> list[Message]:
        return messages[1:]  # the first handled, the second failed

    lane = await run_lane(one, many, *USERS)

    assert singles == ["bob", "cat"]
    assert lane.handled == 3


async def _recorded_unscored(play: Play) -> list[AnswerRecorded]:
    """Record answers to two questions, the scoring left undone; return its events."""
    recorded = RecordingPublisher()
    play.system.stream.publisher = recorded
    await play.join(*USERS)
    await play.system.quiz.start(play.session_id, HOST)
    for number, question in enumerate(("q1", "q2")):
        for offset, user in enumerate(USERS):
            play.clock.advance(300 * (offset + 1))
            answer = "right" if (user, question) != ("bob", "q1") else "wrong"
            await play.submit(user, question, answer, f"{user}-{question}")
        if number == 0:
            await play.system.quiz.advance(play.session_id, HOST)
    return [message for message in recorded.messages if isinstance(message, AnswerRecorded)]


def _without_ids(value: object, play: Play) -> str:
    """Return the value's text with the play's own session and quiz ids taken out."""
    return repr(value).replace(play.session_id, "SESSION").replace(play.quiz_id, "QUIZ")


async def _projection(play: Play) -> str:
    board = session_board(play.session_id)
    scores = [await play.system.scores.get_score(play.session_id, user) for user in USERS]
    results = [
        await play.system.scores.get_result(play.session_id, user, f"{user}-{question}")
        for user in USERS
        for question in ("q1", "q2")
    ]
    standings = [await play.system.leaderboard.standing(board, user) for user in USERS]
    assert all(score is not None for score in scores)
    assert all(result is not None and result.status == "scored" for result in results)
    return _without_ids((scores, results, standings), play)


async def test_scoring_a_batch_projects_what_scoring_one_by_one_does() -> None:
    one_by_one, batched = await new_play(), await new_play()
    events = await _recorded_unscored(one_by_one)
    assert len(events) == 6
    assert _without_ids(events, one_by_one) == _without_ids(
        await _recorded_unscored(batched), batched
    )
    events_batched = [
        message
        for message in batched.system.stream.publisher.messages  # type: ignore[attr-defined]
        if isinstance(message, AnswerRecorded)
    ]
    out_one, out_many = RecordingPublisher(), RecordingPublisher()
    one_by_one.system.score_event.publisher = out_one
    batched.system.score_event.publisher = out_many

    for event in events:
        await one_by_one.system.score_event.handle(event)
    assert await batched.system.score_event.handle_many(events_batched) == []

    assert await _projection(batched) == await _projection(one_by_one)
    # Every answer gets its own result, with its own points and streak; a
    # player whose two answers came together is told the total of both.
    one, many = out_one.messages, out_many.messages
    assert all(isinstance(message, ScoreUpdated) for message in [*one, *many])
    assert sorted(m.submission_id for m in many) == sorted(m.submission_id for m in one)  # type: ignore[attr-defined]
    by_submission = {m.submission_id: m for m in one}  # type: ignore[attr-defined]
    for message in many:
        alone = by_submission[message.submission_id]  # type: ignore[attr-defined]
        assert (message.correct, message.points, message.streak) == (  # type: ignore[attr-defined]
            alone.correct,  # type: ignore[attr-defined]
            alone.points,  # type: ignore[attr-defined]
            alone.streak,  # type: ignore[attr-defined]
        )
        final = await batched.system.scores.get_score(batched.session_id, message.user_id)
        assert final is not None and message.score == final.score  # type: ignore[attr-defined]


async def test_a_batch_delivered_again_counts_nothing_twice() -> None:
    play = await new_play()
    events = await _recorded_unscored(play)
    await play.system.score_event.handle_many(events)
    before = await _projection(play)
    first = RecordingPublisher()
    play.system.score_event.publisher = first
    for event in events:
        await play.system.score_event.handle(event)
    again = RecordingPublisher()
    play.system.score_event.publisher = again

    await play.system.score_event.handle_many(list(reversed(events)))

    assert await _projection(play) == before
    assert sorted(again.messages, key=repr) == sorted(first.messages, key=repr)


async def test_notifying_a_batch_marks_each_board_changed_once_and_keeps_the_order() -> None:
    play = await new_play()
    notifier = play.system.notifier
    await play.join(*USERS)
    await play.system.quiz.start(play.session_id, HOST)
    notifier.user_events.clear()
    notifier.session_events.clear()
    notifier.leaderboard_changes.clear()
    results = [scored(user, play.session_id) for user in USERS]
    closed = QuestionClosed(session_id=play.session_id, question_id="q1", index=0, closed_at=1)

    await play.system.notification.handle_many([*results[:2], closed, results[2]])

    assert [user for _, user, event in notifier.user_events] == list(USERS)
    assert {event["type"] for _, _, event in notifier.user_events} == {"answer.result"}
    assert [event["type"] for _, event in notifier.session_events] == ["question.closed"]
    # Once for the two results before the close, once for the one after.
    assert notifier.leaderboard_changes == [play.session_id, play.session_id]


async def test_a_batch_that_fails_at_one_player_leaves_that_player_and_the_rest() -> None:
    play = await new_play()
    events = await _recorded_unscored(play)
    gone = dataclasses.replace(events[1], session_id="NOSUCH")
    out = RecordingPublisher()
    play.system.score_event.publisher = out

    left = await play.system.score_event.handle_many([events[0], gone, events[2]])

    # ann scored and told once; the unknown session and the player after it
    # (cat) are left for one-by-one handling.
    assert [event.user_id for event in (events[0], gone, events[2])] == ["ann", "bob", "cat"]
    assert left == [gone, events[2]]
    assert [m.submission_id for m in out.messages] == [events[0].submission_id]  # type: ignore[attr-defined]


async def test_notifying_a_batch_that_fails_part_way_leaves_the_rest_unsent() -> None:
    play = await new_play()
    notifier = play.system.notifier
    await play.join(*USERS)
    await play.system.quiz.start(play.session_id, HOST)
    notifier.user_events.clear()
    notifier.leaderboard_changes.clear()
    results = [scored(user, play.session_id) for user in USERS]
    broken = QuestionClosed(session_id="NOSUCH", question_id="q1", index=0, closed_at=1)

    left = await play.system.notification.handle_many([*results[:2], broken, results[2]])

    assert left == [broken, results[2]]
    assert [user for _, user, _ in notifier.user_events] == ["ann", "bob"]
    assert notifier.leaderboard_changes == [play.session_id]
