"""JWT claims are required and typed; refusals carry an RFC 6750 challenge."""

from __future__ import annotations

import time
from typing import Any

import pytest

from .conftest import Api, Minter, assert_problem


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": "quizcore-dev",
        "aud": "quizcore",
        "sub": "auth0|claims",
        "name": "Claims",
        "iat": now,
        "exp": now + 600,
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def _now() -> int:
    return int(time.time())


REFUSED: dict[str, Any] = {
    "no aud": lambda: _claims(aud=None),
    "no iss": lambda: _claims(iss=None),
    "no iat": lambda: _claims(iat=None),
    "no exp": lambda: _claims(exp=None),
    "string exp": lambda: _claims(exp=str(_now() + 600)),
    "boolean exp": lambda: _claims(exp=True),
    "string iat": lambda: _claims(iat=str(_now())),
    "iat a year ahead": lambda: _claims(iat=_now() + 365 * 86400),
    "iat beyond the skew": lambda: _claims(iat=_now() + 120),
    "nbf beyond the skew": lambda: _claims(nbf=_now() + 120),
    "numeric aud": lambda: _claims(aud=7),
    "numeric sub": lambda: _claims(sub=7),
}


@pytest.mark.parametrize("claims", list(REFUSED.values()), ids=list(REFUSED))
async def test_a_token_with_missing_or_mistyped_claims_is_refused(
    api: Api, minter: Minter, claims: Any
) -> None:
    token = minter.token(claims())

    reply = await api.get("/v1/users/me", headers={"Authorization": f"Bearer {token}"})

    assert_problem(reply, 401, "unauthorized")
    challenge = reply.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="quizcore"')
    assert 'error="invalid_token"' in challenge


async def test_an_iat_within_the_clock_skew_is_accepted(api: Api, minter: Minter) -> None:
    # The issuer's clock may run a little ahead (QUIZ_AUTH_CLOCK_SKEW_SECONDS, 60).
    token = minter.token(_claims(iat=_now() + 20, sub="auth0|ahead"))

    reply = await api.get("/v1/users/me", headers={"Authorization": f"Bearer {token}"})

    assert reply.status == 200, reply.text
    assert "www-authenticate" not in reply.headers


async def test_a_missing_token_gets_a_bare_bearer_challenge(api: Api) -> None:
    reply = await api.get("/v1/users/me")

    assert_problem(reply, 401, "unauthorized")
    assert reply.headers["www-authenticate"] == 'Bearer realm="quizcore"'


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/quizzes"), ("POST", "/v1/sessions"), ("GET", "/v1/leaderboard")],
)
async def test_every_refused_route_carries_the_challenge(api: Api, method: str, path: str) -> None:
    reply = await api.call(method, path, headers={"Authorization": "Bearer not-a-jwt"})

    assert_problem(reply, 401, "unauthorized")
    assert reply.headers["www-authenticate"].startswith("Bearer ")
    assert 'error="invalid_token"' in reply.headers["www-authenticate"]


async def test_a_wrong_webhook_secret_is_not_a_bearer_challenge(api: Api) -> None:
    reply = await api.post(
        "/v1/auth0/events",
        json={"type": "user.created", "user": {"user_id": "auth0|1"}},
        headers={"X-Webhook-Secret": "wrong"},
    )

    assert_problem(reply, 401, "unauthorized")
    assert "www-authenticate" not in reply.headers
