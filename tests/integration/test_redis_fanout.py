"""RedisFanout across two processes: order, seq, resume."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable
from typing import Any, cast

import pytest
from redis.asyncio import Redis

from adapters.redis import FanoutMessage, FanoutSubscription, RedisFanout
from adapters.redis.fanout import SEQ_STEP
from tests.integration.contract.factories_redis import drop_prefix, redis_prefix


@pytest.fixture
async def two_processes(redis_url: str) -> AsyncIterator[tuple[RedisFanout, RedisFanout, Redis]]:
    """Yield two fan-outs on separate clients sharing a random prefix."""
    async with redis_prefix(redis_url) as (client, prefix):
        other = Redis.from_url(redis_url, socket_timeout=5)
        try:
            yield (
                RedisFanout(client, prefix=prefix, history=50),
                RedisFanout(other, prefix=prefix, history=50),
                client,
            )
        finally:
            await other.aclose()


async def _take(subscription: FanoutSubscription, count: int) -> list[FanoutMessage]:
    async def collect() -> list[FanoutMessage]:
        received = []
        async for message in subscription:
            received.append(message)
            if len(received) == count:
                break
        return received

    return await asyncio.wait_for(collect(), timeout=10)


async def test_both_processes_receive_every_event_in_one_strictly_increasing_order(
    two_processes: tuple[RedisFanout, RedisFanout, Redis],
) -> None:
    first, second, _client = two_processes
    async with first.subscribe() as sub_one, second.subscribe() as sub_two:

        async def send(fanout: RedisFanout, name: str) -> list[int]:
            sent = []
            for index in range(40):
                event = await fanout.publish("S1", {"type": "tick", "from": name, "n": index})
                sent.append(event["seq"])
            return sent

        sent_one, sent_two = await asyncio.gather(send(first, "one"), send(second, "two"))
        got_one = await _take(sub_one, 80)
        got_two = await _take(sub_two, 80)

    seqs = [message.seq for message in got_one]
    assert seqs == sorted(seqs) and len(set(seqs)) == 80
    assert sorted(sent_one + sent_two) == seqs
    assert [m.event for m in got_one] == [m.event for m in got_two]
    # Each producer's events arrive in the order it sent them.
    assert [m.event["n"] for m in got_one if m.event["from"] == "one"] == list(range(40))
    assert all(m.session_id == "S1" and m.user_id is None and not m.gap for m in got_one)


async def test_sessions_have_their_own_sequences(
    two_processes: tuple[RedisFanout, RedisFanout, Redis],
) -> None:
    first, second, _client = two_processes
    async with second.subscribe() as subscription:
        a1 = await first.publish("A", {"type": "x"})
        b1 = await first.publish("B", {"type": "x"})
        a2 = await second.publish("A", {"type": "y"})
        got = await _take(subscription, 3)
    assert a2["seq"] > a1["seq"]
    assert [(m.session_id, m.seq) for m in got] == [
        ("A", a1["seq"]),
        ("B", b1["seq"]),
        ("A", a2["seq"]),
    ]
    assert await first.last_seq("A") == a2["seq"]
    assert await first.last_seq("never") == 0


async def test_user_events_carry_their_target_and_share_the_session_sequence(
    two_processes: tuple[RedisFanout, RedisFanout, Redis],
) -> None:
    first, second, _client = two_processes
    async with second.subscribe() as subscription:
        opened = await first.publish("S", {"type": "question.opened"})
        result = await first.to_user("S", "alice", {"type": "answer.result", "points": 950})
        board = await first.publish("S", {"type": "leaderboard.updated"})
        got = await _take(subscription, 3)
    assert opened["seq"] < result["seq"] < board["seq"]
    assert got[1].user_id == "alice" and got[1].event == result
    assert got[1].visible_to("alice") and not got[1].visible_to("bob")
    assert got[0].visible_to("bob")


async def test_since_replays_what_a_reconnecting_user_missed(
    two_processes: tuple[RedisFanout, RedisFanout, Redis],
) -> None:
    first, second, _client = two_processes
    start = await first.publish("S", {"type": "a"})
    mine = await first.to_user("S", "alice", {"type": "mine"})
    theirs = await first.to_user("S", "bob", {"type": "theirs"})
    last = await first.publish("S", {"type": "b"})
    assert await second.since("S", start["seq"], user_id="alice") == [mine, last]
    assert await second.since("S", start["seq"]) == [last]
    assert await second.since("S", mine["seq"], user_id="bob") == [theirs, last]
    assert await second.since("S", last["seq"], user_id="alice") == []
    # A gateway's own frame after the last event: nothing missed.
    assert await second.since("S", last["seq"] + SEQ_STEP - 1, user_id="alice") == []
    assert await second.since("S", last["seq"] + SEQ_STEP) is None  # another incarnation's


async def test_events_are_a_step_apart_and_a_number_between_them_resumes_after_it(
    two_processes: tuple[RedisFanout, RedisFanout, Redis],
) -> None:
    first, second, _client = two_processes
    sent = [await first.publish("S", {"type": "t", "n": n}) for n in range(4)]
    assert [b["seq"] - a["seq"] for a, b in itertools.pairwise(sent)] == [SEQ_STEP] * 3
    # A pong numbered after the second event was sent: resuming from it
    # replays the third and fourth.
    assert await second.since("S", sent[1]["seq"] + 3) == sent[2:]


async def test_since_is_none_once_the_history_no_longer_covers_the_gap(
    two_processes: tuple[RedisFanout, RedisFanout, Redis],
) -> None:
    first, _second, client = two_processes
    small = RedisFanout(client, prefix=first.prefix, history=5)
    sent = [await small.publish("S", {"type": "t", "n": n}) for n in range(12)]
    assert await cast(Awaitable[int], client.llen(small.keys("S")[1])) == 5
    assert await small.since("S", sent[6]["seq"]) == sent[7:]
    assert await small.since("S", sent[5]["seq"]) is None
    assert await small.since("S", sent[0]["seq"]) is None


async def test_seq_keeps_growing_after_redis_loses_the_session(
    two_processes: tuple[RedisFanout, RedisFanout, Redis],
) -> None:
    first, _second, client = two_processes
    before = await first.publish("S", {"type": "a"})
    await drop_prefix(client, first.prefix)
    after = await first.publish("S", {"type": "b"})
    assert after["seq"] > before["seq"]
    assert await first.since("S", before["seq"]) is None  # the gap cannot be replayed


async def test_event_payloads_round_trip_exactly(
    two_processes: tuple[RedisFanout, RedisFanout, Redis],
) -> None:
    first, second, _client = two_processes
    event: dict[str, Any] = {
        "type": "question.closed",
        "big": 2**53 - 1,
        "ratio": 0.1,
        "text": 'naïve "quotes" \\ 日本語 \u2028',
        "nested": {"list": [1, None, True, {"k": []}]},
        "empty": {},
    }
    async with second.subscribe() as subscription:
        sent = await first.publish("S", event)
        (got,) = await _take(subscription, 1)
    assert got.event == sent == {**event, "seq": sent["seq"]}
    assert await second.since("S", sent["seq"] - 1) == [sent]


async def test_a_subscription_replays_events_it_missed_from_the_history(
    two_processes: tuple[RedisFanout, RedisFanout, Redis],
) -> None:
    first, second, _client = two_processes
    seen = await first.publish("S", {"type": "seen"})
    missed = [await first.publish("S", {"type": "missed", "n": n}) for n in range(3)]
    # A subscription that last saw `seen` (say, before its connection dropped).
    async with second.subscribe(last_seen={"S": seen["seq"]}) as subscription:
        live = await first.publish("S", {"type": "live"})
        got = await _take(subscription, 4)
    assert [m.event for m in got] == [*missed, live]
    assert not any(m.gap for m in got)


async def test_a_subscription_flags_a_gap_it_cannot_replay(
    two_processes: tuple[RedisFanout, RedisFanout, Redis],
) -> None:
    first, _second, client = two_processes
    small = RedisFanout(client, prefix=first.prefix, history=2)
    seen = await small.publish("S", {"type": "seen"})
    for n in range(5):
        await small.publish("S", {"type": "missed", "n": n})
    async with small.subscribe(last_seen={"S": seen["seq"]}) as subscription:
        live = await small.publish("S", {"type": "live"})
        (got,) = await _take(subscription, 1)
    assert got.gap and got.event == live


async def test_listen_hands_every_event_to_the_handler_until_cancelled(
    two_processes: tuple[RedisFanout, RedisFanout, Redis],
) -> None:
    first, second, _client = two_processes
    received: list[FanoutMessage] = []
    arrived = asyncio.Event()

    async def handler(message: FanoutMessage) -> None:
        received.append(message)
        if len(received) == 3:
            arrived.set()

    listener = asyncio.create_task(second.listen(handler))
    try:
        # listen() subscribes in the background: publish until it is listening.
        async with asyncio.timeout(10):
            while not received:
                await first.publish("S", {"type": "probe"})
                await asyncio.sleep(0.05)
            await first.publish("S", {"type": "x"})
            await first.publish("S", {"type": "y"})
            await arrived.wait()
    finally:
        listener.cancel()
        with pytest.raises(asyncio.CancelledError):
            await listener
    seqs = [m.seq for m in received]
    assert seqs == sorted(set(seqs))


async def test_a_client_that_decodes_responses_works_the_same(redis_url: str) -> None:
    async with redis_prefix(redis_url) as (_client, prefix):
        decoded = Redis.from_url(redis_url, decode_responses=True)
        try:
            fanout = RedisFanout(decoded, prefix=prefix)
            async with fanout.subscribe() as subscription:
                sent = await fanout.to_user("S", "ü", {"type": "t"})
                (got,) = await _take(subscription, 1)
            assert got.event == sent and got.user_id == "ü"
            assert await fanout.since("S", sent["seq"] - 1, user_id="ü") == [sent]
        finally:
            await decoded.aclose()
