"""Strict input: what the OpenAPI document refuses, the API refuses, and back."""

from __future__ import annotations

import orjson
import pytest

from .conftest import QUIZ, Api, LiveServer, assert_problem, new_game


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


@pytest.mark.parametrize(
    "change",
    [
        {"question_seconds": True},
        {"question_seconds": "20"},
        {"question_seconds": 20.5},
        {"streak_bonus": "yes"},
        {"streak_bonus": 1},
        {"close_when_all_answered": "true"},
        {"mode": 1},
    ],
    ids=["bool for int", "string for int", "fraction", "yes", "1 for bool", "string bool", "int"],
)
async def test_session_fields_are_not_coerced(api: Api, change: dict[str, object]) -> None:
    host = await api.login()
    body = {"quiz_id": "everyday-verbs", "mode": "live", **change}

    reply = await api.post("/v1/sessions", as_=host, json=body)

    assert_problem(reply, 422, "invalid_request")


async def test_a_whole_number_written_with_a_fraction_is_an_integer(api: Api) -> None:
    # JSON Schema calls 20.0 an integer; so does the API.
    host = await api.login()

    reply = await api.post(
        "/v1/sessions", as_=host, json={"quiz_id": "everyday-verbs", "question_seconds": 20.0}
    )

    assert reply.status == 201, reply.text


def _quiz_with(**changes: object) -> dict[str, object]:
    quiz = orjson.loads(orjson.dumps(QUIZ))
    question = changes.pop("question", None)
    if question is not None:
        quiz["questions"][0].update(question)
    quiz.update(changes)
    return dict(quiz)


@pytest.mark.parametrize(
    "quiz",
    [
        _quiz_with(title=""),
        _quiz_with(title="   "),
        _quiz_with(title="bell\x07"),
        _quiz_with(question={"prompt": ""}),
        _quiz_with(question={"prompt": "tab\tinside"}),
        _quiz_with(question={"answer": ""}),
        _quiz_with(question={"points": True}),
        _quiz_with(question={"seconds": "10"}),
        _quiz_with(question={"choices": ["start"]}),
        _quiz_with(typo_tolerance="yes"),
    ],
    ids=[
        "empty title",
        "blank title",
        "control character in title",
        "empty prompt",
        "control character in prompt",
        "empty answer",
        "bool points",
        "string seconds",
        "one choice",
        "yes for bool",
    ],
)
async def test_quizzes_the_document_refuses_are_refused(api: Api, quiz: dict[str, object]) -> None:
    author = await api.login()

    reply = await api.post("/v1/quizzes", as_=author, json=quiz)

    assert_problem(reply, 422, "invalid_request")


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "bell\x07",
        "new\nline",
        "nul\x00",
        "\u200b\u200b",  # zero-width spaces: an empty name tag on every screen
        "\u3164",  # a Hangul filler, blank where it shows
        "\ufeff \u2060",
        "\u0301",  # a combining accent with nothing to sit on
        "Zo\x85",  # a C1 control
    ],
)
async def test_a_dev_token_name_needs_visible_text(api: Api, name: str) -> None:
    reply = await api.post("/v1/dev/token", json={"name": name})

    assert_problem(reply, 422, "invalid_request")
    # Said in words, not as the pattern.
    assert reply.body["detail"].startswith("name: ") and "^[" not in reply.body["detail"]


@pytest.mark.parametrize("name", ["Zoë", "Zoe\u0308", "李雷", "👩\u200d💻 Ana", "Ana\u200b"])
async def test_a_dev_token_name_may_be_any_visible_text(api: Api, name: str) -> None:
    reply = await api.post("/v1/dev/token", json={"name": name})

    assert reply.status == 200, reply.body


async def test_the_document_states_the_rules_validation_applies(api: Api) -> None:
    document = (await api.get("/v1/openapi.json")).body
    schemas = document["components"]["schemas"]

    def find(name: str) -> dict[str, object]:
        key = next(key for key in schemas if name in (key.split(".")[0], key.split(".")[-1]))
        return dict(schemas[key])

    quiz = find("QuizIn")
    choice = find("ChoiceQuestionIn")
    session = find("SessionIn")
    token = find("DevTokenIn")
    assert quiz["properties"]["title"]["minLength"] == 1
    assert "pattern" in quiz["properties"]["title"]
    assert choice["properties"]["prompt"]["minLength"] == 1
    assert choice["properties"]["answer"]["minLength"] == 1
    assert choice["properties"]["choices"]["minItems"] == 2
    assert session["properties"]["question_seconds"]["type"] == "integer"
    assert session["properties"]["streak_bonus"]["type"] == "boolean"
    assert "pattern" in token["properties"]["name"]
    for path in ("/v1/quizzes", "/v1/sessions", "/v1/sessions/{session_id}/answers"):
        assert "415" in document["paths"][path]["post"]["responses"], path
    for code in ("4401", "4403", "4429", "1003", "1009", "431"):
        assert code in document["info"]["description"], code


async def test_an_answer_over_http_and_over_the_socket_meets_one_model(
    live_server: LiveServer,
) -> None:
    api = live_server.api
    game = await new_game(api, players=1)
    player = game.players[0]
    await api.host(game.host, game.session_id, "start")
    refused = [
        {"question_id": "q1", "answer": ""},
        {"question_id": "q1", "answer": "start", "submission_id": "has space"},
        {"question_id": "q1", "answer": 7},
        {"question_id": "q1", "answer": "start", "extra": 1},
    ]

    over_http = [
        await api.post(f"/v1/sessions/{game.session_id}/answers", as_=player, json=body)
        for body in refused
    ]
    async with live_server.socket(game.session_id, player) as live:
        await live.next("session.snapshot")
        frames = []
        for body in refused:
            await live.send({"type": "answer.submit", **body})
            frames.append(await live.next("error"))

    assert [reply.status for reply in over_http] == [422] * len(refused)
    assert [frame["code"] for frame in frames] == ["invalid_request"] * len(refused)
