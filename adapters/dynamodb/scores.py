"""``DynamoScoreStore``: participant scores and per-submission results."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from adapters.dynamodb._support import (
    DEFAULT_RETENTION_DAYS,
    DEFAULT_SHARDS,
    TOKEN_ATTRIBUTE,
    ConditionFailed,
    DynamoClient,
    call,
    expires_at,
    from_item,
    get_item,
    new_token,
    part,
    query_shards,
    shard_of,
    to_item,
    written_by,
)
from quizcore.model import AnswerResult, ParticipantScore


def score_pk(session_id: str, shard: int) -> str:
    """Return one of the partitions holding the session's scores."""
    return f"S#{part(session_id)}#SC#{shard}"


def score_sk(user_id: str) -> str:
    """Return the sort key of one participant's score."""
    return f"U#{part(user_id)}"


def result_pk(session_id: str, user_id: str) -> str:
    """Return the partition of one participant's submission results."""
    return f"S#{part(session_id)}#U#{part(user_id)}"


def result_sk(submission_id: str) -> str:
    """Return the sort key of one submission's result."""
    return f"R#{part(submission_id)}"


def _score(values: dict[str, Any]) -> ParticipantScore:
    names = [field.name for field in fields(ParticipantScore)]
    return ParticipantScore(**{name: values[name] for name in names})


class DynamoScoreStore:
    """Scores and results in DynamoDB, guarded by conditional writes.

    A score only ever rises (``attribute_not_exists(score) OR score < :new``)
    and a scored result is never replaced by a rejection, so redelivered and
    reordered handlers cannot lower anything. Scores live in ``shards``
    partitions per session so a large session spreads its writes.
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

    async def raise_score(self, score: ParticipantScore) -> bool:
        """Store the score if higher than the stored one; True if changed."""
        token = new_token()
        values = {
            "pk": score_pk(score.session_id, shard_of(score.user_id, self.shards)),
            "sk": score_sk(score.user_id),
            "session_id": score.session_id,
            "user_id": score.user_id,
            "score": score.score,
            "correct_count": score.correct_count,
            "answered_count": score.answered_count,
            "reached_at": score.reached_at,
            TOKEN_ATTRIBUTE: token,
            **expires_at(self.retention_days),
        }
        try:
            await call(
                self.client.put_item(
                    TableName=self.table,
                    Item=to_item(values),
                    ConditionExpression="attribute_not_exists(#score) OR #score < :new",
                    ExpressionAttributeNames={"#score": "score"},
                    ExpressionAttributeValues={":new": {"N": str(score.score)}},
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
            )
        except ConditionFailed as ex:
            # True only if it was our own write, applied by a retried request.
            return written_by(ex.item, token)
        return True

    async def get_score(self, session_id: str, user_id: str) -> ParticipantScore | None:
        """Return the participant's score, if any."""
        item = await get_item(
            self.client,
            self.table,
            score_pk(session_id, shard_of(user_id, self.shards)),
            score_sk(user_id),
        )
        return None if item is None else _score(from_item(item))

    async def scores(self, session_id: str) -> list[ParticipantScore]:
        """Return every score of the session (shards read in parallel)."""
        pks = [score_pk(session_id, shard) for shard in range(self.shards)]
        items = await query_shards(self.client, self.table, pks, "U#")
        return [_score(from_item(item)) for item in items]

    async def save_result(self, result: AnswerResult) -> None:
        """Store a result; a scored one is never replaced by a rejection."""
        item = to_item(
            {
                "pk": result_pk(result.session_id, result.user_id),
                "sk": result_sk(result.submission_id),
                **result.to_dict(),
                **expires_at(self.retention_days),
            }
        )
        if result.status == "scored":
            # A scored result may replace anything, including an older scored one.
            await call(self.client.put_item(TableName=self.table, Item=item))
            return
        try:
            await call(
                self.client.put_item(
                    TableName=self.table,
                    Item=item,
                    ConditionExpression="attribute_not_exists(#status) OR #status <> :scored",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues={":scored": {"S": "scored"}},
                )
            )
        except ConditionFailed:
            return

    async def get_result(
        self, session_id: str, user_id: str, submission_id: str
    ) -> AnswerResult | None:
        """Return the submission's result, if any."""
        item = await get_item(
            self.client, self.table, result_pk(session_id, user_id), result_sk(submission_id)
        )
        return None if item is None else AnswerResult.from_dict(from_item(item))
