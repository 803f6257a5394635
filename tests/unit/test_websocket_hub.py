"""The live channel's hub: fan-out, drops, coalescing."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from adapters import websocket_hub
from adapters.memory import MemoryLeaderboard, MemorySessionStore
from adapters.websocket_hub import (
    JOIN_FANOUT,
    RESNAPSHOT,
    Connection,
    Suspended,
    WebSocketHub,
)
from quizcore.errors import StoreUnavailable
from quizcore.services import session_board


def hub(queue_size: int = 8) -> WebSocketHub:
    return WebSocketHub(
        leaderboard=MemoryLeaderboard(), sessions=MemorySessionStore(), queue_size=queue_size
    )


def frames(connection) -> list[dict]:  # type: ignore[no-untyped-def]
    out = []
    while not connection.queue.empty():
        frame = connection.queue.get_nowait()
        if frame == RESNAPSHOT:
            out.append({"type": "resnapshot", "seq": connection.resnapshot_at})
        else:
            out.append(orjson.loads(frame))
    return out


def joined(user: str, count: int) -> dict[str, object]:
    return {
        "type": "participant.joined",
        "user_id": user,
        "display_name": user,
        "participant_count": count,
    }


async def test_each_join_is_announced_in_a_small_room() -> None:
    live = hub()
    watcher = live.connect("ROOM22", "w")

    for number in range(3):
        await live.to_session("ROOM22", joined(f"u{number}", number + 1))

    assert [f["user_id"] for f in frames(watcher)] == ["u0", "u1", "u2"]


async def test_joins_in_a_crowded_room_are_coalesced_to_the_latest_per_tick() -> None:
    live = hub()
    sockets = [live.connect("ROOM22", f"w{n}") for n in range(JOIN_FANOUT + 1)]

    for number in range(50):
        await live.to_session("ROOM22", joined(f"u{number}", JOIN_FANOUT + number))
    assert frames(sockets[0]) == []
    await live.flush()

    (frame,) = frames(sockets[0])
    assert (frame["user_id"], frame["participant_count"]) == ("u49", JOIN_FANOUT + 49)
    assert all(len(frames(socket)) == 1 for socket in sockets[1:])


async def test_a_join_storm_in_a_crowded_room_is_announced_once_per_interval() -> None:
    clock = Clock()
    live = paced_hub([False], clock)
    sockets = [live.connect("ROOM22", f"w{n}") for n in range(JOIN_FANOUT + 1)]

    for tick in range(80):  # one second of ticks of 12.5 ms, two joins in each
        for number in (2 * tick, 2 * tick + 1):
            await live.to_session("ROOM22", joined(f"u{number}", JOIN_FANOUT + number))
        await live.flush()
        clock.now += 0.0125

    announced = [frame for frame in frames(sockets[0]) if frame["type"] == "participant.joined"]
    assert 5 <= len(announced) <= 6, "at most one per 200 ms interval"
    assert announced[-1]["participant_count"] <= JOIN_FANOUT + 159


async def test_a_client_too_slow_to_keep_up_gets_a_fresh_snapshot_not_a_backlog() -> None:
    live = hub(queue_size=4)
    slow = live.connect("ROOM22", "slow")

    for number in range(10):
        await live.to_user(
            "ROOM22", "slow", {"type": "answer.result", "submission_id": str(number)}
        )

    received = frames(slow)
    assert received[0]["type"] == "resnapshot"
    assert slow.dropped > 0
    assert len(received) <= 4
    # The snapshot is numbered when it is queued: above every frame dropped
    # for it, below every frame queued after it.
    seqs = [frame["seq"] for frame in received]
    assert seqs == sorted(set(seqs)) and seqs[0] > live.seq("ROOM22") - len(received)


async def test_seq_grows_strictly_for_every_receiver() -> None:
    live = hub()
    alice = live.connect("ROOM22", "alice")

    await live.to_session("ROOM22", joined("bob", 2))
    await live.to_user("ROOM22", "alice", {"type": "answer.result", "submission_id": "s1"})
    live.reply(alice, {"type": "pong"})
    await live.to_session("ROOM22", {"type": "session.finished", "entries": []})

    seqs = [frame["seq"] for frame in frames(alice)]
    assert seqs == sorted(set(seqs)) and len(seqs) == 4


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def paced_hub(busy: list[bool], clock: Clock) -> WebSocketHub:
    return WebSocketHub(
        leaderboard=MemoryLeaderboard(),
        sessions=MemorySessionStore(),
        interval_ms=200,
        busy=lambda: busy[0],
        monotonic=clock,
    )


def boards(connection) -> int:  # type: ignore[no-untyped-def]
    return sum(frame["type"] == "leaderboard.updated" for frame in frames(connection))


async def test_a_board_waits_for_a_burst_of_answers_to_pass() -> None:
    busy, clock = [True], Clock()
    live = paced_hub(busy, clock)
    watcher = live.connect("ROOM22", "w")

    await live.leaderboard_changed("ROOM22")
    await live.flush()
    clock.now += 0.05
    await live.flush()
    assert boards(watcher) == 0, "answers are still on their way"

    busy[0] = False
    await live.flush()
    assert boards(watcher) == 1, "the burst has passed: push it all at once"


async def test_a_board_changing_all_along_is_pushed_once_per_interval_all_the_same() -> None:
    busy, clock = [True], Clock()
    live = paced_hub(busy, clock)
    watcher = live.connect("ROOM22", "w")
    pushed = []

    for _tick in range(40):  # one second in ticks of 25 ms, a change in each
        await live.leaderboard_changed("ROOM22")
        await live.flush()
        pushed.append(boards(watcher))
        clock.now += 0.025

    assert sum(pushed) == 4, "at most one per interval, never starved by the burst"
    assert pushed.index(1) == 8, "the first one as soon as the board waited an interval"


async def test_a_quiet_board_waits_one_interval_after_its_last_push() -> None:
    busy, clock = [False], Clock()
    live = paced_hub(busy, clock)
    watcher = live.connect("ROOM22", "w")

    await live.leaderboard_changed("ROOM22")
    clock.now += 0.03
    await live.flush()
    assert boards(watcher) == 1
    await live.leaderboard_changed("ROOM22")
    clock.now += 0.1
    await live.flush()
    assert boards(watcher) == 0, "pushed 100 ms ago: at most one per interval"
    clock.now += 0.11
    await live.flush()
    assert boards(watcher) == 1


class Socket:
    """A socket whose sends wait while it is 'backed up', like a paused transport."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.drained = asyncio.Event()
        self.drained.set()

    async def send_text(self, frame: str) -> None:
        await self.drained.wait()
        self.sent.append(frame)


async def test_a_frame_goes_out_at_once_when_the_socket_takes_it() -> None:
    live, socket = hub(), Socket()
    connection = live.connect("ROOM22", "ana")
    connection.send_now = socket.send_text

    await live.to_user("ROOM22", "ana", {"type": "answer.result", "submission_id": "s1"})

    assert [orjson.loads(frame)["submission_id"] for frame in socket.sent] == ["s1"]
    assert connection.queue.empty()


async def backed_up(frames_sent: int, queue_size: int = 8) -> tuple[Socket, Connection]:
    """Push ``frames_sent`` results to a connection whose socket takes none yet."""
    live, socket = hub(queue_size), Socket()
    connection = live.connect("ROOM22", "ana")
    connection.send_now = socket.send_text
    socket.drained.clear()
    for number in range(frames_sent):
        await live.to_user(
            "ROOM22", "ana", {"type": "answer.result", "submission_id": f"s{number}"}
        )
    return socket, connection


async def test_frames_wait_in_order_behind_a_send_the_socket_could_not_take() -> None:
    socket, connection = await backed_up(3)
    first = connection.queue.get_nowait()
    assert isinstance(first, Suspended) and connection.queue.qsize() == 2
    finishing = asyncio.create_task(first.finish())
    await asyncio.sleep(0)
    assert socket.sent == [], "still backed up"

    socket.drained.set()
    await finishing
    rest = [connection.queue.get_nowait() for _ in range(2)]
    assert [orjson.loads(frame)["submission_id"] for frame in socket.sent] == ["s0"]
    assert [orjson.loads(str(frame))["submission_id"] for frame in rest] == ["s1", "s2"]


async def test_a_waiting_send_is_given_up_with_the_backlog_on_overflow() -> None:
    socket, connection = await backed_up(6, queue_size=3)

    assert frames(connection)[0]["type"] == "resnapshot"
    assert connection.dropped > 0
    assert not socket.drained._waiters, "no send left waiting"


async def test_cancelling_a_waiting_send_leaves_nothing_behind() -> None:
    socket, connection = await backed_up(1)
    suspended = connection.queue.get_nowait()
    assert isinstance(suspended, Suspended)

    finishing = asyncio.create_task(suspended.finish())
    await asyncio.sleep(0)
    finishing.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await finishing

    assert finishing.cancelled()
    assert socket.sent == []
    assert not socket.drained._waiters


async def test_a_waiting_send_is_given_up_when_its_connection_goes() -> None:
    socket, connection = await backed_up(2)  # a waiting send, a frame behind it

    hub().disconnect(connection)

    assert connection.queue.empty()
    assert not socket.drained._waiters, "the waiting send was closed, not left to the collector"


class SlowLeaderboard(MemoryLeaderboard):
    """A leaderboard whose reads wait, as a networked one (Redis) does."""

    async def standing(self, board: str, user_id: str):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.01)
        return await super().standing(board, user_id)

    async def standings(self, board: str, user_ids: list[str]):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.01)
        return await super().standings(board, user_ids)


async def test_an_event_fanned_out_after_a_board_never_comes_before_it() -> None:
    live = WebSocketHub(leaderboard=SlowLeaderboard(), sessions=MemorySessionStore())
    first, second = live.connect("ROOM22", "a"), live.connect("ROOM22", "b")

    board = {"type": "leaderboard.updated", "seq": 7, "version": 3, "entries": []}
    live.deliver("ROOM22", board, None)
    for _ in range(100):  # the board reaches a; b's standing is being read
        if first.queue.qsize() == 1:
            break
        await asyncio.sleep(0.001)
    live.deliver("ROOM22", {"type": "session.finished", "seq": 8, "entries": []}, None)
    await asyncio.sleep(0.05)

    assert [frame["seq"] for frame in frames(first)] == [7, 8]
    # The board had not reached b: the newer event takes b off it, at once.
    assert [frame["seq"] for frame in frames(second)] == [8]


async def test_a_newer_board_takes_over_the_receivers_an_older_one_had_not_reached() -> None:
    live = WebSocketHub(leaderboard=SlowLeaderboard(), sessions=MemorySessionStore())
    sockets = [live.connect("ROOM22", user) for user in ("a", "b", "c")]

    live.deliver("ROOM22", {"type": "leaderboard.updated", "seq": 7, "entries": []}, None)
    await asyncio.sleep(0.015)  # a has it; b's standing is being read
    live.deliver("ROOM22", {"type": "leaderboard.updated", "seq": 9, "entries": []}, None)
    await asyncio.sleep(0.1)

    assert [[frame["seq"] for frame in frames(socket)] for socket in sockets] == [
        [7, 9],
        [9],
        [9],
    ]


def board_hub(clock: Clock, top: int = 10) -> tuple[WebSocketHub, MemoryLeaderboard]:
    board = MemoryLeaderboard()
    live = WebSocketHub(
        leaderboard=board,
        sessions=MemorySessionStore(),
        interval_ms=200,
        top=top,
        queue_size=8,
        monotonic=clock,
    )
    return live, board


async def push(live: WebSocketHub, clock: Clock) -> None:
    await live.leaderboard_changed("ROOM22")
    clock.now += 1.0
    await live.flush()


async def test_a_participant_whose_view_did_not_change_gets_no_copy_of_the_board() -> None:
    clock = Clock()
    live, board = board_hub(clock, top=1)
    await board.submit("session:ROOM22", "ann", 100, 1)
    await board.submit("session:ROOM22", "bob", 50, 2)
    ann, bob, host = (live.connect("ROOM22", user) for user in ("ann", "bob", "host"))
    await push(live, clock)
    first = [frames(socket) for socket in (ann, bob, host)]

    await board.submit("session:ROOM22", "bob", 60, 3)  # below the top 1: ann's view stands
    await push(live, clock)

    assert all(len(got) == 1 for got in first)
    assert frames(ann) == []
    (to_bob,) = frames(bob)
    assert to_bob["me"] == {"rank": 2, "score": 60}
    (to_host,) = frames(host)
    assert to_host["me"] is None, "the host always gets the board: it counts answers"


async def test_a_reconnected_participant_gets_the_next_board_again() -> None:
    clock = Clock()
    live, board = board_hub(clock)
    await board.submit("session:ROOM22", "ann", 100, 1)
    first = live.connect("ROOM22", "ann")
    await push(live, clock)
    live.disconnect(first)

    again = live.connect("ROOM22", "ann")
    await push(live, clock)

    assert [frame["me"] for frame in frames(again)] == [{"rank": 1, "score": 100}]


async def test_a_large_rooms_board_lets_other_work_run_while_it_goes_out() -> None:
    clock = Clock()
    live, board = board_hub(clock)
    for number in range(2000):
        await board.submit("session:ROOM22", f"p{number}", number, number)
        live.connect("ROOM22", f"p{number}")
    await live.leaderboard_changed("ROOM22")
    clock.now += 1.0
    pushing = asyncio.create_task(live.flush())
    seen_mid_push: list[bool] = []

    async def answer_result() -> None:
        seen_mid_push.append(not pushing.done())

    await asyncio.gather(pushing, asyncio.create_task(answer_result()))

    assert seen_mid_push == [True]
    assert live.frames_sent == 2000


async def test_a_finished_sessions_room_goes_with_its_last_socket() -> None:
    live = hub()
    watcher = live.connect("ROOM22", "w")
    await live.to_session("ROOM22", {"type": "session.finished", "at": 1, "entries": []})
    last_seq = frames(watcher)[-1]["seq"]
    assert live.seq("ROOM22") == last_seq, "kept while a socket is still open"

    live.disconnect(watcher)
    await live.to_session("ENDED1", {"type": "session.finished", "at": 1, "entries": []})

    assert live.seq("ROOM22") == 0 and live.seq("ENDED1") == 0
    assert live.connection_count() == 0


async def scored(live: WebSocketHub, board: MemoryLeaderboard, user: str, score: int) -> None:
    """Score an answer as the notification service does: result, then the board."""
    await board.submit("session:ROOM22", user, score, score)
    await live.to_user(
        "ROOM22", user, {"type": "answer.result", "status": "scored", "submission_id": user}
    )
    await live.leaderboard_changed("ROOM22")


async def class_of_three(
    clock: Clock, *users: str
) -> tuple[WebSocketHub, MemoryLeaderboard, list[Connection]]:
    """Ann 100, Bob 50, Cat 40 on a top-1 board, ``users`` connected, one board seen."""
    live, board = board_hub(clock, top=1)
    for user, score in (("ann", 100), ("bob", 50), ("cat", 40)):
        await board.submit("session:ROOM22", user, score, score)
    sockets = [live.connect("ROOM22", user) for user in users]
    await push(live, clock)
    for socket in sockets:
        frames(socket)
    return live, board, sockets


async def test_in_a_large_room_who_just_scored_sees_it_on_the_board_within_an_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(websocket_hub, "FRAME_BUDGET", 2)  # 4 sockets: whole room every 2 s
    clock = Clock()
    live, board, (ann, bob, cat, host) = await class_of_three(clock, "ann", "bob", "cat", "host")

    await scored(live, board, "bob", 150)  # bob takes the top from ann
    clock.now += 0.25
    await live.flush()

    to_bob = [frame for frame in frames(bob) if frame["type"] == "leaderboard.updated"]
    assert [frame["me"] for frame in to_bob] == [{"rank": 1, "score": 150}]
    assert [frame["me"] for frame in frames(host)] == [None], "the host follows the count"
    assert frames(cat) == [] and frames(ann) == [], "the rest wait for the room's push"

    clock.now += 0.25
    await live.flush()
    assert frames(bob) == [], "one board per scoring, not one per tick"

    clock.now += 2.0
    await live.flush()
    assert [frame["me"] for frame in frames(ann)] == [{"rank": 2, "score": 100}]
    assert [frame["entries"][0]["user_id"] for frame in frames(cat)] == ["bob"]
    assert frames(bob) == [], "bob's view has not changed since his own board"


async def room_of_600(
    clock: Clock,
) -> tuple[WebSocketHub, MemoryLeaderboard, dict[str, Connection]]:
    """More players than a slice of a board (the push yields midway), p0 to p599."""
    live, board = board_hub(clock)
    sockets = {}
    for number in range(600):
        user = f"p{number}"
        await board.submit("session:ROOM22", user, number, number)
        sockets[user] = live.connect("ROOM22", user)
    return live, board, sockets


async def test_who_scores_while_a_board_goes_out_gets_the_next_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(websocket_hub, "FRAME_BUDGET", 1)
    clock = Clock()
    live, board, sockets = await room_of_600(clock)
    await push(live, clock)
    for socket in sockets.values():
        frames(socket)
    for number in range(300):
        await scored(live, board, f"p{number}", 1000 + number)
    clock.now += 0.25
    pushing = asyncio.create_task(live.flush())
    await asyncio.sleep(0)  # the push has yielded after its first slice
    await scored(live, board, "p599", 5000)
    await pushing
    assert not [f for f in frames(sockets["p599"]) if f["type"] == "leaderboard.updated"]

    clock.now += 0.25
    await live.flush()
    (latest,) = [f for f in frames(sockets["p599"]) if f["type"] == "leaderboard.updated"]
    assert latest["me"] == {"rank": 1, "score": 5000}


async def test_the_whole_room_gets_the_board_once_a_question_closes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(websocket_hub, "FRAME_BUDGET", 1)  # 3 sockets: whole room every 3 s
    clock = Clock()
    live, board, (ann, _bob, _cat) = await class_of_three(clock, "ann", "bob", "cat")
    await scored(live, board, "bob", 150)
    clock.now += 0.25
    await live.flush()
    assert frames(ann) == [], "not yet the room's turn"

    await live.to_session("ROOM22", {"type": "question.closed", "question_id": "q1"})
    clock.now += 0.1
    await live.flush()
    assert boards(ann) == 0, "bob's board went out 100 ms ago: one per interval"
    clock.now += 0.15
    await live.flush()

    boards_to_ann = [f for f in frames(ann) if f["type"] == "leaderboard.updated"]
    assert [f["me"] for f in boards_to_ann] == [{"rank": 2, "score": 100}]


async def test_who_scored_gets_the_board_while_the_rooms_push_waits_for_a_burst(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(websocket_hub, "FRAME_BUDGET", 1)  # 2 sockets: whole room every 2 s
    busy, clock, board = [False], Clock(), MemoryLeaderboard()
    live = WebSocketHub(
        leaderboard=board,
        sessions=MemorySessionStore(),
        interval_ms=200,
        busy=lambda: busy[0],
        monotonic=clock,
    )
    await board.submit("session:ROOM22", "ann", 100, 1)
    ann, bob = live.connect("ROOM22", "ann"), live.connect("ROOM22", "bob")
    await push(live, clock)
    frames(ann)
    frames(bob)

    busy[0] = True  # a burst: the room's push (due again by now) waits for it
    clock.now += 3.0
    await scored(live, board, "bob", 150)
    clock.now += 0.25
    await live.flush()

    assert frames(ann) == [], "the room's push waits for the burst to pass"
    to_bob = [f for f in frames(bob) if f["type"] == "leaderboard.updated"]
    assert [f["me"] for f in to_bob] == [{"rank": 1, "score": 150}]


async def test_a_result_sent_while_the_rooms_board_goes_out_is_not_held_back_by_it() -> None:
    clock = Clock()
    live, board, sockets = await room_of_600(clock)
    await live.leaderboard_changed("ROOM22")
    clock.now += 1.0
    pushing = asyncio.create_task(live.flush())
    await asyncio.sleep(0)  # the push has yielded after its first slice
    assert not pushing.done()

    # The board has reached p0, not p599: each gets the result at once.
    for user in ("p0", "p599"):
        await live.to_user(
            "ROOM22", user, {"type": "answer.result", "status": "scored", "submission_id": user}
        )
    live.reply(sockets["p598"], {"type": "pong"})
    assert [frame["type"] for frame in frames(sockets["p0"])] == [
        "leaderboard.updated",
        "answer.result",
    ]
    (result,) = frames(sockets["p599"])
    (pong,) = frames(sockets["p598"])
    await pushing

    # p599 and p598 were taken off that board (its seq is lower than what
    # they got since); all the others got it.
    assert frames(sockets["p599"]) == [] and frames(sockets["p598"]) == []
    assert all(len(frames(sockets[f"p{number}"])) == 1 for number in range(1, 598))
    # Both are owed a board: the next one that goes out reaches them.
    await board.submit("session:ROOM22", "p599", 5000, 5000)
    await live.leaderboard_changed("ROOM22")
    clock.now += 1.0
    await live.flush()
    (to_p599,) = frames(sockets["p599"])
    assert to_p599["seq"] > result["seq"] and to_p599["me"] == {"rank": 1, "score": 5000}
    (to_p598,) = frames(sockets["p598"])
    assert to_p598["seq"] > pong["seq"]


async def test_a_room_wide_event_reaches_a_large_room_in_slices_and_in_order() -> None:
    live, _board, sockets = await room_of_600(Clock())
    opened = {"type": "question.opened", "question_id": "q1"}

    await live.to_session("ROOM22", opened)
    assert 0 < sum(not socket.queue.empty() for socket in sockets.values()) < 600, (
        "the rest go out after a yield, so answers are not held behind them"
    )
    # Anything else for a socket it has not reached yet brings it along first.
    await live.to_user("ROOM22", "p599", {"type": "answer.result", "submission_id": "s"})
    live.reply(sockets["p598"], {"type": "pong"})
    # A second room-wide event follows the first, in the same slices.
    await live.to_session("ROOM22", {"type": "question.closed", "question_id": "q1"})
    for _ in range(20):
        await asyncio.sleep(0)

    assert [frame["type"] for frame in frames(sockets["p599"])] == [
        "question.opened",
        "answer.result",
        "question.closed",
    ]
    assert [frame["type"] for frame in frames(sockets["p598"])] == [
        "question.opened",
        "pong",
        "question.closed",
    ]
    for number in range(598):
        got = frames(sockets[f"p{number}"])
        assert [frame["type"] for frame in got] == ["question.opened", "question.closed"]
        assert got[0]["seq"] < got[1]["seq"]
    assert live.frames_sent == 2 * 600 + 1  # replies are not counted


class FailingLeaderboard(MemoryLeaderboard):
    """A leaderboard that cannot be read (Redis gone)."""

    async def standings(self, board: str, user_ids: list[str]):  # type: ignore[no-untyped-def]
        raise StoreUnavailable("leaderboard standings failed")


def fanned_hub(leaderboard: MemoryLeaderboard | None = None) -> WebSocketHub:
    """A cloud API process's hub: the fan-out numbers the events, 16 apart."""
    return WebSocketHub(
        leaderboard=leaderboard or SlowLeaderboard(),
        sessions=MemorySessionStore(),
        numbers_events=False,
        seq_step=16,
    )


async def test_a_fanned_out_board_reaches_every_receiver_before_the_next_event() -> None:
    leaderboard = SlowLeaderboard()
    await leaderboard.submit(session_board("ROOM22"), "a", 300, 1)
    live = fanned_hub(leaderboard)
    first, second = live.connect("ROOM22", "a"), live.connect("ROOM22", "b")

    board = {"type": "leaderboard.updated", "seq": 7, "version": 3, "entries": []}
    await live.receive("ROOM22", board, None)
    result = {"type": "answer.result", "seq": 8, "submission_id": "s", "status": "scored"}
    await live.receive("ROOM22", result, "b")

    mine = frames(first)
    assert [(f["type"], f["seq"]) for f in mine] == [("leaderboard.updated", 7)]
    assert mine[0]["me"] == {"rank": 1, "score": 300}
    sent = frames(second)
    assert [(f["type"], f["seq"]) for f in sent] == [
        ("leaderboard.updated", 7),
        ("answer.result", 8),
    ]
    assert sent[0]["me"] is None


async def test_a_hub_fed_by_the_fan_out_numbers_a_sockets_own_frames_between_events() -> None:
    live = fanned_hub()
    socket, other = live.connect("ROOM22", "a"), live.connect("ROOM22", "b")
    await live.receive(
        "ROOM22",
        {"type": "answer.result", "seq": 32, "submission_id": "s", "status": "scored"},
        "a",
    )
    await live.leaderboard_changed("ROOM22")

    for _ in range(3):
        live.reply(socket, {"type": "pong"})
    live.reply(other, {"type": "pong"})
    await live.flush()  # no board of its own: the boards are the fan-out's
    await live.receive("ROOM22", {"type": "question.closed", "seq": 48}, None)
    live.reply(socket, {"type": "pong"})

    # Between the event received (32) and the next (48), counted per socket.
    assert [(f["type"], f["seq"]) for f in frames(socket)] == [
        ("answer.result", 32),
        ("pong", 33),
        ("pong", 34),
        ("pong", 35),
        ("question.closed", 48),
        ("pong", 49),
    ]
    assert [(f["type"], f["seq"]) for f in frames(other)] == [
        ("pong", 33),
        ("question.closed", 48),
    ]
    assert live.seq("ROOM22") == 48
    # A socket that last saw its own number resumes with nothing missed.
    assert live.replay("ROOM22", 49, "a") == []
    assert [orjson.loads(frame)["seq"] for frame in live.replay("ROOM22", 35, "a") or []] == [48]


async def test_a_socket_pinging_in_a_loop_never_numbers_past_the_next_event() -> None:
    live = fanned_hub()
    socket = live.connect("ROOM22", "a")
    await live.receive("ROOM22", {"type": "question.closed", "seq": 32}, None)

    for _ in range(20):
        live.reply(socket, {"type": "pong"})
    await live.receive("ROOM22", {"type": "question.closed", "seq": 48}, None)

    seqs = [f["seq"] for f in frames(socket)]
    assert seqs[:16] == list(range(32, 48))
    assert set(seqs[16:-1]) == {47}  # the same again, rather than the next event's
    assert seqs[-1] == 48


async def test_a_pong_sent_while_a_board_goes_out_numbers_below_the_board() -> None:
    leaderboard = SlowLeaderboard()
    live = fanned_hub(leaderboard)
    socket = live.connect("ROOM22", "a")
    await live.receive("ROOM22", {"type": "question.closed", "seq": 32}, None)

    board = {"type": "leaderboard.updated", "seq": 48, "version": 3, "entries": []}
    going = asyncio.create_task(live.receive("ROOM22", board, None))
    await asyncio.sleep(0)  # the board's standings are being read
    live.reply(socket, {"type": "pong"})
    await going

    assert [(f["type"], f["seq"]) for f in frames(socket)] == [
        ("question.closed", 32),
        ("pong", 33),
        ("leaderboard.updated", 48),
    ]


async def test_a_fanned_out_board_that_cannot_be_read_lets_the_next_event_through() -> None:
    live = fanned_hub(FailingLeaderboard())
    socket = live.connect("ROOM22", "a")

    board = {"type": "leaderboard.updated", "seq": 7, "version": 3, "entries": []}
    await live.receive("ROOM22", board, None)
    await live.receive("ROOM22", {"type": "question.closed", "seq": 8}, None)

    assert [f["seq"] for f in frames(socket)] == [8]


async def test_a_gap_in_the_fan_out_sends_every_socket_a_snapshot_numbered_in_turn() -> None:
    live = fanned_hub()
    first, second = live.connect("ROOM22", "a"), live.connect("ROOM22", "b")
    await live.receive("ROOM22", {"type": "question.opened", "seq": 32}, None)

    live.resync("ROOM22")
    await live.receive("ROOM22", {"type": "question.closed", "seq": 48}, None)

    for socket in (first, second):
        assert [(f["type"], f["seq"]) for f in frames(socket)] == [
            ("question.opened", 32),
            ("resnapshot", 33),
            ("question.closed", 48),
        ]


def reached(sockets: dict[str, Connection]) -> int:
    return sum(not socket.queue.empty() for socket in sockets.values())


async def test_a_room_wide_slice_ends_once_its_time_is_up_short_of_its_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every slice over its time at once: the fan-out yields every 16 sockets.
    monkeypatch.setattr(websocket_hub, "SLICE_SECONDS", 0.0)
    live, _board, sockets = await room_of_600(Clock())

    await live.to_session("ROOM22", {"type": "question.opened", "question_id": "q1"})
    first = reached(sockets)
    await asyncio.sleep(0)  # the fan-out's first turn
    second = reached(sockets)
    for _ in range(100):
        await asyncio.sleep(0)

    assert first == websocket_hub.SPLICE_SLICE, "the sender's own turn sends one slice"
    assert 0 < second - first < 16, "a slice cut short by its time, not its count"
    assert reached(sockets) == 600


async def test_a_boards_slice_ends_once_its_time_is_up_short_of_its_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(websocket_hub, "SLICE_SECONDS", 0.0)
    clock = Clock()
    live, _board, sockets = await room_of_600(clock)
    await live.leaderboard_changed("ROOM22")
    clock.now += 1.0
    pushing = asyncio.create_task(live.flush())
    await asyncio.sleep(0)  # the push's first turn

    assert 0 < reached(sockets) < 16
    await pushing
    assert reached(sockets) == 600


class Millis:
    """A wall clock that moves 1 ms every time it is read."""

    def __init__(self) -> None:
        self.now = 1_000_000

    def __call__(self) -> int:
        self.now += 1
        return self.now


async def test_each_player_is_timed_from_when_question_opened_was_handed_to_their_socket() -> None:
    live, _board, sockets = await room_of_600(Clock())
    millis = live.now_ms = Millis()
    start = millis.now

    await live.to_session("ROOM22", {"type": "question.opened", "question_id": "q1"})
    early = {user for user in sockets if live.first_sight("ROOM22", user, "q1") is not None}
    reached_early = millis.now
    assert 0 < len(early) < 600, "the rest go out after a yield"
    for _ in range(20):
        await asyncio.sleep(0)

    seen = {user: live.first_sight("ROOM22", user, "q1") for user in sockets}
    assert all(seen[user] is not None and start < seen[user] <= reached_early for user in early)  # type: ignore[operator]
    late = set(sockets) - early
    assert all(seen[user] is not None and reached_early < seen[user] < millis.now for user in late)  # type: ignore[operator]
    live.sight("ROOM22", "newcomer", "q1")
    assert live.first_sight("ROOM22", "newcomer", "q1") == max(seen.values()) + 1  # type: ignore[type-var]
    assert live.first_sight("ROOM22", "p0", "q2") is None, "a sighting is of one question"
    assert live.first_sight("ROOM22", "nobody", "q1") is None


async def test_a_later_sight_keeps_the_first_and_never_passes_the_fan_outs_end() -> None:
    live = hub()
    millis = live.now_ms = Millis()
    socket = live.connect("ROOM22", "ann")
    await live.to_session("ROOM22", {"type": "question.opened", "question_id": "q1"})
    shown = live.first_sight("ROOM22", "ann", "q1")
    reached = millis.now  # the room's fan-out ended with ann's socket

    # Reconnecting (a snapshot) or reading the session shows it again, later;
    # bob connects or reads only now: he gains no more than the fan-out took.
    live.disconnect(socket)
    live.connect("ROOM22", "ann")
    live.sight_open("ROOM22", "ann")
    live.sight("ROOM22", "bob", "q1")

    assert shown is not None and shown <= reached < millis.now
    assert live.first_sight("ROOM22", "ann", "q1") == shown
    assert live.first_sight("ROOM22", "bob", "q1") == reached


async def test_a_read_before_question_opened_reaches_the_hub_counts_from_the_read() -> None:
    live = hub()
    millis = live.now_ms = Millis()
    live.connect("ROOM22", "ann")
    live.sight("ROOM22", "ann", "q1")  # the state is open; the event is on its way
    read = millis.now

    await live.to_session("ROOM22", {"type": "question.opened", "question_id": "q1"})

    assert live.first_sight("ROOM22", "ann", "q1") == read < millis.now


async def test_nothing_is_sighted_once_the_question_closed_or_before_it_opened() -> None:
    live = hub()
    live.now_ms = Millis()
    live.sight_open("ROOM22", "ann")  # no room, no open question
    live.connect("ROOM22", "ann")
    live.sight_open("ROOM22", "ann")
    await live.to_session("ROOM22", {"type": "question.opened", "question_id": "q1"})
    await live.to_session("ROOM22", {"type": "question.closed", "question_id": "q1"})

    live.sight_open("ROOM22", "bob")

    assert live.first_sight("ROOM22", "ann", "q1") is not None
    assert live.first_sight("ROOM22", "bob", "q1") is None


async def test_a_hub_fed_by_the_fan_out_times_players_from_its_own_sockets() -> None:
    live = fanned_hub()
    millis = live.now_ms = Millis()
    live.connect("ROOM22", "ann")

    live.deliver("ROOM22", {"type": "question.opened", "question_id": "q1", "seq": 16}, None)

    assert live.first_sight("ROOM22", "ann", "q1") == millis.now - 1  # pushed, then reached
    assert live.first_sight("ROOM22", "bob", "q1") is None, "bob's socket is on another process"


async def test_a_rooms_reach_is_what_its_last_opening_took_for_as_many_sockets() -> None:
    live, _board, sockets = await room_of_600(Clock())
    assert live.reach_ms("ROOM22") == round(600 * websocket_hub.DEFAULT_REACH_US / 1000)
    assert live.reach_ms("EMPTY1") == 0, "no room here, nothing to reach"
    millis = live.now_ms = Millis()
    # The event took 40 ms to get here (the transition's time): that delays
    # every player alike, and the reach counts from here.
    opened = millis.now + 1

    await live.to_session(
        "ROOM22", {"type": "question.opened", "question_id": "q1", "opens_at": opened - 40}
    )
    for _ in range(20):
        await asyncio.sleep(0)
    took = max(seen for user in sockets if (seen := live.first_sight("ROOM22", user, "q1")))
    took -= opened

    # The last socket was reached at the fan-out's end, and reading the
    # clock once more noted it: the reach is that, from the hub's receipt.
    assert live.reach_ms("ROOM22") == took + 1
    # Learned for the next large room's first question, per socket.
    assert live.reach_per_socket_us == (took + 1) * 1000 / 600
    for number in range(600, 900):
        live.connect("ROOM22", f"p{number}")
    assert live.reach_ms("ROOM22") == round((took + 1) * 900 / 600), "more sockets, longer"
    for user in list(sockets)[:300]:
        live.disconnect(sockets[user])
    assert live.reach_ms("ROOM22") == took + 1, "never less than the room took"


async def test_a_rooms_reach_is_the_longest_of_its_last_openings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    live = hub()
    clock = live.now_ms = Millis()
    live.connect("ROOM22", "ann")
    push = websocket_hub._Room.pushed
    slow_by = 0

    def late(room: Any, connection: Any, frame: str, now_ms: Any) -> None:
        # The socket is handed the frame ``slow_by`` ms after the hub had it.
        clock.now += slow_by
        push(room, connection, frame, now_ms)

    monkeypatch.setattr(websocket_hub._Room, "pushed", late)
    for question, slow_by in (("q1", 400), ("q2", 100), ("q3", 100)):  # noqa: B007
        await live.to_session("ROOM22", {"type": "question.opened", "question_id": question})
    slowest = live.reach_ms("ROOM22")
    # q1 is one opening too old once q4 opened.
    await live.to_session("ROOM22", {"type": "question.opened", "question_id": "q4"})

    assert 400 < slowest < 410, "a quicker opening since does not forget a slow one"
    assert 100 < live.reach_ms("ROOM22") < 110


async def test_a_small_rooms_opening_teaches_no_cost_per_socket() -> None:
    live = hub()
    millis = live.now_ms = Millis()
    live.connect("ROOM22", "ann")
    opened = millis.now + 1
    await live.to_session(
        "ROOM22", {"type": "question.opened", "question_id": "q1", "opens_at": opened - 30}
    )

    # Its own reach: the receipt, the socket and the end, a clock's read each.
    assert live.reach_ms("ROOM22") == millis.now - opened == 2
    assert live.reach_per_socket_us == websocket_hub.DEFAULT_REACH_US


def grace_hub(clock: Callable[[], float], grace: float, on_lapse: Any = None) -> WebSocketHub:
    return WebSocketHub(
        leaderboard=MemoryLeaderboard(),
        sessions=MemorySessionStore(),
        monotonic=clock,
        presence_grace=grace,
        on_lapse=on_lapse,
    )


async def test_a_player_whose_screen_dropped_counts_as_connected_for_a_while() -> None:
    clock = Clock()
    live = grace_hub(clock, grace=10.0)
    live.connect("ROOM22", "ann")
    bob = live.connect("ROOM22", "bob")
    live.disconnect(bob)

    clock.now += 9.0
    assert live.connected("ROOM22") == {"ann", "bob"}
    assert live.connected_count("ROOM22") == 2

    clock.now += 2.0
    assert live.connected("ROOM22") == {"ann"}, "gone longer than the grace"
    assert live.connected_count("ROOM22") == 1


async def test_a_player_not_back_within_the_grace_is_reported_once() -> None:
    lapsed: list[str] = []
    live = grace_hub(time.perf_counter, grace=0.05, on_lapse=lapsed.append)
    back = live.connect("ROOM22", "back")
    gone = live.connect("ROOM22", "gone")
    live.disconnect(back)
    live.disconnect(gone)
    live.connect("ROOM22", "back")  # reloaded in time

    await asyncio.sleep(0.15)

    assert lapsed == ["ROOM22"], "the one who stayed gone, once"
    assert live.connected("ROOM22") == {"back"}


async def test_a_removed_players_closed_screen_is_not_waited_for() -> None:
    clock = Clock()
    live = grace_hub(clock, grace=10.0)
    live.connect("ROOM22", "ann")
    bob = live.connect("ROOM22", "bob")
    await live.to_session(
        "ROOM22",
        {"type": "participant.removed", "user_id": "bob", "display_name": "Bob"},
    )
    told = [f["type"] for f in frames(bob)]
    live.disconnect(bob)  # the server closes the removed player's socket

    assert told == ["participant.removed"], "told first"
    assert live.connected("ROOM22") == {"ann"}, "not counted through the grace"
    assert live.present_count("ROOM22") == 1


async def test_without_a_grace_a_closed_screen_is_gone_at_once() -> None:
    live = grace_hub(Clock(), grace=0.0)
    ann = live.connect("ROOM22", "ann")
    live.disconnect(ann)

    assert live.connected("ROOM22") == set()
    assert live.connected_count("ROOM22") == 0


def present_counts(connection) -> list[int]:  # type: ignore[no-untyped-def]
    return [f["present_count"] for f in frames(connection) if f["type"] == "leaderboard.updated"]


async def test_the_hosts_boards_count_the_players_here_and_drop_one_gone_for_good() -> None:
    live = grace_hub(time.perf_counter, grace=0.05)
    for user in ("ann", "bob"):
        await live.leaderboard.submit(session_board("ROOM22"), user, 0, 0)
    host = live.connect("ROOM22", "teacher", spectator=True)
    live.connect("ROOM22", "ann")
    bob = live.connect("ROOM22", "bob")
    await live.leaderboard_changed("ROOM22")
    await asyncio.sleep(0.03)  # past the settling of a burst
    await live.flush()
    assert present_counts(host) == [2], "the host is not a player"
    assert live.present_count("ROOM22") == 2

    live.disconnect(bob)
    await live.flush()
    assert present_counts(host) == [], "within the grace bob still counts, and nothing changed"

    await asyncio.sleep(0.3)  # bob's grace runs out; a board says so without a score changing
    await live.flush()
    assert present_counts(host) == [1]


async def test_a_player_whose_socket_opens_after_the_join_is_counted_on_the_hosts_board() -> None:
    live = grace_hub(time.perf_counter, grace=10.0)
    await live.leaderboard.submit(session_board("ROOM22"), "ann", 0, 0)
    host = live.connect("ROOM22", "teacher", spectator=True)
    live.connect("ROOM22", "ann")
    await asyncio.sleep(0.03)
    await live.flush()
    assert present_counts(host) == [1]

    # Bob's join was announced (and its board sent) before his socket opened.
    live.connect("ROOM22", "bob")
    await asyncio.sleep(0.25)  # one interval, past the settling
    await live.flush()

    assert present_counts(host) == [2]


async def test_a_removed_players_answers_leave_the_live_counts_and_a_recheck_follows() -> None:
    rechecked: list[str] = []
    live = grace_hub(time.perf_counter, grace=10.0, on_lapse=rechecked.append)
    for user in ("ann", "bob"):
        live.connect("ROOM22", user)
        await live.to_user(
            "ROOM22",
            user,
            {
                "type": "answer.result",
                "status": "scored",
                "question_id": "q1",
                "submission_id": "s",
            },
        )
    assert live.answer_counts("ROOM22") == {"q1": 2}

    await live.to_session(
        "ROOM22", {"type": "participant.removed", "user_id": "bob", "display_name": "Bob"}
    )

    assert live.answer_counts("ROOM22") == {"q1": 1}
    assert live.connected("ROOM22") == {"ann"}, "bob's socket is still closing"
    assert live.connected_count("ROOM22") == 1
    assert rechecked == ["ROOM22"]


async def test_boards_say_nothing_of_presence_where_the_hub_sees_only_its_own_sockets() -> None:
    clock = Clock()
    live = grace_hub(clock, grace=0.0)  # as an API process of the cloud profile
    host = live.connect("ROOM22", "teacher", spectator=True)
    await live.leaderboard_changed("ROOM22")
    clock.now += 0.03
    await live.flush()

    (board,) = frames(host)
    assert "present_count" not in board


async def test_a_fanned_hub_carries_the_players_here_on_every_process_on_its_boards() -> None:
    leaderboard = MemoryLeaderboard()
    for player in ("ann", "bob"):  # on the board from their join, as the host is not
        await leaderboard.submit(session_board("ROOM22"), player, 0, 0)
    live = fanned_hub(leaderboard)
    host = live.connect("ROOM22", "host", spectator=True)
    ann = live.connect("ROOM22", "ann")
    live.connect("ROOM22", "bob")
    board = {"type": "leaderboard.updated", "seq": 16, "version": 1, "entries": []}

    await live.receive("ROOM22", board, None)
    unknown = live.present_count("ROOM22")
    live.share_present("ROOM22", {"ann", "bob", "cat", "dan", "eve"})  # three on another process
    await live.receive("ROOM22", {**board, "seq": 32}, None)

    assert unknown is None, "no count is made up before the leases tell it"
    assert live.present_players() == {"ROOM22": {"ann", "bob"}}, "the host is not a player"
    assert live.spectators_here("ROOM22") == {"host"}
    assert [f.get("present_count") for f in frames(host)] == [None, 5]
    # A player whose own view did not change gets no copy: the count is the host's.
    assert [f.get("present_count") for f in frames(ann)] == [None]
    assert live.present_count("ROOM22") == 5


async def test_a_board_for_one_user_reaches_only_them() -> None:
    live = fanned_hub(MemoryLeaderboard())
    host = live.connect("ROOM22", "host", spectator=True)
    ann = live.connect("ROOM22", "ann")
    board = {"type": "leaderboard.updated", "seq": 16, "version": 1, "entries": []}

    await live.receive("ROOM22", board, "host")

    assert [f["type"] for f in frames(host)] == ["leaderboard.updated"]
    assert frames(ann) == []


async def test_removed_players_are_not_leased() -> None:
    live = fanned_hub(MemoryLeaderboard())
    live.connect("ROOM22", "ann")
    live.connect("ROOM22", "bob")
    removed = {
        "type": "participant.removed",
        "seq": 16,
        "user_id": "bob",
        "display_name": "bob",
        "participant_count": 1,
    }

    await live.receive("ROOM22", removed, None)

    assert live.present_players() == {"ROOM22": {"ann"}}
    assert live.removed_players("ROOM22") == {"bob"}


async def test_a_player_who_answered_and_left_still_counts_in_the_hosts_n_of_m() -> None:
    clock = Clock()
    live = grace_hub(clock, grace=10.0)
    for user in ("ann", "bob", "wanda"):
        live.connect("ROOM22", user)
    await live.to_session("ROOM22", {"type": "question.opened", "question_id": "q1"})
    for user in ("ann", "bob"):
        result = {"type": "answer.result", "question_id": "q1", "submission_id": f"{user}-1"}
        await live.to_user("ROOM22", user, result)
        for connection in list(live._rooms["ROOM22"].by_user[user]):
            live.disconnect(connection)  # they put their phones away
    clock.now += 11.0  # past the grace

    assert live.connected("ROOM22") == {"wanda"}, "the question waits for wanda alone"
    assert live.present_count("ROOM22") == 3, "2 of 3 answered, not 2 of 2"

    await live.to_session("ROOM22", {"type": "question.opened", "question_id": "q2"})
    assert live.present_count("ROOM22") == 1, "the next question is wanda's alone"


async def test_a_fanned_hub_counts_who_answered_beside_the_leased_players() -> None:
    live = fanned_hub(MemoryLeaderboard())
    live.connect("ROOM22", "host", spectator=True)
    await live.receive("ROOM22", {"type": "question.opened", "seq": 16, "question_id": "q1"}, None)
    result = {"type": "answer.result", "seq": 32, "question_id": "q1", "submission_id": "a-1"}
    await live.receive("ROOM22", result, "ann")  # ann's socket is on another process

    live.share_present("ROOM22", {"wanda"})  # ann's lease ran out; wanda is here

    assert live.present_count("ROOM22") == 2
