"""An in-memory leaderboard with O(log n) updates and rank queries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sortedcontainers import SortedKeyList

from quizcore.scoring import Standing

_Entry = tuple[int, int, str]  # (score, reached_at, user_id)


def _key(entry: _Entry) -> tuple[int, int, str]:
    return (-entry[0], entry[1], entry[2])


@dataclass
class _Board:
    order: SortedKeyList = field(default_factory=lambda: SortedKeyList(key=_key))
    entries: dict[str, _Entry] = field(default_factory=dict)
    version: int = 0


class MemoryLeaderboard:
    """Boards held in sorted lists; rebuilt from the score store on start.

    ``version_base`` gives a new board's first version. The embedded profile
    passes the clock in microseconds, so versions keep growing across a
    restart even though the board is rebuilt with fewer changes.
    """

    def __init__(self, version_base: Callable[[], int] | None = None) -> None:
        self._boards: dict[str, _Board] = {}
        self._version_base = version_base

    def _board(self, board: str) -> _Board:
        found = self._boards.get(board)
        if found is None:
            base = self._version_base() if self._version_base is not None else 0
            found = self._boards[board] = _Board(version=base)
        return found

    async def submit(self, board: str, user_id: str, score: int, reached_at: int) -> bool:
        """Raise the user's entry to ``score`` if higher (idempotent)."""
        state = self._board(board)
        current = state.entries.get(user_id)
        if current is not None and current[0] >= score:
            return False
        entry = (score, reached_at, user_id)
        if current is not None:
            state.order.remove(current)
        state.order.add(entry)
        state.entries[user_id] = entry
        state.version += 1
        return True

    def _rank(self, state: _Board, score: int) -> int:
        # Entries with a strictly higher score sort before (-score, -1, ""):
        # reached_at is never negative. One bisection, O(log n).
        return 1 + int(state.order.bisect_key_left((-score, -1, "")))

    async def top(self, board: str, limit: int) -> list[Standing]:
        """Return the first ``limit`` standings."""
        state = self._boards.get(board)
        if state is None:
            return []
        result = []
        for score, reached_at, user_id in state.order[:limit]:
            result.append(
                Standing(
                    rank=self._rank(state, score),
                    user_id=user_id,
                    score=score,
                    reached_at=reached_at,
                )
            )
        return result

    async def standing(self, board: str, user_id: str) -> Standing | None:
        """Return the user's rank and score."""
        state = self._boards.get(board)
        entry = state.entries.get(user_id) if state else None
        if state is None or entry is None:
            return None
        return Standing(
            rank=self._rank(state, entry[0]), user_id=user_id, score=entry[0], reached_at=entry[1]
        )

    async def standings(self, board: str, user_ids: list[str]) -> dict[str, Standing]:
        """Return the standings of those users who are on the board."""
        found = {user_id: await self.standing(board, user_id) for user_id in user_ids}
        return {user_id: standing for user_id, standing in found.items() if standing}

    async def size(self, board: str) -> int:
        """Return how many entries the board has."""
        state = self._boards.get(board)
        return len(state.entries) if state else 0

    async def version(self, board: str) -> int:
        """Return the board's change counter."""
        state = self._boards.get(board)
        return state.version if state else 0

    async def clear(self, board: str) -> None:
        """Drop the board's entries; its version keeps growing."""
        old = self._boards.pop(board, None)
        if old is not None:
            self._boards[board] = _Board(version=old.version + 1)

    async def remove(self, board: str, user_id: str) -> bool:
        """Take the user's entry off the board; True if it was there."""
        state = self._boards.get(board)
        entry = state.entries.pop(user_id, None) if state is not None else None
        if state is None or entry is None:
            return False
        state.order.remove(entry)
        state.version += 1
        return True
