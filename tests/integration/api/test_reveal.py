"""Question phases like a game show (API v1.1): reveal, all answered, fair timing.

Nothing may reveal a question's answer before the server stopped accepting
answers to it, whether the host or the timer closed it, over HTTP and the
live channel alike.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from entrypoints.settings import Settings
from quizcore.errors import StoreUnavailable

from .conftest import (
    QUIZ,
    RIGHT,
    WRONG,
    Api,
    LiveServer,
    LiveSocket,
    Minter,
    Player,
    assert_problem,
    eventually,
    new_game,
    served,
)

LAST_QUESTION_FIELDS = {
    "question_id",
    "index",
    "prompt",
    "kind",
    "choices",
    "opens_at",
    "closes_at",
    "seconds",
    "closed_at",
    "correct_answer",
    "answer_count",
    "correct_count",
    "correct_share",
    "choice_counts",
}


async def dev_player(api: Api, name: str, device_key: str | None = None) -> Player:
    """Return a player with a token from the dev issuer."""
    body: dict[str, Any] = {"name": name}
    if device_key is not None:
        body["device_key"] = device_key
    issued = (await api.post("/v1/dev/token", json=body)).body
    return Player(name=name, token=issued["access_token"], user_id=issued["user_id"])


async def submit_live(live: LiveSocket, question_id: str, answer: str, submission_id: str) -> None:
    """Send an answer over the live channel."""
    await live.send(
        {
            "type": "answer.submit",
            "question_id": question_id,
            "answer": answer,
            "submission_id": submission_id,
        }
    )


async def test_reveal_closes_the_question_without_opening_the_next(api: Api) -> None:
    game = await new_game(api, players=2)
    sid, ann, bob = game.session_id, *game.players
    await api.host(game.host, sid, "start")
    await api.answer(ann, sid, "q1", RIGHT["q1"], wait=2)
    await api.answer(bob, sid, "q1", WRONG["q1"], wait=2)

    revealed = await api.host(game.host, sid, "reveal")
    again = await api.host(game.host, sid, "reveal")
    seen = (await api.get(f"/v1/sessions/{sid}", as_=bob)).body

    assert revealed.status == again.status == 200
    assert revealed.body["phase"] == "reveal"
    assert revealed.body["current_question"] is None
    assert seen["question_index"] == 0 and seen["phase"] == "reveal"
    last = seen["last_question"]
    assert set(last) == LAST_QUESTION_FIELDS
    assert (last["question_id"], last["correct_answer"]) == ("q1", "start")
    assert (last["answer_count"], last["correct_count"], last["correct_share"]) == (2, 1, 0.5)
    assert last["choice_counts"] == {"start": 1, "stay": 1}

    following = await api.host(game.host, sid, "next")

    assert following.body["phase"] == "question"
    assert following.body["current_question"]["question_id"] == "q2"
    assert following.body["last_question"] is None


async def test_reveal_is_for_the_host_of_a_running_live_session(api: Api) -> None:
    game = await new_game(api, players=1)
    sid = game.session_id

    in_lobby = await api.host(game.host, sid, "reveal")
    await api.host(game.host, sid, "start")
    by_player = await api.host(game.players[0], sid, "reveal")
    await api.host(game.host, sid, "finish")
    after = await api.host(game.host, sid, "reveal")

    assert_problem(in_lobby, 409, "session_not_running")
    assert_problem(by_player, 403, "forbidden")
    assert_problem(after, 409, "session_finished")


async def test_an_answer_after_the_host_reveals_is_closed_over_http(api: Api) -> None:
    game = await new_game(api, players=2)
    sid, ann, bob = game.session_id, *game.players
    await api.host(game.host, sid, "start")
    await api.answer(ann, sid, "q1", WRONG["q1"], wait=2)

    await api.host(game.host, sid, "reveal")
    revealed = (await api.get(f"/v1/sessions/{sid}", as_=bob)).body["last_question"]
    late = await api.answer(bob, sid, "q1", revealed["correct_answer"], wait=2)

    assert_problem(late, 409, "question_closed")
    standings = (await api.leaderboard(bob, sid)).body["entries"]
    assert {entry["user_id"]: entry["score"] for entry in standings}[bob.user_id] == 0


async def test_an_answer_after_next_moves_on_is_closed(api: Api) -> None:
    game = await new_game(api, players=1)
    sid, ann = game.session_id, game.players[0]
    await api.host(game.host, sid, "start")

    await api.host(game.host, sid, "next")
    late = await api.answer(ann, sid, "q1", RIGHT["q1"])

    assert_problem(late, 409, "question_closed")


async def test_the_revealed_answer_sent_over_the_live_channel_is_refused(
    live_server: LiveServer,
) -> None:
    api = live_server.api
    game = await new_game(api, players=1)
    sid, ann = game.session_id, game.players[0]
    await api.host(game.host, sid, "start")

    async with live_server.socket(sid, ann) as live:
        await live.next("session.snapshot")
        await api.host(game.host, sid, "reveal")
        closed = await live.next("question.closed")
        await submit_live(live, "q1", closed["correct_answer"], "after-reveal")
        error = await live.next("error")

    assert (error["code"], error["submission_id"]) == ("question_closed", "after-reveal")


async def test_a_timer_reveal_comes_only_when_answers_stop_counting(
    live_server: LiveServer,
) -> None:
    api = live_server.api
    game = await new_game(api, players=2, seconds=1)
    sid, ann, bob = game.session_id, *game.players

    async with live_server.socket(sid, ann) as live:
        await live.next("session.snapshot")
        await api.host(game.host, sid, "start")
        opened = await live.next("question.opened")
        closed = await live.next("question.closed", within=10)
        over_http = await api.answer(bob, sid, "q1", closed["correct_answer"])
        await submit_live(live, "q1", closed["correct_answer"], "after-timer")
        error = await live.next("error")

    assert opened["question_id"] == closed["question_id"] == "q1"
    assert_problem(over_http, 409, "question_closed")
    assert error["code"] == "question_closed"


async def test_a_question_closes_once_everyone_answered_when_asked(api: Api) -> None:
    game = await new_game(api, players=2, close_when_all_answered=True)
    sid, ann, bob = game.session_id, *game.players
    await api.host(game.host, sid, "start")

    await api.answer(ann, sid, "q1", RIGHT["q1"], wait=2)
    still_open = (await api.get(f"/v1/sessions/{sid}", as_=ann)).body
    await api.answer(bob, sid, "q1", RIGHT["q1"], wait=2)

    async def revealed() -> dict[str, Any] | None:
        body = (await api.get(f"/v1/sessions/{sid}", as_=ann)).body
        return body if body["phase"] == "reveal" else None

    closed = await eventually(revealed, within=10)
    assert still_open["phase"] == "question" and still_open["close_when_all_answered"] is True
    assert closed["last_question"]["answer_count"] == 2
    assert closed["question_index"] == 0


async def test_by_default_a_question_stays_open_after_everyone_answered(api: Api) -> None:
    game = await new_game(api, players=1)
    sid, ann = game.session_id, game.players[0]
    await api.host(game.host, sid, "start")

    await api.answer(ann, sid, "q1", RIGHT["q1"], wait=2)
    body = (await api.get(f"/v1/sessions/{sid}", as_=ann)).body

    assert body["phase"] == "question"
    assert body["close_when_all_answered"] is False
    assert body["current_question"]["question_id"] == "q1"


async def test_a_reload_in_each_phase_gets_that_phase_back(live_server: LiveServer) -> None:
    api = live_server.api
    game = await new_game(api, players=1)
    sid, ann = game.session_id, game.players[0]

    async def snapshot() -> dict[str, Any]:
        async with live_server.socket(sid, ann) as live:
            return await live.next("session.snapshot")

    lobby = await snapshot()
    await api.host(game.host, sid, "start")
    question = await snapshot()
    await api.answer(ann, sid, "q1", RIGHT["q1"], wait=2)
    await api.host(game.host, sid, "reveal")
    reveal = await snapshot()
    await api.host(game.host, sid, "finish")
    finished = await snapshot()

    assert [s["phase"] for s in (lobby, question, reveal, finished)] == [
        "lobby",
        "question",
        "reveal",
        "finished",
    ]
    assert lobby["last_question"] is None and question["last_question"] is None
    assert reveal["last_question"]["correct_answer"] == "start"
    assert reveal["last_question"]["correct_count"] == 1
    assert finished["last_question"]["question_id"] == "q1"
    assert reveal["session"]["phase"] == "reveal"


async def test_a_choice_answer_must_be_one_of_the_choices(live_server: LiveServer) -> None:
    api = live_server.api
    game = await new_game(api, players=1)
    sid, ann = game.session_id, game.players[0]
    await api.host(game.host, sid, "start")

    free_text = await api.answer(ann, sid, "q1", "<b>anything</b>")
    async with live_server.socket(sid, ann) as live:
        await live.next("session.snapshot")
        await submit_live(live, "q1", "nope", "w1")
        error = await live.next("error")
    cased = await api.answer(ann, sid, "q1", " START ", wait=2)

    assert_problem(free_text, 422, "invalid_request")
    assert (error["code"], error["submission_id"]) == ("invalid_request", "w1")
    assert cased.status == 200 and cased.body["correct"] is True


async def test_two_people_with_one_name_are_two_players(api: Api) -> None:
    game = await new_game(api, players=0)
    name = f"Alex {uuid.uuid4().hex[:4]}"
    first, second, third = [await dev_player(api, name) for _ in range(3)]

    joined = [await api.join(player, game.session_id) for player in (first, second, third)]
    again = await api.join(second, game.session_id)

    assert [reply.status for reply in joined] == [201, 201, 201]
    names = [reply.body["display_name"] for reply in joined]
    assert names == [name, f"{name} 2", f"{name} 3"]
    assert len({reply.body["user_id"] for reply in joined}) == 3
    assert (again.status, again.body["display_name"]) == (200, f"{name} 2")


async def test_a_look_alike_name_is_shown_as_it_looks_and_numbered(api: Api) -> None:
    game = await new_game(api, players=0)
    name = f"Alice {uuid.uuid4().hex[:4]}"
    alice = await dev_player(api, name)
    # The same name with a zero-width space, then behind a right-to-left override.
    copycat = await dev_player(api, name[:2] + "\u200b" + name[2:])
    prankster = await dev_player(api, "\u202e" + name + "\u202c")

    joined = [await api.join(player, game.session_id) for player in (alice, copycat, prankster)]
    listed = await api.get(f"/v1/sessions/{game.session_id}/participants", as_=game.host)

    assert [reply.body["display_name"] for reply in joined] == [name, f"{name} 2", f"{name} 3"]
    assert [item["display_name"] for item in listed.body["items"]] == [
        name,
        f"{name} 2",
        f"{name} 3",
    ]


async def test_finishing_early_marks_unplayed_questions(api: Api) -> None:
    game = await new_game(api, players=2)
    sid, ann, bob = game.session_id, *game.players
    await api.host(game.host, sid, "start")
    await api.answer(ann, sid, "q1", RIGHT["q1"], wait=2)
    await api.answer(bob, sid, "q1", WRONG["q1"], wait=2)
    await api.host(game.host, sid, "finish")

    as_host = (await api.get(f"/v1/sessions/{sid}/results", as_=game.host)).body
    as_player = (await api.get(f"/v1/sessions/{sid}/results", as_=ann)).body

    assert [q["played"] for q in as_host["questions"]] == [True] + [False] * (
        len(QUIZ["questions"]) - 1
    )
    by_user = {entry["user_id"]: entry for entry in as_host["standings"]}
    assert by_user[ann.user_id]["answers"] == {
        "q1": {"answer": RIGHT["q1"], "correct": True, "points": 1000}
    }
    assert by_user[bob.user_id]["answers"]["q1"]["correct"] is False
    assert all(entry.get("answers") is None for entry in as_player["standings"])
    # Each learner reviews their own answers, and nobody else's.
    assert as_player["my_answers"] == by_user[ann.user_id]["answers"]
    as_bob = (await api.get(f"/v1/sessions/{sid}/results", as_=bob)).body
    assert as_bob["my_answers"] == {"q1": {"answer": WRONG["q1"], "correct": False, "points": 0}}
    assert as_host.get("my_answers") is None


async def test_players_hear_when_the_host_leaves_and_comes_back(
    settings_for: Callable[..., Settings], minter: Minter
) -> None:
    async with served(settings_for(host_away_seconds=0.2), minter) as server:
        api = server.api
        game = await new_game(api, players=1)
        sid, ann = game.session_id, game.players[0]
        async with server.socket(sid, ann) as player:
            await player.next("session.snapshot")
            async with server.socket(sid, game.host) as host:
                await host.next("session.snapshot")
            left = await player.next("host.left", within=10)
            async with server.socket(sid, ann) as reloaded:
                snapshot = await reloaded.next("session.snapshot")
            async with server.socket(sid, game.host) as host:
                await host.next("session.snapshot")
                back = await player.next("host.joined", within=10)

    assert left["seq"] < back["seq"]
    assert snapshot["host_away"] is True


async def test_a_host_back_whose_news_failed_to_reach_some_screens_is_still_counted(
    settings_for: Callable[..., Settings], minter: Minter
) -> None:
    async with served(settings_for(host_away_seconds=0.2), minter) as server:
        api = server.api
        game = await new_game(api, players=1)
        sid, ann = game.session_id, game.players[0]

        def unreachable(session_id: str, event: dict[str, Any]) -> None:
            raise StoreUnavailable("API Gateway could not be reached")

        async with server.socket(sid, ann) as player:
            await player.next("session.snapshot")
            async with server.socket(sid, game.host) as host:
                await host.next("session.snapshot")
            await player.next("host.left", within=10)
            server.ctx.relay = unreachable  # the news reaches this process's sockets only
            async with server.socket(sid, game.host) as host:
                await host.next("session.snapshot")
                await player.next("host.joined", within=10)
            # Its closing counted too: the players hear the host left again.
            await player.next("host.left", within=10)


async def test_a_host_reload_tells_players_nothing(live_server: LiveServer) -> None:
    api = live_server.api
    game = await new_game(api, players=1)
    sid, ann = game.session_id, game.players[0]

    async with live_server.socket(sid, ann) as player:
        await player.next("session.snapshot")
        async with live_server.socket(sid, game.host) as host:
            await host.next("session.snapshot")
        async with live_server.socket(sid, game.host) as host:
            await host.next("session.snapshot")
            await api.host(game.host, sid, "start")
            await player.next("question.opened")

    assert player.of("host.left") == [] and player.of("host.joined") == []


async def test_everyone_connected_answering_closes_the_question(live_server: LiveServer) -> None:
    api = live_server.api
    game = await new_game(api, players=3, close_when_all_answered=True)
    sid, ann, bob, gone = game.session_id, *game.players
    await api.host(game.host, sid, "start")

    async with live_server.socket(sid, ann) as live, live_server.socket(sid, bob) as other:
        await live.next("session.snapshot")
        await other.next("session.snapshot")
        await api.answer(ann, sid, "q1", RIGHT["q1"], wait=2)
        still_open = (await api.get(f"/v1/sessions/{sid}", as_=ann)).body["phase"]
        await api.answer(bob, sid, "q1", WRONG["q1"], wait=2)
        closed = await live.next("question.closed", within=10)

    assert still_open == "question", "bob, connected, had not answered yet"
    assert closed["answer_count"] == 2, "the player with no screen open is not waited for"
    assert gone.user_id not in {ann.user_id, bob.user_id}


@contextlib.asynccontextmanager
async def bob_away_as_ann_answers(server: LiveServer) -> AsyncIterator[tuple[Any, LiveSocket, str]]:
    """Ann and bob on screen; bob's screen drops, ann answers; yield the phase then."""
    api = server.api
    game = await new_game(api, players=2, close_when_all_answered=True)
    sid, ann, bob = game.session_id, *game.players
    await api.host(game.host, sid, "start")
    async with server.socket(sid, ann) as live:
        await live.next("session.snapshot")
        async with server.socket(sid, bob) as dropping:
            await dropping.next("session.snapshot")
        await api.answer(ann, sid, "q1", RIGHT["q1"], wait=2)
        yield game, live, (await api.get(f"/v1/sessions/{sid}", as_=ann)).body["phase"]


async def test_a_player_whose_wifi_blinks_is_waited_for_and_answers_in_time(
    settings_for: Callable[..., Settings], minter: Minter
) -> None:
    async with (
        served(settings_for(presence_grace_seconds=30), minter) as server,
        bob_away_as_ann_answers(server) as (game, live, while_away),
    ):
        sid, bob = game.session_id, game.players[1]
        async with server.socket(sid, bob) as back:
            await back.next("session.snapshot")
            late = await server.api.answer(bob, sid, "q1", RIGHT["q1"], wait=2)
            closed = await live.next("question.closed", within=10)

    assert while_away == "question", "bob's screen dropped a moment ago: he is waited for"
    assert late.status == 200 and late.body["correct"] is True
    assert closed["answer_count"] == 2


async def test_a_player_gone_for_good_is_not_waited_for_past_the_grace(
    settings_for: Callable[..., Settings], minter: Minter
) -> None:
    async with (
        served(settings_for(presence_grace_seconds=0.5), minter) as server,
        bob_away_as_ann_answers(server) as (_game, live, while_away),
    ):
        # Nobody answers again: bob's grace running out closes the question.
        closed = await live.next("question.closed", within=10)

    assert while_away == "question"
    assert closed["answer_count"] == 1


async def test_the_host_counts_only_the_players_still_here(
    settings_for: Callable[..., Settings], minter: Minter
) -> None:
    async with (
        served(settings_for(presence_grace_seconds=2.0), minter) as server,
        bob_away_as_ann_answers(server) as (game, _live, _phase),
        server.socket(game.session_id, game.host) as host,
    ):
        snapshot = await host.next("session.snapshot")
        # Bob's screen closed less than the grace ago: still counted.
        assert snapshot["present_count"] == 2
        # His grace runs out: a board tells the host, though no score changed.
        board = await host.next("leaderboard.updated", within=10)
        while board.get("present_count") != 1:
            board = await host.next("leaderboard.updated", within=10)
        assert board["participant_count"] == 2
