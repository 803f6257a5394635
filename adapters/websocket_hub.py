"""The in-process live channel: per-session fan-out to WebSocket connections.

Frames are serialised once per event and shared by every receiver. Each
connection has a bounded queue: a client too slow to keep up has its queue
dropped and receives a fresh snapshot instead, so it never slows the others
and the server never buffers without bound. ``leaderboard.updated`` is
coalesced: at most one frame per session per interval, built once, with
each receiver's own rank spliced in. Boards and room-wide events reach a
large room in slices, and never hold a newer frame back: each socket still
sees the room's seqs in order (``_overtake``, ``_catch_up``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import orjson

from quizcore.ports import Leaderboard, SessionStore
from quizcore.scoring import Standing
from quizcore.services import session_board
from quizcore.timefmt import present

log = logging.getLogger(__name__)

RESNAPSHOT = "\x00resnapshot"

# Above this many sockets in a room, joins are announced at most once per
# interval (the latest joiner with the current count): announcing each of N
# joins to N sockets would cost N^2 frames in a classroom of thousands.
JOIN_FANOUT = 200

# The ticker wakes this many times per leaderboard interval. A board pushes
# at most once per interval, as soon as its scores have stopped changing for
# one tick and the pipeline is idle (the end of a question's burst of
# answers) or once it has waited a whole interval, so a frame does not go out
# when only the burst's first few answers are in, leaving the rest to wait an
# interval for the next one.
TICKS = 16

# Leaderboard frames one process may send per second to a whole room. A room
# of N sockets is pushed in full at most every max(interval, N / FRAME_BUDGET)
# seconds (and whenever a question closes), so a thousand players get the
# whole board every second and ten thousand at each close, and the answers
# they send are not starved by frames about them (each frame is a send to
# the kernel, the largest single cost of the live channel in py-spy; at
# 2,500, 10,000 players answering over 5 s got 2 to 2.6 boards per answer).
# Between full pushes, the players who just scored (and the spectators, who
# follow the answer count) get the board every interval: a player sees their
# own new score on the board within an interval whatever the room's size, and
# the cost of those frames grows with the answers, not with the room.
FRAME_BUDGET = 1_000

# A board is spliced for this many receivers between yields to the event
# loop, so answers and their results interleave with a large room's push
# instead of waiting behind ten thousand frames.
SPLICE_SLICE = 256
# ... and for no longer than this: an answer passes through the loop several
# times on its way to its result (read, record, score, push), and waits for
# a slice each time.
SLICE_SECONDS = 0.002

# How long a question takes to reach a room, per socket, until this process
# measured it: bench/live.py's ``opened_spread_ms`` is 120 us a socket at
# 1,000 players and 34-230 us at 10,000, the most where every player answers
# at once and the answers compete with the fan-out; this errs long, giving
# the first players reached a little more time rather than the last less.
# Learned from rooms of at least ``REACH_LEARN_SOCKETS``, where the cost per
# socket, not the pipeline's fixed delay, is what the spread measures.
DEFAULT_REACH_US = 250.0
REACH_LEARN_SOCKETS = 500
# How many of a room's last openings its next question's reach is taken from.
REACH_KEPT = 3


class _Slices:
    """When a push to many receivers should yield to the loop.

    After ``SPLICE_SLICE`` receivers or ``SLICE_SECONDS``, whichever comes
    first (the clock is read every 16 receivers). Bounding a slice by time
    took p99 answer -> result at 10,000 players answering at once from
    458-488 ms to 189-221 ms: each answer passes through the loop several
    times, and used to wait for a 256-socket slice (6 ms and more) each time.
    The clock runs from the last yield, time spent behind other work
    included: while answers keep the loop busy the push backs off to 16
    receivers a turn. Counting only the push's own time instead (each slice
    2 ms of sends) doubled p50 answer -> result at 1,000 at once (36 -> 69
    ms) and narrowed ``question.opened``'s spread over 10,000 receivers
    answering at once only from 1.74 to 1.61 s (1.43 s with 256-socket
    slices), so answers go first.
    """

    __slots__ = ("began",)

    def __init__(self) -> None:
        self.began = time.perf_counter()

    def due(self, number: int) -> bool:
        """Return whether to yield before the ``number``-th receiver (from 1)."""
        if number % 16 or (
            number % SPLICE_SLICE and time.perf_counter() - self.began <= SLICE_SECONDS
        ):
            return False
        self.began = time.perf_counter()
        return True


class Suspended:
    """A send that started in the pusher's turn and had to wait for the socket.

    ``waiting_on`` is what the send's coroutine yielded (the future of its
    socket draining). The connection's sender finishes it, in order, before
    any frame queued after it.
    """

    __slots__ = ("coro", "waiting_on")

    def __init__(self, coro: Coroutine[Any, Any, None], waiting_on: Any) -> None:
        self.coro = coro
        self.waiting_on = waiting_on

    async def finish(self) -> None:
        """Drive the send to its end (as a task would have)."""
        waiting_on = self.waiting_on
        while True:
            try:
                if waiting_on is None:  # a bare yield: give the loop one turn
                    await asyncio.sleep(0)
                    result = None
                else:
                    # The send yielded the future it waits on, as it would to
                    # its task; take it as a task does (clear the flag that
                    # says "a task must wait on me"), then wait on it here.
                    waiting_on._asyncio_future_blocking = False
                    result = await waiting_on
            except BaseException as ex:  # cancelled or failed: tell the send
                try:
                    waiting_on = self.coro.throw(ex)
                except StopIteration:
                    return
                continue
            try:
                waiting_on = self.coro.send(result)
            except StopIteration:
                return

    def abandon(self) -> None:
        """Give the send up (its frame was dropped for a snapshot)."""
        self.coro.close()


@dataclass(eq=False)
class Connection:
    """One client's WebSocket, as the hub sees it.

    ``send_now``, once the socket is ready, starts sending one frame: a
    coroutine that completes without waiting unless the socket is backed up.
    A frame pushed while nothing waits before it is sent right away, in the
    pusher's turn, with no task switch (py-spy: waking a sender task per
    frame cost about as much as the send itself). Anything else waits in
    the bounded queue for the connection's sender task, in order.
    """

    session_id: str
    user_id: str
    queue: asyncio.Queue[str | Suspended]
    dropped: int = 0
    closed: bool = False
    send_now: Callable[[str], Coroutine[Any, Any, None]] | None = None
    # The sender task has frames in hand: new ones queue behind them.
    sending: bool = False
    # The last seq of a frame to this socket alone, in a hub fed by the fan-out.
    own_seq: int = 0
    # The session's seq when the socket joined: its snapshot's. Anything
    # pushed to it while the snapshot is read comes after, numbered above.
    opened_at: int = 0
    # The seq of the fresh snapshot queued (``RESNAPSHOT``), numbered when it
    # was queued, so that it falls between the frames around it; and where
    # that number comes from (the hub, for this socket).
    resnapshot_at: int = 0
    numbering: Callable[[Connection], int] | None = None

    def push(self, frame: str) -> None:
        """Send or queue a frame; on overflow drop the backlog and ask for a snapshot."""
        if self.closed:
            return
        if self.send_now is not None and not self.sending and self.queue.empty():
            self._send_now(self.send_now, frame)
            return
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.dropped += self.drop_backlog()
            self._queue_snapshot()

    def ask_snapshot(self) -> None:
        """Queue a fresh snapshot after what is queued (events were missed)."""
        if self.closed:
            return
        if self.queue.full():
            self.dropped += self.drop_backlog()
        self._queue_snapshot()

    def _queue_snapshot(self) -> None:
        self.resnapshot_at = self.numbering(self) if self.numbering is not None else 0
        self.queue.put_nowait(RESNAPSHOT)

    def drop_backlog(self) -> int:
        """Empty the queue, giving up a send still waiting; return how many items went."""
        count = self.queue.qsize()
        while not self.queue.empty():
            item = self.queue.get_nowait()
            if isinstance(item, Suspended):
                item.abandon()
        return count

    def _send_now(self, send: Callable[[str], Coroutine[Any, Any, None]], frame: str) -> None:
        coro = send(frame)
        try:
            waiting_on = coro.send(None)
        except StopIteration:
            return
        except Exception:
            # The socket is gone; its receive loop ends the connection.
            self.closed = True
            return
        self.queue.put_nowait(Suspended(coro, waiting_on))


@dataclass(eq=False)
class _Splice:
    """One board on its way to a room's receivers, in slices.

    ``pending`` holds the users it has not reached yet, in order. A newer
    event for one of them takes them off it (see ``WebSocketHub._overtake``):
    a receiver never gets a frame with a lower seq after a higher one.
    """

    shared: dict[str, Any]
    head: str
    top: str
    pending: dict[str, None]


@dataclass(eq=False)
class _Fanout:
    """Room-wide events on their way to every socket of a large room, in slices.

    ``pending`` maps each socket not reached yet to the first of ``frames``
    it still lacks. Anything else sent to one of them first sends it those
    (``WebSocketHub._catch_up``), so every socket sees the room's seqs in
    order. A room-wide event sent meanwhile joins ``frames``, for everyone.
    """

    frames: list[str]
    pending: dict[Connection, int]


@dataclass
class _Room:
    connections: set[Connection] = field(default_factory=set)
    by_user: dict[str, set[Connection]] = field(default_factory=dict)
    seq: int = 0
    replay: deque[tuple[int, str | None, str]] = field(default_factory=deque)
    dirty: bool = False
    # When the board first changed since the last push, and when it last did.
    dirty_since: float = 0.0
    changed_at: float = 0.0
    names: dict[str, str] = field(default_factory=dict)
    # Answers scored per question, counted once per submission: the host's
    # live answer count rides on the coalesced leaderboard frames.
    answer_counts: dict[str, int] = field(default_factory=dict)
    # (user, submission) -> question id, for each answer counted.
    counted: dict[tuple[str, str], str] = field(default_factory=dict)
    # The latest join not yet announced, in a crowded room (see JOIN_FANOUT).
    pending_join: dict[str, Any] | None = None
    next_join: float = 0.0
    next_push: float = 0.0
    # The board going out now, to those it has not reached yet, and the
    # event going out to every socket of a large room.
    splice: _Splice | None = None
    fanout: _Fanout | None = None
    # What each participant last saw: the top entries and their own standing.
    # A receiver whose view has not changed is not sent the same board again.
    seen: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    # Participants who scored since their last board, and since when some
    # have been waiting; when the next board (to anyone) may go out; the
    # users with no standing (the host), who follow the answer count.
    fresh: set[str] = field(default_factory=set)
    fresh_since: float = 0.0
    next_board: float = 0.0
    spectators: set[str] = field(default_factory=set)
    # The session finished: the room goes once its last socket does, so a
    # school that plays every day does not keep every session's frames.
    finished: bool = False
    # The open question's ``question.opened`` frame and its question id;
    # when it had reached every socket the room had when it opened (question
    # id, epoch ms); and when each participant was first shown a question
    # (question id, epoch ms): a live answer is timed from then, at the
    # latest from the first of these (``WebSocketHub.first_sight``).
    opening: tuple[str, str] | None = None
    reached: tuple[str, int] | None = None
    # When the open question's frame reached this hub (epoch ms) and how
    # many sockets it went to; how long the last ``REACH_KEPT`` openings
    # took to reach them all (ms) and how many they were: the next
    # question's deadline makes up for the longest.
    opened_at: int = 0
    opened_sockets: int = 0
    reaches: deque[tuple[int, int]] = field(default_factory=lambda: deque(maxlen=REACH_KEPT))
    sightings: dict[str, tuple[str, int]] = field(default_factory=dict)
    # Users whose last socket closed, and when (monotonic seconds): within the
    # hub's ``presence_grace`` they still count as connected.
    gone: dict[str, float] = field(default_factory=dict)
    # Players the host removed: their sockets close, and they are not missed.
    removed: set[str] = field(default_factory=set)
    # The seq of the last board pushed. Boards are per receiver and not kept
    # for replay: a socket resuming from before it is sent the board afresh.
    board_seq: int = 0
    # Where several processes hold a session's sockets (the cloud profile):
    # the players here on any of them, as last read from the shared leases.
    shared_present: set[str] | None = None
    # The open (or last opened) question and who answered it: a player who
    # answered and then left still counts in the host's "N of M".
    answered_question: str = ""
    answered_by: set[str] = field(default_factory=set)

    def sight(self, user_id: str, question_id: str, at: int) -> None:
        """Note that the user was shown the question at ``at``, unless shown it before."""
        seen = self.sightings.get(user_id)
        if seen is None or seen[0] != question_id:
            self.sightings[user_id] = (question_id, at)

    def pushed(self, connection: Connection, frame: str, now_ms: Callable[[], int]) -> None:
        """Push a room-wide frame to one socket, noting who was shown a question."""
        connection.push(frame)
        opening = self.opening
        if opening is not None and frame is opening[0]:
            self.sight(connection.user_id, opening[1], now_ms())


def dumps(payload: dict[str, Any]) -> str:
    """Serialise a payload to JSON text."""
    return orjson.dumps(payload).decode()


class WebSocketHub:
    """The Notifier of the embedded profile and of each cloud API process.

    In the embedded profile the hub numbers the session's events itself
    (``numbers_events``). A cloud API process's hub does not: the fan-out
    numbers every event across processes, ``seq_step`` apart, and the hub
    takes them, in order, through ``receive``. A frame to one socket alone
    (a pong, a refusal) gets a number between the last event received and
    the next one, counted per socket, so that socket's seqs stay strictly
    increasing. Such a hub pushes no board of its own: the boards are the
    fanned-out ones, each receiver's standing spliced in before the next
    event is taken.
    """

    def __init__(
        self,
        *,
        leaderboard: Leaderboard,
        sessions: SessionStore,
        interval_ms: int = 200,
        top: int = 10,
        replay_size: int = 1024,
        queue_size: int = 256,
        on_frame: Callable[[str, dict[str, Any]], None] | None = None,
        on_push: Callable[[float, int], None] | None = None,
        seq_base: Callable[[], int] | None = None,
        busy: Callable[[], bool] | None = None,
        monotonic: Callable[[], float] = time.perf_counter,
        now_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
        numbers_events: bool = True,
        seq_step: int = 1,
        presence_grace: float = 0.0,
        on_lapse: Callable[[str], None] | None = None,
    ) -> None:
        self.leaderboard = leaderboard
        self.sessions = sessions
        self.interval = interval_ms / 1000
        self.top = top
        self.replay_size = replay_size
        self.queue_size = queue_size
        self.on_frame = on_frame
        self.on_push = on_push
        # A session's first seq in this process; the clock in microseconds
        # keeps sequence numbers growing across restarts.
        self.seq_base = seq_base
        # Whether answers are still on their way through the pipeline (a
        # burst): a board waits for it to pass, at most the room's spacing.
        self.busy = busy
        self.monotonic = monotonic
        # Wall-clock epoch ms, as answers are stamped: when a player was shown a question.
        self.now_ms = now_ms
        self.numbers_events = numbers_events
        self.seq_step = max(1, seq_step)
        # How long a user whose screen dropped still counts as connected (a
        # phone's Wi-Fi blinking must not close a question "everyone" answered
        # without them), and who hears when such a user's grace ran out.
        self.presence_grace = presence_grace
        self.on_lapse = on_lapse
        self._rooms: dict[str, _Room] = {}
        self._ticker: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[None]] = set()
        self.frames_sent = 0
        # What reaching one socket of a large room last cost, in us.
        self.reach_per_socket_us = DEFAULT_REACH_US

    def _room(self, session_id: str) -> _Room:
        room = self._rooms.get(session_id)
        if room is None:
            room = self._rooms[session_id] = _Room(
                replay=deque(maxlen=self.replay_size),
                seq=self.seq_base() if self.seq_base is not None else 0,
            )
        return room

    def connect(self, session_id: str, user_id: str, *, spectator: bool = False) -> Connection:
        """Register a connection and return it; a ``spectator`` (the host) plays no part."""
        room = self._room(session_id)
        if spectator:
            room.spectators.add(user_id)
        connection = Connection(
            session_id=session_id,
            user_id=user_id,
            queue=asyncio.Queue(self.queue_size),
            opened_at=room.seq,
            numbering=self._number_alone,
        )
        arrived = user_id not in room.by_user and user_id not in room.gone
        room.connections.add(connection)
        room.by_user.setdefault(user_id, set()).add(connection)
        room.seen.pop(user_id, None)  # a new connection gets the next board
        room.gone.pop(user_id, None)
        if arrived and not spectator and self.presence_grace > 0:
            # The host's count of players here rises: a board tells it (the
            # join's own board may have gone out before this socket opened).
            self._changed(room)
        return connection

    def disconnect(self, connection: Connection) -> None:
        """Forget a connection, giving up any send it still had waiting."""
        connection.closed = True
        connection.drop_backlog()
        room = self._rooms.get(connection.session_id)
        if room is None:
            return
        room.connections.discard(connection)
        mine = room.by_user.get(connection.user_id)
        if mine is not None:
            mine.discard(connection)
            if not mine:
                del room.by_user[connection.user_id]
                room.seen.pop(connection.user_id, None)
                self._gone(connection.session_id, room, connection.user_id)
        self._forget_if_done(connection.session_id, room)

    def _gone(self, session_id: str, room: _Room, user_id: str) -> None:
        """Count a user whose last socket closed as connected a while longer."""
        if self.presence_grace <= 0 or room.finished or user_id in room.removed:
            return
        at = room.gone[user_id] = self.monotonic()

        def lapse() -> None:
            if room.gone.get(user_id) == at:  # not back, nor gone again since
                del room.gone[user_id]
                # The host's count of players here drops: a board tells it.
                if user_id not in room.spectators:
                    self._changed(room)
                if self.on_lapse is not None:
                    self.on_lapse(session_id)

        asyncio.get_running_loop().call_later(self.presence_grace, lapse)

    def _removed(self, session_id: str, room: _Room, user_id: str) -> None:
        """Forget a player the host removed: not here, not waited for, not counted.

        Their answers leave the live counts (a rare event: the scan is fine),
        and whoever is left may have answered the open question already
        (``on_lapse`` checks).
        """
        if user_id in room.removed:
            return
        room.removed.add(user_id)
        room.names.pop(user_id, None)
        room.gone.pop(user_id, None)
        room.answered_by.discard(user_id)
        for submission in [key for key in room.counted if key[0] == user_id]:
            question = room.counted.pop(submission)
            room.answer_counts[question] = max(0, room.answer_counts.get(question, 0) - 1)
        self._changed(room)
        if self.on_lapse is not None:
            self.on_lapse(session_id)

    def _present(self, room: _Room) -> set[str]:
        """Return the users connected, or gone less than the grace ago (not the removed)."""
        users = set(room.by_user) - room.removed
        if room.gone:
            since = self.monotonic() - self.presence_grace
            for user_id, at in list(room.gone.items()):
                if at > since:
                    users.add(user_id)
                else:
                    del room.gone[user_id]
        return users

    def present_count(self, session_id: str) -> int | None:
        """Return how many players (not spectators) are here, or None if unknown.

        Counted by this hub where it sees every socket (``presence_grace`` >
        0); else as the shared leases last said (``share_present``), if they
        did.
        """
        room = self._rooms.get(session_id)
        if self.presence_grace > 0:
            return self._players_here(room) if room is not None else 0
        return self._shared_here(room) if room is not None else None

    def present_players(self) -> dict[str, set[str]]:
        """Return, per session with a socket here, its players connected here.

        What this process renews leases on where several hold a session's
        sockets (its sessions with only the host here too: the host's board
        needs the count the others' leases make).
        """
        return {
            session_id: set(room.by_user) - room.spectators - room.removed
            for session_id, room in self._rooms.items()
            if room.connections and not room.finished
        }

    def spectators_here(self, session_id: str) -> set[str]:
        """Return the spectators (the host) with a socket open here."""
        room = self._rooms.get(session_id)
        return {user for user in room.spectators if user in room.by_user} if room else set()

    def removed_players(self, session_id: str) -> set[str]:
        """Return the players the host removed, as this hub was told."""
        room = self._rooms.get(session_id)
        return set(room.removed) if room is not None else set()

    def leased(self, session_id: str) -> set[str] | None:
        """Return the players the shared leases last said are here (None: not read yet)."""
        room = self._rooms.get(session_id)
        return room.shared_present if room is not None else None

    def share_present(self, session_id: str, players: set[str]) -> None:
        """Take the players here on every process, for the boards' count."""
        room = self._rooms.get(session_id)
        if room is not None:
            room.shared_present = players

    def _players_here(self, room: _Room) -> int:
        """Return the players taking part: here, or who answered the open question.

        The host's "N of M answered": a player who answered and then put
        their phone away still counts in M, so M reaches N exactly when
        everyone here has answered, when such a question closes.
        """
        if not room.gone and not room.removed:  # the common case, without a set of 10,000
            here = len(room.by_user) - sum(user in room.by_user for user in room.spectators)
            return here + sum(user not in room.by_user for user in room.answered_by)
        present = self._present(room) - room.spectators
        return len(present) + len(room.answered_by - present - room.removed)

    def _shared_here(self, room: _Room) -> int | None:
        """As ``_players_here``, from the players the shared leases last said are here."""
        leased = room.shared_present
        if leased is None:
            return None
        return len(leased) + len(room.answered_by - leased - room.removed)

    def _forget_if_done(self, session_id: str, room: _Room) -> None:
        """Drop a finished session's room once nobody is connected to it.

        A client that reconnects later gets a snapshot in a new room, whose
        sequence starts from the clock (``seq_base``), above every earlier one.
        """
        if room.finished and not room.connections and self._rooms.get(session_id) is room:
            del self._rooms[session_id]

    def connected(self, session_id: str) -> set[str] | None:
        """Return the users with an open connection to the session here.

        A user whose last socket closed less than ``presence_grace`` ago
        still counts: their screen is coming back.
        """
        room = self._rooms.get(session_id)
        return self._present(room) if room else set()

    def connected_count(self, session_id: str) -> int | None:
        """Return how many users ``connected`` returns."""
        room = self._rooms.get(session_id)
        if room is None:
            return 0
        return len(self._present(room)) if room.gone or room.removed else len(room.by_user)

    def connection_count(self, session_id: str | None = None) -> int:
        """Return how many connections are open (in one session or all)."""
        if session_id is not None:
            room = self._rooms.get(session_id)
            return len(room.connections) if room else 0
        return sum(len(room.connections) for room in self._rooms.values())

    def sight(self, session_id: str, user_id: str, question_id: str) -> None:
        """Note that the user is shown the live question now (a snapshot, a read).

        Earlier sightings stand; one made before the question's
        ``question.opened`` reached this hub counts too.
        """
        self._room(session_id).sight(user_id, question_id, self.now_ms())

    def sight_open(self, session_id: str, user_id: str) -> None:
        """Note that the user is shown the question open here, if one is (a replay)."""
        room = self._rooms.get(session_id)
        if room is not None and room.opening is not None:
            room.sight(user_id, room.opening[1], self.now_ms())

    def first_sight(self, session_id: str, user_id: str, question_id: str) -> int | None:
        """Return when the user was first shown the question here (epoch ms), if known.

        Noted when ``question.opened`` was handed to one of their sockets, or
        a snapshot or read showed them the question, whichever came first,
        and never later than when ``question.opened`` had reached every
        socket the room had when it opened: a live question is timed for
        each player from then, to make up for the fan-out (the last of
        10,000 sockets is reached more than a second after the first), and
        for no more than that (a socket opened late, or a read, gains
        nothing).
        """
        room = self._rooms.get(session_id)
        seen = room.sightings.get(user_id) if room is not None else None
        if room is None or seen is None or seen[0] != question_id:
            return None
        reached = room.reached
        if reached is not None and reached[0] == question_id:
            return min(seen[1], reached[1])
        return seen[1]

    def _reached(self, room: _Room, frames: list[str]) -> None:
        """Note when a room-wide push that held the opening has reached every socket."""
        opening = room.opening
        if opening is not None and any(frame is opening[0] for frame in frames):
            now = self.now_ms()
            room.reached = (opening[1], now)
            took, sockets = max(0, now - room.opened_at), room.opened_sockets
            room.reaches.append((took, sockets))
            if sockets >= REACH_LEARN_SOCKETS:
                self.reach_per_socket_us = took * 1000 / sockets

    def reach_ms(self, session_id: str) -> int:
        """Return how long a question opened now is expected to take to reach the room (ms).

        The ``OpeningReach`` port. The longest of what the room's last
        questions took, each for as many sockets as it has now (a board
        going out to the whole room at the same moment makes one opening
        slower than the one before); before a first question, the sockets
        times the cost per socket of the last large room measured here.
        """
        room = self._rooms.get(session_id)
        if room is None:
            return 0
        sockets = len(room.connections)
        if not room.reaches:
            return round(sockets * self.reach_per_socket_us / 1000)
        return max(round(took * max(1.0, sockets / max(1, then))) for took, then in room.reaches)

    def answer_counts(self, session_id: str) -> dict[str, int]:
        """Return the answers scored per question so far, as the boards carry them."""
        room = self._rooms.get(session_id)
        return dict(room.answer_counts) if room is not None else {}

    def seq(self, session_id: str) -> int:
        """Return the last sequence number used in the session."""
        room = self._rooms.get(session_id)
        return room.seq if room else 0

    def reply(self, connection: Connection, event: dict[str, Any]) -> None:
        """Answer one connection (pong, refused frame) with the next seq, unrecorded.

        A hub that does not number the events answers under a number of the
        socket's own, after the last event received and before the next.
        """
        room = self._room(connection.session_id)
        seq = self._number_alone(connection)
        if self.numbers_events:
            self._overtake(room, event, connection.user_id)
        self._catch_up(room, connection)
        connection.push(dumps({**event, "seq": seq}))

    def _number_alone(self, connection: Connection) -> int:
        """Return a seq for a frame to this socket alone (a reply, a fresh snapshot)."""
        room = self._room(connection.session_id)
        if not self.numbers_events:
            return self._own_seq(room, connection)
        room.seq += 1
        return room.seq

    def resync(self, session_id: str) -> None:
        """Send every socket of the session a fresh snapshot: events were lost on the way."""
        room = self._rooms.get(session_id)
        if room is None:
            return
        for connection in list(room.connections):
            self._catch_up(room, connection)
            connection.ask_snapshot()

    def _own_seq(self, room: _Room, connection: Connection) -> int:
        """Return the next number for a frame to this socket alone (fan-out fed hub).

        Past ``seq_step - 1`` such frames between two events (a client
        pinging in a loop) the last number is given again.
        """
        after = max(room.seq, connection.own_seq) + 1
        connection.own_seq = min(after, room.seq + self.seq_step - 1)
        return connection.own_seq

    def _catch_up(self, room: _Room, connection: Connection) -> None:
        """Send the socket the room-wide events still on their way to it, if any."""
        fanout = room.fanout
        if fanout is None:
            return
        first = fanout.pending.pop(connection, None)
        if first is not None:
            for frame in fanout.frames[first:]:
                room.pushed(connection, frame, self.now_ms)

    def _fan_out(self, room: _Room, frame: str) -> None:
        """Send a frame to every socket of the room.

        To a large room it goes in slices with a yield between them, as a
        board does: sending ``question.opened`` to 10,000 sockets took the
        loop for a quarter of a second, while the first players to see it
        were already answering.
        """
        receivers = list(room.connections)
        self.frames_sent += len(receivers)
        fanout = room.fanout
        if fanout is not None:
            # Behind the events still going out: every socket gets it after
            # them, in the same slices (those already reached join again).
            fanout.frames.append(frame)
            latest = len(fanout.frames) - 1
            for connection in receivers:
                fanout.pending.setdefault(connection, latest)
            return
        # The first slice goes out now, in the sender's turn; the rest after.
        for connection in receivers[:SPLICE_SLICE]:
            room.pushed(connection, frame, self.now_ms)
        if len(receivers) <= SPLICE_SLICE:
            self._reached(room, [frame])
            return
        fanout = _Fanout(frames=[frame], pending=dict.fromkeys(receivers[SPLICE_SLICE:], 0))
        room.fanout = fanout
        task = asyncio.create_task(self._run_fanout(room, fanout))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _run_fanout(self, room: _Room, fanout: _Fanout) -> None:
        try:
            while fanout.pending:
                slices = _Slices()
                for number, connection in enumerate(list(fanout.pending), 1):
                    if slices.due(number):
                        await asyncio.sleep(0)
                    self._catch_up(room, connection)
            self._reached(room, fanout.frames)
        finally:
            if room.fanout is fanout:
                room.fanout = None

    def replay(self, session_id: str, since: int, user_id: str) -> list[str] | None:
        """Return the frames after ``since`` meant for the user, or None if too old."""
        room = self._rooms.get(session_id)
        if room is None:
            return None if since > 0 else []
        if since >= room.seq + self.seq_step:
            return None  # not a number of this incarnation
        if room.replay and room.replay[0][0] > since + self.seq_step:
            return None
        if not room.replay and since < room.seq:
            return None
        return [
            frame
            for seq, target, frame in room.replay
            if seq > since and (target is None or target == user_id)
        ]

    async def board_since(self, session_id: str, user_id: str, since: int) -> None:
        """Send the user the board afresh if one went out after ``since`` (a resume).

        A replay holds the room's events, not its boards (each receiver's own
        standing): a phone back from a drop across a question's close would
        keep the standings it had before it, as the reveal shows the answer.
        """
        room = self._rooms.get(session_id)
        if room is None or not self.numbers_events or room.board_seq <= since:
            return
        await self._push_board(session_id, room, {user_id})

    def _emit(self, session_id: str, event: dict[str, Any], target: str | None) -> None:
        room = self._room(session_id)
        if (
            target is None
            and event.get("type") == "participant.joined"
            and len(room.connections) > JOIN_FANOUT
        ):
            room.names[str(event["user_id"])] = str(event.get("display_name", ""))
            room.pending_join = event
            return
        room.seq += 1
        self.deliver(session_id, {**event, "seq": room.seq}, target)

    async def receive(self, session_id: str, event: dict[str, Any], target: str | None) -> None:
        """Take the fan-out's next event (it carries its ``seq``); return once it is sent.

        The caller (one per process) hands the events over one at a time in
        seq order, so a board reaches every receiver before anything newer
        does: its receivers' standings are read at once, in one round trip,
        then the frames go out in slices.
        """
        if event.get("type") != "leaderboard.updated":
            self.deliver(session_id, event, target)
            return
        room = self._room(session_id)
        room.board_seq = max(room.board_seq, int(event["seq"]))
        # A board for one user: the host's, when the count of players here changed.
        only = {target} if target is not None else None
        splice = self._start_splice(session_id, room, event, only)
        await self._run_splice(session_id, room, splice, read_at_once=True)
        # Only now: a socket's own frame sent while the board went out must
        # number below the board, which may not have reached it yet.
        room.seq = max(room.seq, int(event["seq"]))

    def deliver(self, session_id: str, event: dict[str, Any], target: str | None) -> None:
        """Send an event that already carries its ``seq`` (from a cross-process fan-out)."""
        room = self._room(session_id)
        room.seq = max(room.seq, int(event["seq"]))
        if event.get("type") == "leaderboard.updated":
            only = {target} if target is not None else None  # as in ``receive``
            splice = self._start_splice(session_id, room, event, only)
            task = asyncio.create_task(self._run_splice(session_id, room, splice))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
            return
        self._overtake(room, event, target)
        self._send_event(session_id, room, event, target)

    def _overtake(self, room: _Room, event: dict[str, Any], target: str | None) -> None:
        """Take the event's receivers off a board still going out.

        The event's seq is above the board's: a receiver the board has not
        reached yet would get them in the wrong order. Those taken off are
        owed a board and get the next one pushed to those who scored, within
        an interval. Nothing waits for the rest of a large room's board,
        which took up to half a second at 10,000 players.
        """
        splice = room.splice
        if splice is None or not splice.pending:
            return
        if target is not None:
            if splice.pending.pop(target, False) is False:
                return
            owed = [target]
        else:
            owed = list(splice.pending)
            splice.pending.clear()
        if event.get("type") == "session.finished":
            return  # its final entries are the last board
        now = self.monotonic()
        if not room.fresh:
            room.fresh_since = now
        for user_id in owed:
            room.seen.pop(user_id, None)
            room.fresh.add(user_id)
        if not room.dirty:
            room.dirty, room.dirty_since, room.changed_at = True, now, now

    def _send_event(
        self, session_id: str, room: _Room, event: dict[str, Any], target: str | None
    ) -> None:
        seq = int(event["seq"])
        payload = present(event)
        frame = dumps(payload)
        room.replay.append((seq, target, frame))
        if event.get("type") == "participant.joined":
            room.names[str(event["user_id"])] = str(event.get("display_name", ""))
        elif event.get("type") == "participant.removed":
            self._removed(session_id, room, str(event["user_id"]))
        elif event.get("type") == "answer.result":
            submission = (str(target), str(event.get("submission_id")))
            if submission not in room.counted:
                question = str(event.get("question_id", ""))
                room.counted[submission] = question
                room.answer_counts[question] = room.answer_counts.get(question, 0) + 1
                if question == room.answered_question and target is not None:
                    room.answered_by.add(target)
            if self.numbers_events and target is not None and event.get("status") == "scored":
                if not room.fresh:
                    room.fresh_since = self.monotonic()
                room.fresh.add(target)
        elif event.get("type") == "question.closed":
            # The question's scores are final: the whole room's board is due
            # at the next tick, whatever the room's spacing.
            room.next_push = 0.0
            room.opening = None
        elif event.get("type") == "question.opened" and target is None:
            room.opening = (frame, str(event.get("question_id", "")))
            # From here, not the event's opens_at: the cloud's pipeline
            # delays every player alike, and no room is slow to reach for it.
            room.opened_at = self.now_ms()
            room.opened_sockets = len(room.connections)
            if room.answered_question != room.opening[1]:
                room.answered_question, room.answered_by = room.opening[1], set()
        if target is None:
            self._fan_out(room, frame)
        else:
            receivers = room.by_user.get(target, ())
            for connection in list(receivers):
                self._catch_up(room, connection)
                connection.push(frame)
            self.frames_sent += len(receivers)
        if self.on_frame is not None:
            self.on_frame(session_id, payload)
        if event.get("type") == "session.finished":
            room.finished = True
            self._forget_if_done(session_id, room)

    async def to_session(self, session_id: str, event: dict[str, Any]) -> None:
        """Send an event to every connection of the session."""
        self._emit(session_id, event, None)

    async def to_user(self, session_id: str, user_id: str, event: dict[str, Any]) -> None:
        """Send an event to the user's connections only."""
        self._emit(session_id, event, user_id)

    async def leaderboard_changed(self, session_id: str) -> None:
        """Mark the session's board dirty; the ticker pushes it."""
        self._changed(self._room(session_id))

    def _changed(self, room: _Room) -> None:
        now = self.monotonic()
        if not room.dirty:
            room.dirty, room.dirty_since = True, now
        room.changed_at = now

    async def start(self) -> None:
        """Start the coalescing ticker."""
        if self._ticker is None:
            self._ticker = asyncio.create_task(self._tick_forever(), name="leaderboard-ticker")

    async def stop(self) -> None:
        """Stop the ticker."""
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval / TICKS)
            try:
                await self.flush()
            except Exception:
                log.exception("leaderboard push failed")

    async def flush(self) -> None:
        """Push one coalesced leaderboard frame to every dirty session."""
        if not self.numbers_events:
            return  # the boards are the fan-out's (see ``receive``)
        for session_id, room in list(self._rooms.items()):
            began = self.monotonic()
            if room.pending_join is not None and began >= room.next_join:
                # At most one join announcement per interval in a crowded room.
                joined, room.pending_join = room.pending_join, None
                room.next_join = began + self.interval
                room.seq += 1
                self.deliver(session_id, {**joined, "seq": room.seq}, None)
            if not room.dirty or began < room.next_board:
                continue  # at most one board per interval, to anyone
            # While answers keep coming (a question's burst), wait for the
            # burst to pass so that one frame shows all of it, but never
            # longer than the room's spacing.
            settling = began - room.changed_at < self.interval / TICKS or (
                self.busy is not None and self.busy()
            )
            spacing = max(self.interval, len(room.connections) / FRAME_BUDGET)
            if began >= room.next_push and (not settling or began - room.dirty_since >= spacing):
                room.dirty = False
                room.next_push = began + spacing
                room.next_board = began + self.interval
                room.fresh.clear()
                await self._push_board(session_id, room)
                if self.on_push is not None:
                    self.on_push((self.monotonic() - began) * 1000, len(room.connections))
            elif room.fresh and (not settling or began - room.fresh_since >= self.interval):
                # Not the whole room's turn: those who just scored get it.
                room.next_board = began + self.interval
                # Those who score while it goes out wait for the next one.
                receivers, room.fresh = room.fresh | room.spectators, set()
                await self._push_board(session_id, room, receivers)

    async def _name(self, room: _Room, session_id: str, user_id: str) -> str:
        name = room.names.get(user_id)
        if name is None:
            participant = await self.sessions.get_participant(session_id, user_id)
            name = room.names[user_id] = participant.display_name if participant else ""
        return name

    async def board_payload(self, session_id: str) -> dict[str, Any]:
        """Return the shared part of a leaderboard frame."""
        room = self._room(session_id)
        board = session_board(session_id)
        entries = [
            {
                "rank": standing.rank,
                "user_id": standing.user_id,
                "display_name": await self._name(room, session_id, standing.user_id),
                "score": standing.score,
            }
            for standing in await self.leaderboard.top(board, self.top)
        ]
        return {
            "version": await self.leaderboard.version(board),
            "participant_count": await self.sessions.participant_count(session_id),
            "entries": entries,
        }

    async def _push_board(self, session_id: str, room: _Room, only: set[str] | None = None) -> None:
        shared = await self.board_payload(session_id)
        room.seq += 1
        room.board_seq = room.seq
        event = {"type": "leaderboard.updated", "seq": room.seq, **shared}
        splice = self._start_splice(session_id, room, event, only)
        await self._run_splice(session_id, room, splice)

    def _start_splice(
        self,
        session_id: str,
        room: _Room,
        shared: dict[str, Any],
        only: set[str] | None = None,
    ) -> _Splice:
        """Make a board the room's board going out, to every receiver or ``only`` those.

        A board still going out is superseded: those it had not reached get
        this one instead, whoever it is meant for.
        """
        shared = {key: value for key, value in shared.items() if key != "me"}
        shared["answer_counts"] = dict(room.answer_counts)
        if self.presence_grace > 0:
            # Where one hub sees every socket of the session (the embedded
            # profile): the players here, for the host's "N of M".
            shared["present_count"] = self._players_here(room)
        elif room.shared_present is not None:
            shared["present_count"] = self._shared_here(room)
        receivers = room.by_user if only is None else [u for u in only if u in room.by_user]
        pending = dict.fromkeys(receivers)
        if room.splice is not None:
            pending.update(room.splice.pending)
            room.splice.pending.clear()
        splice = _Splice(
            shared=shared,
            head=dumps(shared)[:-1],
            top=dumps({"entries": shared.get("entries", [])}),
            pending=pending,
        )
        room.splice = splice
        return splice

    async def _run_splice(
        self, session_id: str, room: _Room, splice: _Splice, *, read_at_once: bool = False
    ) -> None:
        """Send a board to every receiver with its own standing spliced in.

        The shared part is serialised once. Receivers go in slices with a
        yield between them, so a large room's push never stalls the loop,
        and a participant whose view (the top entries, their own rank and
        score) is what they were last sent gets no copy of it. Spectators
        (the host) always get it: it carries the live answer count.
        ``read_at_once``: every receiver's standing is read first, in one
        round trip (``Leaderboard.standings``), rather than each in its turn.
        A board that fails is logged; the next one carries the standings.
        """
        board = session_board(session_id)
        try:
            known = None
            if read_at_once:
                known = await self.leaderboard.standings(board, list(splice.pending))
            slices = _Slices()
            for number, user_id in enumerate(list(splice.pending), 1):
                if slices.due(number):
                    await asyncio.sleep(0)
                if user_id not in splice.pending:
                    continue  # overtaken by a newer event, or a newer board
                if known is not None:
                    standing = known.get(user_id)
                else:
                    standing = await self.leaderboard.standing(board, user_id)
                if splice.pending.pop(user_id, False) is False:
                    continue  # overtaken while its standing was read
                self._send_board(room, splice, user_id, standing)
        except Exception:
            log.exception("live board failed", extra={"session_id": session_id})
        finally:
            if room.splice is splice:
                room.splice = None
        if self.on_frame is not None:
            self.on_frame(session_id, splice.shared)

    def _send_board(
        self, room: _Room, splice: _Splice, user_id: str, standing: Standing | None
    ) -> None:
        if standing is None:
            room.spectators.add(user_id)
            me = "null"
        else:
            room.spectators.discard(user_id)  # joined since: a player now
            view = (splice.top, standing.rank, standing.score)
            if room.seen.get(user_id) == view:
                return
            room.seen[user_id] = view
            me = f'{{"rank":{standing.rank},"score":{standing.score}}}'
        frame = f'{splice.head},"me":{me}}}'
        connections = room.by_user.get(user_id, ())
        for connection in list(connections):
            self._catch_up(room, connection)
            connection.push(frame)
        self.frames_sent += len(connections)


class HubPresence:
    """The ``Presence`` port on a hub that sees every socket (the embedded profile)."""

    def __init__(self, hub: WebSocketHub) -> None:
        self.hub = hub

    async def connected(self, session_id: str) -> set[str] | None:
        """Return the users connected, or gone less than the hub's grace ago."""
        return self.hub.connected(session_id)

    async def connected_count(self, session_id: str) -> int | None:
        """Return how many users ``connected`` returns."""
        return self.hub.connected_count(session_id)
