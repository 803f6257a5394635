"""Push frames to API Gateway WebSocket clients through ``@connections``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from botocore.exceptions import ClientError

from adapters.aws_messaging.client import AWS_ERRORS, error_code
from adapters.websocket_hub import dumps
from quizcore.errors import StoreUnavailable
from quizcore.ports import Leaderboard
from quizcore.services import session_board
from quizcore.timefmt import present

# Posts to ``@connections`` in flight at once per event (the client's pool
# holds 50 connections: ``adapters.aws_messaging.client``).
POST_CONCURRENCY = 32


class ApiGatewayConnections:
    """A small async adapter over an ``apigatewaymanagementapi`` client.

    The client's endpoint is the WebSocket API's https callback URL (the
    ``@connections`` endpoint); the composition root opens it.
    """

    def __init__(self, client: Any) -> None:
        self.client = client

    async def post(self, connection_id: str, text: str) -> bool:
        """Send one frame; return False when the connection is gone (drop it)."""
        try:
            await self.client.post_to_connection(ConnectionId=connection_id, Data=text.encode())
        except ClientError as ex:
            if error_code(ex) in ("GoneException", "410"):
                return False
            raise StoreUnavailable(f"post_to_connection failed: {error_code(ex)}: {ex}") from ex
        except AWS_ERRORS as ex:
            raise StoreUnavailable(f"post_to_connection failed: {error_code(ex)}: {ex}") from ex
        return True

    async def close(self, connection_id: str) -> None:
        """Close a client's connection (already gone is fine)."""
        try:
            await self.client.delete_connection(ConnectionId=connection_id)
        except ClientError as ex:
            if error_code(ex) in ("GoneException", "410"):
                return
            raise StoreUnavailable(f"delete_connection failed: {error_code(ex)}: {ex}") from ex
        except AWS_ERRORS as ex:
            raise StoreUnavailable(f"delete_connection failed: {error_code(ex)}: {ex}") from ex


# What a connection whose token ran out is told before API Gateway closes it
# (a native socket is closed with 4401 instead; API Gateway sends no code).
EXPIRED_FRAME = dumps(
    {
        "type": "error",
        "code": "unauthorized",
        "detail": "your sign-in expired: reconnect with a new token",
    }
)


class ConnectionRegistry(Protocol):
    """Where a session's API Gateway connections are found."""

    async def holders(self, session_id: str) -> dict[str, tuple[str, float]]:
        """Return ``connection_id -> (user_id, token expiry, epoch s; 0: none)``."""
        ...

    async def remove(self, connection_id: str, session_id: str | None = None) -> None: ...

    async def opening(self, connection_id: str) -> bool:
        """Return whether API Gateway may not have opened the connection yet."""
        ...


async def expire(
    connections: ApiGatewayConnections,
    registry: ConnectionRegistry,
    session_id: str,
    connection_id: str,
) -> None:
    """Tell a connection its token ran out, then close and forget it."""
    await connections.post(connection_id, EXPIRED_FRAME)
    await connections.close(connection_id)
    await registry.remove(connection_id, session_id)


class ApiGatewayNotifier:
    """Post fanned-out session events to a session's API Gateway connections.

    Fed by the notification worker's ``FanoutNotifier`` with each event as
    the fan-out returned it (so with its ``seq``): events to the whole
    session go to every connection, user-targeted ones to that user's only,
    and ``leaderboard.updated`` (already coalesced by the fan-out notifier)
    gets each receiver's own ``me`` spliced in, as ``WebSocketHub`` does.
    Gone connections are dropped from the registry, but not one API Gateway
    has not opened yet (its ``$connect`` is still being answered, and a post
    gets the same 410): it misses the event, and the snapshot the API sends
    it once open covers it. A connection whose token ran out is told so and
    closed instead of sent the event (API Gateway would keep it open for up
    to two hours).

    ``@connections`` takes one frame per request: an event's posts go out
    ``concurrency`` at a time (a room of 10,000 one by one would take
    minutes per event), and every post of an event is done before the next
    event's start, so each connection gets the session's events in order.
    """

    def __init__(
        self,
        connections: ApiGatewayConnections,
        registry: ConnectionRegistry,
        *,
        leaderboard: Leaderboard,
        wall_clock: Callable[[], float] = time.time,
        concurrency: int = POST_CONCURRENCY,
    ) -> None:
        self.connections = connections
        self.concurrency = max(1, concurrency)
        self.registry = registry
        self.leaderboard = leaderboard
        self.wall_clock = wall_clock
        self.frames_sent = 0
        # Answers scored per session and question, counted once per submission.
        self._answer_counts: dict[str, dict[str, int]] = {}
        # Per session: (user, submission) -> question id, for each answer counted.
        self._counted: dict[str, dict[tuple[str, str], str]] = {}

    async def deliver(self, session_id: str, event: dict[str, Any], user_id: str | None) -> None:
        """Post one event (carrying its ``seq``) to the connections that see it."""
        receivers = await self._receivers(session_id, user_id)
        if event.get("type") == "leaderboard.updated":
            await self._splice(session_id, event, receivers)
            return
        if event.get("type") == "answer.result" and user_id is not None:
            self._count(session_id, user_id, event)
        frame = dumps(present(event))
        await self._post_all(session_id, ((connection_id, frame) for connection_id in receivers))
        if event.get("type") == "participant.removed":
            # Told first, then disconnected: the host removed them.
            removed = str(event.get("user_id", ""))
            self._uncount(session_id, removed)
            for connection_id, holder in receivers.items():
                if holder == removed:
                    await self.connections.close(connection_id)
                    await self.registry.remove(connection_id, session_id)

    async def _receivers(self, session_id: str, user_id: str | None) -> dict[str, str]:
        """Return the connections an event goes to; close those whose token ran out."""
        now = self.wall_clock()
        receivers: dict[str, str] = {}
        for connection_id, (holder, expires_at) in (
            await self.registry.holders(session_id)
        ).items():
            if user_id is not None and holder != user_id:
                continue
            if expires_at and expires_at <= now:
                await expire(self.connections, self.registry, session_id, connection_id)
            else:
                receivers[connection_id] = holder
        return receivers

    def _count(self, session_id: str, user_id: str, event: dict[str, Any]) -> None:
        counted = self._counted.setdefault(session_id, {})
        submission = (user_id, str(event.get("submission_id")))
        if submission in counted:
            return
        question = counted[submission] = str(event.get("question_id", ""))
        counts = self._answer_counts.setdefault(session_id, {})
        counts[question] = counts.get(question, 0) + 1

    def _uncount(self, session_id: str, user_id: str) -> None:
        """Take a removed player's answers out of the live counts."""
        counted = self._counted.get(session_id, {})
        counts = self._answer_counts.get(session_id, {})
        for submission in [key for key in counted if key[0] == user_id]:
            question = counted.pop(submission)
            counts[question] = max(0, counts.get(question, 0) - 1)

    async def _splice(
        self, session_id: str, event: dict[str, Any], receivers: dict[str, str]
    ) -> None:
        shared = {key: value for key, value in event.items() if key != "me"}
        shared["answer_counts"] = dict(self._answer_counts.get(session_id, {}))
        head = dumps(shared)[:-1]
        # Every receiver's standing in one read.
        found = await self.leaderboard.standings(
            session_board(session_id), list(set(receivers.values()))
        )
        mine = {
            user_id: f'{{"rank":{standing.rank},"score":{standing.score}}}'
            for user_id, standing in found.items()
        }
        await self._post_all(
            session_id,
            (
                (connection_id, f'{head},"me":{mine.get(user_id, "null")}}}')
                for connection_id, user_id in receivers.items()
            ),
        )

    async def _post_all(self, session_id: str, frames: Iterable[tuple[str, str]]) -> None:
        """Post each ``(connection, frame)``, ``concurrency`` at a time; raise the first failure.

        Every post is tried: one connection's failure is not the others'.
        """
        gate = asyncio.Semaphore(self.concurrency)

        async def post(connection_id: str, frame: str) -> None:
            async with gate:
                await self._post(session_id, connection_id, frame)

        outcomes = await asyncio.gather(
            *(post(connection_id, frame) for connection_id, frame in frames),
            return_exceptions=True,
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    async def _post(self, session_id: str, connection_id: str, frame: str) -> None:
        if await self.connections.post(connection_id, frame):
            self.frames_sent += 1
        elif not await self.registry.opening(connection_id):
            await self.registry.remove(connection_id, session_id)
