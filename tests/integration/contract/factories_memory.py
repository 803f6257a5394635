"""Memory adapters for the contract suites."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from adapters.memory import (
    MemoryAnswerStore,
    MemoryLeaderboard,
    MemoryMasterStore,
    MemoryScoreStore,
    MemorySessionStore,
)
from adapters.memory.presence import MemoryHostPresence


def _plain(cls: type) -> Any:
    @asynccontextmanager
    async def factory(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
        yield cls()

    return factory


FACTORIES = {
    "answer_store": {"memory": _plain(MemoryAnswerStore)},
    "score_store": {"memory": _plain(MemoryScoreStore)},
    "session_store": {"memory": _plain(MemorySessionStore)},
    "leaderboard": {"memory": _plain(MemoryLeaderboard)},
    "master_store": {"memory": _plain(MemoryMasterStore)},
    "host_presence": {"memory": _plain(MemoryHostPresence)},
}
