"""Contract of the MasterStore port: quizzes, users and session results."""

from __future__ import annotations

import dataclasses
from typing import Any

from quizcore.model import SessionResult, User
from quizcore.ports import MasterStore
from quizcore.quiz import Quiz, build_quiz


def quiz(quiz_id: str = "quiz-1", title: str = "French basics") -> Quiz:
    """Return a validated quiz with a choice and a text question."""
    return build_quiz(
        quiz_id,
        {
            "title": title,
            "language": "fr",
            "level": "A1",
            "typo_tolerance": True,
            "questions": [
                {
                    "prompt": "Hello?",
                    "kind": "choice",
                    "answer": "Bonjour",
                    "choices": ["Bonjour", "Merci", "Au revoir"],
                    "points": 1000,
                },
                {
                    "prompt": "Thank you?",
                    "kind": "text",
                    "answer": "merci",
                    "accept": ["merci beaucoup"],
                    "points": 2000,
                    "seconds": 45,
                },
            ],
        },
        author_id="author-1",
    )


def result(user_id: str = "user-1", score: int = 500, **changes: Any) -> SessionResult:
    """Return a session result of SESSA1."""
    values: dict[str, Any] = {
        "session_id": "SESSA1",
        "user_id": user_id,
        "display_name": f"Player {user_id}",
        "score": score,
        "correct_count": score // 100,
        "reached_at": 1_800_000_000_000 + score,
    }
    values.update(changes)
    return SessionResult(**values)


async def test_a_quiz_round_trips_with_its_answers(master_store: MasterStore) -> None:
    saved = quiz()

    await master_store.save_quiz(saved)

    loaded = await master_store.get_quiz("quiz-1")
    assert loaded == saved
    assert loaded is not None
    assert loaded.questions[1].accept == ("merci beaucoup",)
    assert loaded.questions[1].is_correct("Merci beaucop", typo_tolerance=loaded.typo_tolerance)


async def test_an_unknown_quiz_is_none(master_store: MasterStore) -> None:
    assert await master_store.get_quiz("nope") is None


async def test_saving_a_quiz_again_replaces_it(master_store: MasterStore) -> None:
    await master_store.save_quiz(quiz())
    await master_store.save_quiz(quiz())
    renamed = quiz(title="French basics, revised")

    await master_store.save_quiz(renamed)

    assert await master_store.get_quiz("quiz-1") == renamed
    assert await master_store.list_quizzes() == [renamed]


async def test_quizzes_are_listed_oldest_first(master_store: MasterStore) -> None:
    first, second, third = quiz("quiz-b"), quiz("quiz-c"), quiz("quiz-a")
    for item in (first, second, third):
        await master_store.save_quiz(item)
    revised = quiz("quiz-b", title="Revised")
    await master_store.save_quiz(revised)

    assert await master_store.list_quizzes() == [revised, second, third]


async def test_quizzes_are_listed_a_page_at_a_time(master_store: MasterStore) -> None:
    quizzes = [quiz(f"quiz-{number}") for number in range(5)]
    for item in quizzes:
        await master_store.save_quiz(item)

    assert await master_store.list_quizzes(0, 2) == quizzes[:2]
    assert await master_store.list_quizzes(2, 2) == quizzes[2:4]
    assert await master_store.list_quizzes(4, 2) == quizzes[4:]
    assert await master_store.list_quizzes(5, 2) == []
    assert await master_store.list_quizzes(3) == quizzes[3:]


async def test_upsert_user_creates_then_updates(master_store: MasterStore) -> None:
    created = User(user_id="user-1", display_name="Ana", email="ana@example.com")

    assert await master_store.upsert_user(created) == created
    assert await master_store.upsert_user(created) == created
    assert await master_store.get_user("user-1") == created

    blocked = dataclasses.replace(created, display_name="Ana B.", status="blocked")
    assert await master_store.upsert_user(blocked) == blocked
    assert await master_store.get_user("user-1") == blocked
    assert await master_store.get_user("user-2") is None


async def test_a_saved_result_reads_back_with_its_session(master_store: MasterStore) -> None:
    mine = [result("user-1", 500), result("user-2", 700, rank=1, final=True)]
    for item in mine:
        await master_store.save_result(item)
    await master_store.save_result(result("user-1", 900, session_id="SESSB2"))

    found = await master_store.session_results("SESSA1")

    assert sorted(found, key=lambda item: item.user_id) == mine
    assert await master_store.session_results("EMPTY9") == []


async def test_a_lower_score_never_replaces_a_higher_one(master_store: MasterStore) -> None:
    await master_store.save_result(result(score=900))

    await master_store.save_result(result(score=400))

    assert await master_store.session_results("SESSA1") == [result(score=900)]


async def test_a_higher_or_equal_score_updates_the_result(master_store: MasterStore) -> None:
    await master_store.save_result(result(score=400))
    await master_store.save_result(result(score=900))
    final = result(score=900, rank=3, final=True)

    await master_store.save_result(final)

    assert await master_store.session_results("SESSA1") == [final]


async def test_user_totals_sum_final_results_only(master_store: MasterStore) -> None:
    await master_store.save_result(result(score=900, final=True))
    await master_store.save_result(result(score=300, session_id="SESSB2", final=True))
    await master_store.save_result(result(score=5000, session_id="SESSC3"))
    await master_store.save_result(result("user-2", 700, final=True))

    assert await master_store.user_totals("user-1") == (1200, 2)
    assert await master_store.user_totals("user-2") == (700, 1)
    assert await master_store.user_totals("nobody") == (0, 0)


async def test_all_totals_give_each_users_total_and_last_reached(
    master_store: MasterStore,
) -> None:
    await master_store.save_result(result(score=900, reached_at=5000, final=True))
    await master_store.save_result(
        result(score=300, reached_at=9000, session_id="SESSB2", final=True)
    )
    await master_store.save_result(result("user-2", 700, reached_at=7000, final=True))

    totals = await master_store.all_totals()

    assert sorted(totals) == [("user-1", 1200, 9000), ("user-2", 700, 7000)]


async def test_a_result_becoming_final_counts_once_in_the_totals(
    master_store: MasterStore,
) -> None:
    await master_store.save_result(result(score=900))
    await master_store.save_result(result(score=900, rank=1, final=True))
    await master_store.save_result(result(score=900, rank=1, final=True))

    assert await master_store.user_totals("user-1") == (900, 1)
    reached_at = result(score=900).reached_at
    assert sorted(await master_store.all_totals()) == [("user-1", 900, reached_at)]


async def test_an_archived_quiz_leaves_the_list_and_still_reads_back(
    master_store: MasterStore,
) -> None:
    for number in range(4):
        await master_store.save_quiz(quiz(f"quiz-{number}"))

    await master_store.archive_quiz("quiz-1")
    await master_store.archive_quiz("quiz-1")

    assert [q.quiz_id for q in await master_store.list_quizzes()] == ["quiz-0", "quiz-2", "quiz-3"]
    assert [q.quiz_id for q in await master_store.list_quizzes(1, 1)] == ["quiz-2"]
    assert await master_store.is_archived("quiz-1") is True
    assert await master_store.is_archived("quiz-2") is False
    assert (await master_store.get_quiz("quiz-1")) == quiz("quiz-1")
    # Saved again (an upsert), it stays archived.
    await master_store.save_quiz(quiz("quiz-1"))
    assert "quiz-1" not in [q.quiz_id for q in await master_store.list_quizzes()]


async def test_an_authors_quizzes_are_listed_apart_a_page_at_a_time(
    master_store: MasterStore,
) -> None:
    for number in range(5):
        written = quiz(f"quiz-{number}")
        if number % 2:
            written = dataclasses.replace(written, author_id="author-2")
        await master_store.save_quiz(written)
    await master_store.archive_quiz("quiz-2")

    mine = await master_store.list_quizzes(author_id="author-1")
    theirs = await master_store.list_quizzes(0, 1, author_id="author-2")

    assert [q.quiz_id for q in mine] == ["quiz-0", "quiz-4"]
    assert [q.quiz_id for q in theirs] == ["quiz-1"]
    assert [q.quiz_id for q in await master_store.list_quizzes(1, 5, author_id="author-2")] == [
        "quiz-3"
    ]
    assert await master_store.list_quizzes(author_id="nobody") == []
