"""Tell every API process that a user's status changed, over Redis pub/sub.

The identity provider's webhook reaches one API process; the user's sockets
may be open on any other. The process that handled the webhook publishes
``{"user_id", "status"}`` here and every process (itself included) updates
its cached status and closes that user's sockets when they are blocked.

Pub/sub is at most once: a process that misses a message still stops
trusting its cached status after the cache's expiry, so a lost message
delays a block by that long at worst.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from adapters.redis.errors import unavailable_on_failure

log = logging.getLogger(__name__)

StatusHandler = Callable[[str, str], Awaitable[None]]


class RedisUserStatusChannel:
    """Publish and follow user-status changes on one pub/sub channel."""

    def __init__(self, client: Redis, *, prefix: str = "quizcore") -> None:
        self.client = client
        self.channel = f"{prefix}:user-status"

    async def publish(self, user_id: str, status: str) -> None:
        """Announce a user's new status to every subscribed process."""
        message = json.dumps({"user_id": user_id, "status": status})
        with unavailable_on_failure("publish user status"):
            await self.client.publish(self.channel, message)

    async def follow(self, handler: StatusHandler, ready: asyncio.Event | None = None) -> None:
        """Call ``handler(user_id, status)`` for every change until cancelled.

        Reconnects after a Redis failure; ``ready`` is set once subscribed.
        """
        while True:
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                if ready is not None:
                    ready.set()
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    await self._deliver(handler, message.get("data"))
            except (RedisError, OSError) as ex:
                log.warning("user status channel lost; resubscribing", extra={"error": str(ex)})
                await asyncio.sleep(1.0)
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    @staticmethod
    async def _deliver(handler: StatusHandler, data: object) -> None:
        try:
            decoded = json.loads(data) if isinstance(data, bytes | str) else None
        except ValueError:
            decoded = None
        if not isinstance(decoded, dict):
            return
        user_id, status = decoded.get("user_id"), decoded.get("status")
        if isinstance(user_id, str) and isinstance(status, str):
            await handler(user_id, status)
