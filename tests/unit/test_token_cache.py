"""A token verified once is remembered, but never past its expiry or its key."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from entrypoints.api import auth
from entrypoints.api.auth import DevIssuer, TokenVerifier
from quizcore.errors import Unauthorized


class CountingJwks:
    """The issuer's keys, counting how often they are fetched."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.fetches = 0

    async def fetch(self) -> dict[str, Any]:
        self.fetches += 1
        return self.document


@pytest.fixture
def issuer(tmp_path: Path) -> DevIssuer:
    return DevIssuer(tmp_path / "key.pem", issuer="quiz", audience="players")


def counting_decode(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the signature checks (``jwt.decode`` calls) the verifier makes."""
    checked: list[str] = []
    decode = auth.jwt.decode

    def counted(token: str, *args: Any, **kwargs: Any) -> Any:
        checked.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr(auth.jwt, "decode", counted)
    return checked


async def test_a_token_is_checked_once_and_then_remembered(
    issuer: DevIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    verifier = TokenVerifier(CountingJwks(issuer.jwks()), issuer="quiz", audience="players")
    checked = counting_decode(monkeypatch)
    token, user_id = issuer.issue("Ann")

    first = await verifier.verify(token)
    again = await verifier.verify(token)

    assert first == again and first.user_id == user_id
    assert checked == [token]


async def test_a_remembered_token_is_refused_once_it_expires(
    issuer: DevIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    verifier = TokenVerifier(CountingJwks(issuer.jwks()), issuer="quiz", audience="players")
    token, _ = issuer.issue("Ann", ttl=60)
    await verifier.verify(token)

    later = time.time() + 61
    monkeypatch.setattr(auth.time, "time", lambda: later)
    with pytest.raises(Unauthorized, match="expired"):
        await verifier.verify(token)


async def test_refetching_the_keys_forgets_every_remembered_token(
    issuer: DevIssuer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = CountingJwks(issuer.jwks())
    verifier = TokenVerifier(keys, issuer="quiz", audience="players", refresh_interval=0)
    token, _ = issuer.issue("Ann")
    await verifier.verify(token)
    # A token signed with a key the verifier has not seen makes it fetch again.
    stranger = DevIssuer(tmp_path / "other.pem", issuer="quiz", audience="players")
    with pytest.raises(Unauthorized, match="unknown signing key"):
        await verifier.verify(stranger.issue("Eve")[0])
    assert keys.fetches == 2

    checked = counting_decode(monkeypatch)
    await verifier.verify(token)
    assert checked == [token], "checked again, not taken from before the refetch"


async def test_only_the_latest_tokens_are_remembered(
    issuer: DevIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    verifier = TokenVerifier(
        CountingJwks(issuer.jwks()), issuer="quiz", audience="players", cache_size=2
    )
    tokens = [issuer.issue(name)[0] for name in ("Ann", "Ben", "Cem")]
    for token in tokens:
        await verifier.verify(token)

    checked = counting_decode(monkeypatch)
    for token in reversed(tokens):
        await verifier.verify(token)
    assert checked == [tokens[0]], "the oldest was forgotten, the two latest kept"
