"""An author deletes a quiz: off the list, no new session, played sessions keep it."""

from __future__ import annotations

import pytest

from quizcore.errors import Forbidden, QuizNotFound
from tests.unit.support import HOST, Play, quiz_raw
from tests.unit.test_services import started


async def test_the_author_deletes_a_quiz_that_plays_on_where_it_was_started(live: Play) -> None:
    quiz = live.system.quiz
    await started(live, "ann")
    other = await quiz.create_quiz(HOST, quiz_raw(2))

    await quiz.delete_quiz(HOST, live.quiz_id)
    await quiz.delete_quiz(HOST, live.quiz_id)

    listed = await live.system.master.list_quizzes()
    assert [q.quiz_id for q in listed] == [other.quiz_id]
    with pytest.raises(QuizNotFound):
        await quiz.create_session(
            host_id=HOST, quiz_id=live.quiz_id, mode="live", question_seconds=10
        )
    view = await live.submit("ann", "q1", "right", "s1")
    assert view.status == "scored"


async def test_only_the_author_deletes_or_reads_the_source(live: Play) -> None:
    quiz = live.system.quiz

    with pytest.raises(Forbidden):
        await quiz.delete_quiz("ann", live.quiz_id)
    with pytest.raises(Forbidden):
        await quiz.authored_quiz("ann", live.quiz_id)
    with pytest.raises(QuizNotFound):
        await quiz.delete_quiz(HOST, "nope")
    original = await quiz.authored_quiz(HOST, live.quiz_id)
    again = await quiz.create_quiz(HOST, original.source())

    assert again.quiz_id != original.quiz_id
    assert again.source() == original.source()
    assert [q.answer for q in again.questions] == [q.answer for q in original.questions]
    assert await live.system.master.is_archived(live.quiz_id) is False
