"""Contract suites: the same cases run against every adapter of a port.

Each ``factories_<technology>.py`` module beside this file exposes
``FACTORIES: dict[port, dict[adapter name, factory]]``; a factory takes the
pytest ``request`` and returns an async context manager yielding a fresh,
empty adapter (random table, schema or key prefix). Fixtures named after the
ports (``answer_store``, ``score_store``, ``session_store``, ``leaderboard``,
``master_store``, ...) are parametrised over every registered adapter.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest

Factory = Callable[[pytest.FixtureRequest], AbstractAsyncContextManager[Any]]

PORTS = (
    "answer_store",
    "score_store",
    "session_store",
    "leaderboard",
    "master_store",
    "answer_stream",
    "event_publisher",
    "host_presence",
    "player_presence",
)


def _registry() -> dict[str, dict[str, Factory]]:
    registry: dict[str, dict[str, Factory]] = {port: {} for port in PORTS}
    here = Path(__file__).parent
    for info in sorted(pkgutil.iter_modules([str(here)]), key=lambda item: item.name):
        if not info.name.startswith("factories_"):
            continue
        module = importlib.import_module(f"{__package__}.{info.name}")
        for port, adapters in getattr(module, "FACTORIES", {}).items():
            registry.setdefault(port, {}).update(adapters)
    return registry


REGISTRY = _registry()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise each port fixture over the adapters registered for it."""
    for port, adapters in REGISTRY.items():
        if f"{port}_adapter" in metafunc.fixturenames:
            metafunc.parametrize(f"{port}_adapter", sorted(adapters), indirect=False)


async def _open(request: pytest.FixtureRequest, port: str, name: str) -> AsyncIterator[Any]:
    async with REGISTRY[port][name](request) as adapter:
        yield adapter


@pytest.fixture
async def answer_store(
    request: pytest.FixtureRequest, answer_store_adapter: str
) -> AsyncIterator[Any]:
    """Yield a fresh answer store of each registered technology."""
    async for adapter in _open(request, "answer_store", answer_store_adapter):
        yield adapter


@pytest.fixture
async def score_store(
    request: pytest.FixtureRequest, score_store_adapter: str
) -> AsyncIterator[Any]:
    """Yield a fresh score store of each registered technology."""
    async for adapter in _open(request, "score_store", score_store_adapter):
        yield adapter


@pytest.fixture
async def session_store(
    request: pytest.FixtureRequest, session_store_adapter: str
) -> AsyncIterator[Any]:
    """Yield a fresh session store of each registered technology."""
    async for adapter in _open(request, "session_store", session_store_adapter):
        yield adapter


@pytest.fixture
async def leaderboard(
    request: pytest.FixtureRequest, leaderboard_adapter: str
) -> AsyncIterator[Any]:
    """Yield a fresh leaderboard of each registered technology."""
    async for adapter in _open(request, "leaderboard", leaderboard_adapter):
        yield adapter


@pytest.fixture
async def master_store(
    request: pytest.FixtureRequest, master_store_adapter: str
) -> AsyncIterator[Any]:
    """Yield a fresh master store of each registered technology."""
    async for adapter in _open(request, "master_store", master_store_adapter):
        yield adapter


@pytest.fixture
async def host_presence(
    request: pytest.FixtureRequest, host_presence_adapter: str
) -> AsyncIterator[Any]:
    """Yield a fresh host presence of each registered technology."""
    async for adapter in _open(request, "host_presence", host_presence_adapter):
        yield adapter


@pytest.fixture
async def player_presence(
    request: pytest.FixtureRequest, player_presence_adapter: str
) -> AsyncIterator[Any]:
    """Yield fresh players' leases of each registered technology."""
    async for adapter in _open(request, "player_presence", player_presence_adapter):
        yield adapter
