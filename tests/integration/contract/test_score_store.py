"""Contract of the ScoreStore port: rising scores, lasting results."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from typing import Any

from quizcore.model import AnswerResult, ParticipantScore
from quizcore.ports import ScoreStore


def score(points: int, **changes: Any) -> ParticipantScore:
    """Return a participant score worth ``points``."""
    values: dict[str, Any] = {
        "session_id": "SESSA1",
        "user_id": "user-1",
        "score": points,
        "correct_count": points // 100,
        "answered_count": points // 100 + 1,
        "reached_at": 1_800_000_000_000 + points,
    }
    values.update(changes)
    return ParticipantScore(**values)


def result(status: str = "scored", **changes: Any) -> AnswerResult:
    """Return the result of submission ``sub-1``."""
    values: dict[str, Any] = {
        "session_id": "SESSA1",
        "user_id": "user-1",
        "submission_id": "sub-1",
        "question_id": "q1",
        "status": status,
    }
    if status == "scored":
        values.update(correct=True, points=950, streak=2, score=2150)
    else:
        values.update(code="question_closed", detail="question q1 closed at 1")
    values.update(changes)
    return AnswerResult(**values)


async def test_first_score_is_stored(score_store: ScoreStore) -> None:
    first = score(500)

    assert await score_store.raise_score(first) is True
    assert await score_store.get_score("SESSA1", "user-1") == first


async def test_a_higher_score_replaces_the_stored_one(score_store: ScoreStore) -> None:
    await score_store.raise_score(score(500))

    assert await score_store.raise_score(score(900)) is True
    assert await score_store.get_score("SESSA1", "user-1") == score(900)


async def test_a_lower_or_equal_score_changes_nothing(score_store: ScoreStore) -> None:
    await score_store.raise_score(score(900))

    assert await score_store.raise_score(score(500)) is False
    assert await score_store.raise_score(score(900, reached_at=1)) is False
    assert await score_store.get_score("SESSA1", "user-1") == score(900)


async def test_raising_to_the_same_score_again_is_idempotent(score_store: ScoreStore) -> None:
    assert await score_store.raise_score(score(700)) is True
    assert await score_store.raise_score(score(700)) is False
    assert await score_store.get_score("SESSA1", "user-1") == score(700)


async def test_concurrent_raises_end_at_the_highest(score_store: ScoreStore) -> None:
    offers = [score(points) for points in range(100, 5100, 100)]
    random.Random(3).shuffle(offers)

    changed = await asyncio.gather(*(score_store.raise_score(offer) for offer in offers))

    assert any(changed)
    assert await score_store.get_score("SESSA1", "user-1") == score(5000)
    assert await score_store.raise_score(score(4900)) is False


async def test_get_score_of_an_unknown_participant_is_none(score_store: ScoreStore) -> None:
    await score_store.raise_score(score(100))

    assert await score_store.get_score("SESSA1", "user-2") is None
    assert await score_store.get_score("SESSB2", "user-1") is None


async def test_scores_lists_every_participant_of_the_session_only(
    score_store: ScoreStore,
) -> None:
    mine = [score(100 * (i + 1), user_id=f"user-{i}") for i in range(5)]
    for item in mine:
        await score_store.raise_score(item)
    mine[0] = dataclasses.replace(mine[0], score=999)
    await score_store.raise_score(mine[0])
    await score_store.raise_score(score(300, session_id="SESSB2"))

    found = await score_store.scores("SESSA1")

    assert sorted(found, key=lambda item: item.user_id) == mine
    assert await score_store.scores("EMPTY9") == []


async def test_a_saved_result_reads_back(score_store: ScoreStore) -> None:
    saved = result()

    await score_store.save_result(saved)

    assert await score_store.get_result("SESSA1", "user-1", "sub-1") == saved
    assert await score_store.get_result("SESSA1", "user-1", "sub-2") is None
    assert await score_store.get_result("SESSA1", "user-2", "sub-1") is None


async def test_saving_a_result_twice_is_idempotent(score_store: ScoreStore) -> None:
    await score_store.save_result(result())
    await score_store.save_result(result())

    assert await score_store.get_result("SESSA1", "user-1", "sub-1") == result()


async def test_a_scored_result_is_never_downgraded_to_rejected(score_store: ScoreStore) -> None:
    await score_store.save_result(result("scored"))

    await score_store.save_result(result("rejected"))

    assert await score_store.get_result("SESSA1", "user-1", "sub-1") == result("scored")


async def test_a_rejected_result_is_upgraded_by_a_scored_one(score_store: ScoreStore) -> None:
    await score_store.save_result(result("rejected"))

    await score_store.save_result(result("scored"))

    assert await score_store.get_result("SESSA1", "user-1", "sub-1") == result("scored")


async def test_concurrent_rejections_never_hide_a_scored_result(score_store: ScoreStore) -> None:
    offers = [result("rejected", detail=f"late {i}") for i in range(20)] + [result("scored")]
    random.Random(5).shuffle(offers)

    await asyncio.gather(*(score_store.save_result(offer) for offer in offers))

    assert await score_store.get_result("SESSA1", "user-1", "sub-1") == result("scored")
