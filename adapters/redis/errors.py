"""Translate redis failures into the domain's ``StoreUnavailable``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from redis import exceptions as redis_errors

from quizcore.errors import StoreUnavailable

# Failures that mean "Redis did not answer", not "the request was wrong":
# connection and socket errors, timeouts, a replica that is still loading, and
# the read-only and master-down answers an ElastiCache failover gives for a
# few seconds. A ResponseError for a bad command still raises as itself.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.ReadOnlyError,
    redis_errors.ClusterDownError,
    redis_errors.TryAgainError,
    OSError,
)


@contextmanager
def unavailable_on_failure(what: str) -> Iterator[None]:
    """Raise ``StoreUnavailable`` when Redis does not answer."""
    try:
        yield
    except UNAVAILABLE as ex:
        raise StoreUnavailable(f"redis did not answer ({what}): {ex}") from ex


def text(value: bytes | str) -> str:
    """Return a reply as text whether or not the client decodes responses."""
    return value.decode() if isinstance(value, bytes) else value
