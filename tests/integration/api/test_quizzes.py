"""Quizzes: authoring, listing, reading without answers."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from .conftest import QUIZ, Api, assert_problem


async def test_an_authored_quiz_is_listed_with_its_summary(api: Api) -> None:
    author = await api.login("author")

    created = await api.post("/v1/quizzes", as_=author, json=QUIZ)
    listed = await api.get("/v1/quizzes", as_=author)

    assert created.status == 201
    quiz_id = created.body["quiz_id"]
    assert isinstance(quiz_id, str) and quiz_id
    (summary,) = [item for item in listed.body["items"] if item["quiz_id"] == quiz_id]
    assert summary == {
        "quiz_id": quiz_id,
        "title": "Verbs under test",
        "language": "en",
        "level": "A2",
        "question_count": 3,
    }


async def test_a_quiz_is_served_with_its_questions_but_never_its_answers(api: Api) -> None:
    author = await api.login("author")
    quiz_id = await api.create_quiz(author)

    reply = await api.get(f"/v1/quizzes/{quiz_id}", as_=author)

    assert reply.status == 200
    quiz = reply.body
    assert quiz["title"] == "Verbs under test" and quiz["question_count"] == 3
    assert [q["question_id"] for q in quiz["questions"]] == ["q1", "q2", "q3"]
    assert quiz["questions"][0]["choices"] == ["start", "finish", "stay", "hold"]
    assert quiz["questions"][1]["kind"] == "text"
    assert [q["points"] for q in quiz["questions"]] == [1000, 1000, 500]
    assert "answer" not in reply.text and "accept" not in reply.text
    assert "hello" not in reply.text, "the typed answer leaked"


async def test_the_shipped_vocabulary_quizzes_are_ready_to_play(api: Api) -> None:
    player = await api.login("newcomer")

    items = (await api.get("/v1/quizzes", as_=player)).body["items"]

    assert len(items) >= 2
    assert all(item["question_count"] > 0 for item in items)
    first = await api.get(f"/v1/quizzes/{items[0]['quiz_id']}", as_=player)
    assert first.status == 200
    assert all("answer" not in question for question in first.body["questions"])


async def test_an_unknown_quiz_is_quiz_not_found(api: Api) -> None:
    player = await api.login()

    assert_problem(await api.get("/v1/quizzes/no-such-quiz", as_=player), 404, "quiz_not_found")


def _broken(path: str, value: Any) -> dict[str, Any]:
    quiz = copy.deepcopy(QUIZ)
    target: Any = quiz
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is ...:
        del target[int(last) if last.isdigit() else last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return quiz


BAD_QUIZZES = {
    "answer not among the choices": (_broken("questions.0.answer", "begin"), 400),
    "a single choice": (_broken("questions.0.choices", ["start"]), 422),
    "duplicate choices": (_broken("questions.0.choices", ["start", "Start "]), 400),
    "choices on a text question": (_broken("questions.1.choices", ["hello", "bye"]), 422),
    "a blank prompt": (_broken("questions.0.prompt", "   "), 422),
    "a blank title": (_broken("title", "  "), 422),
    "no title": (_broken("title", ...), 422),
    "no questions": (_broken("questions", []), 422),
    "an unknown kind": (_broken("questions.0.kind", "essay"), 422),
    "zero points": (_broken("questions.0.points", 0), 422),
    "an unknown field": ({**QUIZ, "owner": "me"}, 422),
    "questions that are not objects": (_broken("questions", ["q"]), 422),
}


@pytest.mark.parametrize("case", sorted(BAD_QUIZZES))
async def test_a_malformed_quiz_is_refused_as_invalid_request(api: Api, case: str) -> None:
    author = await api.login("author")
    body, status = BAD_QUIZZES[case]

    before = (await api.get("/v1/quizzes", as_=author)).body["items"]

    reply = await api.post("/v1/quizzes", as_=author, json=body)

    assert_problem(reply, status, "invalid_request")
    assert (await api.get("/v1/quizzes", as_=author)).body["items"] == before


async def test_a_body_that_is_not_json_is_a_bad_request(api: Api) -> None:
    author = await api.login("author")

    reply = await api.post("/v1/quizzes", as_=author, body=b'{"title": "half')

    assert_problem(reply, 400, "invalid_request")


async def test_a_json_body_that_is_not_an_object_is_a_bad_request(api: Api) -> None:
    author = await api.login("author")

    reply = await api.post("/v1/quizzes", as_=author, json=[QUIZ])

    assert_problem(reply, 400, "invalid_request")
