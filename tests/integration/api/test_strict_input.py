"""Strict input: what the OpenAPI document refuses, the API refuses, and back."""

from __future__ import annotations

import orjson
import pytest

from .conftest import QUIZ, Api, assert_problem, new_game


async def test_a_text_plain_body_is_415(api: Api) -> None:
    author = await api.login()

    reply = await api.post(
        "/v1/quizzes",
        as_=author,
        body=orjson.dumps(QUIZ),
        headers={"Content-Type": "text/plain"},
    )

    body = assert_problem(reply, 415, "invalid_request")
    assert "application/json" in body["detail"]


async def test_a_body_without_a_content_type_is_415(api: Api) -> None:
    author = await api.login()

    reply = await api.call(
        "POST",
        "/v1/sessions",
        as_=author,
        body=b'{"quiz_id": "everyday-verbs"}',
        headers={"Content-Type": ""},
    )

    assert_problem(reply, 415, "invalid_request")


async def test_a_json_body_with_a_charset_is_read(api: Api) -> None:
    author = await api.login()

    reply = await api.post(
        "/v1/sessions",
        as_=author,
        body=b'{"quiz_id": "everyday-verbs"}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )

    assert reply.status == 201, reply.text


@pytest.mark.parametrize(
    "raw",
    [
        b'{"quiz_id": "everyday-verbs", "quiz_id": "other"}',
        b'{"quiz_id": "everyday-verbs", "mode": "live", "mode" : "self_paced"}',
    ],
    ids=["top level", "spaced colon"],
)
async def test_duplicate_json_keys_are_refused(api: Api, raw: bytes) -> None:
    host = await api.login()

    reply = await api.post("/v1/sessions", as_=host, body=raw)

    body = assert_problem(reply, 400, "invalid_request")
    assert "repeats the key" in body["detail"]


async def test_a_duplicate_key_in_a_nested_object_is_refused(api: Api) -> None:
    author = await api.login()
    raw = orjson.dumps(QUIZ).replace(b'"kind":"text"', b'"kind":"text","kind":"choice"', 1)
    assert raw.count(b'"kind":"choice"') == 3

    reply = await api.post("/v1/quizzes", as_=author, body=raw)

    assert_problem(reply, 400, "invalid_request")


async def test_a_key_like_string_inside_a_value_is_not_a_duplicate(api: Api) -> None:
    game = await new_game(api, players=1)
    await api.host(game.host, game.session_id, "start")
    raw = b'{"question_id": "q1", "answer": "a\\": \\"b", "submission_id": "s\\":1"}'

    reply = await api.post(f"/v1/sessions/{game.session_id}/answers", as_=game.players[0], body=raw)

    # Read as one answer (accepted, or refused for its content), not a repeat.
    assert reply.status in (202, 422), reply.text
    assert "repeats the key" not in reply.text
