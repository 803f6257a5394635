"""Contract of the AnswerStore port: each answer is recorded once."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from quizcore.model import RecordedAnswer, RecordOutcome
from quizcore.ports import AnswerStore


def answer(**changes: Any) -> RecordedAnswer:
    """Return a recorded answer with plausible defaults."""
    values: dict[str, Any] = {
        "session_id": "SESSA1",
        "question_id": "q1",
        "question_index": 0,
        "user_id": "user-1",
        "submission_id": "sub-1",
        "answer": "bonjour",
        "received_at": 1_800_000_001_000,
        "opened_at": 1_800_000_000_000,
        "limit_ms": 20_000,
    }
    values.update(changes)
    return RecordedAnswer(**values)


async def test_first_answer_is_recorded_and_readable(answer_store: AnswerStore) -> None:
    first = answer()

    assert await answer_store.record(first) == (RecordOutcome.RECORDED, first)
    assert await answer_store.get("SESSA1", "q1", "user-1") == first


async def test_same_submission_again_is_a_duplicate_of_the_stored_answer(
    answer_store: AnswerStore,
) -> None:
    first = answer()
    await answer_store.record(first)

    redelivered = answer(received_at=first.received_at + 5)

    assert await answer_store.record(redelivered) == (RecordOutcome.DUPLICATE, first)
    assert await answer_store.get("SESSA1", "q1", "user-1") == first


async def test_another_submission_for_the_question_conflicts_and_keeps_the_first(
    answer_store: AnswerStore,
) -> None:
    first = answer()
    await answer_store.record(first)

    second = answer(submission_id="sub-2", answer="salut")

    assert await answer_store.record(second) == (RecordOutcome.CONFLICT, first)
    assert await answer_store.get("SESSA1", "q1", "user-1") == first


async def test_fifty_concurrent_copies_of_one_submission_are_recorded_once(
    answer_store: AnswerStore,
) -> None:
    copies = [answer(received_at=1_800_000_001_000 + i) for i in range(50)]

    outcomes = await asyncio.gather(*(answer_store.record(copy) for copy in copies))

    kinds = [outcome for outcome, _ in outcomes]
    assert kinds.count(RecordOutcome.RECORDED) == 1
    assert kinds.count(RecordOutcome.DUPLICATE) == 49
    winner = outcomes[kinds.index(RecordOutcome.RECORDED)][1]
    assert all(stored == winner for _, stored in outcomes)
    assert await answer_store.for_session("SESSA1") == [winner]


async def test_fifty_concurrent_answers_to_one_question_let_exactly_one_count(
    answer_store: AnswerStore,
) -> None:
    rivals = [answer(submission_id=f"sub-{i}", answer=f"guess {i}") for i in range(50)]

    outcomes = await asyncio.gather(*(answer_store.record(rival) for rival in rivals))

    kinds = [outcome for outcome, _ in outcomes]
    assert kinds.count(RecordOutcome.RECORDED) == 1
    assert kinds.count(RecordOutcome.CONFLICT) == 49
    winner = outcomes[kinds.index(RecordOutcome.RECORDED)][1]
    assert winner in rivals
    assert all(stored == winner for _, stored in outcomes)
    assert await answer_store.get("SESSA1", "q1", "user-1") == winner
    assert await answer_store.for_participant("SESSA1", "user-1") == [winner]


async def test_answers_of_other_questions_users_and_sessions_do_not_collide(
    answer_store: AnswerStore,
) -> None:
    base = answer()
    others = [
        base,
        answer(question_id="q2", question_index=1, submission_id="sub-2"),
        answer(user_id="user-2"),
        answer(session_id="SESSB2"),
    ]

    outcomes = await asyncio.gather(*(answer_store.record(item) for item in others))

    assert outcomes == [(RecordOutcome.RECORDED, item) for item in others]


async def test_get_of_an_unanswered_question_is_none(answer_store: AnswerStore) -> None:
    await answer_store.record(answer())

    assert await answer_store.get("SESSA1", "q2", "user-1") is None
    assert await answer_store.get("SESSA1", "q1", "user-2") is None
    assert await answer_store.get("SESSB2", "q1", "user-1") is None


async def test_by_submission_finds_the_winner_and_not_the_losers(
    answer_store: AnswerStore,
) -> None:
    winner = answer(submission_id="sub-win")
    await answer_store.record(winner)
    await answer_store.record(answer(submission_id="sub-lose"))

    assert await answer_store.by_submission("SESSA1", "user-1", "sub-win") == winner
    assert await answer_store.by_submission("SESSA1", "user-1", "sub-lose") is None
    assert await answer_store.by_submission("SESSA1", "user-2", "sub-win") is None


async def test_for_participant_is_ordered_by_question_index(answer_store: AnswerStore) -> None:
    answers = [
        answer(question_id=f"q{index + 1}", question_index=index, submission_id=f"sub-{index}")
        for index in range(8)
    ]
    shuffled = random.Random(7).sample(answers, len(answers))
    await asyncio.gather(*(answer_store.record(item) for item in shuffled[:4]))
    for item in shuffled[4:]:
        await answer_store.record(item)
    await answer_store.record(answer(user_id="user-2", submission_id="other"))

    assert await answer_store.for_participant("SESSA1", "user-1") == answers
    assert await answer_store.for_participant("SESSA1", "nobody") == []


async def test_for_session_returns_every_answer_of_that_session_only(
    answer_store: AnswerStore,
) -> None:
    mine = [
        answer(
            user_id=f"user-{user}",
            question_id=f"q{q + 1}",
            question_index=q,
            submission_id=f"sub-{user}-{q}",
        )
        for user in range(3)
        for q in range(2)
    ]
    for item in mine:
        await answer_store.record(item)
    await answer_store.record(answer(session_id="SESSB2"))

    found = await answer_store.for_session("SESSA1")

    assert sorted(found, key=_key) == sorted(mine, key=_key)
    assert await answer_store.for_session("EMPTY9") == []


def _key(item: RecordedAnswer) -> tuple[str, int]:
    return item.user_id, item.question_index


async def test_question_count_counts_each_participant_once(answer_store: AnswerStore) -> None:
    users = [f"user-{number}" for number in range(12)]
    await asyncio.gather(
        *(answer_store.record(answer(user_id=user, submission_id=f"sub-{user}")) for user in users)
    )
    # Redelivery and a losing second answer change nothing.
    await answer_store.record(answer(user_id="user-0", submission_id="sub-user-0"))
    await answer_store.record(answer(user_id="user-1", submission_id="another"))
    await answer_store.record(answer(question_id="q2", question_index=1, submission_id="s2"))

    assert await answer_store.question_count("SESSA1", "q1") == 12
    assert await answer_store.question_count("SESSA1", "q2") == 1
    assert await answer_store.question_count("SESSA1", "q3") == 0
    assert await answer_store.question_count("OTHER1", "q1") == 0
