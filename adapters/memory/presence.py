"""The host's presence in one process (the embedded profile)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class _Shared:
    # session -> process token -> host sockets open there
    sockets: dict[str, dict[int, int]] = field(default_factory=dict)
    away: set[str] = field(default_factory=set)
    tokens: int = 0


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
        if self._shared.sockets.get(session_id) or session_id in self._shared.away:
            return False
        self._shared.away.add(session_id)
        return True

    async def is_away(self, session_id: str) -> bool:
        """Return whether the host is marked away."""
        return session_id in self._shared.away

    def sibling(self) -> MemoryHostPresence:
        """Return the same presence as another process sees it."""
        return MemoryHostPresence(self._shared)
