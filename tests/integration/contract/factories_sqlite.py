"""SQLite adapters for the contract suites: a fresh file per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from adapters.sqlite import (
    SqliteAnswerStore,
    SqliteDatabase,
    SqliteMasterStore,
    SqliteScoreStore,
    SqliteSessionStore,
)


def _on_file(cls: Callable[[SqliteDatabase], Any]) -> Any:
    @asynccontextmanager
    async def factory(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
        directory: Path = request.getfixturevalue("tmp_path")
        async with SqliteDatabase(directory / "quiz.sqlite3") as database:
            yield cls(database)

    return factory


FACTORIES = {
    "answer_store": {"sqlite": _on_file(SqliteAnswerStore)},
    "score_store": {"sqlite": _on_file(SqliteScoreStore)},
    "session_store": {"sqlite": _on_file(SqliteSessionStore)},
    "master_store": {"sqlite": _on_file(SqliteMasterStore)},
}
