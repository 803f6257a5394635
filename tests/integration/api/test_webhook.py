"""The identity provider's user-lifecycle webhook."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from entrypoints.settings import Settings

from .conftest import Harness, Minter, Reply, assert_problem, conducted, new_game

SECRET = "s3cret"


@pytest.fixture
async def app(settings_for: Callable[..., Settings], minter: Minter) -> AsyncIterator[Harness]:
    """Return an app that expects the webhook secret."""
    async with conducted(settings_for(auth0_webhook_secret=SECRET), minter) as running:
        yield running


async def _event(
    app: Harness, kind: str, user: dict[str, Any], secret: str | None = SECRET
) -> Reply:
    headers = {"X-Webhook-Secret": secret} if secret is not None else {}
    return await app.api.post(
        "/v1/auth0/events", json={"type": kind, "user": user}, headers=headers
    )


@pytest.mark.parametrize("kind", ["user.created", "user.updated", "user.blocked", "user.deleted"])
async def test_every_lifecycle_event_is_accepted_with_204(app: Harness, kind: str) -> None:
    reply = await _event(app, kind, {"user_id": "auth0|1", "name": "One"})

    assert reply.status == 204
    assert reply.text == ""


@pytest.mark.parametrize("secret", [None, "", "s3cre", "s3cret2", "S3CRET"])
async def test_a_missing_or_wrong_secret_is_unauthorized(app: Harness, secret: str | None) -> None:
    reply = await _event(app, "user.blocked", {"user_id": "auth0|1"}, secret=secret)

    assert_problem(reply, 401, "unauthorized")


async def test_without_a_configured_secret_every_event_is_refused(
    settings_for: Callable[..., Settings], minter: Minter
) -> None:
    async with conducted(settings_for(), minter) as app:
        reply = await _event(app, "user.created", {"user_id": "auth0|1"}, secret="")

    assert_problem(reply, 401, "unauthorized")


async def test_a_refused_event_changes_nothing(app: Harness) -> None:
    player = await app.api.login("victim")

    await _event(app, "user.blocked", {"user_id": player.user_id}, secret="wrong")

    assert (await app.api.get("/v1/users/me", as_=player)).status == 200


async def test_a_created_user_gets_the_name_the_identity_provider_sent(
    app: Harness, minter: Minter
) -> None:
    await _event(app, "user.created", {"user_id": "auth0|77", "nickname": "sam", "email": "s@x"})
    token = minter.token(
        {
            "iss": "quizcore-dev",
            "aud": "quizcore",
            "sub": "auth0|77",
            "iat": int(time.time()),
            "exp": 4_000_000_000,
        }
    )

    me = await app.api.get("/v1/users/me", headers={"Authorization": f"Bearer {token}"})

    assert me.status == 200
    assert me.body["user_id"] == "auth0|77"
    assert me.body["display_name"] == "sam"
    assert me.body["status"] == "active"


async def test_an_updated_name_shows_in_the_profile(app: Harness) -> None:
    player = await app.api.login("old name")
    await app.api.get("/v1/users/me", as_=player)

    reply = await _event(app, "user.updated", {"user_id": player.user_id, "name": "New Name"})

    assert reply.status == 204
    me = await app.api.get("/v1/users/me", as_=player)
    assert me.body["display_name"] == "New Name"


async def test_a_blocked_user_is_forbidden_on_the_next_request(app: Harness) -> None:
    game = await new_game(app.api, players=1)
    player = game.players[0]
    assert (await app.api.get("/v1/users/me", as_=player)).status == 200

    assert (await _event(app, "user.blocked", {"user_id": player.user_id})).status == 204

    assert_problem(await app.api.get("/v1/users/me", as_=player), 403, "forbidden")
    assert_problem(
        await app.api.get(f"/v1/sessions/{game.session_id}", as_=player), 403, "forbidden"
    )
    assert (await app.api.get(f"/v1/sessions/{game.session_id}", as_=game.host)).status == 200


async def test_a_user_updated_as_blocked_is_forbidden_and_unblocking_lets_them_back(
    app: Harness,
) -> None:
    player = await app.api.login("flaky")
    await app.api.get("/v1/users/me", as_=player)

    await _event(app, "user.updated", {"user_id": player.user_id, "blocked": True})
    blocked = await app.api.get("/v1/users/me", as_=player)
    await _event(app, "user.updated", {"user_id": player.user_id, "blocked": False})
    unblocked = await app.api.get("/v1/users/me", as_=player)

    assert_problem(blocked, 403, "forbidden")
    assert unblocked.status == 200
    assert unblocked.body["status"] == "active"
    assert unblocked.body["display_name"] == "flaky"


async def test_a_deleted_user_is_forbidden(app: Harness) -> None:
    player = await app.api.login("leaver")
    await app.api.get("/v1/users/me", as_=player)

    await _event(app, "user.deleted", {"user_id": player.user_id})

    assert_problem(await app.api.get("/v1/users/me", as_=player), 403, "forbidden")


@pytest.mark.parametrize(
    "body",
    [
        {"type": "user.exploded", "user": {"user_id": "auth0|1"}},
        {"type": "user.created"},
        {"type": "user.created", "user": {"user_id": ""}},
        {"type": "user.created", "user": "auth0|1"},
    ],
)
async def test_a_malformed_event_is_invalid_request(app: Harness, body: dict[str, Any]) -> None:
    reply = await app.api.post("/v1/auth0/events", json=body, headers={"X-Webhook-Secret": SECRET})

    assert_problem(reply, 422, "invalid_request")
