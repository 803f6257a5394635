"""What the DynamoDB adapters share: item codec, keys, shards, calls, errors.

Every call to DynamoDB goes through ``call`` (or ``transact``), which turns
the client's failures into ``StoreUnavailable`` and leaves only conditional
failures, the domain outcomes, for the adapters to interpret.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
import zlib
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from quizcore.errors import StoreUnavailable

# An aiobotocore DynamoDB client; typed loosely because aiobotocore ships no stubs.
DynamoClient = Any
Item = dict[str, Any]

TTL_ATTRIBUTE = "expires_at"
# Every conditional write carries a fresh token: when a request times out
# after DynamoDB applied it and the retry then fails its condition, the
# stored token tells "my own earlier attempt" from "someone else".
TOKEN_ATTRIBUTE = "write_id"
DEFAULT_SHARDS = 32
DEFAULT_RETENTION_DAYS = 30
# TransactionConflict cancellations are retried this often before giving up.
TRANSACT_ATTEMPTS = 6
BATCH_GET_ATTEMPTS = 8


class ConditionFailed(Exception):
    """A single-item write's condition did not hold (a domain outcome)."""

    def __init__(self, item: Item | None) -> None:
        super().__init__("conditional check failed")
        self.item = item


class TransactionCancelled(Exception):
    """A transaction was cancelled because a condition did not hold.

    ``failed[i]`` tells whether the condition of the ``i``-th write failed and
    ``items[i]`` holds that item as stored (when DynamoDB returned it).
    """

    def __init__(self, failed: list[bool], items: list[Item | None]) -> None:
        super().__init__("transaction cancelled by a condition")
        self.failed = failed
        self.items = items


# --- item codec -------------------------------------------------------------


def encode(value: Any) -> dict[str, Any]:
    """Return the DynamoDB attribute value of a JSON-like Python value."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list | tuple):
        return {"L": [encode(element) for element in value]}
    if isinstance(value, Mapping):
        return {"M": {str(key): encode(element) for key, element in value.items()}}
    raise TypeError(f"cannot store {type(value).__name__} in DynamoDB")


def decode(attribute: Mapping[str, Any]) -> Any:
    """Return the Python value of a DynamoDB attribute value."""
    ((kind, value),) = attribute.items()
    if kind == "S":
        return value
    if kind == "N":
        return int(value) if value.lstrip("-").isdigit() else float(value)
    if kind == "BOOL":
        return bool(value)
    if kind == "NULL":
        return None
    if kind == "L":
        return [decode(element) for element in value]
    if kind == "M":
        return {key: decode(element) for key, element in value.items()}
    raise TypeError(f"unexpected DynamoDB attribute type {kind}")


def to_item(values: Mapping[str, Any]) -> Item:
    """Return a DynamoDB item of plain attribute values."""
    return {name: encode(value) for name, value in values.items()}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """Return the plain attribute values of a DynamoDB item."""
    return {name: decode(value) for name, value in item.items()}


# --- keys -------------------------------------------------------------------


def part(text: str) -> str:
    """Return ``text`` safe to embed in a ``#``-separated key."""
    # Escaping '#' keeps ("a#Q#b", "c") and ("a", "b#Q#c") on different keys.
    return text.replace("%", "%25").replace("#", "%23")


def key(pk: str, sk: str) -> Item:
    """Return the primary key attribute values."""
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def shard_of(text: str, shards: int) -> int:
    """Return the stable shard of ``text`` (the same in every process)."""
    # Not hash(): string hashing is salted per process.
    return zlib.crc32(text.encode("utf-8")) % shards


def new_token() -> str:
    """Return a fresh write token."""
    return uuid.uuid4().hex


def written_by(item: Mapping[str, Any] | None, token: str) -> bool:
    """Return whether the stored ``item`` was written with ``token``."""
    return item is not None and item.get(TOKEN_ATTRIBUTE) == {"S": token}


def expires_at(retention_days: int | None) -> dict[str, Any]:
    """Return the TTL attribute for an item written now, or nothing."""
    if retention_days is None:
        return {}
    # Retention is an operational rule, so the wall clock is right here.
    return {TTL_ATTRIBUTE: int(time.time()) + retention_days * 86_400}


# --- calls ------------------------------------------------------------------


def _unavailable(ex: Exception) -> StoreUnavailable:
    if isinstance(ex, ClientError):
        error = ex.response.get("Error", {})
        detail = f"DynamoDB {error.get('Code', 'error')}: {error.get('Message', '')}"
    else:
        detail = f"DynamoDB unreachable: {ex}"
    return StoreUnavailable(detail.strip())


async def call(operation: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    """Await one client call; raise ``StoreUnavailable`` for any failure.

    A ``ConditionalCheckFailedException`` becomes ``ConditionFailed`` (with the
    stored item when the request asked for it), since it is a domain outcome.
    """
    try:
        return await operation
    except ClientError as ex:
        if ex.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            raise ConditionFailed(ex.response.get("Item")) from None
        raise _unavailable(ex) from ex
    except (BotoCoreError, OSError) as ex:
        # Connection refused, timeouts and broken connections: nothing is known
        # to have changed, and the caller must not guess.
        raise _unavailable(ex) from ex


async def transact(client: DynamoClient, items: Sequence[Item]) -> None:
    """Write ``items`` in one TransactWriteItems, all or nothing.

    Raise ``TransactionCancelled`` when a condition failed. Cancellations
    caused only by concurrent transactions on the same items (or throttling)
    are retried with jittered backoff, then reported as ``StoreUnavailable``.
    """
    for attempt in range(TRANSACT_ATTEMPTS):
        try:
            await client.transact_write_items(TransactItems=list(items))
            return
        except ClientError as ex:
            error = ex.response.get("Error", {})
            if error.get("Code") != "TransactionCanceledException":
                raise _unavailable(ex) from ex
            reasons = ex.response.get("CancellationReasons") or []
            codes = [reason.get("Code", "None") for reason in reasons]
            if "ConditionalCheckFailed" in codes:
                raise TransactionCancelled(
                    [code == "ConditionalCheckFailed" for code in codes],
                    [reason.get("Item") for reason in reasons],
                ) from None
            retryable = {"TransactionConflict", "ThrottlingError", "None"}
            if not codes or not set(codes) <= retryable or attempt == TRANSACT_ATTEMPTS - 1:
                raise _unavailable(ex) from ex
        except (BotoCoreError, OSError) as ex:
            raise _unavailable(ex) from ex
        await asyncio.sleep(random.uniform(0, 0.005 * 2**attempt))


async def query_all(client: DynamoClient, **params: Any) -> list[Item]:
    """Return every item a Query matches, following the pages."""
    items: list[Item] = []
    params.setdefault("ConsistentRead", True)
    while True:
        page = await call(client.query(**params))
        items.extend(page.get("Items", ()))
        last = page.get("LastEvaluatedKey")
        if not last:
            return items
        params["ExclusiveStartKey"] = last


async def query_partition(
    client: DynamoClient, table: str, pk: str, sk_prefix: str | None = None
) -> list[Item]:
    """Return the items of one partition key, optionally by sort-key prefix."""
    params: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": pk}},
    }
    if sk_prefix is not None:
        params["KeyConditionExpression"] = "pk = :pk AND begins_with(sk, :prefix)"
        params["ExpressionAttributeValues"][":prefix"] = {"S": sk_prefix}
    return await query_all(client, **params)


async def query_shards(
    client: DynamoClient, table: str, pks: Sequence[str], sk_prefix: str | None = None
) -> list[Item]:
    """Query several partitions in parallel; return their items in pk order."""
    pages = await asyncio.gather(*(query_partition(client, table, pk, sk_prefix) for pk in pks))
    return [item for page in pages for item in page]


async def get_item(client: DynamoClient, table: str, pk: str, sk: str) -> Item | None:
    """Return one item by key with a strongly consistent read, if any."""
    response = await call(client.get_item(TableName=table, Key=key(pk, sk), ConsistentRead=True))
    item: Item | None = response.get("Item")
    return item


async def batch_get(client: DynamoClient, table: str, keys: Sequence[Item]) -> list[Item]:
    """Return the items of ``keys``, retrying unprocessed keys."""
    found: list[Item] = []
    for start in range(0, len(keys), 100):
        request: dict[str, Any] = {
            table: {"Keys": list(keys[start : start + 100]), "ConsistentRead": True}
        }
        for attempt in range(BATCH_GET_ATTEMPTS):
            response = await call(client.batch_get_item(RequestItems=request))
            found.extend(response.get("Responses", {}).get(table, ()))
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
            await asyncio.sleep(random.uniform(0, 0.005 * 2**attempt))
        if request:
            # A partial sum would be a wrong answer; report the store as unavailable.
            raise StoreUnavailable("DynamoDB kept keys unprocessed")
    return found
