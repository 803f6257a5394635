"""Redis (ElastiCache) adapters: leaderboards, quiz cache, fan-out."""

from adapters.redis.cache import RedisQuizCache
from adapters.redis.client import open_redis, ping_redis
from adapters.redis.errors import unavailable_on_failure
from adapters.redis.fanout import FanoutMessage, FanoutSubscription, RedisFanout
from adapters.redis.leaderboard import (
    RedisLeaderboard,
    rebuild_session_board,
    restore_session_board,
)

__all__ = [
    "FanoutMessage",
    "FanoutSubscription",
    "RedisFanout",
    "RedisLeaderboard",
    "RedisQuizCache",
    "open_redis",
    "ping_redis",
    "rebuild_session_board",
    "restore_session_board",
    "unavailable_on_failure",
]
