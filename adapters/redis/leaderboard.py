"""Leaderboards in Redis sorted sets: exact and idempotent.

Encoding
--------
A sorted-set score is an IEEE double, exact for integers up to 2**53. Packing
score and time into one double leaves too few bits for either (epoch
milliseconds alone need 41), so the tie break lives in the member instead:

* zset score = ``-score`` (the user's score, negated, exact while
  ``abs(score) < 2**53``), so ``ZRANGE`` in ascending order lists the highest
  score first;
* member = ``f"{reached_at:019d}:{user_id}"``. Redis orders members of equal
  score by their bytes, so within one score the fixed-width, zero-padded
  ``reached_at`` orders earlier first, then ``user_id`` ascending (UTF-8 byte
  order is code point order, the same as Python's ``str`` order).

That is exactly ``quizcore.scoring.order_key`` with no ``ZREVRANGE`` (whose
reverse member order would list ``user_id`` descending). Competition rank is
``1 + ZCOUNT board -inf (-score``: the entries with a strictly higher score.

Bounds (``ValueError`` outside): ``abs(score) <= 2**53 - 1``,
``0 <= reached_at <= 10**19 - 1``.

Keys of a board share the hash tag ``{board}`` so the Lua scripts touch one
cluster slot: ``<prefix>:lb:{<board>}:z`` (the zset), ``...:m`` (user id ->
member), ``...:v`` (version).

Version
-------
The version is a counter bumped in the same script as the change. When the
counter is (re)created it starts from the Redis server's clock in
microseconds, so after a flush or restart of Redis it still exceeds every
version handed out before (a board would need more than one change per
microsecond to catch up with the clock). It fits in 2**53, so JavaScript
clients read it exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from redis.asyncio import Redis

from adapters.redis.errors import text, unavailable_on_failure
from quizcore.ports import Leaderboard, ScoreStore
from quizcore.scoring import Standing
from quizcore.services import session_board
from quizcore.services.common import gather_bounded

MAX_SCORE = 2**53 - 1
MAX_REACHED_AT = 10**19 - 1
_REACHED_WIDTH = 19

# Shared by the scripts that change a board: create the counter from the
# server clock (microseconds, as a string: no float formatting) when missing.
_BUMP = """
local function bump(key)
  if redis.call('EXISTS', key) == 0 then
    local now = redis.call('TIME')
    redis.call('SET', key, now[1] .. string.format('%06d', tonumber(now[2])))
  end
  return redis.call('INCR', key)
end
local function expire(ttl, ...)
  if ttl > 0 then
    for _, key in ipairs({...}) do redis.call('EXPIRE', key, ttl) end
  end
end
"""

# KEYS: zset, members, version. ARGV: user_id, member, negated score, ttl.
# Check and raise in one step: a lower or equal score changes nothing, so
# redelivered submits are no-ops and never bump the version.
_SUBMIT = (
    _BUMP
    + """
local old = redis.call('HGET', KEYS[2], ARGV[1])
if old then
  local stored = redis.call('ZSCORE', KEYS[1], old)
  if stored and tonumber(stored) <= tonumber(ARGV[3]) then
    return 0
  end
  redis.call('ZREM', KEYS[1], old)
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
bump(KEYS[3])
expire(tonumber(ARGV[4]), KEYS[1], KEYS[2], KEYS[3])
return 1
"""
)

# KEYS: zset, members. ARGV: user_id. Returns {member, zscore, higher} or nil.
_STANDING = """
local member = redis.call('HGET', KEYS[2], ARGV[1])
if not member then return nil end
local stored = redis.call('ZSCORE', KEYS[1], member)
if not stored then return nil end
return {member, stored, redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. stored)}
"""

# KEYS: zset, members, version. ARGV: ttl.
_CLEAR = (
    _BUMP
    + """
redis.call('DEL', KEYS[1], KEYS[2])
bump(KEYS[3])
expire(tonumber(ARGV[1]), KEYS[3])
return 1
"""
)

# KEYS: zset, members, version. ARGV: user_id, ttl. Returns 1 if the entry was there.
_REMOVE = (
    _BUMP
    + """
local old = redis.call('HGET', KEYS[2], ARGV[1])
if not old then return 0 end
redis.call('ZREM', KEYS[1], old)
redis.call('HDEL', KEYS[2], ARGV[1])
bump(KEYS[3])
expire(tonumber(ARGV[2]), KEYS[3])
return 1
"""
)


def encode_member(user_id: str, reached_at: int) -> str:
    """Return the zset member that orders ties by time, then user id."""
    if not 0 <= reached_at <= MAX_REACHED_AT:
        raise ValueError(f"reached_at {reached_at} is outside 0..{MAX_REACHED_AT}")
    return f"{reached_at:0{_REACHED_WIDTH}d}:{user_id}"


def decode_member(member: bytes | str) -> tuple[str, int]:
    """Return ``(user_id, reached_at)`` of a zset member."""
    value = text(member)
    return value[_REACHED_WIDTH + 1 :], int(value[:_REACHED_WIDTH])


def check_score(score: int) -> int:
    """Return the score if a double holds it exactly, else raise ValueError."""
    if isinstance(score, bool) or not isinstance(score, int) or abs(score) > MAX_SCORE:
        raise ValueError(f"score {score!r} is not a whole number within +-(2**53 - 1)")
    return score


def _standing_of(user_id: str, found: Any) -> Standing | None:
    """Return the standing the script ``standing`` read, or None if it found none."""
    if not found:
        return None
    member, negated, higher = found
    return Standing(
        rank=1 + int(higher),
        user_id=user_id,
        score=-int(float(text(negated))),
        reached_at=decode_member(member)[1],
    )


class RedisLeaderboard:
    """The ``Leaderboard`` port on Redis sorted sets; see the module notes.

    ``client`` is a ``redis.asyncio.Redis`` (decoded responses or not);
    ``prefix`` namespaces every key. Boards of sessions (``session:<id>``)
    expire ``session_ttl_seconds`` after their last change when set; other
    boards (the global one) never expire.
    """

    def __init__(
        self,
        client: Redis,
        *,
        prefix: str = "quizcore",
        session_ttl_seconds: int | None = None,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.session_ttl_seconds = session_ttl_seconds
        self._submit = client.register_script(_SUBMIT)
        self._standing = client.register_script(_STANDING)
        self._clear = client.register_script(_CLEAR)
        self._remove = client.register_script(_REMOVE)

    def keys(self, board: str) -> tuple[str, str, str]:
        """Return the (zset, members, version) keys of a board."""
        base = f"{self.prefix}:lb:{{{board}}}"
        return f"{base}:z", f"{base}:m", f"{base}:v"

    def _ttl(self, board: str) -> int:
        if self.session_ttl_seconds and board.startswith(session_board("")):
            return self.session_ttl_seconds
        return 0

    async def submit(self, board: str, user_id: str, score: int, reached_at: int) -> bool:
        """Raise the user's entry to ``score`` if higher (atomic, idempotent)."""
        member = encode_member(user_id, reached_at)
        negated = -check_score(score)
        with unavailable_on_failure("leaderboard submit"):
            changed = await self._submit(
                keys=list(self.keys(board)),
                args=[user_id, member, negated, self._ttl(board)],
            )
        return bool(changed)

    async def top(self, board: str, limit: int) -> list[Standing]:
        """Return the first ``limit`` standings with competition ranks."""
        if limit <= 0:
            return []
        zset = self.keys(board)[0]
        with unavailable_on_failure("leaderboard top"):
            rows = await self.client.zrange(zset, 0, limit - 1, withscores=True)
        standings: list[Standing] = []
        rank = 0
        previous: int | None = None
        # The page starts at the top, so a score's first position is its rank.
        for position, (member, negated) in enumerate(rows, start=1):
            score = -int(negated)
            if score != previous:
                rank, previous = position, score
            user_id, reached_at = decode_member(member)
            standings.append(
                Standing(rank=rank, user_id=user_id, score=score, reached_at=reached_at)
            )
        return standings

    async def standing(self, board: str, user_id: str) -> Standing | None:
        """Return the user's rank and score in one atomic read, or None."""
        zset, members, _version = self.keys(board)
        with unavailable_on_failure("leaderboard standing"):
            found = await self._standing(keys=[zset, members], args=[user_id])
        return _standing_of(user_id, found)

    async def standings(self, board: str, user_ids: list[str]) -> dict[str, Standing]:
        """Return the standings of those users who are on the board, in one round trip.

        Each user's standing is read atomically (the script ``standing``
        runs); the users are read one after the other within the pipeline.
        """
        if not user_ids:
            return {}
        zset, members, _version = self.keys(board)
        with unavailable_on_failure("leaderboard standings"):
            async with self.client.pipeline(transaction=False) as pipe:
                for user_id in user_ids:
                    await self._standing(keys=[zset, members], args=[user_id], client=pipe)
                rows = await pipe.execute()
        read = (_standing_of(user_id, row) for user_id, row in zip(user_ids, rows, strict=True))
        return {standing.user_id: standing for standing in read if standing is not None}

    async def size(self, board: str) -> int:
        """Return how many entries the board has."""
        with unavailable_on_failure("leaderboard size"):
            return int(await self.client.zcard(self.keys(board)[0]))

    async def version(self, board: str) -> int:
        """Return the board's version; 0 for a board never changed."""
        with unavailable_on_failure("leaderboard version"):
            value = await self.client.get(self.keys(board)[2])
        return int(value) if value is not None else 0

    async def clear(self, board: str) -> None:
        """Drop the board's entries; its version keeps growing."""
        with unavailable_on_failure("leaderboard clear"):
            await self._clear(keys=list(self.keys(board)), args=[self._ttl(board)])

    async def remove(self, board: str, user_id: str) -> bool:
        """Take the user's entry off the board (atomic, idempotent); True if it was there."""
        with unavailable_on_failure("leaderboard remove"):
            removed = await self._remove(
                keys=list(self.keys(board)), args=[user_id, self._ttl(board)]
            )
        return bool(removed)


async def rebuild_session_board(
    leaderboard: Leaderboard,
    scores: ScoreStore,
    session_id: str,
    *,
    participants: Iterable[str] = (),
    concurrency: int = 32,
) -> int:
    """Re-submit a session's stored scores to its board; return the count.

    A leaderboard lost with Redis (flush, restart, eviction) is rebuilt from
    the score store (DynamoDB). Submits only ever raise, so this is safe to
    run while live scoring goes on and to run again: it never clears, and a
    live submit racing it can only win with a higher score. ``participants``
    who have no score yet are entered with 0, as joining does.
    """
    board = session_board(session_id)
    stored = await scores.scores(session_id)
    entries = {user_id: (0, 0) for user_id in participants}
    entries.update({entry.user_id: (entry.score, entry.reached_at) for entry in stored})
    await gather_bounded(
        [leaderboard.submit(board, user, *entry) for user, entry in entries.items()],
        concurrency,
    )
    return len(entries)


async def restore_session_board(
    leaderboard: Leaderboard,
    scores: ScoreStore,
    session_id: str,
    *,
    participants: Iterable[str] = (),
) -> int:
    """Rebuild the session's board if it is empty; return entries added.

    Cheap to call on every read path that finds a board missing (one
    ``ZCARD``); a board that still has entries is left alone.
    """
    if await leaderboard.size(session_board(session_id)) > 0:
        return 0
    return await rebuild_session_board(leaderboard, scores, session_id, participants=participants)
