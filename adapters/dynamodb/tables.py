"""``DynamoTables``: the three table names, and how to create the tables.

Tests and the ``make run-cloud`` bootstrap create the tables here; in AWS
the terraform module ``infra/terraform/modules/dynamodb`` creates the same
shape (pk/sk string keys, on-demand billing, TTL on ``expires_at``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from adapters.dynamodb._support import TTL_ATTRIBUTE, DynamoClient, call
from quizcore.errors import StoreUnavailable


class TableSettings(Protocol):
    """Anything carrying the table names the way ``Settings`` does."""

    @property
    def dynamodb_answers_table(self) -> str: ...

    @property
    def dynamodb_scores_table(self) -> str: ...

    @property
    def dynamodb_sessions_table(self) -> str: ...


@dataclass(frozen=True, slots=True)
class DynamoTables:
    """The names of the answers, scores and sessions tables."""

    answers: str
    scores: str
    sessions: str

    # Every table has the same generic key schema, and every item may carry
    # a TTL: rows of a finished session expire ``retention_days`` later.
    KEY_SCHEMA: ClassVar[list[dict[str, str]]] = [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    ATTRIBUTES: ClassVar[list[dict[str, str]]] = [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "S"},
    ]
    TTL_ATTRIBUTE: ClassVar[str] = TTL_ATTRIBUTE

    @classmethod
    def of(cls, names: TableSettings | DynamoTables) -> DynamoTables:
        """Return the names held by ``Settings`` (or a ``DynamoTables``)."""
        if isinstance(names, DynamoTables):
            return names
        return cls(
            answers=names.dynamodb_answers_table,
            scores=names.dynamodb_scores_table,
            sessions=names.dynamodb_sessions_table,
        )

    @classmethod
    def prefixed(cls, prefix: str) -> DynamoTables:
        """Return names under ``prefix`` (tests use a random one)."""
        return cls(
            answers=f"{prefix}-answers", scores=f"{prefix}-scores", sessions=f"{prefix}-sessions"
        )

    @property
    def dynamodb_answers_table(self) -> str:
        """Return the answers table name (``Settings`` spelling)."""
        return self.answers

    @property
    def dynamodb_scores_table(self) -> str:
        """Return the scores table name (``Settings`` spelling)."""
        return self.scores

    @property
    def dynamodb_sessions_table(self) -> str:
        """Return the sessions table name (``Settings`` spelling)."""
        return self.sessions

    @property
    def names(self) -> tuple[str, str, str]:
        """Return the three names."""
        return self.answers, self.scores, self.sessions

    @classmethod
    async def create_tables(
        cls, client: DynamoClient, names: TableSettings | DynamoTables
    ) -> DynamoTables:
        """Create the tables if missing, wait until active, enable TTL."""
        tables = cls.of(names)
        await asyncio.gather(*(_create_table(client, name) for name in tables.names))
        return tables

    async def delete_tables(self, client: DynamoClient) -> None:
        """Delete the tables if they exist (tests clean up with this)."""
        for name in self.names:
            try:
                await client.delete_table(TableName=name)
            except ClientError as ex:
                if ex.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                    raise StoreUnavailable(f"cannot delete table {name}") from ex
            except (BotoCoreError, OSError) as ex:
                raise StoreUnavailable(f"cannot delete table {name}") from ex


async def create_tables(client: DynamoClient, names: TableSettings | DynamoTables) -> DynamoTables:
    """Create the three tables if missing (``DynamoTables``)."""
    return await DynamoTables.create_tables(client, names)


async def _create_table(client: DynamoClient, name: str) -> None:
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": DynamoTables.KEY_SCHEMA,
        "AttributeDefinitions": DynamoTables.ATTRIBUTES,
        "BillingMode": "PAY_PER_REQUEST",
    }
    try:
        await client.create_table(**request)
    except ClientError as ex:
        if ex.response.get("Error", {}).get("Code") != "ResourceInUseException":
            raise StoreUnavailable(f"cannot create table {name}: {ex}") from ex
    except (BotoCoreError, OSError) as ex:
        raise StoreUnavailable(f"cannot create table {name}: {ex}") from ex
    await _wait_active(client, name)
    ttl = await call(client.describe_time_to_live(TableName=name))
    status = ttl.get("TimeToLiveDescription", {}).get("TimeToLiveStatus")
    if status not in ("ENABLED", "ENABLING"):
        await call(
            client.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
            )
        )


async def _wait_active(client: DynamoClient, name: str, seconds: float = 120.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        described = await call(client.describe_table(TableName=name))
        if described["Table"].get("TableStatus") == "ACTIVE":
            return
        if loop.time() >= deadline:
            raise StoreUnavailable(f"table {name} did not become active")
        await asyncio.sleep(0.5)
