"""(v1.2) What the class answered to a question: the host's reveal, over HTTP."""

from __future__ import annotations

from .conftest import RIGHT, Api, Player, Reply, assert_problem, new_game


async def _responses(api: Api, sid: str, question_id: str, who: Player) -> Reply:
    return await api.get(f"/v1/sessions/{sid}/questions/{question_id}/responses", as_=who)


async def test_the_host_sees_the_typed_words_grouped_once_the_question_is_revealed(
    api: Api,
) -> None:
    game = await new_game(api, players=4)
    sid = game.session_id
    ann, bob, cat, dan = game.players
    await api.host(game.host, sid, "start")
    await api.host(game.host, sid, "next")  # q2, typed: "hello", also "hi"
    for player, typed in ((ann, "Hello"), (bob, "helo"), (cat, "hello!"), (dan, "Helo")):
        reply = await api.answer(player, sid, "q2", typed, wait=2)
        assert reply.status in (200, 202), reply.text

    while_open = await _responses(api, sid, "q2", game.host)
    await api.host(game.host, sid, "reveal")
    revealed = await _responses(api, sid, "q2", game.host)
    to_a_player = await _responses(api, sid, "q2", ann)
    not_played = await _responses(api, sid, "q3", game.host)

    assert_problem(while_open, 403, "forbidden")
    assert revealed.status == 200, revealed.text
    assert revealed.body == {
        "question_id": "q2",
        "index": 1,
        "kind": "text",
        "answer_count": 4,
        "distinct_count": 2,
        "responses": [
            {"answer": "Hello", "count": 2, "correct": True},
            {"answer": "helo", "count": 2, "correct": False},
        ],
        "other_count": 0,
    }
    assert_problem(to_a_player, 403, "forbidden")
    assert_problem(not_played, 403, "forbidden")


async def test_a_removed_players_answer_leaves_the_groups(api: Api) -> None:
    game = await new_game(api, players=2)
    sid = game.session_id
    stays, goes = game.players
    await api.host(game.host, sid, "start")
    await api.answer(stays, sid, "q1", RIGHT["q1"], wait=2)
    await api.answer(goes, sid, "q1", "finish", wait=2)
    await api.host(game.host, sid, "reveal")
    before = await _responses(api, sid, "q1", game.host)

    removed = await api.call(
        "DELETE", f"/v1/sessions/{sid}/participants/{goes.user_id}", as_=game.host
    )
    after = await _responses(api, sid, "q1", game.host)

    assert removed.status == 204
    assert [group["answer"] for group in before.body["responses"]] == ["finish", "start"]
    assert after.body["answer_count"] == 1
    assert after.body["responses"] == [{"answer": "start", "count": 1, "correct": True}]


async def test_a_self_paced_host_follows_the_answers_while_the_class_works(api: Api) -> None:
    game = await new_game(api, players=1, mode="self_paced")
    sid, player = game.session_id, game.players[0]
    await api.host(game.host, sid, "start")
    await api.current(player, sid)
    await api.answer(player, sid, "q1", "stay", wait=2)

    reply = await _responses(api, sid, "q1", game.host)

    assert reply.status == 200
    assert reply.body["responses"] == [{"answer": "stay", "count": 1, "correct": False}]


async def test_unknown_questions_and_sessions_are_not_found(api: Api) -> None:
    game = await new_game(api, players=1)
    sid = game.session_id
    await api.host(game.host, sid, "start")

    no_question = await _responses(api, sid, "q9", game.host)
    no_session = await _responses(api, "ZZZZZZ", "q1", game.host)

    assert_problem(no_question, 404, "not_found")
    assert_problem(no_session, 404, "session_not_found")
