"""Fan session events out to every API process over Redis pub/sub.

Several API processes serve the WebSockets of one session; whichever process
produces an event publishes it here and every process (itself included)
receives it and writes it to its own sockets.

Usage::

    fanout = RedisFanout(client, prefix="quizcore", history=1024)
    await fanout.publish("ABC123", {"type": "participant.joined", ...})
    await fanout.to_user("ABC123", "u1", {"type": "answer.result", ...})

    async with fanout.subscribe() as subscription:   # one per process
        async for message in subscription:           # FanoutMessage
            ...  # message.user_id is None for everyone in the session

    missed = await fanout.since("ABC123", seq, user_id="u1")  # resume

Guarantees
----------
* ``seq`` is per session and strictly increasing. One Lua script increments
  the counter, appends to the history and publishes, so the order of ``seq``
  is the order every subscriber receives. Per-user events take a ``seq`` of
  the session's sequence too, so a socket sees gaps where other users' events
  went; gaps are normal.
* Each event's ``seq`` is the previous one's plus ``SEQ_STEP``. The numbers
  in between are each gateway's own, for the frames it sends one socket
  alone (a pong, a refusal): they come after the event before and before the
  event after, so every socket's seqs stay strictly increasing although no
  process numbers them alone.
* The counter starts from the Redis server's clock in microseconds when it
  is (re)created, so after Redis loses it (flush, restart, TTL) new events
  still get higher numbers than any handed out before.
* The last ``history`` events of a session are kept (a capped list) for
  ``since``; ``since`` returns None when events after the given ``seq`` are
  no longer held, and the gateway should then send a fresh snapshot.
* Pub/sub itself is at most once. A subscription sees every event of every
  session, so it notices a gap in a session's ``seq``, replays the missing
  events from the history, and marks the message ``gap=True`` when even the
  history no longer covers them.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from adapters.redis.errors import text, unavailable_on_failure
from quizcore.errors import StoreUnavailable

log = logging.getLogger(__name__)

# Between two events' seqs, the numbers a gateway gives frames of its own.
SEQ_STEP = 16

# KEYS: seq counter, history list. ARGV: channel, envelope JSON (an object
# without "seq", never empty), history size, ttl seconds, step. Returns the seq.
# The seq is spliced into the JSON as text: cjson would round 16-digit
# numbers (it prints 14 significant digits) and re-encode the caller's data.
_PUBLISH = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  local now = redis.call('TIME')
  redis.call('SET', KEYS[1], now[1] .. string.format('%06d', tonumber(now[2])))
end
local seq = redis.call('INCRBY', KEYS[1], tonumber(ARGV[5]))
local payload = '{"seq":' .. string.format('%.0f', seq) .. ',' .. string.sub(ARGV[2], 2)
local keep = tonumber(ARGV[3])
if keep > 0 then
  redis.call('RPUSH', KEYS[2], payload)
  redis.call('LTRIM', KEYS[2], -keep, -1)
end
redis.call('PUBLISH', ARGV[1], payload)
local ttl = tonumber(ARGV[4])
if ttl > 0 then
  redis.call('EXPIRE', KEYS[1], ttl)
  if keep > 0 then redis.call('EXPIRE', KEYS[2], ttl) end
end
return seq
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class FanoutMessage:
    """One event received from the fan-out.

    ``user_id`` is None for an event to every connection of the session, else
    the one user it is for. ``event`` carries its ``seq``. ``gap`` is True
    when events of this session before this one were lost and could not be
    replayed: the receiver should send its sockets of the session a snapshot.
    """

    session_id: str
    user_id: str | None
    event: dict[str, Any]
    gap: bool = False

    @property
    def seq(self) -> int:
        """Return the event's per-session sequence number."""
        return int(self.event["seq"])

    def visible_to(self, user_id: str | None) -> bool:
        """Return whether a connection of ``user_id`` should get this event."""
        return self.user_id is None or self.user_id == user_id


def _decode(payload: bytes | str) -> FanoutMessage:
    envelope = json.loads(text(payload))
    event = dict(envelope["event"])
    event["seq"] = envelope["seq"]
    return FanoutMessage(
        session_id=envelope["session_id"], user_id=envelope["user_id"], event=event
    )


class RedisFanout:
    """Publish session events to every process; keep recent ones for resume.

    ``client`` is a ``redis.asyncio.Redis``. ``history`` events per session are
    kept for ``since`` (0 keeps none); the counter and the history of a
    session expire ``ttl_seconds`` after its last event (0: never).
    """

    def __init__(
        self,
        client: Redis,
        *,
        prefix: str = "quizcore",
        history: int = 1024,
        ttl_seconds: int = 24 * 3600,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.history = max(0, history)
        self.ttl_seconds = max(0, ttl_seconds)
        self._publish = client.register_script(_PUBLISH)

    @property
    def pattern(self) -> str:
        """Return the channel pattern that matches every session."""
        return f"{self.prefix}:fanout:*"

    def channel(self, session_id: str) -> str:
        """Return the pub/sub channel of a session."""
        return f"{self.prefix}:fanout:{session_id}"

    def keys(self, session_id: str) -> tuple[str, str]:
        """Return the (seq counter, history list) keys of a session."""
        base = f"{self.prefix}:fanout:{{{session_id}}}"
        return f"{base}:seq", f"{base}:log"

    async def publish(self, session_id: str, event: dict[str, Any]) -> dict[str, Any]:
        """Send the event to the whole session; return it with its seq."""
        return await self._send(session_id, None, event)

    async def to_user(self, session_id: str, user_id: str, event: dict[str, Any]) -> dict[str, Any]:
        """Send the event to one user in the session; return it with its seq."""
        return await self._send(session_id, user_id, event)

    async def _send(
        self, session_id: str, user_id: str | None, event: dict[str, Any]
    ) -> dict[str, Any]:
        body = json.dumps(
            {"session_id": session_id, "user_id": user_id, "event": event},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        with unavailable_on_failure("fanout publish"):
            seq = await self._publish(
                keys=list(self.keys(session_id)),
                args=[
                    self.channel(session_id),
                    body,
                    self.history,
                    self.ttl_seconds,
                    SEQ_STEP,
                ],
            )
        return {**event, "seq": int(seq)}

    async def last_seq(self, session_id: str) -> int:
        """Return the session's latest seq (0 if none); snapshots carry it."""
        with unavailable_on_failure("fanout last seq"):
            value = await self.client.get(self.keys(session_id)[0])
        return int(value) if value is not None else 0

    async def since(
        self, session_id: str, seq: int, *, user_id: str | None = None
    ) -> list[dict[str, Any]] | None:
        """Return the events after ``seq``, or None when they are gone.

        Events to the whole session are returned, plus those to ``user_id``
        when given. None means the history no longer holds every event after
        ``seq`` (or ``seq`` is from before Redis lost the session): send a
        fresh snapshot instead.
        """
        messages = await self._since(session_id, seq)
        if messages is None:
            return None
        return [message.event for message in messages if message.visible_to(user_id)]

    async def _since(self, session_id: str, seq: int) -> list[FanoutMessage] | None:
        counter, history = self.keys(session_id)
        with unavailable_on_failure("fanout since"):
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.get(counter)
                pipe.lrange(history, 0, -1)
                current_raw, payloads = await pipe.execute()
        if current_raw is None:
            return [] if seq <= 0 else None
        current = int(current_raw)
        if seq >= current:
            # Up to the next event's seq: a gateway's own frame, nothing missed.
            return [] if seq < current + SEQ_STEP else None
        messages = [_decode(payload) for payload in payloads]
        if not messages or messages[0].seq > seq + SEQ_STEP:
            return None
        return [message for message in messages if message.seq > seq]

    def subscribe(
        self, *, last_seen: dict[str, int] | None = None, poll_seconds: float = 1.0
    ) -> FanoutSubscription:
        """Return a subscription to every session's events (use ``async with``).

        ``last_seen`` (session id -> seq) lets a new subscription carry on
        gap detection where a previous one stopped.
        """
        return FanoutSubscription(self, last_seen=last_seen, poll_seconds=poll_seconds)

    async def listen(
        self,
        handler: Callable[[FanoutMessage], Awaitable[None]],
        *,
        retry_seconds: float = 1.0,
    ) -> None:
        """Call ``handler`` for every event until cancelled; resubscribe.

        After Redis comes back, events missed meanwhile are replayed from the
        history (or flagged with ``gap``) before new ones.
        """
        last_seen: dict[str, int] = {}
        while True:
            try:
                async with self.subscribe(last_seen=last_seen) as subscription:
                    async for message in subscription:
                        await handler(message)
            except StoreUnavailable as ex:
                log.warning("fanout subscription lost, retrying: %s", ex)
                await asyncio.sleep(retry_seconds)


class FanoutSubscription:
    """Iterate over every session's events, in ``seq`` order per session."""

    def __init__(
        self,
        fanout: RedisFanout,
        *,
        last_seen: dict[str, int] | None = None,
        poll_seconds: float = 1.0,
        max_tracked: int = 100_000,
        confirm_seconds: float = 10.0,
    ) -> None:
        self.fanout = fanout
        self.last_seen = last_seen if last_seen is not None else {}
        self.poll_seconds = poll_seconds
        self.max_tracked = max_tracked
        self.confirm_seconds = confirm_seconds
        self._pubsub: PubSub | None = None
        self._pending: deque[FanoutMessage] = deque()

    async def __aenter__(self) -> FanoutSubscription:
        """Subscribe and wait for Redis to confirm, so no later event is missed."""
        pubsub = self.fanout.client.pubsub()
        self._pubsub = pubsub
        try:
            # A confirmation that never comes (TimeoutError) is a dead Redis too.
            with unavailable_on_failure("fanout subscribe"):
                async with asyncio.timeout(self.confirm_seconds):
                    await pubsub.psubscribe(self.fanout.pattern)
                    while True:
                        reply = await pubsub.get_message(timeout=self.poll_seconds)
                        if reply is not None and text(reply["type"]) == "psubscribe":
                            break
        except BaseException:
            await self._close()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Unsubscribe and release the connection."""
        await self._close()

    async def _close(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is None:
            return
        try:
            await pubsub.aclose()  # type: ignore[no-untyped-call]
        except Exception as ex:  # closing a dead connection must not mask the cause
            log.debug("closing the fanout subscription failed: %s", ex)

    def __aiter__(self) -> FanoutSubscription:
        """Return the subscription itself."""
        return self

    async def __anext__(self) -> FanoutMessage:
        """Return the next event; raise ``StoreUnavailable`` if Redis goes away."""
        while not self._pending:
            if self._pubsub is None:
                raise StopAsyncIteration
            with unavailable_on_failure("fanout receive"):
                reply = await self._pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=self.poll_seconds
                )
            if reply is None or text(reply["type"]) != "pmessage":
                continue
            await self._accept(_decode(reply["data"]))
        return self._pending.popleft()

    async def _accept(self, message: FanoutMessage) -> None:
        seen = self.last_seen
        last = seen.get(message.session_id)
        if last is not None and message.seq <= last:
            return  # already delivered (replayed from the history)
        if last is not None and message.seq > last + SEQ_STEP:
            missed = await self.fanout._since(message.session_id, last)
            if missed is None:
                message = FanoutMessage(
                    session_id=message.session_id,
                    user_id=message.user_id,
                    event=message.event,
                    gap=True,
                )
            else:
                replay = [item for item in missed if item.seq < message.seq]
                self._pending.extend(replay)
        self._pending.append(message)
        # Move the session to the end; forget the longest-quiet ones past the
        # cap (a forgotten session only skips gap detection once).
        seen.pop(message.session_id, None)
        seen[message.session_id] = message.seq
        while len(seen) > self.max_tracked:
            del seen[next(iter(seen))]
