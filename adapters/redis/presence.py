"""Presence across API processes, in Redis: the host's, and the players'.

Per session a hash ``process token -> host sockets open there``, a hash
``process token -> when that process last said it was alive`` and a flag
``away``, set once players were told the host left. A host connection that
API Gateway holds, not a process, counts as a process of its own, recorded
alive until API Gateway would have closed it (``relayed``). Each change is a Lua
script, so that of several processes deciding at once exactly one announces
it; the scripts read the time from Redis, one clock for every process.

A process with a host socket open says it is alive every
``stale_seconds / 3`` (``run``). One that died with a host socket open (a
crash, a kill, a lost node) stops saying so: once it has been silent for
``stale_seconds`` its sockets no longer keep the host present, and the host
leaving from the screen they reloaded onto another process is announced as
usual. Until then players are not told the host left, rather than told
wrongly. A process only silent a while (Redis failing over) counts again
once it speaks, and if players were told the host left meanwhile, it tells
them the host is back.

The players' presence (``RedisPlayerPresence``) is simpler, as nobody is
told when one leaves: a sorted set of leases per session, renewed by the
processes holding the players' sockets, read as "who is here".
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable

from redis.asyncio import Redis

from adapters.redis.errors import text, unavailable_on_failure

log = logging.getLogger(__name__)

# Redis's clock in milliseconds, so that every process is judged by one clock.
_NOW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
"""
# KEYS: sockets hash, away flag, alive hash. ARGV: token, ttl seconds.
_ARRIVED = (
    _NOW
    + """
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('HSET', KEYS[3], ARGV[1], now)
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[3], ARGV[2])
return redis.call('DEL', KEYS[2])
"""
)
# KEYS: sockets hash, alive hash. ARGV: token.
_DEPARTED = """
local left = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if left <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
end
return left
"""
# KEYS: sockets hash, alive hash, away flag. ARGV: token. Only while this
# process counts sockets there; returns 2 if players had been told the host
# left (this process was silent a while, its screens taken for gone), else 1.
_ALIVE = (
    _NOW
    + """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], now)
if redis.call('DEL', KEYS[3]) == 1 then return 2 end
return 1
"""
)
# KEYS: sockets hash, away flag, alive hash. ARGV: field, ttl seconds, hold
# milliseconds. A connection API Gateway holds: nobody says it is alive, so
# it is recorded alive until the longest such a connection lasts.
_RELAYED = (
    _NOW
    + """
redis.call('HSET', KEYS[1], ARGV[1], 1)
redis.call('HSET', KEYS[3], ARGV[1], now + tonumber(ARGV[3]))
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[3], ARGV[2])
return redis.call('DEL', KEYS[2])
"""
)
# KEYS: sockets hash, away flag, alive hash. ARGV: ttl seconds, stale milliseconds.
# A process's sockets count while it said it was alive within the stale time
# (a silent one's are passed over, not dropped: they count again if it speaks
# again); a count with no such record (written before processes said so)
# counts too.
_MARK_AWAY = (
    _NOW
    + """
local counts = redis.call('HGETALL', KEYS[1])
for i = 1, #counts, 2 do
  if tonumber(counts[i + 1]) > 0 then
    local alive = redis.call('HGET', KEYS[3], counts[i])
    if not alive or now - tonumber(alive) <= tonumber(ARGV[2]) then return 0 end
  end
end
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then return 1 end
return 0
"""
)


# API Gateway closes a WebSocket after two hours at most: a relayed host
# connection whose ``$disconnect`` never came stops counting then.
RELAY_HOLD_SECONDS = 2 * 3600


class RedisHostPresence:
    """HostPresence shared by every API process through Redis.

    A host connection API Gateway holds (``relayed``) is a field of its own
    in the session's sockets hash, recorded alive until API Gateway would
    have closed it, and a key naming its session (``$disconnect`` carries
    only the connection ID).
    """

    def __init__(
        self,
        client: Redis,
        *,
        prefix: str = "quizcore",
        ttl_seconds: int = 12 * 3600,
        stale_seconds: float = 30.0,
        token: str | None = None,
        relay_hold_seconds: int = RELAY_HOLD_SECONDS,
    ) -> None:
        self.client = client
        # A relayed host connection counts this long at most without ``unrelayed``.
        self.relay_hold_seconds = max(1, relay_hold_seconds)
        self.prefix = prefix
        self.ttl_seconds = max(1, ttl_seconds)
        # A process silent this long has died: its sockets stop counting.
        self.stale_ms = max(1, round(stale_seconds * 1000))
        # This process's field in each session's hashes.
        self.token = token or uuid.uuid4().hex
        # Host sockets open in this process, per session: the sessions to say it is alive in.
        self._open: dict[str, int] = {}
        self._arrived = client.register_script(_ARRIVED)
        self._departed = client.register_script(_DEPARTED)
        self._alive = client.register_script(_ALIVE)
        self._mark_away = client.register_script(_MARK_AWAY)
        self._relayed = client.register_script(_RELAYED)

    def _keys(self, session_id: str) -> list[str]:
        # One hash tag: every script takes all three keys, which a Redis
        # cluster serves only from one slot.
        base = f"{self.prefix}:host:{{{session_id}}}"
        return [f"{base}:sockets", f"{base}:away", f"{base}:alive"]

    async def arrived(self, session_id: str) -> bool:
        """Count a host socket opened here; True if the host had been marked away."""
        sockets, away, alive = self._keys(session_id)
        with unavailable_on_failure("note the host's socket"):
            cleared = await self._arrived(
                keys=[sockets, away, alive], args=[self.token, self.ttl_seconds]
            )
        self._open[session_id] = self._open.get(session_id, 0) + 1
        return int(cleared) == 1

    async def departed(self, session_id: str) -> None:
        """Count a host socket of this process gone."""
        open_here = self._open.get(session_id, 0) - 1
        if open_here > 0:
            self._open[session_id] = open_here
        else:
            self._open.pop(session_id, None)
        sockets, _away, alive = self._keys(session_id)
        with unavailable_on_failure("note the host's socket gone"):
            await self._departed(keys=[sockets, alive], args=[self.token])

    async def mark_away(self, session_id: str) -> bool:
        """Mark the host away if no live process has a host socket open; True if this did."""
        with unavailable_on_failure("mark the host away"):
            marked = await self._mark_away(
                keys=self._keys(session_id), args=[self.ttl_seconds, self.stale_ms]
            )
        return int(marked) == 1

    async def is_away(self, session_id: str) -> bool:
        """Return whether the host is marked away."""
        with unavailable_on_failure("read the host's presence"):
            return bool(await self.client.exists(self._keys(session_id)[1]))

    def _relay_key(self, connection_id: str) -> str:
        return f"{self.prefix}:host:relay:{connection_id}"

    async def relayed(self, session_id: str, connection_id: str) -> bool:
        """Count a host connection API Gateway holds, until ``unrelayed``; True if marked away."""
        sockets, away, alive = self._keys(session_id)
        with unavailable_on_failure("note the host's connection"):
            # Its session first: a connection counted is always one found.
            await self.client.set(
                self._relay_key(connection_id), session_id, ex=self.relay_hold_seconds
            )
            cleared = await self._relayed(
                keys=[sockets, away, alive],
                args=[f"relay:{connection_id}", self.ttl_seconds, self.relay_hold_seconds * 1000],
            )
        return int(cleared) == 1

    async def unrelayed(self, connection_id: str) -> str | None:
        """Forget a relayed host connection; return its session if it was counted."""
        with unavailable_on_failure("note the host's connection gone"):
            found = await self.client.getdel(self._relay_key(connection_id))
            if found is None:
                return None
            session_id = text(found)
            sockets, _away, alive = self._keys(session_id)
            async with self.client.pipeline(transaction=False) as pipe:
                pipe.hdel(sockets, f"relay:{connection_id}")
                pipe.hdel(alive, f"relay:{connection_id}")
                await pipe.execute()
        return session_id

    async def alive(self) -> list[str]:
        """Say this process is alive in every session it has a host socket open in.

        Return the sessions whose players had been told the host left (this
        process was silent too long): the host is back there, to announce.
        """
        back = []
        for session_id in list(self._open):
            sockets, away, alive = self._keys(session_id)
            try:
                with unavailable_on_failure("say the host's process is alive"):
                    said = await self._alive(keys=[sockets, alive, away], args=[self.token])
            except Exception:
                # One session's failure is not every session's: the next beat tries again.
                log.warning("could not say the host's process is alive", exc_info=True)
                continue
            if int(said) == 2:
                back.append(session_id)
        return back

    async def run(self, on_back: Callable[[str], Awaitable[object]] | None = None) -> None:
        """Say this process is alive three times per stale time, until cancelled.

        ``on_back`` is told of each session whose host is back (see ``alive``).
        """
        while True:
            await asyncio.sleep(self.stale_ms / 3000)
            for session_id in await self.alive():
                if on_back is not None:
                    try:
                        await on_back(session_id)
                    except Exception:
                        log.warning("could not tell players the host is back", exc_info=True)

    def sibling(self) -> RedisHostPresence:
        """Return the same presence as another process (another token) sees it."""
        return RedisHostPresence(
            self.client,
            prefix=self.prefix,
            ttl_seconds=self.ttl_seconds,
            stale_seconds=self.stale_ms / 1000,
            relay_hold_seconds=self.relay_hold_seconds,
        )


# KEYS: the session's leases. ARGV: lease ms, ttl seconds, how many players
# follow, those players, then the players the host removed. Renews each
# player's lease (never shortening one another process renewed later),
# drops the lapsed and the removed; returns the players here.
_RENEW = (
    _NOW
    + """
local lease = now + tonumber(ARGV[1])
local here = tonumber(ARGV[3])
local i = 4
while i < 4 + here do
  local batch = {}
  for j = i, math.min(i + 499, 3 + here) do
    batch[#batch + 1] = lease
    batch[#batch + 1] = ARGV[j]
  end
  redis.call('ZADD', KEYS[1], 'GT', unpack(batch))
  i = i + 500
end
for j = 4 + here, #ARGV do
  redis.call('ZREM', KEYS[1], ARGV[j])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return redis.call('ZRANGE', KEYS[1], 0, -1)
"""
)
_PRESENT = _NOW + "return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')"
_PRESENT_COUNT = _NOW + "return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')"


class RedisPlayerPresence:
    """Who has a live screen open to a session, on any API process (cloud).

    Per session, a sorted set of players by when their lease runs out, on
    Redis's clock. Every API process renews, every ``renew_seconds``, the
    leases of the players with a socket open on it, for ``grace_seconds``
    beyond the next renewal: a player whose screen dropped (a phone's Wi-Fi
    blinking) counts that long, as the embedded hub's presence grace, and
    so do the players of a process that died. Read by the score worker,
    which closes a question once everyone here answered it, and by every
    API process, whose boards carry the count for the host's "N of M".
    """

    def __init__(
        self,
        client: Redis,
        *,
        prefix: str = "quizcore",
        grace_seconds: float = 10.0,
        renew_seconds: float = 2.0,
        ttl_seconds: int = 12 * 3600,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.renew_seconds = max(0.05, renew_seconds)
        self.lease_ms = round((max(0.0, grace_seconds) + 2 * self.renew_seconds) * 1000)
        self.ttl_seconds = max(1, ttl_seconds)
        self._renew = client.register_script(_RENEW)
        self._present = client.register_script(_PRESENT)
        self._present_count = client.register_script(_PRESENT_COUNT)

    def _key(self, session_id: str) -> str:
        return f"{self.prefix}:present:{{{session_id}}}"

    async def renew(
        self, session_id: str, players: Iterable[str], removed: Iterable[str] = ()
    ) -> set[str]:
        """Renew the leases of ``players``, drop the ``removed``; return the players here.

        Here on any process: a host's "N of M" counts, beside them, those
        who answered the open question and left.
        """
        here = list(players)
        args: list[str | int] = [self.lease_ms, self.ttl_seconds, len(here), *here, *removed]
        with unavailable_on_failure("renew the players' presence"):
            found = await self._renew(keys=[self._key(session_id)], args=args)
        return {text(user_id) for user_id in found}

    async def connected(self, session_id: str) -> set[str] | None:
        """Return the players whose lease has not run out."""
        with unavailable_on_failure("read the players' presence"):
            found = await self._present(keys=[self._key(session_id)])
        return {text(user_id) for user_id in found}

    async def connected_count(self, session_id: str) -> int | None:
        """Return how many players' leases have not run out."""
        with unavailable_on_failure("count the players' presence"):
            return int(await self._present_count(keys=[self._key(session_id)]))
