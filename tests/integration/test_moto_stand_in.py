"""The local stand-in for AWS keeps DynamoDB's transactions whole under concurrent reads.

moto's TransactWriteItems deep-copies the table, and a GetItem of a missing
key adds an entry to that table while it is copied. The cloud suite and
``make run-cloud`` serve moto through ``SerialMotoServer``; this hammers one
table with transactions and reads of missing keys at once, as the consumers
do, and every request must succeed.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator

import boto3
import pytest

from entrypoints.cli.cloud_dev import SerialMotoServer, SharedOrExclusive


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
