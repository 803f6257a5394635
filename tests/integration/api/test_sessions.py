"""Sessions: creation, joining, host transitions and the current question."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from .conftest import Api, assert_problem, new_game

JOIN_CODE = re.compile(r"^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{6,8}$")
RFC3339_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _ms(stamp: str) -> int:
    assert RFC3339_MS.match(stamp), stamp
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)


async def test_creating_a_session_makes_the_caller_host_of_a_lobby(api: Api) -> None:
    host = await api.login("host")
    quiz_id = await api.create_quiz(host)

    reply = await api.post(
        "/v1/sessions",
        as_=host,
        json={"quiz_id": quiz_id, "mode": "live", "question_seconds": 15},
    )

    assert reply.status == 201
    assert set(reply.body) == {"session_id", "quiz_id", "mode", "status", "host_id"}
    assert JOIN_CODE.match(reply.body["session_id"])
    assert reply.body["quiz_id"] == quiz_id
    assert reply.body["mode"] == "live"
    assert reply.body["status"] == "lobby"
    assert reply.body["host_id"] == host.user_id


async def test_join_codes_are_unambiguous_and_never_repeat(api: Api) -> None:
    host = await api.login("host")
    quiz_id = await api.create_quiz(host)

    codes = [await api.create_session(host, quiz_id) for _ in range(25)]

    assert len(set(codes)) == len(codes)
    assert all(JOIN_CODE.match(code) for code in codes)


async def test_a_lobby_session_reports_its_state(api: Api) -> None:
    game = await new_game(api, players=2)

    reply = await api.get(f"/v1/sessions/{game.session_id}", as_=game.players[0])

    assert reply.status == 200
    view = reply.body
    assert set(view) == {
        "session_id",
        "quiz_id",
        "title",
        "mode",
        "status",
        "host_id",
        "participant_count",
        "question_index",
        "question_count",
        "current_question",
        "server_time",
        "phase",
        "last_question",
        "close_when_all_answered",
        "locked",
    }
    assert (view["phase"], view["last_question"]) == ("lobby", None)
    assert view["locked"] is False
    assert view["session_id"] == game.session_id
    assert view["title"] == "Verbs under test"
    assert view["status"] == "lobby"
    assert view["participant_count"] == 2
    assert view["question_count"] == 3
    assert view["question_index"] is None
    assert view["current_question"] is None
    _ms(view["server_time"])


async def test_a_join_code_typed_in_lower_case_finds_the_session(api: Api) -> None:
    game = await new_game(api, players=0)
    player = await api.login("typist")

    reply = await api.join(player, f" {game.session_id.lower()}")

    assert reply.status == 201
    assert reply.body["session_id"] == game.session_id


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"question_seconds": 0}, 422),
        ({"question_seconds": 301}, 422),
        ({"mode": "turbo"}, 422),
        ({"quiz_id": ""}, 422),
        ({"speed": "fast"}, 422),
    ],
)
async def test_a_session_with_bad_settings_is_refused(
    api: Api, change: dict[str, object], status: int
) -> None:
    host = await api.login("host")
    quiz_id = await api.create_quiz(host)

    reply = await api.post(
        "/v1/sessions", as_=host, json={"quiz_id": quiz_id, "mode": "live", **change}
    )

    assert_problem(reply, status, "invalid_request")


async def test_the_limits_of_question_seconds_are_accepted(api: Api) -> None:
    host = await api.login("host")
    quiz_id = await api.create_quiz(host)

    for seconds in (1, 300):
        await api.create_session(host, quiz_id, seconds=seconds)


async def test_a_session_of_an_unknown_quiz_is_quiz_not_found(api: Api) -> None:
    host = await api.login("host")

    reply = await api.post("/v1/sessions", as_=host, json={"quiz_id": "nope", "mode": "live"})

    assert_problem(reply, 404, "quiz_not_found")


@pytest.mark.parametrize("code", ["ZZZZZZ", "abc", "O0I1O0", "ABCDEFGHJ"])
async def test_an_unknown_join_code_is_session_not_found(api: Api, code: str) -> None:
    player = await api.login()

    assert_problem(await api.get(f"/v1/sessions/{code}", as_=player), 404, "session_not_found")
    assert_problem(await api.join(player, code), 404, "session_not_found")


async def test_joining_is_201_the_first_time_and_200_after(api: Api) -> None:
    game = await new_game(api, players=0)
    player = await api.login("Joiner")

    first = await api.join(player, game.session_id)
    again = await api.join(player, game.session_id)

    assert (first.status, again.status) == (201, 200)
    expected = {
        "session_id": game.session_id,
        "user_id": player.user_id,
        "display_name": "Joiner",
        "score": 0,
    }
    assert {key: first.body[key] for key in expected} == expected
    assert first.body == again.body
    assert "rank" in first.body
    view = await api.get(f"/v1/sessions/{game.session_id}", as_=player)
    assert view.body["participant_count"] == 1


async def test_starting_a_live_session_opens_the_first_question_for_its_time(api: Api) -> None:
    game = await new_game(api, players=1, seconds=15)

    reply = await api.host(game.host, game.session_id, "start")

    assert reply.status == 200
    assert reply.body["status"] == "running"
    assert reply.body["question_index"] == 0
    question = reply.body["current_question"]
    assert set(question) == {
        "question_id",
        "index",
        "prompt",
        "kind",
        "choices",
        "opens_at",
        "closes_at",
        "seconds",
    }
    assert question["question_id"] == "q1" and question["index"] == 0
    assert _ms(question["closes_at"]) - _ms(question["opens_at"]) == 15_000
    assert question["seconds"] == 15
    assert "answer" not in question
    view = await api.get(f"/v1/sessions/{game.session_id}", as_=game.players[0])
    assert view.body["current_question"] == question


async def test_next_walks_the_questions_and_finishes_after_the_last(api: Api) -> None:
    game = await new_game(api, players=1)
    await api.host(game.host, game.session_id, "start")

    second = await api.host(game.host, game.session_id, "next")
    third = await api.host(game.host, game.session_id, "next")
    done = await api.host(game.host, game.session_id, "next")

    assert second.status == third.status == done.status == 200
    assert second.body["current_question"]["question_id"] == "q2"
    assert third.body["current_question"]["question_id"] == "q3"
    assert done.body["status"] == "finished"
    assert done.body["current_question"] is None


async def test_finish_ends_the_session_and_is_idempotent(api: Api) -> None:
    game = await new_game(api, players=1)
    await api.host(game.host, game.session_id, "start")

    first = await api.host(game.host, game.session_id, "finish")
    again = await api.host(game.host, game.session_id, "finish")

    assert first.status == again.status == 200
    assert first.body["status"] == again.body["status"] == "finished"
    assert first.body["current_question"] is None


@pytest.mark.parametrize("action", ["start", "next", "finish"])
async def test_only_the_host_may_drive_the_session(api: Api, action: str) -> None:
    game = await new_game(api, players=1)
    if action != "start":
        await api.host(game.host, game.session_id, "start")

    reply = await api.host(game.players[0], game.session_id, action)

    assert_problem(reply, 403, "forbidden")
    view = await api.get(f"/v1/sessions/{game.session_id}", as_=game.host)
    assert view.body["status"] == ("lobby" if action == "start" else "running")
    assert view.body["question_index"] == (None if action == "start" else 0)


async def test_next_before_start_is_session_not_running(api: Api) -> None:
    game = await new_game(api, players=1)

    assert_problem(await api.host(game.host, game.session_id, "next"), 409, "session_not_running")


@pytest.mark.parametrize("action", ["start", "next"])
async def test_a_finished_session_cannot_be_driven_again(api: Api, action: str) -> None:
    game = await new_game(api, players=1)
    await api.host(game.host, game.session_id, "finish")

    assert_problem(await api.host(game.host, game.session_id, action), 409, "session_finished")


async def test_next_on_a_self_paced_session_is_invalid(api: Api) -> None:
    game = await new_game(api, players=1, mode="self_paced")
    await api.host(game.host, game.session_id, "start")

    assert_problem(await api.host(game.host, game.session_id, "next"), 400, "invalid_request")


async def test_joining_a_finished_session_is_session_finished(api: Api) -> None:
    game = await new_game(api, players=1)
    await api.host(game.host, game.session_id, "finish")
    latecomer = await api.login("late")

    assert_problem(await api.join(latecomer, game.session_id), 409, "session_finished")
    assert (await api.join(game.players[0], game.session_id)).status == 200


async def test_the_current_question_is_204_before_start(api: Api) -> None:
    game = await new_game(api, players=1)

    reply = await api.current(game.players[0], game.session_id)

    assert reply.status == 204
    assert reply.text == ""


async def test_the_current_question_of_a_live_session_is_the_open_one_until_answered(
    api: Api,
) -> None:
    game = await new_game(api, players=1)
    player = game.players[0]
    started = await api.host(game.host, game.session_id, "start")

    before = await api.current(player, game.session_id)
    await api.answer(player, game.session_id, "q1", "start")
    after = await api.current(player, game.session_id)

    assert before.status == 200
    assert before.body == started.body["current_question"]
    assert after.status == 204


async def test_the_current_question_needs_a_participant(api: Api) -> None:
    game = await new_game(api, players=1)
    await api.host(game.host, game.session_id, "start")
    stranger = await api.login("stranger")

    assert_problem(await api.current(stranger, game.session_id), 403, "not_participant")


async def test_the_current_question_after_finish_is_204(api: Api) -> None:
    game = await new_game(api, players=1)
    await api.host(game.host, game.session_id, "start")
    await api.host(game.host, game.session_id, "finish")

    assert (await api.current(game.players[0], game.session_id)).status == 204
