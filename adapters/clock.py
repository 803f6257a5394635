"""Clocks: the system clock for production, a manual one for tests."""

from __future__ import annotations

import time


class SystemClock:
    """The machine's wall clock in epoch milliseconds."""

    def now_ms(self) -> int:
        """Return the current time in epoch milliseconds."""
        return time.time_ns() // 1_000_000


class ManualClock:
    """A clock that moves only when told (tests, simulations)."""

    def __init__(self, start_ms: int = 1_800_000_000_000) -> None:
        self.now = start_ms

    def now_ms(self) -> int:
        """Return the clock's current time."""
        return self.now

    def advance(self, millis: int) -> None:
        """Move the clock forward."""
        self.now += millis
