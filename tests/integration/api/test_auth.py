"""Authentication: dev tokens, the JWKS, and every way a token is refused."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import http.server
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt

from entrypoints.settings import Settings

from .conftest import Api, Harness, Minter, Player, assert_problem, conducted

AUTHENTICATED_ROUTES = [
    ("GET", "/v1/quizzes"),
    ("POST", "/v1/quizzes"),
    ("GET", "/v1/quizzes/everyday-verbs"),
    ("POST", "/v1/sessions"),
    ("GET", "/v1/sessions/ABCDEF"),
    ("POST", "/v1/sessions/ABCDEF/participants"),
    ("POST", "/v1/sessions/ABCDEF/start"),
    ("POST", "/v1/sessions/ABCDEF/next"),
    ("POST", "/v1/sessions/ABCDEF/finish"),
    ("GET", "/v1/sessions/ABCDEF/questions/current"),
    ("POST", "/v1/sessions/ABCDEF/answers"),
    ("GET", "/v1/sessions/ABCDEF/answers/s-1"),
    ("GET", "/v1/sessions/ABCDEF/leaderboard"),
    ("GET", "/v1/sessions/ABCDEF/results"),
    ("GET", "/v1/users/me"),
    ("GET", "/v1/leaderboard"),
]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": "quizcore-dev",
        "aud": "quizcore",
        "sub": "auth0|forger",
        "name": "Forger",
        "iat": now,
        "exp": now + 600,
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def _sign(key: Any, kid: str, **changes: Any) -> str:
    return str(jwt.encode(_claims(**changes), key, algorithm="RS256", headers={"kid": kid}))


def _public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _unsigned(kid: str) -> str:
    header = _b64(orjson.dumps({"alg": "none", "typ": "JWT", "kid": kid}))
    return f"{header}.{_b64(orjson.dumps(_claims()))}."


def _hs256_with_public_key(key: rsa.RSAPrivateKey, kid: str) -> str:
    header = _b64(orjson.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}))
    payload = _b64(orjson.dumps(_claims()))
    signing_input = f"{header}.{payload}".encode()
    signature = hmac.new(_public_pem(key), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    """Return an RSA key the app has never seen."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


async def test_a_name_alone_mints_a_new_user_every_time(api: Api) -> None:
    first = await api.post("/v1/dev/token", json={"name": "alice"})
    again = await api.post("/v1/dev/token", json={"name": "alice"})

    assert first.status == again.status == 200
    assert first.body["user_id"] != again.body["user_id"]
    assert first.body["token_type"] == "Bearer"
    assert first.body["expires_in"] == 3600
    assert set(first.body) == {"access_token", "token_type", "expires_in", "user_id"}


async def test_a_device_key_keeps_its_user_whatever_the_name(api: Api) -> None:
    key = "k" * 8 + uuid.uuid4().hex
    first = await api.post("/v1/dev/token", json={"name": "alice", "device_key": key})
    renamed = await api.post("/v1/dev/token", json={"name": "Alice L.", "device_key": key})
    other = await api.post("/v1/dev/token", json={"name": "alice", "device_key": uuid.uuid4().hex})

    assert first.body["user_id"] == renamed.body["user_id"]
    assert other.body["user_id"] != first.body["user_id"]


async def test_typing_the_hosts_name_gives_no_host_control(api: Api) -> None:
    key = uuid.uuid4().hex
    teacher = (await api.post("/v1/dev/token", json={"name": "Ms Lee", "device_key": key})).body
    host = Player(name="Ms Lee", token=teacher["access_token"], user_id=teacher["user_id"])
    session_id = await api.create_session(host, await api.create_quiz(host))
    forged = (await api.post("/v1/dev/token", json={"name": "Ms Lee"})).body
    impostor = Player(name="Ms Lee", token=forged["access_token"], user_id=forged["user_id"])

    refused = await api.post(f"/v1/sessions/{session_id}/start", as_=impostor)
    back = (await api.post("/v1/dev/token", json={"name": "Ms Lee", "device_key": key})).body
    reloaded = Player(name="Ms Lee", token=back["access_token"], user_id=back["user_id"])
    started = await api.post(f"/v1/sessions/{session_id}/start", as_=reloaded)

    assert_problem(refused, 403, "forbidden")
    assert started.status == 200


async def test_a_short_device_key_is_refused(api: Api) -> None:
    short = await api.post("/v1/dev/token", json={"name": "alice", "device_key": "tooshort"})

    assert_problem(short, 422, "invalid_request")


async def test_a_dev_token_identifies_its_user_with_the_name_given(api: Api) -> None:
    alice = await api.login("Alice Liddell")

    me = await api.get("/v1/users/me", as_=alice)

    assert me.status == 200
    assert me.body["user_id"] == alice.user_id
    assert me.body["display_name"] == "Alice Liddell"
    assert me.body["status"] == "active"


async def test_a_blank_or_missing_name_gets_no_token(api: Api) -> None:
    # The document says a name needs visible text: refused by validation (422).
    assert_problem(await api.post("/v1/dev/token", json={"name": "   "}), 422, "invalid_request")
    assert_problem(await api.post("/v1/dev/token", json={}), 422, "invalid_request")


async def test_a_dev_token_is_signed_off_the_event_loop(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An RSA signature takes the loop's time from every live session: a
    # class joining at once must not hold up answers while tokens are signed.
    issuer = harness.ctx.dev_issuer
    assert issuer is not None
    signed_on: list[threading.Thread] = []
    issue = issuer.issue

    def spy(*args: Any, **kwargs: Any) -> tuple[str, str]:
        signed_on.append(threading.current_thread())
        return issue(*args, **kwargs)

    monkeypatch.setattr(issuer, "issue", spy)

    reply = await harness.api.post("/v1/dev/token", json={"name": "dora"})

    assert reply.status == 200
    assert signed_on and signed_on[0] is not threading.current_thread()
    claims = jwt.get_unverified_claims(reply.body["access_token"])
    assert claims["sub"] == reply.body["user_id"]
    assert claims["name"] == "dora"


async def test_the_jwks_holds_the_public_key_that_verifies_dev_tokens(api: Api) -> None:
    issued = (await api.post("/v1/dev/token", json={"name": "carol"})).body

    reply = await api.get("/.well-known/jwks.json")

    assert reply.status == 200
    header = jwt.get_unverified_header(issued["access_token"])
    assert header["alg"] == "RS256"
    (key,) = [key for key in reply.body["keys"] if key["kid"] == header["kid"]]
    assert "d" not in key, "the JWKS must not publish the private exponent"
    claims = jwt.decode(issued["access_token"], key, algorithms=["RS256"], audience="quizcore")
    assert claims["sub"] == issued["user_id"]
    assert claims["name"] == "carol"


async def test_dev_tokens_and_jwks_are_not_found_when_dev_auth_is_off(
    settings_for: Callable[..., Settings],
) -> None:
    settings = settings_for(dev_auth=False, auth_jwks_url="http://127.0.0.1:1/jwks")
    async with conducted(settings) as app:
        assert_problem(
            await app.api.post("/v1/dev/token", json={"name": "alice"}), 404, "not_found"
        )
        assert_problem(await app.api.get("/.well-known/jwks.json"), 404, "not_found")


@pytest.mark.parametrize(("method", "path"), AUTHENTICATED_ROUTES)
async def test_every_v1_route_needs_a_bearer_token(api: Api, method: str, path: str) -> None:
    assert_problem(await api.call(method, path, json={}), 401, "unauthorized")


async def test_a_token_in_another_scheme_is_refused(api: Api) -> None:
    player = await api.login("dave")

    reply = await api.get("/v1/users/me", headers={"Authorization": f"Token {player.token}"})

    assert_problem(reply, 401, "unauthorized")


def _expired(key: Any, kid: str) -> str:
    now = int(time.time())
    return _sign(key, kid, iat=now - 7200, exp=now - 60)


Forge = Callable[[rsa.RSAPrivateKey, rsa.RSAPrivateKey, str], str]
FORGERIES: dict[str, Forge] = {
    "garbage": lambda key, other, kid: "not-a-jwt",
    "expired": lambda key, other, kid: _expired(key, kid),
    "wrong audience": lambda key, other, kid: _sign(key, kid, aud="someone-else"),
    "wrong issuer": lambda key, other, kid: _sign(key, kid, iss="https://evil.example/"),
    "no subject": lambda key, other, kid: _sign(key, kid, sub=None),
    "no expiry": lambda key, other, kid: _sign(key, kid, exp=None),
    "another key with the same kid": lambda key, other, kid: _sign(other, kid),
    "an unknown kid": lambda key, other, kid: _sign(key, "no-such-kid"),
    "alg none": lambda key, other, kid: _unsigned(kid),
    "HS256 signed with the public key": lambda key, other, kid: _hs256_with_public_key(key, kid),
}


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
async def test_a_forged_or_stale_token_is_unauthorized(
    api: Api, minter: Minter, other_key: rsa.RSAPrivateKey, forgery: str
) -> None:
    token = FORGERIES[forgery](minter.key, other_key, minter.kid)

    reply = await api.get("/v1/users/me", headers={"Authorization": f"Bearer {token}"})

    assert_problem(reply, 401, "unauthorized")


async def test_a_token_is_refused_once_it_expires_even_if_it_was_used_before(
    api: Api, minter: Minter
) -> None:
    issued = int(time.time())
    token = _sign(minter.key, minter.kid, iat=issued, exp=issued + 1)
    headers = {"Authorization": f"Bearer {token}"}

    fresh = await api.get("/v1/users/me", headers=headers)
    await asyncio.sleep(max(0.0, issued + 2.05 - time.time()))
    stale = await api.get("/v1/users/me", headers=headers)

    assert fresh.status == 200
    assert_problem(stale, 401, "unauthorized")


async def test_a_correctly_signed_token_of_our_own_is_accepted(api: Api, minter: Minter) -> None:
    # The control for the forgeries above: the helpers do sign valid tokens.
    token = _sign(minter.key, minter.kid, sub="auth0|honest")

    reply = await api.get("/v1/users/me", headers={"Authorization": f"Bearer {token}"})

    assert reply.status == 200, reply.text
    assert reply.body["user_id"] == "auth0|honest"


@contextlib.contextmanager
def jwks_server(document: dict[str, Any]) -> Iterator[str]:
    """Serve a JWKS document over plain HTTP on a free port."""
    body = orjson.dumps(document)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


async def test_tokens_of_the_configured_identity_provider_are_accepted_when_dev_auth_is_off(
    settings_for: Callable[..., Settings], other_key: rsa.RSAPrivateKey, minter: Minter
) -> None:
    kid = "idp-key-1"
    public = jwk.construct(_public_pem(other_key).decode(), "RS256").to_dict()
    document = {"keys": [{**public, "kid": kid, "use": "sig", "alg": "RS256"}]}
    issuer, audience = "https://tenant.example/", "https://quiz.example/api"
    with jwks_server(document) as url:
        settings = settings_for(
            dev_auth=False, auth_jwks_url=url, auth_issuer=issuer, auth_audience=audience
        )
        async with conducted(settings) as app:
            claims = {"iss": issuer, "aud": audience, "sub": "auth0|42", "name": None}
            token = _sign(other_key, kid, nickname="zed", **claims)
            reply = await app.api.get("/v1/users/me", headers={"Authorization": f"Bearer {token}"})
            forged = _sign(minter.key, kid, **claims)
            refused = await app.api.get(
                "/v1/users/me", headers={"Authorization": f"Bearer {forged}"}
            )

    assert reply.status == 200, reply.text
    assert reply.body["user_id"] == "auth0|42"
    assert reply.body["display_name"] == "zed"
    assert_problem(refused, 401, "unauthorized")


async def test_an_unreachable_jwks_is_unavailable_rather_than_a_crash(
    settings_for: Callable[..., Settings], minter: Minter
) -> None:
    settings = settings_for(dev_auth=False, auth_jwks_url="http://127.0.0.1:1/jwks")
    async with conducted(settings) as app:
        token = _sign(minter.key, minter.kid)
        reply = await app.api.get("/v1/users/me", headers={"Authorization": f"Bearer {token}"})

    assert_problem(reply, 503, "unavailable")
