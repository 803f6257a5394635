"""Translate asyncpg failures into the domain's ``StoreUnavailable``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

from quizcore.errors import StoreUnavailable

# "The database did not answer", not "the statement was wrong": sockets and
# timeouts (TimeoutError is an OSError), lost connections (SQLSTATE class 08),
# shutdown and cancelled statements (57), exhausted resources such as too
# many connections (53), and the read-only answer of an Aurora writer that
# was just demoted during a failover (25006).
UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.ReadOnlySQLTransactionError,
)

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


@contextmanager
def unavailable_on_failure(what: str) -> Iterator[None]:
    """Raise ``StoreUnavailable`` when PostgreSQL does not answer."""
    try:
        yield
    except UNAVAILABLE as ex:
        raise StoreUnavailable(f"postgres did not answer ({what}): {ex}") from ex


def quote_schema(schema: str) -> str:
    """Return the schema name quoted for SQL; reject anything unusual."""
    if not _IDENTIFIER.match(schema):
        raise ValueError(f"schema name {schema!r} is not a plain identifier")
    return f'"{schema}"'
