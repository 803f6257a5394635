"""Schema migrations: versioned, locked, repeatable."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from adapters.aurora import MigrationError, applied_versions, load_migrations, migrate
from adapters.aurora.migrate import Migration
from tests.integration.contract.factories_postgres import pg_schema

TABLES = {"quizzes", "questions", "users", "session_results", "schema_migrations"}


async def _tables(pool: asyncpg.Pool, schema: str) -> set[str]:
    rows = await pool.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema
    )
    return {row["table_name"] for row in rows}


def test_migration_files_are_numbered_from_one_without_gaps() -> None:
    versions = [migration.version for migration in load_migrations()]
    assert versions == list(range(1, len(versions) + 1))


async def test_migrating_twice_applies_each_file_once(pg_dsn: str) -> None:
    async with pg_schema(pg_dsn, migrated=False) as (pool, schema):
        everything = [migration.version for migration in load_migrations()]
        assert await applied_versions(pool, schema) == []
        assert await migrate(pool, schema) == everything
        assert await migrate(pool, schema) == []
        assert await applied_versions(pool, schema) == everything
        assert await _tables(pool, schema) == TABLES


async def test_concurrent_migrators_apply_each_file_exactly_once(pg_dsn: str) -> None:
    async with pg_schema(pg_dsn, migrated=False, max_size=8) as (pool, schema):
        runs = await asyncio.gather(*(migrate(pool, schema) for _ in range(6)))
        applied = sorted(version for run in runs for version in run)
        assert applied == [migration.version for migration in load_migrations()]
        assert sum(1 for run in runs if run) == 1
        assert await _tables(pool, schema) == TABLES


async def test_concurrent_migrators_on_separate_pools_agree(pg_dsn: str) -> None:
    async with pg_schema(pg_dsn, migrated=False) as (pool, schema):
        others = [await asyncpg.create_pool(pg_dsn, min_size=1, max_size=1) for _ in range(3)]
        try:
            runs = await asyncio.gather(*(migrate(other, schema) for other in [pool, *others]))
        finally:
            for other in others:
                await other.close()
        assert sorted(v for run in runs for v in run) == await applied_versions(pool, schema)


async def test_a_changed_migration_file_is_refused(pg_dsn: str) -> None:
    async with pg_schema(pg_dsn) as (pool, schema):
        first = load_migrations()[0]
        edited = Migration(version=first.version, name=first.name, sql=first.sql + "\n-- edit\n")
        with pytest.raises(MigrationError):
            await migrate(pool, schema, migrations=[edited])


async def test_a_failing_migration_rolls_back_the_whole_run(pg_dsn: str) -> None:
    async with pg_schema(pg_dsn, migrated=False) as (pool, schema):
        good = Migration(version=1, name="good", sql="CREATE TABLE kept (id int);")
        bad = Migration(version=2, name="bad", sql="CREATE TABLE broken (id nonsense_type);")
        with pytest.raises(asyncpg.PostgresError):
            await migrate(pool, schema, migrations=[good, bad])
        assert await applied_versions(pool, schema) == []
        assert await _tables(pool, schema) == set()
        assert await migrate(pool, schema, migrations=[good]) == [1]


async def test_migrating_leaves_the_connection_search_path_alone(pg_dsn: str) -> None:
    pool = await asyncpg.create_pool(pg_dsn, min_size=1, max_size=1)
    schema = "test_search_path_" + format(id(pool), "x")[-8:]
    try:
        before = await pool.fetchval("SHOW search_path")
        await migrate(pool, schema)
        assert await pool.fetchval("SHOW search_path") == before
    finally:
        await pool.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await pool.close()


async def test_an_unusual_schema_name_is_refused(pg_dsn: str) -> None:
    pool = await asyncpg.create_pool(pg_dsn, min_size=0, max_size=1)
    try:
        with pytest.raises(ValueError):
            await migrate(pool, 'x"; DROP SCHEMA public; --')
    finally:
        await pool.close()
