"""DynamoDB adapters for the contract suites, against moto in server mode.

Each factory opens its own aiobotocore client (in the test's event loop),
creates the three tables under a random prefix, yields a fresh adapter and
deletes the tables afterwards.

The adapters rely on DynamoDB applying each request atomically. moto's
threaded server does not: a TransactWriteItems checks, writes and (on a
failed condition) restores a deep copy of the whole table while other
threads write to it, so concurrent requests can lose committed items or
fail with a 500. ``linearizable_endpoint`` therefore serves the same moto
backends (``moto_endpoint`` starts them and scrubs the AWS environment)
through a second server that runs one DynamoDB request at a time (with
moto's own transactions: ``SerialMotoServer(journaled=False)``), which is what
DynamoDB guarantees per item. Clients stay fully concurrent.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from adapters.dynamodb import (
    DynamoAnswerStore,
    DynamoScoreStore,
    DynamoSessionStore,
    DynamoTables,
    client_config,
    dynamodb_client,
)
from entrypoints.cli.moto_stand_in import SerialMotoServer

REGION = "eu-west-1"
_SERVER: dict[str, str] = {}
_SERVER_LOCK = threading.Lock()


def _start_serial_server() -> tuple[str, Callable[[], None]]:
    # moto's own transactions (not the stand-in's journaled ones), every
    # DynamoDB request in line.
    server = SerialMotoServer(0, writes_only=False, journaled=False)
    server.start()
    return server.endpoint, server.stop


def linearizable_endpoint(request: pytest.FixtureRequest) -> str:
    """Return the URL of moto's backends served one request at a time."""
    request.getfixturevalue("moto_endpoint")
    with _SERVER_LOCK:
        if "url" not in _SERVER:
            url, stop = _start_serial_server()
            _SERVER["url"] = url

            def forget() -> None:
                stop()
                _SERVER.clear()

            request.config.add_cleanup(forget)
    return _SERVER["url"]


@asynccontextmanager
async def dynamo_tables(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Any, DynamoTables]]:
    """Yield a client on moto (linearizable) and fresh tables."""
    endpoint = linearizable_endpoint(request)
    unique = request.getfixturevalue("unique")
    # moto copies a whole table per transaction, one request at a time, so a
    # burst of concurrent requests can queue for seconds; DynamoDB would not.
    # Its accept loop is a Python thread among dozens waiting on that one
    # lock, so under load even a connect can wait longer than the default.
    config = client_config(read_timeout=120, connect_timeout=30)
    async with dynamodb_client(REGION, endpoint, config=config) as client:
        tables = await DynamoTables.create_tables(client, DynamoTables.prefixed(f"quiz-{unique}"))
        try:
            yield client, tables
        finally:
            await tables.delete_tables(client)


def _factory(build: Callable[[Any, DynamoTables], Any]) -> Any:
    @asynccontextmanager
    async def factory(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
        async with dynamo_tables(request) as (client, tables):
            yield build(client, tables)

    return factory


FACTORIES = {
    "answer_store": {
        "dynamodb": _factory(lambda client, tables: DynamoAnswerStore(client, tables.answers))
    },
    "score_store": {
        "dynamodb": _factory(lambda client, tables: DynamoScoreStore(client, tables.scores))
    },
    "session_store": {
        "dynamodb": _factory(lambda client, tables: DynamoSessionStore(client, tables.sessions))
    },
}
