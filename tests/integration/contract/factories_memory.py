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
from adapters.memory.presence import MemoryHostPresence, MemoryPlayerPresence

# The players' leases in the contract suite: no grace, renewed every 0.5 s,
# so a lease runs out 1 s after its last renewal.
PLAYER_LEASES: dict[str, float] = {"grace_seconds": 0.0, "renew_seconds": 0.5}


def _plain(cls: type) -> Any:
    @asynccontextmanager
    async def factory(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
        yield cls()

    return factory


@asynccontextmanager
async def _player_presence(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    yield MemoryPlayerPresence(**PLAYER_LEASES)


FACTORIES = {
    "answer_store": {"memory": _plain(MemoryAnswerStore)},
    "score_store": {"memory": _plain(MemoryScoreStore)},
    "session_store": {"memory": _plain(MemorySessionStore)},
    "leaderboard": {"memory": _plain(MemoryLeaderboard)},
    "master_store": {"memory": _plain(MemoryMasterStore)},
    "host_presence": {"memory": _plain(MemoryHostPresence)},
    "player_presence": {"memory": _player_presence},
}
