"""Memory adapters of every port: fast, exact, and checked by the contract suites."""

from adapters.memory.leaderboard import MemoryLeaderboard
from adapters.memory.messaging import (
    DirectAnswerStream,
    MemoryNotifier,
    RecordingPublisher,
)
from adapters.memory.stores import (
    MemoryAnswerStore,
    MemoryMasterStore,
    MemoryScoreStore,
    MemorySessionStore,
)

__all__ = [
    "DirectAnswerStream",
    "MemoryAnswerStore",
    "MemoryLeaderboard",
    "MemoryMasterStore",
    "MemoryNotifier",
    "MemoryScoreStore",
    "MemorySessionStore",
    "RecordingPublisher",
]
