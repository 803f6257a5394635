"""What the deployables share to wire themselves: providers and API Gateway's links.

The API, the workers and the ``quiz`` command each build their own object
graph on a container (``LocalContainer`` or ``CloudContainer``). The helpers
for that, and the API Gateway links both the API and the notification worker
open, live here, so that no deployable imports another: the workers never
import the API (the import-linter contract in ``pyproject.toml``).
"""

from __future__ import annotations

import contextlib
import inspect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from entrypoints.settings import Settings

if TYPE_CHECKING:
    # API Gateway's adapters need the cloud extras (botocore): the local
    # profile, installed without them, must import this module all the same.
    from adapters.aws_messaging.apigateway import ApiGatewayConnections, ConnectionRegistry
    from adapters.redis.connections import Registered

    class GatewayRegistry(ConnectionRegistry, Protocol):
        """The registry the routes need: the notifier's, plus add, lookup and opened."""

        async def add(
            self, session_id: str, connection_id: str, user_id: str, expires_at: float = 0.0
        ) -> None: ...

        async def lookup(self, connection_id: str) -> Registered | None: ...

        async def opened(self, connection_id: str) -> None: ...


async def resolve(provider: Any) -> Any:
    """Return a provider's value, awaiting it when it depends on async resources."""
    value = provider()
    if inspect.isawaitable(value):
        value = await value
    return value


async def shutdown(container: Any) -> None:
    """Close the container's resources that were opened (none opened is fine)."""
    # Synchronous (None) when no async resource was opened, else awaitable.
    closing = container.shutdown_resources()
    if inspect.isawaitable(closing):
        await closing


@dataclass
class GatewayLinks:
    """API Gateway's connection registry and its ``@connections`` client.

    The API's ``/ws/gateway`` routes use both; the notification worker posts
    session events through them.
    """

    registry: GatewayRegistry
    connections: ApiGatewayConnections
    stack: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)


async def open_links(settings: Settings) -> GatewayLinks:
    """Open Redis and the ``@connections`` client for the process's lifetime."""
    from adapters.aws_messaging.apigateway import ApiGatewayConnections
    from adapters.aws_messaging.client import aws_client
    from adapters.redis.client import open_redis
    from adapters.redis.connections import RedisConnectionRegistry

    stack = contextlib.AsyncExitStack()
    redis = await stack.enter_async_context(
        contextlib.asynccontextmanager(open_redis)(settings.redis_url)
    )
    client = await stack.enter_async_context(
        aws_client("apigatewaymanagementapi", settings.aws_region, settings.apigw_ws_callback_url)
    )
    return GatewayLinks(
        registry=RedisConnectionRegistry(redis, prefix=settings.redis_prefix),
        connections=ApiGatewayConnections(client),
        stack=stack,
    )
