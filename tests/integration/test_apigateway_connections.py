"""API Gateway ``@connections`` posting (moto server) and the Redis registry."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from adapters.aws_messaging.apigateway import ApiGatewayConnections
from adapters.aws_messaging.client import aws_client
from adapters.redis.connections import RedisConnectionRegistry
from quizcore.errors import StoreUnavailable
from tests.integration.contract.factories_redis import redis_prefix


async def test_post_reaches_a_connection(moto_endpoint: str) -> None:
    async with aws_client("apigatewaymanagementapi", "eu-west-1", moto_endpoint) as client:
        connections = ApiGatewayConnections(client)
        assert await connections.post("conn-1", '{"type":"pong"}') is True
        found = await client.get_connection(ConnectionId="conn-1")
        assert found["ResponseMetadata"]["HTTPStatusCode"] == 200
        await connections.close("conn-1")


class _Failing:
    def __init__(self, code: str) -> None:
        self.code = code

    async def post_to_connection(self, **_: Any) -> None:
        raise ClientError({"Error": {"Code": self.code, "Message": "x"}}, "PostToConnection")


async def test_gone_connection_returns_false() -> None:
    assert await ApiGatewayConnections(_Failing("GoneException")).post("c", "{}") is False


async def test_other_failures_are_store_unavailable() -> None:
    with pytest.raises(StoreUnavailable):
        await ApiGatewayConnections(_Failing("LimitExceededException")).post("c", "{}")


async def test_unreachable_endpoint_is_store_unavailable() -> None:
    async with aws_client(
        "apigatewaymanagementapi",
        "eu-west-1",
        "http://127.0.0.1:9",
        max_attempts=1,
        connect_timeout=0.5,
    ) as client:
        with pytest.raises(StoreUnavailable):
            await ApiGatewayConnections(client).post("c", "{}")


async def test_registry_add_list_lookup_remove(redis_url: str) -> None:
    async with redis_prefix(redis_url) as (client, prefix):
        registry = RedisConnectionRegistry(client, prefix=prefix)
        await registry.add("s1", "c1", "alice")
        await registry.add("s1", "c2", "bob")
        await registry.add("s2", "c3", "alice")
        assert await registry.list("s1") == {"c1": "alice", "c2": "bob"}
        assert await registry.lookup("c2") == ("s1", "bob", 0.0)
        await registry.remove("c2")
        assert await registry.list("s1") == {"c1": "alice"}
        assert await registry.lookup("c2") is None
        await registry.remove("c1", "s1")
        assert await registry.list("s1") == {}
        assert await registry.list("s2") == {"c3": "alice"}
        await registry.remove("unknown")


async def test_a_registered_connection_is_opening_until_a_post_reached_it(
    redis_url: str,
) -> None:
    async with redis_prefix(redis_url) as (client, prefix):
        registry = RedisConnectionRegistry(client, prefix=prefix)
        await registry.add("s1", "c1", "alice")
        await registry.add("s1", "c2", "bob")

        assert await registry.opening("c1") and await registry.opening("c2")
        await registry.opened("c1")
        assert not await registry.opening("c1")
        assert await registry.opening("c2")
        await registry.remove("c2")
        assert not await registry.opening("c2")
        assert not await registry.opening("never-registered")
        assert await client.ttl(f"{prefix}:apigw:opening:c1") == -2  # no key left behind


async def test_registry_keeps_each_connections_token_expiry(redis_url: str) -> None:
    async with redis_prefix(redis_url) as (client, prefix):
        registry = RedisConnectionRegistry(client, prefix=prefix)
        await registry.add("s1", "c1", "alice", 1_900_000_000.0)
        await registry.add("s1", "c2", "bob")

        assert await registry.lookup("c1") == ("s1", "alice", 1_900_000_000.0)
        assert await registry.holders("s1") == {
            "c1": ("alice", 1_900_000_000.0),
            "c2": ("bob", 0.0),
        }
        assert await registry.list("s1") == {"c1": "alice", "c2": "bob"}


async def test_registry_reads_entries_written_without_an_expiry(redis_url: str) -> None:
    # As a process of the previous release wrote them, mid-deploy.
    async with redis_prefix(redis_url) as (client, prefix):
        registry = RedisConnectionRegistry(client, prefix=prefix)
        await client.hset(f"{prefix}:apigw:session:s1", "c1", "alice")
        await client.set(f"{prefix}:apigw:connection:c1", "s1\nalice")

        assert await registry.lookup("c1") == ("s1", "alice", 0.0)
        assert await registry.holders("s1") == {"c1": ("alice", 0.0)}
