"""Garbage collection for a server that holds thousands of live sockets.

CPython's cyclic collector stops the whole process while it examines the
objects of the generations it collects, for a time that grows with their
number. A room of 10,000 players is some millions of objects (sockets,
tasks, frames, participants), nearly all of which live as long as the
session. Measured on ``python -m bench.live --players 10000 --questions 3
--spread 5``: collections of the middle generation took 420-590 ms in
play, and a full collection of that heap takes about half a second; every
answer sent meanwhile waits.

The policy, in ``quiz serve`` and in the API's gunicorn workers:

- **While any session runs, the collector does not run by itself**
  (``gc.disable``). Even the young generation's collections, every 50,000
  new objects (``quiz serve``'s threshold), took 87-106 ms late in a
  10,000-player session (7-10 ms early in it; a ``gc.callbacks`` timer):
  the answers in flight waited. With no collection in play, p99 answer ->
  result at 10,000 over 5 s fell from 96-116 ms to 72-86 ms in
  alternating runs, with no more memory (bench/RESULTS.md).
- **When a session starts, and when each of its questions opens**,
  everything alive is frozen (``gc.freeze``): the players' sockets and
  state, set up in the lobby, and what the questions before kept (answers,
  results, scores) are left out of every later collection.
- **A safety valve**: every ``check_seconds`` while sessions run, if more
  than ``young_cap`` objects were made since the last freeze (a question
  open a long time, a self-paced session, which opens no question to the
  room), what is not frozen is collected. A session that never finishes
  (its host left) stops counting as running after ``longest_seconds``.
- **When no session is running any more**, the frozen objects are given
  back and collected once (``gc.unfreeze``, ``gc.collect``), a moment after
  the last finish has gone out, so that what the finished sessions left
  behind in reference cycles is freed when nobody is waiting on an answer;
  what is still alive is frozen again, and the collector runs by itself
  again. (At 10,000 players that collection takes one to two seconds.)
- **A server never quiet** (one session always running) gives the frozen
  objects back at a session's start once they pass ``cap``: the collection
  that follows is the pause the policy otherwise avoids, so the cap is
  high, and it bounds what cycles can hold on to.

Objects freed by reference counting (nearly all of them) are freed at once
whatever the policy: it only decides when the cyclic collector looks.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

log = logging.getLogger(__name__)


class Collector(Protocol):
    """The parts of the ``gc`` module the policy uses."""

    def freeze(self) -> None: ...

    def unfreeze(self) -> None: ...

    def collect(self, generation: int = 2) -> int: ...

    def get_freeze_count(self) -> int: ...

    def get_count(self) -> tuple[int, int, int]: ...

    def enable(self) -> None: ...

    def disable(self) -> None: ...


class LiveGc:
    """Freeze the collector's view of a session's players while sessions run."""

    def __init__(
        self,
        collector: Collector = gc,
        *,
        cap: int = 20_000_000,
        quiet_seconds: float = 2.0,
        young_cap: int = 2_000_000,
        check_seconds: float = 1.0,
        longest_seconds: float = 4 * 3600.0,
    ) -> None:
        self.collector = collector
        self.cap = cap
        self.quiet_seconds = quiet_seconds
        self.young_cap = young_cap
        self.check_seconds = check_seconds
        self.longest_seconds = longest_seconds
        self.enabled = False
        # Running sessions, and when each started (the loop's clock).
        self.running: dict[str, float] = {}
        self._pending: asyncio.TimerHandle | None = None
        self._check: asyncio.TimerHandle | None = None

    def enable(self) -> None:
        """Apply the policy from now on (``quiz serve`` does; tests do not)."""
        self.enabled = True

    def on_frame(self, session_id: str, frame: Mapping[str, Any]) -> None:
        """Follow the live channel: sessions start and finish there."""
        if not self.enabled:
            return
        kind = frame.get("type")
        if kind == "session.started":
            if self._pending is not None:
                self._pending.cancel()  # not quiet after all
                self._pending = None
            if self.collector.get_freeze_count() > self.cap:
                self._collect("frozen objects over the cap")
            loop = asyncio.get_running_loop()
            self._arm_check()
            if not self.running:
                self.collector.disable()
            self.running.setdefault(session_id, loop.time())
            self.collector.freeze()
        elif kind == "question.opened" and session_id in self.running:
            self.collector.freeze()
        elif kind == "session.finished" and session_id in self.running:
            self._end(session_id)

    def _end(self, session_id: str) -> None:
        self.running.pop(session_id, None)
        if not self.running and self._pending is None:
            # After the finish frames have gone out to every socket.
            self._pending = asyncio.get_running_loop().call_later(
                self.quiet_seconds, self._when_quiet
            )

    def _when_quiet(self) -> None:
        self._pending = None
        if not self.running:
            self._collect("no session running")
            self.collector.enable()

    def _arm_check(self) -> None:
        if self._check is None:
            loop = asyncio.get_running_loop()
            self._check = loop.call_later(self.check_seconds, self._check_young)

    def _check_young(self) -> None:
        self._check = None
        if not self.running:
            return
        # A session never finished (its host left) stops counting as running
        # after ``longest_seconds``, so that the collector runs by itself again.
        too_old = asyncio.get_running_loop().time() - self.longest_seconds
        for session_id, started in list(self.running.items()):
            if started < too_old:
                self._end(session_id)
        made = self.collector.get_count()[0]
        if made > self.young_cap:
            # Everything not frozen; the frozen part is not looked at.
            self._timed("many objects made since the last freeze", made, self.collector.collect)
        if self.running:
            self._arm_check()

    def _collect(self, why: str) -> None:
        def everything() -> int:
            self.collector.unfreeze()
            freed = self.collector.collect()
            self.collector.freeze()
            return freed

        self._timed(why, self.collector.get_freeze_count(), everything)

    @staticmethod
    def _timed(why: str, objects: int, collect: Callable[[], int]) -> None:
        began = time.perf_counter()
        freed = collect()
        log.info(
            "collected",
            extra={
                "why": why,
                "objects": objects,
                "freed": freed,
                "ms": round((time.perf_counter() - began) * 1000, 1),
            },
        )


# The process's policy: the API's live channel reports to it; ``quiz serve``
# and the gunicorn workers (entrypoints/api/gunicorn_conf.py) enable it.
LIVE_GC = LiveGc()
