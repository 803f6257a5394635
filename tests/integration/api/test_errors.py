"""Error handling at the edge: size and rate limits, junk bodies, problem documents."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from entrypoints.api.context import TokenBucket
from entrypoints.settings import Settings

from .conftest import (
    PROBLEM_FIELDS,
    PROBLEM_JSON,
    QUIZ,
    Api,
    LiveServer,
    Minter,
    assert_problem,
    conducted,
    new_game,
)

LIMIT = 64 * 1024


def _huge_quiz(size: int) -> bytes:
    quiz = {**QUIZ, "level": "", "title": "big", "padding": "x"}
    body = orjson.dumps(quiz)
    return body[:-1] + b',"pad":"' + b"x" * (size - len(body)) + b'"}'


async def test_a_body_over_64_kib_is_payload_too_large(api: Api) -> None:
    author = await api.login()

    reply = await api.post("/v1/quizzes", as_=author, body=_huge_quiz(LIMIT + 1))

    assert_problem(reply, 413, "payload_too_large")


async def test_an_oversized_answer_is_payload_too_large(api: Api) -> None:
    game = await new_game(api, players=1)
    await api.host(game.host, game.session_id, "start")
    body = orjson.dumps({"question_id": "q1", "answer": "x" * (LIMIT + 10)})

    reply = await api.post(
        f"/v1/sessions/{game.session_id}/answers", as_=game.players[0], body=body
    )

    assert_problem(reply, 413, "payload_too_large")
    assert (await api.current(game.players[0], game.session_id)).status == 200


async def test_a_chunked_body_over_64_kib_is_payload_too_large(live_server: LiveServer) -> None:
    author = await live_server.api.login()

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"x" * 4096

    response = await live_server.client.post(
        "/v1/quizzes",
        content=chunks(),
        headers={**author.auth, "Content-Type": "application/json"},
    )

    assert response.status_code == 413
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.json()["code"] == "payload_too_large"


async def test_a_body_just_under_the_limit_is_read(api: Api) -> None:
    author = await api.login()
    body = b'{"quiz_id":"q","pad":"' + b"x" * (LIMIT - 40) + b'"}'

    reply = await api.post("/v1/sessions", as_=author, body=body)

    # It is read and validated: the padding field is refused, not the size.
    assert_problem(reply, 422, "invalid_request")


async def test_a_burst_of_writes_by_one_user_is_rate_limited_with_retry_after(api: Api) -> None:
    game = await new_game(api, players=1)
    player = game.players[0]
    bystander = await api.login("bystander")

    replies = await asyncio.gather(*(api.join(player, game.session_id) for _ in range(70)))

    statuses = [reply.status for reply in replies]
    assert set(statuses) <= {200, 429}
    limited = [reply for reply in replies if reply.status == 429]
    assert limited, "70 writes at once must exceed the burst of 40"
    assert statuses.count(200) >= 39, "the first join took one token of the 40"
    for reply in limited:
        assert_problem(reply, 429, "rate_limited")
        assert int(reply.headers["retry-after"]) >= 1
    assert (await api.join(bystander, game.session_id)).status == 201, "limits are per user"
    await asyncio.sleep(int(limited[0].headers["retry-after"]))
    assert (await api.join(player, game.session_id)).status == 200


async def test_reads_are_not_rate_limited(api: Api) -> None:
    game = await new_game(api, players=1)

    replies = await asyncio.gather(
        *(api.get(f"/v1/sessions/{game.session_id}", as_=game.players[0]) for _ in range(80))
    )

    assert {reply.status for reply in replies} == {200}


# --------------------------------------------------------------------------- fuzzing

FIELDS = [
    "name",
    "title",
    "language",
    "level",
    "questions",
    "prompt",
    "kind",
    "choices",
    "answer",
    "accept",
    "points",
    "seconds",
    "quiz_id",
    "mode",
    "question_seconds",
    "streak_bonus",
    "question_id",
    "submission_id",
    "type",
    "user",
    "user_id",
    "blocked",
    "typo_tolerance",
]
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["choice", "text", "live", "self_paced", "q1", "user.created", "start"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=25,
)
OBJECTS = st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=7)
QUIZ_LIKE = st.fixed_dictionaries(
    {"title": VALUES, "questions": st.lists(OBJECTS, max_size=3)},
    optional={"language": VALUES, "level": VALUES, "typo_tolerance": VALUES},
)
BODIES = st.one_of(
    OBJECTS.map(lambda value: json.dumps(value).encode()),
    QUIZ_LIKE.map(lambda value: json.dumps(value).encode()),
    VALUES.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=300),
)
HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=24)
ROUTES = [
    "/v1/dev/token",
    "/v1/quizzes",
    "/v1/sessions",
    "/v1/sessions/{sid}/participants",
    "/v1/sessions/{sid}/answers",
    "/v1/sessions/{sid}/start",
    "/v1/sessions/{sid}/next",
    "/v1/sessions/{sid}/finish",
    "/v1/auth0/events",
]


def test_no_junk_request_body_ever_gets_a_server_error(
    settings_for: Callable[..., Settings], minter: Minter
) -> None:
    loop = asyncio.new_event_loop()
    running = conducted(settings_for(auth0_webhook_secret="s3cret"), minter)
    app = loop.run_until_complete(running.__aenter__())
    try:
        # The fuzzer writes far faster than a person; keep it off the rate limit.
        app.ctx.writes = TokenBucket(rate=1e9, burst=1e9)
        game = loop.run_until_complete(new_game(app.api, players=1))
        loop.run_until_complete(app.api.host(game.host, game.session_id, "start"))
        callers = [game.host, game.players[0], None]

        @hypothesis_settings(
            max_examples=250,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        )
        @given(
            route=st.sampled_from(ROUTES),
            body=BODIES,
            caller=st.sampled_from(range(len(callers))),
            prefer=st.none() | HEADER_TEXT,
            secret=st.sampled_from(["s3cret", "nope"]),
        )
        def check(route: str, body: bytes, caller: int, prefer: str | None, secret: str) -> None:
            headers = {"X-Webhook-Secret": secret}
            if prefer is not None:
                headers["Prefer"] = prefer
            reply = loop.run_until_complete(
                app.api.call(
                    "POST",
                    route.format(sid=game.session_id),
                    as_=callers[caller],
                    body=body,
                    headers=headers,
                )
            )
            assert reply.status < 500, (route, body, reply.text)
            if reply.status >= 400:
                assert reply.content_type == PROBLEM_JSON
                assert set(reply.body) >= PROBLEM_FIELDS
                assert reply.body["status"] == reply.status

        check()
    finally:
        loop.run_until_complete(running.__aexit__(None, None, None))
        loop.close()


def test_no_junk_query_or_path_ever_gets_a_server_error(
    settings_for: Callable[..., Settings], minter: Minter
) -> None:
    loop = asyncio.new_event_loop()
    running = conducted(settings_for(), minter)
    app = loop.run_until_complete(running.__aenter__())
    try:
        game = loop.run_until_complete(new_game(app.api, players=1))
        player = game.players[0]
        segment = st.text(
            st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="/?#%"),
            min_size=1,
            max_size=20,
        )

        @hypothesis_settings(
            max_examples=150,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        )
        @given(
            template=st.sampled_from(
                [
                    "/v1/sessions/{sid}/leaderboard",
                    "/v1/leaderboard",
                    "/v1/sessions/{junk}",
                    "/v1/sessions/{sid}/answers/{junk}",
                    "/v1/quizzes/{junk}",
                    "/v1/sessions/{junk}/results",
                ]
            ),
            junk=segment,
            limit=st.none() | HEADER_TEXT,
        )
        def check(template: str, junk: str, limit: str | None) -> None:
            params: dict[str, Any] | None = {"limit": limit} if limit is not None else None
            path = template.format(sid=game.session_id, junk=junk)
            reply = loop.run_until_complete(app.api.get(path, as_=player, params=params))
            assert reply.status < 500, (path, limit, reply.text)
            if reply.status >= 400:
                assert reply.content_type == PROBLEM_JSON

        check()
    finally:
        loop.run_until_complete(running.__aexit__(None, None, None))
        loop.close()
