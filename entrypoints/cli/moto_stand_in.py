"""moto's server as the local stand-in for AWS: ``make run-cloud``, the cloud suite, the bench.

Four of moto's behaviours would make the stand-in lose data, fail or crawl
where AWS does not, so the stand-in serves moto with four changes. The first
three are limited to the requests it serves itself (moto's plain server, used
by the adapters' tests, is untouched):

- **One write at a time.** moto's DynamoDB backend is not thread-safe (see
  ``SerialMotoServer``).
- **One Kinesis put at a time.** moto numbers a shard's next record from its
  last one without a lock ("not safe for concurrency", its source says): two
  API processes putting at once could get the same sequence number, and the
  second record replaced the first, both acknowledged. An answer the API
  accepted was then never scored. Puts now go one at a time, and a shard
  numbers one record at a time (``guard_moto_races``); reads share.
- **Transactions that keep what they change, not a copy of every table.**
  moto backs up each table a TransactWriteItems touches with a deep copy, to
  roll back a cancelled transaction. That costs about 16 us per item in the
  table, so each answer recorded made the next one slower: 1.3 ms per
  transaction on an empty table, 65 ms at 4,000 items, 271 ms at 16,000.
  ``journaled_transactions`` keeps a copy of only the items the transaction
  names and puts them back if it is cancelled; what the transaction does and
  raises is moto's own (tests/integration/test_moto_stand_in.py compares the
  two on generated transactions).
- **An SQS delete that cannot drop a message being sent.** moto's
  ``Queue.delete_message`` rebuilds the queue's message list without the
  lock its ``add_message`` takes, so a message sent (or delivered by an SNS
  subscription) while another thread deletes from the same queue is lost,
  silently: under load, an answer recorded but never scored, or scored but
  never pushed. ``guard_moto_races`` makes the delete take that lock. moto's
  SQS state is per process, so this one holds for every server in it
  (tests/integration/test_moto_stand_in.py shows the loss and the guard).
"""

from __future__ import annotations

import contextlib
import copy
import threading
from collections.abc import Iterator
from typing import Any

DYNAMODB_WRITES = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
)
# What reads a Kinesis stream without changing it; anything else waits in line.
KINESIS_READS = frozenset(
    {
        "GetRecords",
        "GetShardIterator",
        "ListShards",
        "ListStreams",
        "DescribeStream",
        "DescribeStreamSummary",
    }
)


class SharedOrExclusive:
    """A readers-writer lock: many shared holders or one exclusive holder."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._shared = 0
        self._exclusive = False

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        """Hold the lock beside other shared holders."""
        with self._changed:
            self._changed.wait_for(lambda: not self._exclusive)
            self._shared += 1
        try:
            yield
        finally:
            with self._changed:
                self._shared -= 1
                self._changed.notify_all()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the lock alone."""
        with self._changed:
            self._changed.wait_for(lambda: not self._exclusive)
            self._exclusive = True
            self._changed.wait_for(lambda: self._shared == 0)
        try:
            yield
        finally:
            with self._changed:
                self._exclusive = False
                self._changed.notify_all()


class SerialMotoServer:
    """moto's server with DynamoDB's writes, and Kinesis's, one at a time.

    moto's DynamoDB backend is not thread-safe: a TransactWriteItems
    deep-copies the table while a concurrent request changes it ("dictionary
    changed size during iteration"), and moto then half-applies the
    transaction. Reads change the table too (a GetItem of a missing key adds
    an empty entry to the table's defaultdict), so they cannot run beside a
    write either. The consumers send many requests at once, so the local
    stand-in for AWS serialises DynamoDB's writes against everything else in
    DynamoDB; reads share the table with each other. Kinesis's puts are
    serialised the same way against its reads (moto numbers records without
    a lock). The other services (SQS long polls above all) are served
    concurrently. Without
    ``writes_only`` every DynamoDB request waits in line. Without
    ``journaled``, transactions back up whole tables, as moto's own do.
    """

    def __init__(self, port: int = 0, *, writes_only: bool = False, journaled: bool = True) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        guard_moto_races()
        app = DomainDispatcherApplication(create_backend_app)
        tables = SharedOrExclusive()
        streams = SharedOrExclusive()

        def serial_app(environ: dict[str, Any], start_response: Any) -> Any:
            target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
            action = target.rsplit(".", 1)[-1]
            journal: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
            if target.startswith("DynamoDB"):
                writes = not writes_only or action in DYNAMODB_WRITES
                lock = tables.exclusive() if writes else tables.shared()
                if journaled:
                    journal = journaled_transactions()
            elif target.startswith("Kinesis"):
                lock = streams.shared() if action in KINESIS_READS else streams.exclusive()
            else:
                return app(environ, start_response)  # e.g. SQS long polls wait concurrently
            with lock, journal:
                response = app(environ, start_response)
                try:
                    return list(response)
                finally:
                    close = getattr(response, "close", None)
                    if close is not None:
                        close()

        self.server = make_server(
            "127.0.0.1", port, serial_app, threaded=True, request_handler=MotoRequestHandler
        )
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.endpoint = f"http://127.0.0.1:{self.server.server_port}"

    def start(self) -> None:
        """Serve in a background thread."""
        self.thread.start()

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.thread.join()


_journal = threading.local()


@contextlib.contextmanager
def journaled_transactions() -> Iterator[None]:
    """Let this thread's TransactWriteItems keep only the items they change."""
    _install_journal()
    _journal.on = True
    try:
        yield
    finally:
        _journal.on = False


class _Uncopied:
    """A table as moto's transaction backs it up, here: not copied."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def __deepcopy__(self, memo: dict[int, Any]) -> _Uncopied:
        return self


class _TablesUncopied:
    """The backend's tables as moto's transaction sees them for its backup."""

    def __init__(self, tables: dict[str, Any]) -> None:
        self._tables = tables

    def __contains__(self, name: object) -> bool:
        return name in self._tables

    def __getitem__(self, name: str) -> _Uncopied:
        return _Uncopied(self._tables[name])

    def __setitem__(self, name: str, backup: _Uncopied) -> None:
        """moto's rollback puts its backup back; the journal has restored the items."""


class _BackendWithoutTableCopies:
    """The backend, except that backing up a table does not copy it."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend
        self.tables = _TablesUncopied(backend.tables)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)


_MISSING = object()


def _keep(backend: Any, action: dict[str, Any]) -> tuple[Any, ...] | None:
    """Copy the item one action of a transaction names, as it is before it."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    kind, operation = next(iter(action.items()))
    table = backend.tables.get(operation.get("TableName"))
    if table is None:
        return None
    key = operation.get("Item") if kind == "Put" else operation.get("Key")
    if not isinstance(key, dict) or table.hash_key_attr not in key:
        return None
    if table.range_key_attr is not None and table.range_key_attr not in key:
        return None
    hash_value = DynamoType(key[table.hash_key_attr])
    if table.range_key_attr is None:
        return (table, hash_value, None, _copied(table.items.get(hash_value, _MISSING)))
    range_value = DynamoType(key[table.range_key_attr])
    group = table.items.get(hash_value)
    if group is None:
        return (table, hash_value, range_value, None)
    return (table, hash_value, range_value, _copied(group.get(range_value, _MISSING)))


def _copied(item: Any) -> Any:
    """A copy of an item, or ``_MISSING`` itself."""
    return item if item is _MISSING else copy.deepcopy(item)


def _put_back(kept: tuple[Any, ...]) -> None:
    """Restore one item as ``_keep`` found it."""
    table, hash_value, range_value, before = kept
    if range_value is None:
        if before is _MISSING:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = before
        return
    if before is None:  # the item's hash key had no entry at all
        group = table.items.get(hash_value)
        if group is not None:
            group.pop(range_value, None)
            if not group:
                del table.items[hash_value]
        return
    group = table.items[hash_value]
    if before is _MISSING:
        group.pop(range_value, None)
    else:
        group[range_value] = before


_installed = threading.Lock()


def _install_journal() -> None:
    """Wrap moto's TransactWriteItems once; it journals only when a thread asks."""
    from moto.dynamodb.models import DynamoDBBackend

    with _installed:
        original = DynamoDBBackend.transact_write_items
        if getattr(original, "journaled", False):
            return

        def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
            if not getattr(_journal, "on", False):
                return original(self, transact_items)
            kept = [k for k in (_keep(self, action) for action in transact_items) if k]
            try:
                return original(_BackendWithoutTableCopies(self), transact_items)  # type: ignore[arg-type]
            except BaseException:
                for item in reversed(kept):
                    _put_back(item)
                raise

        transact_write_items.journaled = True  # type: ignore[attr-defined]
        DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def guard_moto_races() -> None:
    """Close two of moto's races that lose messages, for every server in this process (once).

    moto's SQS delete now holds the queue's message lock, as its send does;
    a Kinesis shard numbers and stores one record at a time. moto's state is
    per process, so the adapters' tests on plain moto call this too.
    """
    from moto.kinesis.models import Shard
    from moto.sqs.models import Queue

    with _installed:
        delete = Queue.delete_message
        if getattr(delete, "guarded", False):
            return

        def delete_message(self: Any, receipt_handle: str) -> None:
            with self._messages_lock:
                delete(self, receipt_handle)

        put = Shard.put_record
        numbering = threading.Lock()

        def put_record(self: Any, partition_key: str, data: str, explicit_hash_key: str) -> str:
            with numbering:
                return put(self, partition_key, data, explicit_hash_key)

        delete_message.guarded = True  # type: ignore[attr-defined]
        Queue.delete_message = delete_message  # type: ignore[method-assign]
        Shard.put_record = put_record  # type: ignore[method-assign]


@contextlib.contextmanager
def moto_process(port: int = 0, *, cwd: str | None = None) -> Iterator[str]:
    """Run the stand-in in a process of its own; yield its endpoint.

    A process of its own has a core of its own: the local cloud profile
    serves DynamoDB, most of the requests, apart from the other services
    (``QUIZ_AWS_DYNAMODB_ENDPOINT_URL``), as AWS does.
    """
    import socket
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    if port == 0:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
    server = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli.moto_stand_in", str(port)], cwd=cwd
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2):
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=20)


def main(argv: list[str] | None = None) -> None:
    """Serve the stand-in on the port given until terminated."""
    import argparse
    import logging

    parser = argparse.ArgumentParser(description="moto's server as the local stand-in for AWS")
    parser.add_argument("port", type=int)
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C in run-cloud's terminal
        SerialMotoServer(args.port, writes_only=True).server.serve_forever()  # or SIGTERM


if __name__ == "__main__":
    main()
