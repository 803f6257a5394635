"""The local stand-in for AWS keeps DynamoDB's transactions whole, and as moto makes them.

moto's TransactWriteItems deep-copies the table, and a GetItem of a missing
key adds an entry to that table while it is copied. The cloud suite and
``make run-cloud`` serve moto through ``SerialMotoServer``; this hammers one
table with transactions and reads of missing keys at once, as the consumers
do, and every request must succeed. The stand-in's transactions keep a copy
of the items they name instead of every table they touch; generated
transactions must leave the same tables and raise the same errors either way.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from entrypoints.cli.moto_stand_in import (
    SerialMotoServer,
    SharedOrExclusive,
    journaled_transactions,
)


@pytest.fixture
def stand_in(aws_env: None) -> Iterator[str]:
    """Serve moto with only DynamoDB's writes in line, as the cloud suite does."""
    server = SerialMotoServer(0, writes_only=True)
    server.start()
    yield server.endpoint
    server.stop()


def test_reads_of_missing_keys_never_tear_a_transaction(stand_in: str) -> None:
    client = boto3.client("dynamodb", endpoint_url=stand_in)
    client.create_table(
        TableName="t",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for start in range(0, 400, 25):  # a table big enough that copying it takes a while
        client.batch_write_item(
            RequestItems={
                "t": [
                    {"PutRequest": {"Item": {"pk": {"S": f"p{n}"}, "sk": {"S": "s"}}}}
                    for n in range(start, start + 25)
                ]
            }
        )
    errors: list[BaseException] = []
    done = threading.Event()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, so a race shows within seconds

    def read_missing(worker: int) -> None:
        reader = boto3.client("dynamodb", endpoint_url=stand_in)
        n = 0
        while not done.is_set():
            n += 1
            try:
                reader.get_item(
                    TableName="t", Key={"pk": {"S": f"missing-{worker}-{n}"}, "sk": {"S": "s"}}
                )
            except Exception as error:  # any failure is the finding
                errors.append(error)

    readers = [threading.Thread(target=read_missing, args=(w,)) for w in range(3)]
    for reader in readers:
        reader.start()
    try:
        for n in range(30):
            client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": "t", "Item": {"pk": {"S": f"tx{n}"}, "sk": {"S": "a"}}}},
                    {"Put": {"TableName": "t", "Item": {"pk": {"S": f"tx{n}"}, "sk": {"S": "b"}}}},
                ]
            )
    finally:
        done.set()
        for reader in readers:
            reader.join()
        sys.setswitchinterval(interval)
    assert errors == []
    for n in range(30):
        items = client.query(
            TableName="t",
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"tx{n}"}},
        )["Items"]
        assert sorted(item["sk"]["S"] for item in items) == ["a", "b"]


def test_an_exclusive_holder_waits_for_shared_ones_and_holds_off_new_ones() -> None:
    lock = SharedOrExclusive()
    events: list[str] = []
    reader_in = threading.Event()
    release_reader = threading.Event()

    def reader() -> None:
        with lock.shared():
            events.append("shared in")
            reader_in.set()
            release_reader.wait(5)
            events.append("shared out")

    def writer() -> None:
        with lock.exclusive():
            events.append("exclusive")

    def late_reader() -> None:
        with lock.shared():
            events.append("late shared")

    first = threading.Thread(target=reader)
    first.start()
    reader_in.wait(5)
    second = threading.Thread(target=writer)
    second.start()
    time.sleep(0.1)  # the writer is now waiting for the reader
    third = threading.Thread(target=late_reader)
    third.start()
    time.sleep(0.1)
    assert events == ["shared in"]  # neither the writer nor a new reader got in
    release_reader.set()
    for thread in (first, second, third):
        thread.join(5)
    assert events == ["shared in", "shared out", "exclusive", "late shared"]


# Generated transactions on a table with a sort key and one without, over a
# few keys, so that actions meet items that exist, are missing, or were just
# written; conditions fail often enough to cancel many transactions.
KEYS = st.sampled_from(["p0", "p1", "p2"])
SORTS = st.sampled_from(["s0", "s1"])
CONDITIONS = st.sampled_from(
    [None, "attribute_not_exists(pk)", "attribute_exists(pk)", "n = :one", "n < :two"]
)


@st.composite
def actions(draw: st.DrawFn) -> tuple[str, str, dict[str, dict[str, str]], str | None]:
    table = draw(st.sampled_from(["ranged", "flat"]))
    key = {"pk": {"S": draw(KEYS)}}
    if table == "ranged":
        key["sk"] = {"S": draw(SORTS)}
    if draw(st.integers(0, 19)) == 0:  # an invalid action: its key is incomplete
        key = {"sk": {"S": "s0"}}
    return (
        draw(st.sampled_from(["Put", "Update", "Delete", "ConditionCheck"])),
        table,
        key,
        draw(CONDITIONS),
    )


def transact(client: object, prefix: str, transaction: list[tuple[Any, ...]]) -> object:
    """Run one transaction on the tables named ``prefix``; return what came of it."""
    items = []
    for kind, table, key, condition in transaction:
        operation: dict[str, object] = {"TableName": f"{prefix}-{table}"}
        values = {":one": {"N": "1"}, ":two": {"N": "2"}, ":zero": {"N": "0"}}
        if kind == "Put":
            operation["Item"] = {**key, "n": {"N": "1"}}
        else:
            operation["Key"] = key
        if kind == "Update":
            operation["UpdateExpression"] = "SET n = if_not_exists(n, :zero) + :one"
        if condition is not None or kind == "ConditionCheck":
            operation["ConditionExpression"] = condition or "attribute_exists(pk)"
        used = {name: value for name, value in values.items() if name in str(operation)}
        if used:
            operation["ExpressionAttributeValues"] = used
        items.append({kind: operation})
    try:
        client.transact_write_items(TransactItems=items)  # type: ignore[attr-defined]
    except ClientError as error:
        reasons = error.response.get("CancellationReasons", [])
        return error.response["Error"]["Code"], [r.get("Code") for r in reasons]
    return "ok"


def contents(client: object, prefix: str) -> dict[str, list[object]]:
    """Every item of the two tables named ``prefix``, in a stable order."""
    return {
        table: sorted(
            client.scan(TableName=f"{prefix}-{table}")["Items"],  # type: ignore[attr-defined]
            key=repr,
        )
        for table in ("ranged", "flat")
    }


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(actions(), min_size=1, max_size=4), min_size=1, max_size=6))
def test_journaled_transactions_do_what_moto_does(
    aws_env: None, transactions: list[list[tuple[Any, ...]]]
) -> None:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        for prefix in ("moto", "journaled"):
            for table, schema in (("ranged", ["pk", "sk"]), ("flat", ["pk"])):
                client.create_table(
                    TableName=f"{prefix}-{table}",
                    KeySchema=[
                        {"AttributeName": name, "KeyType": kind}
                        for name, kind in zip(schema, ["HASH", "RANGE"], strict=False)
                    ],
                    AttributeDefinitions=[
                        {"AttributeName": name, "AttributeType": "S"} for name in schema
                    ],
                    BillingMode="PAY_PER_REQUEST",
                )
        for transaction in transactions:
            expected = transact(client, "moto", transaction)
            with journaled_transactions():
                assert transact(client, "journaled", transaction) == expected
            assert contents(client, "journaled") == contents(client, "moto")


def test_an_sqs_delete_waits_for_a_send_to_the_same_queue(stand_in: str) -> None:
    # moto's delete rebuilds the queue's list of messages; a send appends to
    # it under the queue's lock. A delete that ran beside the send would put
    # back a list without the message sent. With the guard it waits.
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sqs.models import sqs_backends

    sqs = boto3.client("sqs", endpoint_url=stand_in)
    url = sqs.create_queue(QueueName="guarded")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="first")
    receipt = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    queue = sqs_backends[DEFAULT_ACCOUNT_ID][sqs.meta.region_name].queues["guarded"]

    deleted = threading.Event()

    def delete() -> None:
        boto3.client("sqs", endpoint_url=stand_in).delete_message(
            QueueUrl=url, ReceiptHandle=receipt
        )
        deleted.set()

    with queue._messages_lock:  # a send in progress
        deleter = threading.Thread(target=delete)
        deleter.start()
        assert not deleted.wait(0.5), "the delete ran beside the send"
    deleter.join(10)
    assert deleted.is_set()


def kinesis_records_kept(endpoint: str, *, writers: int = 4, batches: int = 10) -> tuple[int, int]:
    """Put records from several threads at once; return (acknowledged, kept)."""
    kinesis = boto3.client("kinesis", endpoint_url=endpoint)
    name = f"race-{time.monotonic_ns()}"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    acknowledged: list[str] = []
    errors: list[BaseException] = []

    def put(writer: int) -> None:
        client = boto3.client("kinesis", endpoint_url=endpoint)
        for batch in range(batches):
            try:
                response = client.put_records(
                    StreamName=name,
                    Records=[
                        {"Data": f"{writer}-{batch}-{n}".encode(), "PartitionKey": "p"}
                        for n in range(50)
                    ],
                )
            except Exception as error:  # any failure is a finding too
                errors.append(error)
                continue
            acknowledged.extend(
                r["SequenceNumber"] for r in response["Records"] if "ErrorCode" not in r
            )

    threads = [threading.Thread(target=put, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    shard = kinesis.list_shards(StreamName=name)["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName=name, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    kept = 0
    while iterator:
        response = kinesis.get_records(ShardIterator=iterator, Limit=10_000)
        kept += len(response["Records"])
        if not response["Records"]:
            break
        iterator = response.get("NextShardIterator")
    return len(acknowledged), kept


def test_kinesis_keeps_every_record_put_from_many_writers_at_once(stand_in: str) -> None:
    acknowledged, kept = kinesis_records_kept(stand_in)
    assert acknowledged == 4 * 10 * 50
    assert kept == acknowledged


def test_plain_moto_for_the_adapters_keeps_every_record_too(moto_endpoint: str) -> None:
    acknowledged, kept = kinesis_records_kept(moto_endpoint)
    assert kept == acknowledged == 4 * 10 * 50
