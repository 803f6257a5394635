"""The registry of API Gateway WebSocket connections, shared over Redis.

Per session, a hash ``connection_id -> user_id`` (with the expiry of the
token it connected with, ``user_id\nexpires_at``); per connection, a key
holding ``session_id``, ``user_id`` and that expiry (``disconnect`` and
``message`` carry only the connection ID); and, until a first post reaches
it, an ``opening`` key. Every process can so find a session's connections
and the session of a connection, tell when the token a connection was
opened with ran out (API Gateway keeps a socket open for up to two hours
whatever the token said), and tell a connection that API Gateway has not
opened yet (``$connect`` still answering) from one that is gone.
"""

from __future__ import annotations

from typing import NamedTuple

from redis.asyncio import Redis

from adapters.redis.errors import text, unavailable_on_failure

# How long a registered connection may take to open: API Gateway waits at
# most 29 s for the ``$connect`` integration.
OPENING_SECONDS = 30


class Registered(NamedTuple):
    """A registered connection: its session, user and token expiry (0: none)."""

    session_id: str
    user_id: str
    expires_at: float = 0.0


def _holder(value: str) -> tuple[str, float]:
    """Split a session hash value into its user and token expiry."""
    user_id, _, expires = value.partition("\n")
    return user_id, float(expires) if expires else 0.0


class RedisConnectionRegistry:
    """API Gateway connections by session, in Redis."""

    def __init__(
        self, client: Redis, *, prefix: str = "quizcore", ttl_seconds: int = 24 * 3600
    ) -> None:
        self.client = client
        self.prefix = prefix
        # API Gateway closes a connection after two hours at most; the TTL
        # only cleans up after a missed $disconnect.
        self.ttl_seconds = max(1, ttl_seconds)

    def _session_key(self, session_id: str) -> str:
        return f"{self.prefix}:apigw:session:{session_id}"

    def _connection_key(self, connection_id: str) -> str:
        return f"{self.prefix}:apigw:connection:{connection_id}"

    def _opening_key(self, connection_id: str) -> str:
        return f"{self.prefix}:apigw:opening:{connection_id}"

    async def add(
        self, session_id: str, connection_id: str, user_id: str, expires_at: float = 0.0
    ) -> None:
        """Register a connection of a user in a session, until ``expires_at`` (epoch s)."""
        held = f"{user_id}\n{expires_at:.0f}" if expires_at else user_id
        with unavailable_on_failure("register connection"):
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.hset(self._session_key(session_id), connection_id, held)
                pipe.expire(self._session_key(session_id), self.ttl_seconds)
                pipe.set(
                    self._connection_key(connection_id),
                    f"{session_id}\n{held}",
                    ex=self.ttl_seconds,
                )
                pipe.set(self._opening_key(connection_id), "1", ex=OPENING_SECONDS)
                await pipe.execute()

    async def opening(self, connection_id: str) -> bool:
        """Return whether the connection was registered and has not been opened yet.

        API Gateway answers 410 to a post before ``$connect`` has returned:
        such a connection is not gone, only not open yet.
        """
        with unavailable_on_failure("look up connection"):
            return bool(await self.client.exists(self._opening_key(connection_id)))

    async def opened(self, connection_id: str) -> None:
        """Note that a post reached the connection: a 410 now means it is gone."""
        with unavailable_on_failure("register connection"):
            await self.client.delete(self._opening_key(connection_id))

    async def lookup(self, connection_id: str) -> Registered | None:
        """Return the connection's session, user and token expiry, or None."""
        with unavailable_on_failure("look up connection"):
            value = await self.client.get(self._connection_key(connection_id))
        if value is None:
            return None
        session_id, _, held = text(value).partition("\n")
        return Registered(session_id, *_holder(held))

    async def remove(self, connection_id: str, session_id: str | None = None) -> None:
        """Forget a connection (its session looked up when not given)."""
        if session_id is None:
            found = await self.lookup(connection_id)
            session_id = found[0] if found is not None else None
        with unavailable_on_failure("unregister connection"):
            async with self.client.pipeline(transaction=True) as pipe:
                if session_id is not None:
                    pipe.hdel(self._session_key(session_id), connection_id)
                pipe.delete(self._connection_key(connection_id), self._opening_key(connection_id))
                await pipe.execute()

    async def list(self, session_id: str) -> dict[str, str]:
        """Return the session's connections: ``connection_id -> user_id``."""
        return {key: user_id for key, (user_id, _) in (await self.holders(session_id)).items()}

    async def holders(self, session_id: str) -> dict[str, tuple[str, float]]:
        """Return the session's connections: ``connection_id -> (user_id, expires_at)``."""
        with unavailable_on_failure("list connections"):
            # redis-py types hgetall as sync-or-async; the asyncio client awaits.
            found: dict[bytes | str, bytes | str] = await self.client.hgetall(  # type: ignore[misc]
                self._session_key(session_id)
            )
        return {text(key): _holder(text(value)) for key, value in found.items()}
