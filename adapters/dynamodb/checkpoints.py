"""Kinesis consumer positions kept in DynamoDB, so a restart resumes, not replays.

One item per (stream, shard) in the sessions table: ``pk = KINESIS#<stream>``,
``sk = <shard id>``, attribute ``sequence``. A position only moves forward:
the write is conditional on the stored sequence number being lower, so a
slow, older consumer can never move a shard back.
"""

from __future__ import annotations

from adapters.dynamodb._support import ConditionFailed, DynamoClient, call, get_item, key


class DynamoCheckpointStore:
    """The ``CheckpointStore`` of the Kinesis consumer, in a DynamoDB table."""

    def __init__(self, client: DynamoClient, table: str, stream: str) -> None:
        self.client = client
        self.table = table
        self.pk = f"KINESIS#{stream}"

    async def get(self, shard_id: str) -> str | None:
        """Return the last handled sequence number of the shard, if any."""
        item = await get_item(self.client, self.table, self.pk, shard_id)
        return item["sequence"]["S"] if item else None

    async def set(self, shard_id: str, sequence_number: str) -> None:
        """Move the shard's position forward (never back)."""
        # Kinesis sequence numbers are decimal strings of growing length and
        # value; compare them as numbers by padding to a fixed width.
        padded = sequence_number.zfill(64)
        try:
            await call(
                self.client.update_item(
                    TableName=self.table,
                    Key=key(self.pk, shard_id),
                    UpdateExpression="SET #seq = :seq, #ord = :ord",
                    ConditionExpression="attribute_not_exists(#ord) OR #ord < :ord",
                    ExpressionAttributeNames={"#seq": "sequence", "#ord": "ordinal"},
                    ExpressionAttributeValues={
                        ":seq": {"S": sequence_number},
                        ":ord": {"S": padded},
                    },
                )
            )
        except ConditionFailed:
            return
