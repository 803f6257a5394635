"""Composition roots of the API: one container per profile, same provider names."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from dependency_injector import containers, providers

from adapters.clock import SystemClock
from adapters.inprocess import InProcessBus
from adapters.memory import (
    DirectAnswerStream,
    MemoryAnswerStore,
    MemoryLeaderboard,
    MemoryMasterStore,
    MemoryScoreStore,
    MemorySessionStore,
)
from adapters.websocket_hub import WebSocketHub
from entrypoints.runtime import EmbeddedPipeline
from entrypoints.settings import Settings


def micros() -> int:
    """Return the wall clock in microseconds: a base that grows across restarts."""
    return time.time_ns() // 1000


async def local_stores(settings: Settings) -> AsyncIterator[dict[str, Any]]:
    """Yield the local profile's stores: SQLite, or memory when so configured."""
    if settings.storage == "sqlite":
        async for stores in sqlite_stores(settings):
            yield stores
        return
    yield {
        "master": MemoryMasterStore(),
        "sessions": MemorySessionStore(),
        "answers": MemoryAnswerStore(),
        "scores": MemoryScoreStore(),
    }


async def sqlite_stores(settings: Settings) -> AsyncIterator[dict[str, Any]]:
    """Open the embedded database under the data folder; close it on shutdown."""
    from adapters.sqlite import (
        SqliteAnswerStore,
        SqliteDatabase,
        SqliteMasterStore,
        SqliteScoreStore,
        SqliteSessionStore,
    )

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = SqliteDatabase(
        settings.data_dir / "quizcore.db",
        cache_sessions=settings.sqlite_cache_sessions,
        cache_quizzes=settings.sqlite_cache_quizzes,
        cache_users=settings.sqlite_cache_users,
    )
    await database.open()
    try:
        yield {
            "master": SqliteMasterStore(database),
            "sessions": SqliteSessionStore(database),
            "answers": SqliteAnswerStore(database),
            "scores": SqliteScoreStore(database),
            "database": database,
        }
    finally:
        await database.close()


def pipeline_busy(bus: InProcessBus, stores: dict[str, Any]) -> Callable[[], bool]:
    """Return a check of whether answers are still on their way to a score."""
    database = stores.get("database")
    if database is None:
        return bus.busy
    return lambda: bus.busy() or database.busy()


class LocalContainer(containers.DeclarativeContainer):
    """The embedded profile: one process, state in SQLite, hops as asyncio queues."""

    settings = providers.Dependency(instance_of=Settings)
    clock = providers.Singleton(SystemClock)
    stores = providers.Resource(local_stores, settings)
    master = providers.Callable(lambda stores: stores["master"], stores)
    sessions = providers.Callable(lambda stores: stores["sessions"], stores)
    answers = providers.Callable(lambda stores: stores["answers"], stores)
    scores = providers.Callable(lambda stores: stores["scores"], stores)
    leaderboard = providers.Singleton(MemoryLeaderboard, version_base=micros)
    publisher = providers.Singleton(InProcessBus)
    stream = providers.Singleton(DirectAnswerStream)
    notifier = providers.Singleton(
        WebSocketHub,
        leaderboard=leaderboard,
        sessions=sessions,
        interval_ms=providers.Callable(lambda s: s.leaderboard_interval_ms, settings),
        top=providers.Callable(lambda s: s.leaderboard_top, settings),
        replay_size=providers.Callable(lambda s: s.replay_buffer, settings),
        queue_size=providers.Callable(lambda s: s.ws_queue_size, settings),
        seq_base=micros,
        busy=providers.Callable(pipeline_busy, publisher, stores),
        now_ms=providers.Callable(lambda clock: clock.now_ms, clock),
        presence_grace=providers.Callable(lambda s: s.presence_grace_seconds, settings),
    )
    pipeline = providers.Singleton(EmbeddedPipeline, publisher, stream, notifier, settings)
