"""Fixtures and hypothesis settings of the unit suites."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from tests.unit.support import Play, new_play

# Deadlines are off: each example may build a wired system and run an event loop.
settings.register_profile(
    "unit",
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("unit")


@pytest.fixture
async def live() -> Play:
    """Return a live session of three 10 s questions in the lobby."""
    return await new_play()


@pytest.fixture
async def self_paced() -> Play:
    """Return a self-paced session of three 10 s questions in the lobby."""
    return await new_play(mode="self_paced")
