"""Bearer-token authentication: RS256 JWTs checked against a JWKS.

Auth0 tokens (cloud profile) and the local dev issuer's tokens go through the
same ``TokenVerifier``; only where the JWKS comes from differs.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import JWTError, jwk, jwt
from jose.exceptions import JOSEError

from quizcore.errors import StoreUnavailable, Unauthorized

ALGORITHM = "RS256"


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated user of a request."""

    user_id: str
    display_name: str
    permissions: frozenset[str] = field(default_factory=frozenset)
    expires_at: float = 0.0


class JwksSource(Protocol):
    """Where signing keys come from."""

    async def fetch(self) -> dict[str, Any]:
        """Return the current JWKS document."""
        ...


class StaticJwks:
    """A JWKS held in process (the local dev issuer's)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    async def fetch(self) -> dict[str, Any]:
        """Return the held document."""
        return self.document


class HttpJwks:
    """A JWKS fetched over HTTPS (Auth0's ``/.well-known/jwks.json``)."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self.url = url
        self.timeout = timeout

    async def fetch(self) -> dict[str, Any]:
        """Fetch the document; raise StoreUnavailable if it cannot be read."""
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.get(self.url)
                response.raise_for_status()
                document: dict[str, Any] = response.json()
                return document
        except (httpx.HTTPError, ValueError) as ex:
            raise StoreUnavailable("the signing keys could not be fetched") from ex


class TokenVerifier:
    """Verify RS256 JWTs; keys are cached and refreshed on an unknown ``kid``.

    A token verified once is remembered (the last ``cache_size``, by its
    text): checking its signature again cost 0.1 ms per request, and its
    claims cannot change. Its expiry is checked again on every use, and the
    remembered tokens are forgotten whenever the keys are fetched again.
    """

    def __init__(
        self,
        source: JwksSource,
        *,
        issuer: str,
        audience: str,
        refresh_interval: float = 60.0,
        clock_skew: int = 60,
        cache_size: int = 20_000,
    ) -> None:
        self.source = source
        self.issuer = issuer
        self.audience = audience
        self.refresh_interval = refresh_interval
        self.clock_skew = clock_skew
        # Parsed once per key: constructing an RSA key costs far more than a check.
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()
        self.cache_size = cache_size
        self._verified: OrderedDict[str, Caller] = OrderedDict()

    async def _key(self, kid: str) -> Any:
        key = self._keys.get(kid)
        if key is not None:
            return key
        async with self._lock:
            # An unknown kid may mean the keys rotated; refetch, but not more
            # often than the interval, so junk tokens cannot hammer the issuer.
            stale = time.monotonic() - self._fetched_at >= self.refresh_interval
            if kid not in self._keys and (stale or not self._keys):
                document = await self.source.fetch()
                self._keys = {
                    str(item["kid"]): jwk.construct(item, ALGORITHM)
                    for item in document.get("keys", [])
                    if "kid" in item and item.get("kty") == "RSA"
                }
                self._fetched_at = time.monotonic()
                self._verified.clear()  # a key may have been withdrawn
        return self._keys.get(kid)

    async def verify(self, token: str) -> Caller:
        """Return the caller of a valid token; raise Unauthorized otherwise."""
        known = self._verified.get(token)
        if known is not None:
            if known.expires_at > time.time():
                self._verified.move_to_end(token)
                return known
            del self._verified[token]  # expired: refused below, as any other
        caller = await self._verify(token)
        if self.cache_size > 0:
            self._verified[token] = caller
            if len(self._verified) > self.cache_size:
                self._verified.popitem(last=False)
        return caller

    async def _verify(self, token: str) -> Caller:
        try:
            header = jwt.get_unverified_header(token)
        except (JWTError, JOSEError) as ex:
            raise Unauthorized("malformed token") from ex
        if header.get("alg") != ALGORITHM:
            raise Unauthorized("tokens must be signed with RS256")
        key = await self._key(str(header.get("kid", "")))
        if key is None:
            raise Unauthorized("unknown signing key")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "require_aud": True,
                    "require_exp": True,
                    "require_iat": True,
                    "require_iss": True,
                    "require_sub": True,
                    # nbf and iat are checked with the skew below; exp is
                    # enforced exactly by this server's clock.
                    "verify_nbf": False,
                },
            )
        except (JWTError, JOSEError) as ex:
            raise Unauthorized(f"invalid token: {ex}") from ex
        check_times(claims, now=time.time(), skew=self.clock_skew)
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise Unauthorized("token has no subject")
        name = claims.get("name") or claims.get("nickname") or subject
        permissions = claims.get("permissions") or []
        expires = claims.get("exp")
        return Caller(
            user_id=subject,
            display_name=str(name)[:40],
            permissions=frozenset(str(p) for p in permissions if isinstance(p, str)),
            expires_at=float(expires) if isinstance(expires, int | float) else 0.0,
        )


def _numeric(claims: dict[str, Any], name: str) -> float | None:
    """Return a NumericDate claim; refuse strings, booleans and the like."""
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unauthorized(f"invalid token: {name} must be a number of seconds")
    return float(value)


def check_times(claims: dict[str, Any], *, now: float, skew: int) -> None:
    """Refuse a token whose times are mistyped, expired or issued ahead."""
    expires = _numeric(claims, "exp")
    issued = _numeric(claims, "iat")
    not_before = _numeric(claims, "nbf")
    if expires is None or issued is None:
        raise Unauthorized("invalid token: exp and iat are required")
    if expires <= now:
        raise Unauthorized("invalid token: the token has expired")
    # The issuer's clock may run a little ahead of ours: that much is fine.
    if issued > now + skew:
        raise Unauthorized("invalid token: iat is in the future")
    if not_before is not None and not_before > now + skew:
        raise Unauthorized("invalid token: the token is not valid yet")
    for name in ("iss", "sub"):
        if not isinstance(claims.get(name), str):
            raise Unauthorized(f"invalid token: {name} must be a string")
    audience = claims.get("aud")
    if not (
        isinstance(audience, str)
        or (isinstance(audience, list) and all(isinstance(item, str) for item in audience))
    ):
        raise Unauthorized("invalid token: aud must be a string or a list of strings")


class DevIssuer:
    """The local profile's token issuer, with a key kept under the data folder."""

    def __init__(self, key_path: Path, *, issuer: str, audience: str, ttl: int = 3600) -> None:
        self.issuer = issuer
        self.audience = audience
        self.ttl = ttl
        self._private_pem = self._load_or_create(key_path)
        # Parse the key once; loading a PEM checks the key, which is slow.
        self._signing_key = jwk.construct(self._private_pem.decode(), ALGORITHM)
        private = serialization.load_pem_private_key(self._private_pem, password=None)
        assert isinstance(private, rsa.RSAPrivateKey)
        public_pem = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid = hashlib.sha256(public_pem).hexdigest()[:16]
        public = jwk.construct(public_pem.decode(), ALGORITHM).to_dict()
        self._jwks = {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": ALGORITHM}]}

    @staticmethod
    def _load_or_create(path: Path) -> bytes:
        if path.exists():
            return path.read_bytes()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path.write_bytes(pem)
        path.chmod(0o600)
        return pem

    def jwks(self) -> dict[str, Any]:
        """Return the public JWKS document."""
        return self._jwks

    def user_id(self, device_key: str | None) -> str:
        """Return the user bound to a device key, or a new user without one.

        The id is a keyed hash of the device key (keyed with this issuer's
        private key), so only the holder of the key gets that user back, and
        every process sharing the key agrees without storing anything.
        """
        if device_key is None:
            return "dev-" + secrets.token_hex(8)
        digest = hmac.new(self._private_pem, device_key.encode(), hashlib.sha256)
        return "dev-" + digest.hexdigest()[:20]

    def issue(
        self,
        name: str,
        *,
        device_key: str | None = None,
        now: int | None = None,
        ttl: int | None = None,
    ) -> tuple[str, str]:
        """Return ``(token, user_id)``; the name is only the display label."""
        issued = int(time.time()) if now is None else now
        user_id = self.user_id(device_key)
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": user_id,
            "name": name.strip(),
            "iat": issued,
            "exp": issued + (self.ttl if ttl is None else ttl),
            "permissions": ["quiz:author"],
        }
        token = jwt.encode(
            claims, self._signing_key, algorithm=ALGORITHM, headers={"kid": self.kid}
        )
        return token, user_id
