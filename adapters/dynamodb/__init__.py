"""DynamoDB adapters (seed 8.2): real-time answers, scores and sessions.

Three tables (names from ``Settings.dynamodb_*_table``), all with the same
generic key schema: ``pk`` (S, hash) and ``sk`` (S, range), on-demand
billing, TTL on ``expires_at`` (epoch seconds) and no secondary index.
Every read is strongly consistent, so a handler sees the write that
triggered it. Key parts are escaped (``%`` -> ``%25``, ``#`` -> ``%23``) so
ids containing ``#`` cannot collide. ``<shard>`` is ``crc32(id) % shards``
(32 by default, the same in every process); it is part of the key design,
so a table's shard count must never be lowered once it holds data.

Answers table (``DynamoAnswerStore``)
    ================================  ============================  =======================
    pk                                sk                            item
    ================================  ============================  =======================
    ``S#<session>#U#<user>``          ``Q#<question>``              the answer (once per key)
    ``S#<session>#U#<user>``          ``SUB#<submission>``          copy, by submission id
    ``S#<session>#A#<shard(user)>``   ``U#<user>#Q#<question>``     copy for session reads
    ================================  ============================  =======================

    ``record`` writes the three in one TransactWriteItems; the first two are
    conditioned on ``attribute_not_exists(pk)``, so an answer is recorded
    exactly once, atomically. ``for_participant`` is one query,
    ``for_session`` queries the shard partitions in parallel, so neither
    writes nor reads of a 10,000-player session land on one partition key.

Scores table (``DynamoScoreStore``)
    =================================  ====================  ==========================
    pk                                 sk                    item
    =================================  ====================  ==========================
    ``S#<session>#SC#<shard(user)>``   ``U#<user>``          score, only ever raised
    ``S#<session>#U#<user>``           ``R#<submission>``    result, never downgraded
    =================================  ====================  ==========================

    ``raise_score`` puts with ``attribute_not_exists(score) OR score < :new``;
    a rejection is put with ``attribute_not_exists(status) OR status <>
    "scored"``, a scored result unconditionally.

Sessions table (``DynamoSessionStore``)
    ===================================  ===================  ==========================
    pk                                   sk                   item
    ===================================  ===================  ==========================
    ``S#<session>``                      ``STATE``            state, ``version`` checked
    ``RUNNING#<shard(session)>``         ``<session>``        copy while not finished
    ``S#<session>#P#<shard(user)>``      ``U#<user>``         participant
    ``S#<session>#P#<shard>``            ``COUNT``            the shard's join counter
    ``S#<session>#U#<user>``             ``SERVE#<index>``    first serve time (self-paced)
    ===================================  ===================  ==========================

    ``create`` puts the state with ``attribute_not_exists(pk)``; ``save`` with
    ``version = :expected`` (else ``Conflict``). Both write the running
    index item in the same transaction: put while the session is unfinished,
    deleted when it finishes. So ``running()`` is one query per index shard
    and needs no GSI (a sparse GSI would also work, but the terraform
    creates none and a GSI is eventually consistent). A join is one
    transaction: the participant put with ``attribute_not_exists(pk)`` and
    ``ADD count :1`` on its shard's counter; ``participant_count`` sums the
    counters with one consistent BatchGetItem.

Expiry: every item written carries ``expires_at`` = write time +
``retention_days`` (30 by default; ``None`` turns it off), except the state
item, which gets it when the session finishes, and the running index item,
which is deleted instead. Sessions run minutes, so data goes ~30 days after
the finish; Aurora keeps the master data.

Errors: client errors, timeouts and connection failures become
``StoreUnavailable`` (nothing is known to have changed); conditional
failures are domain outcomes (``DUPLICATE``/``CONFLICT``, ``False``,
``Conflict``). Transactions cancelled only by ``TransactionConflict`` are
retried with jittered backoff first. Each conditional write stores a fresh
``write_id``: when botocore retries a write whose first attempt landed but
whose reply was lost, the failed condition finds its own token and the
adapter still reports the change (RECORDED, True, a new participant).
"""

from adapters.dynamodb.answers import DynamoAnswerStore
from adapters.dynamodb.client import client_config, dynamodb_client
from adapters.dynamodb.scores import DynamoScoreStore
from adapters.dynamodb.sessions import DynamoSessionStore
from adapters.dynamodb.tables import DynamoTables, TableSettings, create_tables

__all__ = [
    "DynamoAnswerStore",
    "DynamoScoreStore",
    "DynamoSessionStore",
    "DynamoTables",
    "TableSettings",
    "client_config",
    "create_tables",
    "dynamodb_client",
]
