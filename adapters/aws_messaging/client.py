"""aiobotocore clients and the translation of their errors into the domain's.

Clients are created by the composition root (a ``providers.Resource`` around
:func:`aws_client`) and handed to the adapters, which never open their own.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession, get_session
from botocore.exceptions import BotoCoreError, ClientError

from quizcore.errors import StoreUnavailable

# Every AWS request this process made, by "service.Operation" (retries
# included), for metrics and benches: see ``count_calls``.
CALLS: Counter[str] = Counter()


def _count_call(model: Any, **_kwargs: Any) -> None:
    CALLS[f"{model.service_model.service_name}.{model.name}"] += 1


def count_calls(client: Any) -> Any:
    """Count each request of the client in ``CALLS``; return the client."""
    client.meta.events.register("before-call", _count_call)
    return client


# Errors an AWS call can end with once botocore's own retries are spent.
AWS_ERRORS: tuple[type[BaseException], ...] = (ClientError, BotoCoreError, OSError)


@functools.cache
def _session() -> AioSession:
    # One session for the process: it caches the service models, slow to load
    # for every client, and holds no connection or event-loop state.
    return get_session()


@asynccontextmanager
async def aws_client(
    service: str,
    region: str,
    endpoint_url: str | None = None,
    *,
    connect_timeout: float = 5.0,
    read_timeout: float = 30.0,
    max_attempts: int = 3,
) -> AsyncIterator[Any]:
    """Open an aiobotocore client; close it on exit.

    ``read_timeout`` must exceed the longest SQS long poll (20 s).
    ``max_attempts`` counts botocore's own retries (standard mode, with
    backoff) of throttling, 5xx and connection errors.
    """
    config = AioConfig(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"mode": "standard", "max_attempts": max_attempts},
        max_pool_connections=50,
    )
    async with _session().create_client(
        service, region_name=region, endpoint_url=endpoint_url, config=config
    ) as client:
        yield count_calls(client)


def error_code(ex: BaseException) -> str:
    """Return the AWS error code of a ClientError, else the class name."""
    if isinstance(ex, ClientError):
        return str(ex.response.get("Error", {}).get("Code", "ClientError"))
    return type(ex).__name__


@contextmanager
def unavailable(what: str) -> Iterator[None]:
    """Raise StoreUnavailable for any AWS client error inside the block."""
    try:
        yield
    except AWS_ERRORS as ex:
        raise StoreUnavailable(f"{what} failed: {error_code(ex)}: {ex}") from ex
