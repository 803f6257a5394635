"""PostgreSQL adapters for the contract suites, and test helpers.

Every adapter gets a random, migrated schema; it is dropped afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import pytest

from adapters.aurora import PostgresMasterStore, migrate


def pg_dsn_of(request: pytest.FixtureRequest) -> str:
    """Return the test PostgreSQL DSN from the integration fixtures."""
    return str(request.getfixturevalue("pg_dsn"))


@asynccontextmanager
async def pg_schema(
    dsn: str, *, migrated: bool = True, max_size: int = 10
) -> AsyncIterator[tuple[asyncpg.Pool, str]]:
    """Yield a pool on a random schema; drop the schema after."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    pool = await asyncpg.create_pool(
        dsn, min_size=1, max_size=max_size, server_settings={"search_path": schema}
    )
    try:
        if migrated:
            await migrate(pool, schema)
        yield pool, schema
    finally:
        try:
            await pool.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await pool.close()


@asynccontextmanager
async def _master_store(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    async with pg_schema(pg_dsn_of(request)) as (pool, schema):
        yield PostgresMasterStore(pool, schema=schema)


FACTORIES = {
    "master_store": {"postgres": _master_store},
}
