"""Versioned schema migrations from ``migrations/NNNN_name.sql``.

``migrate(pool, schema)`` applies the files not yet recorded in
``<schema>.schema_migrations``, in version order, inside one transaction
that first takes a transaction-level advisory lock keyed by the schema. So:

* running it twice applies nothing the second time;
* processes starting together (several API pods) wait for the first one and
  then find everything applied; the lock is released by commit or rollback,
  so a crashed migrator never leaves it held;
* a failing file rolls back the whole run, schema creation included.

Each applied file's SHA-256 is recorded; changing a file after it was
applied raises ``MigrationError`` rather than leaving databases that differ.
Files run with ``search_path`` set to the schema, so they use unqualified
names. (A statement that cannot run in a transaction, such as ``CREATE
INDEX CONCURRENTLY``, does not belong in these files.)
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

import asyncpg

from adapters.aurora.errors import quote_schema, unavailable_on_failure

_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(RuntimeError):
    """The migration files and the database's record of them disagree."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One migration file."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """Return the SHA-256 of the file's text."""
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations() -> list[Migration]:
    """Return the packaged migrations in version order."""
    found: list[Migration] = []
    folder = resources.files("adapters.aurora").joinpath("migrations")
    for entry in folder.iterdir():
        match = _FILE.match(entry.name)
        if match is None:
            continue
        found.append(
            Migration(
                version=int(match.group(1)),
                name=match.group(2),
                sql=entry.read_text(encoding="utf-8"),
            )
        )
    found.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migration files share a version: {versions}")
    return found


def lock_key(schema: str) -> int:
    """Return the advisory lock key (a signed 64-bit int) of a schema."""
    digest = hashlib.sha256(f"quizcore.migrate:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def migrate(
    pool: asyncpg.Pool,
    schema: str,
    *,
    migrations: list[Migration] | None = None,
) -> list[int]:
    """Apply pending migrations to ``schema``; return their versions."""
    quoted = quote_schema(schema)
    pending = load_migrations() if migrations is None else migrations
    with unavailable_on_failure("migrate"):
        async with pool.acquire() as connection, connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock($1)", lock_key(schema))
            await connection.execute(f"CREATE SCHEMA IF NOT EXISTS {quoted}")
            await connection.execute(
                f"""CREATE TABLE IF NOT EXISTS {quoted}.schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )"""
            )
            rows = await connection.fetch(
                f"SELECT version, checksum FROM {quoted}.schema_migrations"
            )
            applied = {row["version"]: row["checksum"] for row in rows}
            done: list[int] = []
            for migration in pending:
                recorded = applied.get(migration.version)
                if recorded is not None:
                    if recorded != migration.checksum:
                        raise MigrationError(
                            f"migration {migration.version:04d}_{migration.name} changed "
                            f"after it was applied to schema {schema}"
                        )
                    continue
                # SET LOCAL lasts until the end of this transaction only, so
                # the pooled connection keeps its own search_path afterwards.
                await connection.execute(f"SET LOCAL search_path TO {quoted}")
                await connection.execute(migration.sql)
                await connection.execute(
                    f"INSERT INTO {quoted}.schema_migrations (version, name, checksum)"
                    " VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
                done.append(migration.version)
            return done


async def applied_versions(pool: asyncpg.Pool, schema: str) -> list[int]:
    """Return the versions recorded in the schema, ascending (none: empty)."""
    quoted = quote_schema(schema)
    with unavailable_on_failure("applied migrations"):
        async with pool.acquire() as connection:
            exists = await connection.fetchval(
                "SELECT to_regclass($1) IS NOT NULL", f"{quoted}.schema_migrations"
            )
            if not exists:
                return []
            rows = await connection.fetch(
                f"SELECT version FROM {quoted}.schema_migrations ORDER BY version"
            )
    return [row["version"] for row in rows]
