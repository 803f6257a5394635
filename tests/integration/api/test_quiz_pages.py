"""``GET /v1/quizzes`` a page at a time: ``limit``, ``cursor``, ``next_cursor``."""

from __future__ import annotations

import pytest

from .conftest import QUIZ, Api, assert_problem


async def test_the_default_page_has_every_quiz_and_no_next_cursor(api: Api) -> None:
    reader = await api.login()

    reply = await api.get("/v1/quizzes", as_=reader)

    assert reply.status == 200
    assert set(reply.body) == {"items", "next_cursor"}
    assert reply.body["next_cursor"] is None
    assert reply.body["items"], "the shipped quizzes are listed"
    assert set(reply.body["items"][0]) == {
        "quiz_id",
        "title",
        "language",
        "level",
        "question_count",
    }


async def test_pages_walk_every_quiz_once_in_order(api: Api) -> None:
    author = await api.login()
    for number in range(5):
        await api.create_quiz(author, {**QUIZ, "title": f"Paged {number}"})
    everything = (await api.get("/v1/quizzes", as_=author)).body["items"]

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await api.get("/v1/quizzes", as_=author, params=params)).body
        assert len(page["items"]) <= 2
        seen += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == everything
    assert pages == (len(everything) + 1) // 2


async def test_a_cursor_past_the_end_gives_an_empty_last_page(api: Api) -> None:
    reader = await api.login()

    reply = await api.get("/v1/quizzes", as_=reader, params={"cursor": "999999"})

    assert reply.status == 200
    assert reply.body == {"items": [], "next_cursor": None}


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"cursor": "abc"}, {"cursor": "-1"}],
    ids=["zero", "over 100", "not a number", "letters", "negative"],
)
async def test_bad_paging_is_invalid_request(api: Api, params: dict[str, object]) -> None:
    reader = await api.login()

    reply = await api.get("/v1/quizzes", as_=reader, params=params)

    assert_problem(reply, 400, "invalid_request")
