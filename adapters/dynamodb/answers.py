"""``DynamoAnswerStore``: recorded answers, written once in one transaction."""

from __future__ import annotations

from typing import Any

from adapters.dynamodb._support import (
    DEFAULT_RETENTION_DAYS,
    DEFAULT_SHARDS,
    TOKEN_ATTRIBUTE,
    DynamoClient,
    Item,
    TransactionCancelled,
    batch_get,
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
from quizcore.errors import StoreUnavailable
from quizcore.model import RecordedAnswer, RecordOutcome

# Give up after this many rounds of "condition failed, yet the item is gone"
# (only possible if TTL deletes the item between the write and the read).
_RECORD_ROUNDS = 3


def participant_pk(session_id: str, user_id: str) -> str:
    """Return the partition of one participant's answers."""
    return f"S#{part(session_id)}#U#{part(user_id)}"


def question_sk(question_id: str) -> str:
    """Return the sort key of the answer to one question."""
    return f"Q#{part(question_id)}"


def submission_sk(submission_id: str) -> str:
    """Return the sort key of the answer under one submission id."""
    return f"SUB#{part(submission_id)}"


def session_shard_pk(session_id: str, shard: int) -> str:
    """Return one of the session-wide partitions that ``for_session`` reads."""
    return f"S#{part(session_id)}#A#{shard}"


def count_sk(answer: RecordedAnswer) -> str:
    """Return the sort key of a shard's answer count for the answer's question."""
    return question_count_sk(answer.question_id)


def question_count_sk(question_id: str) -> str:
    """Return the sort key of a shard's answer count for one question."""
    return f"QC#{part(question_id)}"


class DynamoAnswerStore:
    """Recorded answers in DynamoDB; the source of truth for every score.

    ``record`` writes four items in one TransactWriteItems: the answer under
    its question (condition: absent), a copy under its submission id
    (condition: absent) and a copy in the session's shard partition for
    session-wide reads, plus the shard's count of the question's answers.
    So an answer is stored exactly once per
    (session, question, user), atomically, and a submission id is stored
    once per (session, user): reusing it returns DUPLICATE with the answer
    first recorded under it.
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

    def _put(self, pk: str, sk: str, values: dict[str, Any], *, once: bool) -> Item:
        put: dict[str, Any] = {
            "TableName": self.table,
            "Item": to_item({"pk": pk, "sk": sk, **values}),
        }
        if once:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
            put["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return {"Put": put}

    async def record(self, answer: RecordedAnswer) -> tuple[RecordOutcome, RecordedAnswer]:
        """Store once per (session, question, user); return the stored one."""
        token = new_token()
        values = {**answer.to_dict(), TOKEN_ATTRIBUTE: token, **expires_at(self.retention_days)}
        user_pk = participant_pk(answer.session_id, answer.user_id)
        shard = shard_of(answer.user_id, self.shards)
        writes = [
            self._put(user_pk, question_sk(answer.question_id), values, once=True),
            self._put(user_pk, submission_sk(answer.submission_id), values, once=True),
            self._put(
                session_shard_pk(answer.session_id, shard),
                f"U#{part(answer.user_id)}#Q#{part(answer.question_id)}",
                values,
                once=False,
            ),
            # A per-shard count of the question's answers, raised only when the
            # answer is new (the transaction is all or nothing): no hot key.
            {
                "Update": {
                    "TableName": self.table,
                    "Key": key(session_shard_pk(answer.session_id, shard), count_sk(answer)),
                    "UpdateExpression": "ADD #count :one",
                    "ExpressionAttributeNames": {"#count": "count"},
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
        ]
        for _ in range(_RECORD_ROUNDS):
            try:
                await transact(self.client, writes)
            except TransactionCancelled as ex:
                by_question = bool(ex.failed[0])
                item = await self._blocking_item(ex, answer, by_question=by_question)
                if item is None:
                    continue
                if written_by(item, token):
                    # Our own write, applied by an attempt whose reply was lost.
                    return RecordOutcome.RECORDED, answer
                stored = RecordedAnswer.from_dict(from_item(item))
                if by_question and stored.submission_id != answer.submission_id:
                    return RecordOutcome.CONFLICT, stored
                return RecordOutcome.DUPLICATE, stored
            return RecordOutcome.RECORDED, answer
        raise StoreUnavailable("DynamoDB answer item vanished while recording")

    async def _blocking_item(
        self, cancelled: TransactionCancelled, answer: RecordedAnswer, *, by_question: bool
    ) -> Item | None:
        """Return the stored item whose condition cancelled the transaction."""
        index = 0 if by_question else 1
        item = cancelled.items[index] if index < len(cancelled.items) else None
        if item is not None:
            return item
        sk = question_sk(answer.question_id) if by_question else submission_sk(answer.submission_id)
        return await get_item(
            self.client, self.table, participant_pk(answer.session_id, answer.user_id), sk
        )

    async def get(self, session_id: str, question_id: str, user_id: str) -> RecordedAnswer | None:
        """Return this participant's answer to the question, if any."""
        item = await get_item(
            self.client, self.table, participant_pk(session_id, user_id), question_sk(question_id)
        )
        return None if item is None else RecordedAnswer.from_dict(from_item(item))

    async def by_submission(
        self, session_id: str, user_id: str, submission_id: str
    ) -> RecordedAnswer | None:
        """Return the answer recorded under this submission id, if any."""
        item = await get_item(
            self.client,
            self.table,
            participant_pk(session_id, user_id),
            submission_sk(submission_id),
        )
        return None if item is None else RecordedAnswer.from_dict(from_item(item))

    async def for_participant(self, session_id: str, user_id: str) -> list[RecordedAnswer]:
        """Return every answer of one participant, ordered by question index."""
        items = await query_partition(
            self.client, self.table, participant_pk(session_id, user_id), "Q#"
        )
        answers = [RecordedAnswer.from_dict(from_item(item)) for item in items]
        return sorted(answers, key=lambda answer: answer.question_index)

    async def for_session(self, session_id: str) -> list[RecordedAnswer]:
        """Return every answer of the session, reading all shards in parallel."""
        pks = [session_shard_pk(session_id, shard) for shard in range(self.shards)]
        # Answers only: the shard partitions also hold the per-question counts.
        items = await query_shards(self.client, self.table, pks, "U#")
        answers = [RecordedAnswer.from_dict(from_item(item)) for item in items]
        # Shards interleave arbitrarily; receive order is stable and meaningful.
        return sorted(
            answers, key=lambda found: (found.received_at, found.question_index, found.user_id)
        )

    async def question_count(self, session_id: str, question_id: str) -> int:
        """Return how many participants answered the question (one batch read)."""
        keys = [
            key(session_shard_pk(session_id, shard), question_count_sk(question_id))
            for shard in range(self.shards)
        ]
        items = await batch_get(self.client, self.table, keys)
        return sum(int(from_item(item).get("count", 0)) for item in items)
