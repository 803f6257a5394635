"""API Gateway's WebSocket API, served over HTTP: ``POST /ws/gateway/*``.

API Gateway terminates the clients' WebSockets and calls these routes on
``$connect``, ``$disconnect`` and every message (``$default``), with the
connection ID in the ``X-Connection-Id`` header. The API answers clients by
posting to ``@connections`` (``settings.apigw_ws_callback_url``); session
events reach them from the notification worker (``ApiGatewayNotifier``).

``$connect`` needs the ``session_id`` and ``access_token`` query
parameters of the client's connect URL, mapped onto the integration request.

API Gateway opens a connection only once ``$connect`` has answered 200 (a
post before that gets 410, as one to a gone connection does), so the
``session.snapshot`` a native socket gets first is posted by ``Greeter``
a moment after the answer, again until API Gateway takes it, followed by
the session's events since the snapshot's ``seq`` that the notification
worker could not post to the connection before it was open.

A host's connection counts as a screen of the host (``HostPresence.relayed``)
until its ``$disconnect``: players are told the host left once no screen of
theirs is open anywhere, and what the API announces itself (``host.left``,
``host.joined``) is posted to the session's connections by ``Relay``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import falcon.asgi
import orjson

from entrypoints.api.context import ApiContext
from entrypoints.api.live import Live, error_frame, submit_from_socket
from entrypoints.wiring import GatewayLinks, open_links
from quizcore.errors import InvalidRequest, NotParticipant, QuizError, StoreUnavailable

log = logging.getLogger(__name__)

MAX_FRAME = 8 * 1024
# Seconds to wait before each try to post a new connection's snapshot: API
# Gateway opens it once ``$connect`` has answered (tries stop once it is
# disconnected; about 6 s in all).
GREET_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2)

# Builds a receiver's ``session.snapshot`` frame: (session, user, seq) -> text.
Snapshot = Callable[[str, str, int], Awaitable[str]]

if TYPE_CHECKING:
    from adapters.aws_messaging.apigateway import ApiGatewayNotifier


class Links:
    """Opens the links on first use (the routes are off unless configured)."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx
        self._links: GatewayLinks | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> GatewayLinks:
        """Return the links, opening them once."""
        if self._links is None:
            async with self._lock:
                if self._links is None:
                    self._links = await open_links(self.ctx.settings)
        return self._links


class Relay:
    """Posts what the API announces itself to the session's API Gateway connections.

    ``host.left`` and ``host.joined`` are decided in the API and go out
    through the fan-out, which the notification worker does not read; the
    events it does read it posts itself, numbered. Posted from here beside
    those, they carry no ``seq`` (as replies do): a client drops a number
    it has passed, and two posters cannot keep one connection's numbers in
    order. The snapshot's ``host_away`` is the state they report. Posted in
    the background: a room of thousands takes a while, and neither a
    ``$connect`` nor a host's snapshot waits for it.
    """

    def __init__(self, ctx: ApiContext, links: Links) -> None:
        self.ctx = ctx
        self.links = links
        self._notifier: ApiGatewayNotifier | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def __call__(self, session_id: str, event: dict[str, Any]) -> None:
        """Start posting the event to every connection of the session."""
        task = asyncio.create_task(self._post(session_id, event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settled(self) -> None:
        """Wait until every post started so far is done."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def _post(self, session_id: str, event: dict[str, Any]) -> None:
        try:
            if self._notifier is None:
                # Imported here: it needs a cloud extra, which the local profile lacks.
                from adapters.aws_messaging.apigateway import ApiGatewayNotifier

                links = await self.links.get()
                leaderboard = self.ctx.services.leaderboard
                self._notifier = ApiGatewayNotifier(
                    links.connections, links.registry, leaderboard=leaderboard
                )
            unnumbered = {key: value for key, value in event.items() if key != "seq"}
            await self._notifier.deliver(session_id, unnumbered, None)
        except Exception:
            log.warning(
                "could not post %s to API Gateway's connections", event.get("type"), exc_info=True
            )


class Greeter:
    """Posts each new connection its ``session.snapshot`` once API Gateway opened it."""

    def __init__(self, ctx: ApiContext, links: Links, snapshot: Snapshot) -> None:
        self.ctx = ctx
        self.links = links
        self.snapshot = snapshot
        self._tasks: set[asyncio.Task[bool]] = set()

    def start(self, session_id: str, connection_id: str, user_id: str) -> None:
        """Greet the connection in the background (``$connect`` must answer first)."""
        task = asyncio.create_task(self.greet(session_id, connection_id, user_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settled(self) -> None:
        """Wait until every greeting started so far is done."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def greet(self, session_id: str, connection_id: str, user_id: str) -> bool:
        """Post the snapshot, then what was missed since; return whether it got there.

        The snapshot's ``seq`` is the last this process has seen of the
        session, read before the state it shows: an event posted to the
        connection meanwhile numbers above it and comes again after it,
        and clients drop a ``seq`` they already have.
        """
        links = await self.links.get()
        for delay in GREET_DELAYS:
            await asyncio.sleep(delay)
            try:
                if await links.registry.lookup(connection_id) is None:
                    return False  # disconnected (or refused) meanwhile
                hub = self.ctx.hub
                seq = hub.seq(session_id) if hub is not None else 0
                frame = await self.snapshot(session_id, user_id, seq)
                if not await links.connections.post(connection_id, frame):
                    continue  # not open yet (or gone: the next lookup tells)
                await links.registry.opened(connection_id)
                missed = hub.replay(session_id, seq, user_id) if hub is not None else None
                for event in missed or ():
                    if not await links.connections.post(connection_id, event):
                        break
                return True
            except QuizError as ex:
                # The store did not answer, or the session is gone: try again
                # while there are tries left; the client can still read REST.
                log.warning("could not greet connection %s: %s", connection_id, ex)
            except Exception:
                log.exception("greeting connection %s failed", connection_id)
                return False
        log.info("connection %s was not opened in time for its snapshot", connection_id)
        return False


def _connection_id(req: falcon.asgi.Request) -> str:
    connection_id = req.get_header("X-Connection-Id")
    if not connection_id:
        raise InvalidRequest("the X-Connection-Id header is required")
    return connection_id


def _frame(payload: dict[str, Any]) -> str:
    return orjson.dumps(payload).decode()


class GatewayConnect:
    """``POST /ws/gateway/connect``: authenticate, check membership, register."""

    def __init__(self, ctx: ApiContext, links: Links, greeter: Greeter, live: Live) -> None:
        self.ctx = ctx
        self.links = links
        self.greeter = greeter
        self.live = live

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Accept (200) or refuse (401/403 problem: API Gateway rejects the connect).

        An accepted connection is sent its snapshot once open (``Greeter``);
        the host's counts as their screen until its ``$disconnect``.
        """
        connection_id = _connection_id(req)
        caller = await self.ctx.authenticate(req.get_param("access_token"))
        sid = self.ctx.session_id(req.get_param("session_id") or "")
        state = await self.ctx.services.quiz.session(sid)
        if caller.user_id != state.host_id:
            joined = await self.ctx.services.sessions.get_participant(sid, caller.user_id)
            if joined is None:
                raise NotParticipant(f"join session {sid} first")
        await self.ctx.ensure_board(sid)
        links = await self.links.get()
        await links.registry.add(sid, connection_id, caller.user_id, caller.expires_at)
        if caller.user_id == state.host_id:
            await self.live.host_back(sid, relayed=connection_id)
        self.greeter.start(sid, connection_id, caller.user_id)
        resp.status = falcon.HTTP_200
        resp.media = {"session_id": sid, "user_id": caller.user_id}


class GatewayDisconnect:
    """``POST /ws/gateway/disconnect``: forget the connection."""

    def __init__(self, links: Links, live: Live) -> None:
        self.links = links
        self.live = live

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Unregister; unknown connections are fine.

        A host's connection was a screen of theirs: players are told the
        host left if no other is back within a moment.
        """
        connection_id = _connection_id(req)
        # First: API Gateway does not call again if the registry fails below.
        await self.live.relay_gone(connection_id)
        links = await self.links.get()
        await links.registry.remove(connection_id)
        resp.status = falcon.HTTP_204


class GatewayMessage:
    """``POST /ws/gateway/message``: a client's frame, answered through ``@connections``."""

    def __init__(self, ctx: ApiContext, links: Links) -> None:
        self.ctx = ctx
        self.links = links

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Handle ``ping`` and ``answer.submit`` as the native live channel does."""
        connection_id = _connection_id(req)
        links = await self.links.get()
        found = await links.registry.lookup(connection_id)
        if found is None:
            raise StoreUnavailable("unknown connection; reconnect")
        session_id, user_id, expires_at = found
        resp.status = falcon.HTTP_204
        if expires_at and expires_at <= time.time():
            # As a native socket is closed with 4401 when its token runs out.
            # Imported here: it needs a cloud extra, which the local profile lacks.
            from adapters.aws_messaging.apigateway import expire

            await expire(links.connections, links.registry, session_id, connection_id)
            return
        raw = await req.bounded_stream.read(MAX_FRAME + 1)
        if len(raw) > MAX_FRAME:
            await self._reply(
                links,
                connection_id,
                session_id,
                error_frame("payload_too_large", "frames are limited to 8 KiB"),
            )
            return
        try:
            message = orjson.loads(raw)
        except orjson.JSONDecodeError:
            message = None
        if not isinstance(message, dict):
            await self._reply(
                links,
                connection_id,
                session_id,
                error_frame("invalid_request", "a message must be a JSON object"),
            )
            return
        kind = message.get("type")
        if kind == "ping":
            await self._reply(links, connection_id, session_id, {"type": "pong"})
        elif kind == "answer.submit":
            await self._submit(links, connection_id, session_id, user_id, message)
        else:
            await self._reply(
                links,
                connection_id,
                session_id,
                error_frame("invalid_request", f"unknown message type {kind!r}"),
            )

    async def _reply(
        self, links: GatewayLinks, connection_id: str, session_id: str, event: dict[str, Any]
    ) -> None:
        # Replies (pong, refused frames) carry no seq: they are not session events.
        if not await links.connections.post(connection_id, _frame(event)):
            await links.registry.remove(connection_id, session_id)

    async def _submit(
        self,
        links: GatewayLinks,
        connection_id: str,
        session_id: str,
        user_id: str,
        message: dict[str, Any],
    ) -> None:
        try:
            # Blocked since the connect: nothing is scored (the socket stays
            # with API Gateway; the error tells the client why).
            await self.ctx.ensure_active(user_id)
        except QuizError as ex:
            reply: dict[str, Any] | None = error_frame(
                ex.code, ex.detail, str(message.get("submission_id") or "")
            )
        else:
            reply = await submit_from_socket(self.ctx, session_id, user_id, message, "apigateway")
        if reply is not None:
            await self._reply(links, connection_id, session_id, reply)


def add_gateway_routes(app: Any, ctx: ApiContext, live: Live) -> Greeter:
    """Mount the ``/ws/gateway`` routes and the relay; return their greeter (with the links)."""
    links = Links(ctx)
    greeter = Greeter(ctx, links, live.snapshot)
    ctx.relay = Relay(ctx, links)
    app.add_route("/ws/gateway/connect", GatewayConnect(ctx, links, greeter, live))
    app.add_route("/ws/gateway/disconnect", GatewayDisconnect(links, live))
    app.add_route("/ws/gateway/message", GatewayMessage(ctx, links))
    return greeter
