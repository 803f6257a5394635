"""The aiobotocore DynamoDB client the adapters share.

The app container opens it as a ``providers.Resource`` for its lifespan::

    dynamodb = providers.Resource(
        dynamodb_client, region=settings.aws_region, endpoint_url=settings.dynamodb_endpoint_url
    )
    answers = providers.Singleton(
        DynamoAnswerStore, client=dynamodb, table=settings.dynamodb_answers_table
    )
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session

from adapters.aws_messaging.client import count_calls
from adapters.dynamodb._support import DynamoClient


def client_config(
    *,
    total_attempts: int = 3,
    connect_timeout: float = 2.0,
    read_timeout: float = 5.0,
    max_pool_connections: int = 64,
) -> AioConfig:
    """Return a client config for the real-time path: few, short retries."""
    # A stuck answer write should fail fast as StoreUnavailable, not hang
    # for the botocore defaults (60 s timeouts, legacy retries).
    return AioConfig(
        # total_max_attempts counts the first try; botocore's max_attempts does not.
        retries={"total_max_attempts": total_attempts, "mode": "standard"},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        max_pool_connections=max_pool_connections,
    )


@asynccontextmanager
async def dynamodb_client(
    region: str, endpoint_url: str | None = None, *, config: AioConfig | None = None
) -> AsyncIterator[DynamoClient]:
    """Open a DynamoDB client; close its connections on exit."""
    session = get_session()
    async with session.create_client(
        "dynamodb",
        region_name=region,
        endpoint_url=endpoint_url,
        config=config or client_config(),
    ) as client:
        yield count_calls(client)
