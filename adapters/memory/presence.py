"""Presence kept in memory: the host's (the embedded profile), the players' leases."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass
class _Shared:
    # session -> process token -> host sockets open there
    sockets: dict[str, dict[int, int]] = field(default_factory=dict)
    away: set[str] = field(default_factory=set)
    tokens: int = 0
    # relayed host connection -> its session (each counts as one socket)
    relayed: dict[str, str] = field(default_factory=dict)


class MemoryHostPresence:
    """HostPresence kept in memory; ``sibling`` shares it as another process would."""

    def __init__(self, shared: _Shared | None = None) -> None:
        self._shared = shared if shared is not None else _Shared()
        self._shared.tokens += 1
        self._token = self._shared.tokens

    async def arrived(self, session_id: str) -> bool:
        """Count a host socket opened here; True if the host had been marked away."""
        counts = self._shared.sockets.setdefault(session_id, {})
        counts[self._token] = counts.get(self._token, 0) + 1
        if session_id in self._shared.away:
            self._shared.away.discard(session_id)
            return True
        return False

    async def departed(self, session_id: str) -> None:
        """Count a host socket of this process gone."""
        counts = self._shared.sockets.get(session_id)
        if counts is None or counts.get(self._token, 0) <= 0:
            return
        counts[self._token] -= 1
        if counts[self._token] == 0:
            del counts[self._token]
        if not counts:
            del self._shared.sockets[session_id]

    async def mark_away(self, session_id: str) -> bool:
        """Mark the host away if no host socket is open anywhere; True if this did."""
        shared = self._shared
        if shared.sockets.get(session_id) or self._relays(session_id) or session_id in shared.away:
            return False
        self._shared.away.add(session_id)
        return True

    async def is_away(self, session_id: str) -> bool:
        """Return whether the host is marked away."""
        return session_id in self._shared.away

    async def relayed(self, session_id: str, connection_id: str) -> bool:
        """Count a host connection a relay holds, until ``unrelayed``; True if marked away."""
        self._shared.relayed.setdefault(connection_id, session_id)
        if session_id in self._shared.away:
            self._shared.away.discard(session_id)
            return True
        return False

    async def unrelayed(self, connection_id: str) -> str | None:
        """Forget a relayed host connection; return its session if it was counted."""
        return self._shared.relayed.pop(connection_id, None)

    def _relays(self, session_id: str) -> bool:
        return session_id in self._shared.relayed.values()

    def sibling(self) -> MemoryHostPresence:
        """Return the same presence as another process sees it."""
        return MemoryHostPresence(self._shared)


class MemoryPlayerPresence:
    """The players' leases kept in memory, as ``RedisPlayerPresence`` keeps them.

    For unit tests of what reads presence through leases (the cloud score
    worker); the contract suite holds it to the Redis adapter.
    """

    def __init__(
        self,
        *,
        grace_seconds: float = 10.0,
        renew_seconds: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.renew_seconds = max(0.05, renew_seconds)
        self.lease = max(0.0, grace_seconds) + 2 * self.renew_seconds
        self.monotonic = monotonic
        # session -> player -> when their lease runs out
        self._leases: dict[str, dict[str, float]] = {}

    def _live(self, session_id: str) -> dict[str, float]:
        now = self.monotonic()
        leases = self._leases.get(session_id, {})
        for user_id in [user for user, until in leases.items() if until <= now]:
            del leases[user_id]
        return leases

    async def renew(
        self, session_id: str, players: Iterable[str], removed: Iterable[str] = ()
    ) -> set[str]:
        """Renew the leases of ``players``, drop the ``removed``; return the players here."""
        leases = self._leases.setdefault(session_id, {})
        until = self.monotonic() + self.lease
        for user_id in players:
            leases[user_id] = max(leases.get(user_id, until), until)
        for user_id in removed:
            leases.pop(user_id, None)
        return set(self._live(session_id))

    async def connected(self, session_id: str) -> set[str] | None:
        """Return the players whose lease has not run out."""
        return set(self._live(session_id))

    async def connected_count(self, session_id: str) -> int | None:
        """Return how many players' leases have not run out."""
        return len(self._live(session_id))
