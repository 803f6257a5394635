"""The host's presence across API processes, in Redis.

Per session a hash ``process token -> host sockets open there`` and a flag
``away``, set once players were told the host left. Each change is a Lua
script, so that of several processes deciding at once exactly one announces
it. A process that dies with a host socket open leaves its count behind until
the hash expires (``ttl_seconds``, renewed at each arrival): players are then
not told the host left, rather than told wrongly.
"""

from __future__ import annotations

import uuid

from redis.asyncio import Redis

from adapters.redis.errors import unavailable_on_failure

# KEYS: sockets hash, away flag. ARGV: token, ttl seconds.
_ARRIVED = """
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('EXPIRE', KEYS[1], ARGV[2])
return redis.call('DEL', KEYS[2])
"""
# KEYS: sockets hash. ARGV: token.
_DEPARTED = """
local left = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if left <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return left
"""
# KEYS: sockets hash, away flag. ARGV: ttl seconds.
_MARK_AWAY = """
for _, open in ipairs(redis.call('HVALS', KEYS[1])) do
  if tonumber(open) > 0 then return 0 end
end
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then return 1 end
return 0
"""


class RedisHostPresence:
    """HostPresence shared by every API process through Redis."""

    def __init__(
        self,
        client: Redis,
        *,
        prefix: str = "quizcore",
        ttl_seconds: int = 12 * 3600,
        token: str | None = None,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.ttl_seconds = max(1, ttl_seconds)
        # This process's field in each session's hash.
        self.token = token or uuid.uuid4().hex
        self._arrived = client.register_script(_ARRIVED)
        self._departed = client.register_script(_DEPARTED)
        self._mark_away = client.register_script(_MARK_AWAY)

    def _keys(self, session_id: str) -> list[str]:
        base = f"{self.prefix}:host:{session_id}"
        return [f"{base}:sockets", f"{base}:away"]

    async def arrived(self, session_id: str) -> bool:
        """Count a host socket opened here; True if the host had been marked away."""
        with unavailable_on_failure("note the host's socket"):
            cleared = await self._arrived(
                keys=self._keys(session_id), args=[self.token, self.ttl_seconds]
            )
        return int(cleared) == 1

    async def departed(self, session_id: str) -> None:
        """Count a host socket of this process gone."""
        with unavailable_on_failure("note the host's socket gone"):
            await self._departed(keys=self._keys(session_id)[:1], args=[self.token])

    async def mark_away(self, session_id: str) -> bool:
        """Mark the host away if no process has a host socket open; True if this did."""
        with unavailable_on_failure("mark the host away"):
            marked = await self._mark_away(keys=self._keys(session_id), args=[self.ttl_seconds])
        return int(marked) == 1

    async def is_away(self, session_id: str) -> bool:
        """Return whether the host is marked away."""
        with unavailable_on_failure("read the host's presence"):
            return bool(await self.client.exists(self._keys(session_id)[1]))

    def sibling(self) -> RedisHostPresence:
        """Return the same presence as another process (another token) sees it."""
        return RedisHostPresence(self.client, prefix=self.prefix, ttl_seconds=self.ttl_seconds)
