"""An author deletes a quiz (v1.2): off the list, still played where it was."""

from __future__ import annotations

from .conftest import QUIZ, RIGHT, Api, assert_problem, new_game


async def test_an_author_deletes_their_quiz_and_a_session_from_it_plays_on(api: Api) -> None:
    game = await new_game(api, players=1)
    author, (player,) = game.host, game.players
    kept = await api.create_quiz(author)
    await api.host(author, game.session_id, "start")

    deleted = await api.call("DELETE", f"/v1/quizzes/{game.quiz_id}", as_=author)
    again = await api.call("DELETE", f"/v1/quizzes/{game.quiz_id}", as_=author)

    assert (deleted.status, again.status) == (204, 204)
    listed = await api.get("/v1/quizzes", as_=author, params={"limit": 100})
    mine = await api.get("/v1/quizzes", as_=author, params={"mine": "true"})
    ids = [item["quiz_id"] for item in listed.body["items"]]
    assert game.quiz_id not in ids and kept in ids
    assert [item["quiz_id"] for item in mine.body["items"]] == [kept]
    # Where it was played, it still is: read by id, answered, scored.
    assert (await api.get(f"/v1/quizzes/{game.quiz_id}", as_=player)).status == 200
    answered = await api.answer(player, game.session_id, "q1", RIGHT["q1"], wait=5)
    assert answered.body["status"] == "scored"
    assert_problem(
        await api.post(
            "/v1/sessions",
            as_=author,
            json={"quiz_id": game.quiz_id, "mode": "live", "question_seconds": 20},
        ),
        404,
        "quiz_not_found",
    )


async def test_only_the_author_deletes_or_reads_the_answers_of_a_quiz(api: Api) -> None:
    author, other = await api.login("author"), await api.login("other")
    quiz_id = await api.create_quiz(author)

    assert_problem(await api.call("DELETE", f"/v1/quizzes/{quiz_id}", as_=other), 403, "forbidden")
    assert_problem(await api.get(f"/v1/quizzes/{quiz_id}/source", as_=other), 403, "forbidden")
    assert_problem(
        await api.call("DELETE", "/v1/quizzes/no-such-quiz", as_=author), 404, "quiz_not_found"
    )
    assert_problem(
        await api.call("DELETE", "/v1/quizzes/everyday-verbs", as_=author), 403, "forbidden"
    )
    assert (await api.get("/v1/quizzes", as_=other, params={"mine": "true"})).body["items"] == []
    assert_problem(
        await api.get("/v1/quizzes", as_=other, params={"mine": "yes"}), 400, "invalid_request"
    )


async def test_the_author_gets_the_quiz_back_as_written_to_write_a_new_one(api: Api) -> None:
    author = await api.login("author")
    quiz_id = await api.create_quiz(author)

    source = await api.get(f"/v1/quizzes/{quiz_id}/source", as_=author)
    copy = await api.post("/v1/quizzes", as_=author, json=source.body)

    assert source.status == 200
    assert source.body["title"] == QUIZ["title"]
    assert [q["answer"] for q in source.body["questions"]] == [
        q["answer"] for q in QUIZ["questions"]
    ]
    assert copy.status == 201
    copied = await api.get(f"/v1/quizzes/{copy.body['quiz_id']}/source", as_=author)
    assert copied.body == source.body
