"""Open and check a ``redis.asyncio`` client (a DI resource)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from redis.asyncio import Redis

from adapters.redis.errors import unavailable_on_failure


async def open_redis(
    url: str,
    *,
    socket_timeout: float = 2.0,
    connect_timeout: float = 2.0,
    max_connections: int | None = None,
    health_check_interval: int = 30,
) -> AsyncGenerator[Redis, None]:
    """Yield a client for ``url`` and close its pool afterwards.

    Short timeouts are deliberate: a request waiting on a dead cache should
    fail fast with ``StoreUnavailable`` (503) rather than hang. Wire it as
    ``providers.Resource(open_redis, url=settings.redis_url)``.
    """
    client = Redis.from_url(
        url,
        socket_timeout=socket_timeout,
        socket_connect_timeout=connect_timeout,
        max_connections=max_connections,
        health_check_interval=health_check_interval,
    )
    try:
        yield client
    finally:
        await client.aclose()


async def ping_redis(client: Redis) -> None:
    """Check that Redis answers; raise ``StoreUnavailable`` if not (readyz)."""
    with unavailable_on_failure("ping"):
        await client.ping()
