"""``DynamoSessionStore``: session state, participants and serve times."""

from __future__ import annotations

import time
from typing import Any

from adapters.dynamodb._support import (
    DEFAULT_RETENTION_DAYS,
    DEFAULT_SHARDS,
    TOKEN_ATTRIBUTE,
    TTL_ATTRIBUTE,
    ConditionFailed,
    DynamoClient,
    Item,
    TransactionCancelled,
    batch_get,
    call,
    expires_at,
    from_item,
    get_item,
    key,
    new_token,
    part,
    query_partition,
    query_shards,
    shard_of,
    to_item,
    transact,
    written_by,
)
from quizcore.errors import Conflict, StoreUnavailable
from quizcore.session import Participant, SessionState

STATE_SK = "STATE"
COUNTER_SK = "COUNT"


def state_pk(session_id: str) -> str:
    """Return the partition of the session's state item."""
    return f"S#{part(session_id)}"


def running_pk(shard: int) -> str:
    """Return one of the partitions indexing unfinished sessions."""
    return f"RUNNING#{shard}"


def participants_pk(session_id: str, shard: int) -> str:
    """Return one of the partitions holding the session's participants."""
    return f"S#{part(session_id)}#P#{shard}"


def participant_sk(user_id: str) -> str:
    """Return the sort key of one participant."""
    return f"U#{part(user_id)}"


def user_pk(session_id: str, user_id: str) -> str:
    """Return the partition of one participant's serve times."""
    return f"S#{part(session_id)}#U#{part(user_id)}"


def name_pk(session_id: str, name_key: str) -> str:
    """Return the partition of one display name's claim in a session."""
    return f"S#{part(session_id)}#N#{part(name_key)}"


NAME_SK = "NAME"


def removed_pk(session_id: str) -> str:
    """Return the partition of the session's removed players (one item each)."""
    return f"S#{part(session_id)}#REMOVED"


def serve_sk(question_index: int) -> str:
    """Return the sort key of one question's serve time."""
    return f"SERVE#{question_index:05d}"


def _state(item: Item) -> SessionState:
    values = from_item(item)
    return SessionState.from_dict(values["state"])


def _participant(item: Item) -> Participant:
    values = from_item(item)
    return Participant(
        session_id=values["session_id"],
        user_id=values["user_id"],
        display_name=values["display_name"],
        joined_at=values["joined_at"],
    )


class DynamoSessionStore:
    """Sessions in DynamoDB: optimistic versions, sharded participants.

    The state item is replaced only if its version is the expected one; a
    copy in a ``RUNNING#<shard>`` index partition exists exactly while the
    session is unfinished (written in the same transaction), so ``running``
    is a few small queries. Participants and their counters are spread over
    ``shards`` partitions per session so 10,000 joins do not hit one key.
    """

    def __init__(
        self,
        client: DynamoClient,
        table: str,
        *,
        shards: int = DEFAULT_SHARDS,
        retention_days: int | None = DEFAULT_RETENTION_DAYS,
    ) -> None:
        if shards < 1:
            raise ValueError("shards must be at least 1")
        self.client = client
        self.table = table
        # Part of the key design: never lower it on a table that holds data.
        self.shards = shards
        self.retention_days = retention_days

    # --- state --------------------------------------------------------------

    def _state_values(self, state: SessionState, token: str) -> dict[str, Any]:
        values: dict[str, Any] = {
            TOKEN_ATTRIBUTE: token,
            "pk": state_pk(state.session_id),
            "sk": STATE_SK,
            "session_id": state.session_id,
            "status": state.status,
            "version": state.version,
            "state": state.to_dict(),
        }
        if state.status == "finished":
            # Finished sessions expire; running ones stay however long they run.
            values.update(expires_at(self.retention_days))
        return values

    def _index_write(self, state: SessionState) -> Item:
        """Return the write keeping the running index in step with ``state``."""
        pk = running_pk(shard_of(state.session_id, self.shards))
        sk = part(state.session_id)
        if state.status == "finished":
            return {"Delete": {"TableName": self.table, "Key": key(pk, sk)}}
        values = {"pk": pk, "sk": sk, "session_id": state.session_id, "state": state.to_dict()}
        return {"Put": {"TableName": self.table, "Item": to_item(values)}}

    async def create(self, state: SessionState) -> bool:
        """Insert the session if its id is free; False when taken."""
        token = new_token()
        put = {
            "Put": {
                "TableName": self.table,
                "Item": to_item(self._state_values(state, token)),
                "ConditionExpression": "attribute_not_exists(pk)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }
        try:
            await transact(self.client, [put, self._index_write(state)])
        except TransactionCancelled as ex:
            return written_by(ex.items[0] if ex.items else None, token)
        return True

    async def get(self, session_id: str) -> SessionState | None:
        """Return the session, if any."""
        item = await get_item(self.client, self.table, state_pk(session_id), STATE_SK)
        return None if item is None else _state(item)

    async def save(self, state: SessionState, expected_version: int) -> None:
        """Replace the state if its version matches; else raise Conflict."""
        token = new_token()
        put = {
            "Put": {
                "TableName": self.table,
                "Item": to_item(self._state_values(state, token)),
                "ConditionExpression": "#version = :expected",
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }
        try:
            await transact(self.client, [put, self._index_write(state)])
        except TransactionCancelled as ex:
            if written_by(ex.items[0] if ex.items else None, token):
                return
            raise Conflict(f"session {state.session_id} changed meanwhile") from ex

    async def running(self) -> list[SessionState]:
        """Return every session that is not finished (from the running index)."""
        pks = [running_pk(shard) for shard in range(self.shards)]
        items = await query_shards(self.client, self.table, pks)
        states = [_state(item) for item in items]
        return sorted(states, key=lambda state: (state.created_at, state.session_id))

    # --- participants -------------------------------------------------------

    async def add_participant(self, participant: Participant) -> tuple[Participant, bool, int]:
        """Add once; return the stored participant, whether new, the count."""
        shard = shard_of(participant.user_id, self.shards)
        pk = participants_pk(participant.session_id, shard)
        ttl = expires_at(self.retention_days)
        token = new_token()
        values = {
            TOKEN_ATTRIBUTE: token,
            "pk": pk,
            "sk": participant_sk(participant.user_id),
            "session_id": participant.session_id,
            "user_id": participant.user_id,
            "display_name": participant.display_name,
            "joined_at": participant.joined_at,
            # Tie-break for join order among joins in the same millisecond.
            "joined_ns": time.time_ns(),
            **ttl,
        }
        update_expression = "ADD #count :one"
        update_values: dict[str, Any] = {":one": {"N": "1"}}
        names = {"#count": "count"}
        if ttl:
            update_expression += " SET #ttl = :ttl"
            update_values[":ttl"] = {"N": str(ttl[TTL_ATTRIBUTE])}
            names["#ttl"] = TTL_ATTRIBUTE
        writes = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": to_item(values),
                    "ConditionExpression": "attribute_not_exists(pk)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            {
                "Update": {
                    "TableName": self.table,
                    "Key": key(pk, COUNTER_SK),
                    "UpdateExpression": update_expression,
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": update_values,
                }
            },
        ]
        try:
            await transact(self.client, writes)
        except TransactionCancelled as ex:
            item = ex.items[0] if ex.items else None
            if item is None:
                item = await get_item(
                    self.client, self.table, pk, participant_sk(participant.user_id)
                )
            if item is None:
                raise StoreUnavailable("DynamoDB participant vanished while joining") from ex
            if written_by(item, token):
                # Our own join, applied by an attempt whose reply was lost.
                return participant, True, await self.participant_count(participant.session_id)
            return _participant(item), False, await self.participant_count(participant.session_id)
        return participant, True, await self.participant_count(participant.session_id)

    async def get_participant(self, session_id: str, user_id: str) -> Participant | None:
        """Return the participant, if joined."""
        item = await get_item(
            self.client,
            self.table,
            participants_pk(session_id, shard_of(user_id, self.shards)),
            participant_sk(user_id),
        )
        return None if item is None else _participant(item)

    async def get_participants(
        self, session_id: str, user_ids: list[str]
    ) -> dict[str, Participant | None]:
        """Return each user's participant (None if not joined), 100 per BatchGetItem."""
        wanted = list(dict.fromkeys(user_ids))
        keys = [
            key(participants_pk(session_id, shard_of(user, self.shards)), participant_sk(user))
            for user in wanted
        ]
        found = {
            participant.user_id: participant
            for participant in map(_participant, await batch_get(self.client, self.table, keys))
        }
        return {user: found.get(user) for user in wanted}

    async def participants(self, session_id: str) -> list[Participant]:
        """Return every participant in join order (all shards in parallel)."""
        pks = [participants_pk(session_id, shard) for shard in range(self.shards)]
        items = await query_shards(self.client, self.table, pks, "U#")
        values = sorted(
            (from_item(item) for item in items),
            key=lambda found: (found["joined_at"], found.get("joined_ns", 0), found["user_id"]),
        )
        return [
            Participant(
                session_id=found["session_id"],
                user_id=found["user_id"],
                display_name=found["display_name"],
                joined_at=found["joined_at"],
            )
            for found in values
        ]

    async def participant_count(self, session_id: str) -> int:
        """Return how many joined: the sum of the shard counters."""
        keys = [key(participants_pk(session_id, shard), COUNTER_SK) for shard in range(self.shards)]
        items = await batch_get(self.client, self.table, keys)
        return sum(int(item["count"]["N"]) for item in items if "count" in item)

    async def remove_participant(self, session_id: str, user_id: str) -> Participant | None:
        """Remove the participant and leave a marker, in one transaction.

        The participant item goes, its shard's counter drops by one and a
        ``REMOVED`` item keeps who they were, all or nothing: a retry after
        a lost reply finds the marker and answers the same.
        """
        shard = shard_of(user_id, self.shards)
        pk = participants_pk(session_id, shard)
        found = await get_item(self.client, self.table, pk, participant_sk(user_id))
        if found is None:
            return await self._removed_participant(session_id, user_id)
        present = _participant(found)
        marker = {
            "pk": removed_pk(session_id),
            "sk": participant_sk(user_id),
            # Tie-break for removal order among removals in the same millisecond.
            "removed_ns": time.time_ns(),
            "session_id": present.session_id,
            "user_id": present.user_id,
            "display_name": present.display_name,
            "joined_at": present.joined_at,
            **expires_at(self.retention_days),
        }
        writes = [
            {
                "Delete": {
                    "TableName": self.table,
                    "Key": key(pk, participant_sk(user_id)),
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
            {
                "Update": {
                    "TableName": self.table,
                    "Key": key(pk, COUNTER_SK),
                    "UpdateExpression": "ADD #count :minus",
                    "ExpressionAttributeNames": {"#count": "count"},
                    "ExpressionAttributeValues": {":minus": {"N": "-1"}},
                }
            },
            {"Put": {"TableName": self.table, "Item": to_item(marker)}},
        ]
        try:
            await transact(self.client, writes)
        except TransactionCancelled:
            # Removed meanwhile (by a retry of this very call, or another).
            return await self._removed_participant(session_id, user_id)
        return present

    async def _removed_participant(self, session_id: str, user_id: str) -> Participant | None:
        item = await get_item(
            self.client, self.table, removed_pk(session_id), participant_sk(user_id)
        )
        return None if item is None else _participant(item)

    async def removed(self, session_id: str, user_id: str) -> bool:
        """Return whether the user was removed from the session (one read)."""
        return await self._removed_participant(session_id, user_id) is not None

    async def removed_participants(self, session_id: str) -> list[str]:
        """Return the users removed from the session, in the order removed (one query)."""
        items = await query_partition(self.client, self.table, removed_pk(session_id), "U#")
        found = sorted((from_item(item) for item in items), key=lambda v: v.get("removed_ns", 0))
        return [str(values["user_id"]) for values in found]

    # --- self-paced serve times --------------------------------------------

    async def claim_name(self, session_id: str, name_key: str, user_id: str) -> bool:
        """Reserve the name for the user (conditional put); False when another holds it."""
        values = {
            "pk": name_pk(session_id, name_key),
            "sk": NAME_SK,
            "user_id": user_id,
            **expires_at(self.retention_days),
        }
        try:
            await call(
                self.client.put_item(
                    TableName=self.table,
                    Item=to_item(values),
                    ConditionExpression="attribute_not_exists(pk) OR #user = :user",
                    ExpressionAttributeNames={"#user": "user_id"},
                    ExpressionAttributeValues={":user": {"S": user_id}},
                )
            )
        except ConditionFailed:
            return False
        return True

    async def serve(self, session_id: str, user_id: str, question_index: int, at: int) -> int:
        """Keep the first serve time of the question; return that time."""
        # One atomic round trip: if_not_exists keeps the first time and
        # ALL_NEW returns whichever time is stored.
        ttl = expires_at(self.retention_days)
        expression = "SET #at = if_not_exists(#at, :at), #index = :index"
        names = {"#at": "served_at", "#index": "question_index"}
        values: dict[str, Any] = {":at": {"N": str(at)}, ":index": {"N": str(question_index)}}
        if ttl:
            expression += ", #ttl = if_not_exists(#ttl, :ttl)"
            names["#ttl"] = TTL_ATTRIBUTE
            values[":ttl"] = {"N": str(ttl[TTL_ATTRIBUTE])}
        response = await call(
            self.client.update_item(
                TableName=self.table,
                Key=key(user_pk(session_id, user_id), serve_sk(question_index)),
                UpdateExpression=expression,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        )
        return int(response["Attributes"]["served_at"]["N"])

    async def served(self, session_id: str, user_id: str) -> dict[int, int]:
        """Return the serve times of the user's questions by index."""
        items = await query_partition(
            self.client, self.table, user_pk(session_id, user_id), "SERVE#"
        )
        return {int(item["question_index"]["N"]): int(item["served_at"]["N"]) for item in items}
