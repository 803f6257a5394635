"""Server limits: every write rate limited per user, quiz size, header size."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
import pytest

from entrypoints.settings import Settings

from .conftest import QUIZ, Harness, LiveServer, Minter, assert_problem, conducted, served

BURST = 3


@pytest.fixture
async def tight(settings_for: Callable[..., Settings], minter: Minter) -> AsyncIterator[Harness]:
    """Return an app whose writes allow a burst of 3 and then 1 every 100 s."""
    settings = settings_for(write_burst=BURST, write_rate_per_second=0.01)
    async with conducted(settings, minter) as running:
        yield running


def _assert_rate_limited(reply: Any) -> None:
    assert_problem(reply, 429, "rate_limited")
    assert int(reply.headers["retry-after"]) >= 1


async def _exhaust(call: Callable[[], Awaitable[Any]]) -> tuple[list[int], Any]:
    """Call until refused; return the statuses before and the refusal."""
    statuses = []
    for _ in range(BURST + 2):
        reply = await call()
        if reply.status == 429:
            return statuses, reply
        statuses.append(reply.status)
    raise AssertionError(f"never rate limited: {statuses}")


async def test_quiz_creation_is_rate_limited_per_user(tight: Harness) -> None:
    api = tight.api
    author, other = await api.login("author"), await api.login("other")

    allowed, refused = await _exhaust(lambda: api.post("/v1/quizzes", as_=author, json=QUIZ))
    others = await api.post("/v1/quizzes", as_=other, json=QUIZ)

    assert allowed == [201] * BURST
    _assert_rate_limited(refused)
    assert others.status == 201


async def test_quiz_creation_has_its_own_lower_rate(
    settings_for: Callable[..., Settings], minter: Minter
) -> None:
    settings = settings_for(quiz_create_burst=2, quiz_create_per_minute=0.5)
    async with conducted(settings, minter) as app:
        author = await app.api.login("prolific")
        allowed, refused = await _exhaust(
            lambda: app.api.post("/v1/quizzes", as_=author, json=QUIZ)
        )
        # Other writes are still allowed: only authoring is out of tokens.
        session = await app.api.post("/v1/sessions", as_=author, json={"quiz_id": "everyday-verbs"})

    assert allowed == [201, 201]
    _assert_rate_limited(refused)
    assert "quizzes" in refused.body["detail"]
    assert session.status == 201


async def test_session_creation_is_rate_limited(tight: Harness) -> None:
    api = tight.api
    host = await api.login("host")

    allowed, refused = await _exhaust(
        lambda: api.post("/v1/sessions", as_=host, json={"quiz_id": "everyday-verbs"})
    )

    assert allowed == [201] * BURST
    _assert_rate_limited(refused)


async def test_host_actions_are_rate_limited(tight: Harness) -> None:
    api = tight.api
    host = await api.login("host")
    quiz_id = (await api.post("/v1/quizzes", as_=host, json=QUIZ)).body["quiz_id"]
    session = await api.post("/v1/sessions", as_=host, json={"quiz_id": quiz_id})
    session_id = session.body["session_id"]

    # Two writes spent; one left, then the host is refused.
    started = await api.host(host, session_id, "start")
    refused = await api.host(host, session_id, "next")

    assert started.status == 200
    _assert_rate_limited(refused)


async def test_joins_and_answers_are_rate_limited(tight: Harness) -> None:
    api = tight.api
    host = await api.login("host")
    quiz_id = (await api.post("/v1/quizzes", as_=host, json=QUIZ)).body["quiz_id"]
    session_id = (await api.post("/v1/sessions", as_=host, json={"quiz_id": quiz_id})).body[
        "session_id"
    ]
    await api.host(host, session_id, "start")
    player = await api.login("eager")

    joins, refused_join = await _exhaust(lambda: api.join(player, session_id))
    other = await api.login("answerer")
    assert (await api.join(other, session_id)).status == 201
    answers = [
        await api.answer(other, session_id, "q1", "start", submission_id=f"s-{number}")
        for number in range(BURST + 1)
    ]

    assert joins == [201, 200, 200]
    _assert_rate_limited(refused_join)
    # The join took one of the answerer's three writes; the second answer is
    # refused for its own reason (already answered), the third for its rate.
    assert [reply.status for reply in answers[:2]] == [202, 409]
    _assert_rate_limited(answers[2])


async def test_a_quiz_over_the_size_cap_is_payload_too_large(
    settings_for: Callable[..., Settings], minter: Minter
) -> None:
    settings = settings_for(max_quiz_bytes=4096)
    async with conducted(settings, minter) as app:
        author = await app.api.login("verbose")
        questions = [
            {**QUIZ["questions"][1], "prompt": f"Type the word {number} " + "x" * 200}
            for number in range(20)
        ]
        big = {**QUIZ, "questions": questions}
        small = {**QUIZ, "questions": questions[:2]}
        refused = await app.api.post("/v1/quizzes", as_=author, json=big)
        created = await app.api.post("/v1/quizzes", as_=author, json=small)

    assert len(orjson.dumps(big)) > 4096 > len(orjson.dumps(small))
    body = assert_problem(refused, 413, "payload_too_large")
    assert "4096" in body["detail"]
    assert created.status == 201


# --------------------------------------------------------------------------- headers


@pytest.fixture
async def server(
    settings_for: Callable[..., Settings], minter: Minter
) -> AsyncIterator[LiveServer]:
    """Return a real server (the header cap is the HTTP server's)."""
    async with served(settings_for(max_header_bytes=8192), minter) as running:
        yield running


async def _raw_request(port: int, head: bytes, chunk: int = 65536) -> bytes:
    """Send a request head in chunks; return what the server answered."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    # Read while sending, as a real client does: the answer comes midway.
    answer = asyncio.create_task(reader.read(4096))
    try:
        for start in range(0, len(head), chunk):
            if answer.done():
                break
            writer.write(head[start : start + chunk])
            try:
                await writer.drain()
            except (ConnectionResetError, BrokenPipeError):
                break  # refused midway: read what it said
        return await asyncio.wait_for(answer, 30)
    finally:
        answer.cancel()
        writer.close()


async def test_an_oversized_header_gets_431_without_being_read(server: LiveServer) -> None:
    port = int(server.base.rsplit(":", 1)[1])
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (50 * 1024 * 1024) + b"\r\n\r\n"

    answer = await _raw_request(port, head)

    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert b'"code":"headers_too_large"' in answer


async def test_a_header_under_the_cap_is_served(server: LiveServer) -> None:
    reply = await server.client.get("/healthz", headers={"X-Fine": "a" * 4000})

    assert reply.status_code == 200


async def test_many_small_headers_over_the_cap_get_431(server: LiveServer) -> None:
    port = int(server.base.rsplit(":", 1)[1])
    lines = b"".join(b"X-H%d: %s\r\n" % (number, b"v" * 100) for number in range(200))
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + lines + b"\r\n"

    answer = await _raw_request(port, head)

    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]


def test_gunicorn_workers_serve_with_the_same_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from entrypoints.api import gunicorn_conf
    from entrypoints.api.server import BoundedHttpToolsProtocol

    monkeypatch.setenv("QUIZ_WS_MAX_MESSAGE_BYTES", "4096")
    monkeypatch.setenv("QUIZ_MAX_HEADER_BYTES", "2048")
    kwargs = importlib.reload(gunicorn_conf).ApiWorker.CONFIG_KWARGS

    assert kwargs["ws_max_size"] == 4096
    assert issubclass(kwargs["http"], BoundedHttpToolsProtocol)
    assert kwargs["http"].max_header_bytes == 2048
    assert gunicorn_conf.worker_class == "entrypoints.api.gunicorn_conf.ApiWorker"
