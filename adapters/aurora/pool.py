"""Open and check an asyncpg pool (a DI ``providers.Resource``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import asyncpg

from adapters.aurora.errors import quote_schema, unavailable_on_failure
from adapters.aurora.migrate import migrate


async def open_pool(
    dsn: str,
    *,
    schema: str = "quizcore",
    min_size: int = 1,
    max_size: int = 10,
    command_timeout: float = 10.0,
    connect_timeout: float = 5.0,
    run_migrations: bool = True,
) -> AsyncGenerator[asyncpg.Pool, None]:
    """Yield a migrated pool whose connections use ``schema``.

    Wire it as ``providers.Resource(open_pool, dsn=settings.postgres_dsn,
    schema=settings.postgres_schema)``. Raises ``StoreUnavailable`` when the
    database cannot be reached.
    """
    quote_schema(schema)
    with unavailable_on_failure("open pool"):
        pool = await asyncpg.create_pool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            command_timeout=command_timeout,
            timeout=connect_timeout,
            server_settings={"search_path": schema},
        )
    try:
        if run_migrations:
            await migrate(pool, schema)
        yield pool
    finally:
        await pool.close()


async def ping_pool(pool: asyncpg.Pool, *, within_seconds: float = 2.0) -> None:
    """Check that PostgreSQL answers, else raise ``StoreUnavailable``."""
    with unavailable_on_failure("ping"):
        async with asyncio.timeout(within_seconds), pool.acquire() as connection:
            await connection.fetchval("SELECT 1")
