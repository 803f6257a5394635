"""The live channel: one WebSocket per client, fed by the hub."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import falcon.asgi
import orjson
from falcon import WebSocketDisconnected
from falcon.errors import PayloadTypeError
from pydantic import ValidationError

from adapters.websocket_hub import RESNAPSHOT, Connection, Suspended, dumps
from entrypoints.api.context import REMOVED_REASON, ApiContext, LiveGuard, new_submission_id
from entrypoints.api.errors import TooManySockets, ValidationFailed
from entrypoints.api.schemas import AnswerIn
from quizcore.errors import NotParticipant, QuizError
from quizcore.services import session_board
from quizcore.session import SessionState
from quizcore.timefmt import present

log = logging.getLogger(__name__)

# A lobby snapshot names every player up to this many (the web client shows
# 60); lists are remembered for this many lobbies at most.
LOBBY_NAMES = 60
LOBBIES_KEPT = 1_000

# Close codes (RFC 6455 and the application range): documented in API notes.
CLOSE_UNSUPPORTED_DATA = 1003
CLOSE_TOO_MANY_SOCKETS = 4429
# How long a socket being closed by the server may take to send what it has queued.
CLOSE_FLUSH_SECONDS = 1.0


class Removed(NotParticipant):
    """A socket of a player the host removed (closed with its own reason)."""


def error_frame(code: str, detail: str, submission_id: str | None = None) -> dict[str, Any]:
    """Return an ``error`` frame for a client message the server refused."""
    return {"type": "error", "code": code, "detail": detail, "submission_id": submission_id}


class Live:
    """``GET /v1/sessions/{session_id}/live``: session events over a WebSocket."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx
        # Per session, the pending check whether the host left for good.
        self._away_checks: dict[str, asyncio.Task[None]] = {}
        # Per lobby, its player count and list when last read (``_lobby``).
        self._lobbies: dict[str, tuple[int, asyncio.Future[list[dict[str, str]]]]] = {}

    async def on_websocket(
        self, req: falcon.asgi.Request, ws: falcon.asgi.WebSocket, session_id: str
    ) -> None:
        """Authenticate, send a snapshot (or replay), then stream events."""
        hub = self.ctx.hub
        if hub is None:
            await ws.close(1011)
            return
        await ws.accept()
        try:
            caller = await self.ctx.authenticate(req.get_param("access_token"))
            sid = self.ctx.session_id(session_id)
            state = await self.ctx.services.quiz.session(sid)
            if caller.user_id != state.host_id:
                sessions = self.ctx.services.sessions
                if await sessions.get_participant(sid, caller.user_id) is None:
                    if await sessions.removed(sid, caller.user_id):
                        raise Removed("the host removed you from this session")
                    raise NotParticipant(f"join session {sid} first")
            guard = self.ctx.open_socket(caller, sid)
        except TooManySockets as ex:
            await ws.send_text(dumps({**error_frame(ex.code, ex.detail), "seq": 0}))
            await ws.close(CLOSE_TOO_MANY_SOCKETS, reason="too many connections")
            return
        except QuizError as ex:
            # Refused before joining the session's sequence: seq 0 marks that.
            await ws.send_text(dumps({**error_frame(ex.code, ex.detail), "seq": 0}))
            reason = REMOVED_REASON if isinstance(ex, Removed) else None
            await ws.close(4401 if ex.code == "unauthorized" else 4403, reason=reason)
            return
        try:
            await self.ctx.ensure_board(sid)
        except BaseException:
            self.ctx.close_socket(guard)
            raise
        is_host = caller.user_id == state.host_id
        connection = hub.connect(sid, caller.user_id, spectator=is_host)
        self.ctx.metrics.gauge("websocket.connections", hub.connection_count())
        counted = False
        try:
            counted = is_host and await self.host_back(sid)
            raw_since = req.get_param("since")
            # A malformed or stale ``since`` simply gets a fresh snapshot.
            since = int(raw_since) if raw_since and raw_since.isdigit() else None
            replay = hub.replay(sid, since, caller.user_id) if since is not None else None
            if replay is None:
                snapshot = await self.snapshot(sid, caller.user_id, connection.opened_at)
                await ws.send_text(snapshot)
            else:
                # The replay may show the open question (earlier sightings stand).
                hub.sight_open(sid, caller.user_id)
                for frame in replay:
                    await ws.send_text(frame)
            sender = asyncio.create_task(self._send(ws, connection))
            connection.send_now = ws.send_text
            if replay is not None and since is not None:
                await hub.board_since(sid, caller.user_id, since)
            try:
                code = await self._serve(ws, connection, guard)
            finally:
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnected):
                    await sender
            if code is not None:
                await self._close(ws, connection, code, guard.reason)
        except WebSocketDisconnected:
            pass
        finally:
            hub.disconnect(connection)
            self.ctx.close_socket(guard)
            self.ctx.metrics.gauge("websocket.connections", hub.connection_count())
            if counted:
                await self.host_gone(sid)

    @staticmethod
    async def _close(
        ws: falcon.asgi.WebSocket, connection: Connection, code: int, reason: str
    ) -> None:
        """Send what is queued for the socket (briefly), then close it with ``code``.

        A revoked socket is usually told why in a frame just queued (a
        removed player's ``participant.removed``): it goes out first.
        """
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_FLUSH_SECONDS):
                while not connection.queue.empty():
                    item = connection.queue.get_nowait()
                    if isinstance(item, Suspended):
                        await item.finish()
                    elif item != RESNAPSHOT:
                        await ws.send_text(item)
        await ws.close(code, reason=reason or None)

    async def host_back(self, session_id: str, relayed: str | None = None) -> bool:
        """Count a host screen; tell players the host is back if told it left.

        The host's screens are counted across every process serving the
        session (``HostPresence``): a host reloading onto another API process
        is not gone. A screen API Gateway holds is counted by its
        ``relayed`` connection ID. Return whether the screen was counted (a
        presence that does not answer costs the players the news, never the
        host the screen).
        """
        pending = self._away_checks.pop(session_id, None)
        if pending is not None:
            pending.cancel()
        presence = self.ctx.host_presence
        try:
            if relayed is None:
                back = await presence.arrived(session_id)
            else:
                back = await presence.relayed(session_id, relayed)
        except Exception:
            log.warning("could not note the host's screen", exc_info=True)
            return False
        if back:
            # Counted either way: its closing must be counted too.
            try:
                await self.ctx.announce(session_id, {"type": "host.joined"})
            except Exception:
                log.warning("could not tell players the host is back", exc_info=True)
        return True

    async def host_gone(self, session_id: str) -> None:
        """Count a host socket of this process gone; tell players if it was the last."""
        try:
            await self.ctx.host_presence.departed(session_id)
        except Exception:
            log.warning("could not note the host's screen gone", exc_info=True)
            return
        self.watch_away(session_id)

    async def relay_gone(self, connection_id: str) -> None:
        """Forget a connection API Gateway held; if the host's, tell players if it was the last.

        Any connection may be passed: a player's was never counted.
        """
        try:
            session_id = await self.ctx.host_presence.unrelayed(connection_id)
        except Exception:
            log.warning("could not note the host's screen gone", exc_info=True)
            return
        if session_id is not None:
            self.watch_away(session_id)

    def watch_away(self, session_id: str) -> None:
        """Tell players the host left, unless a host screen is back within a moment."""
        presence = self.ctx.host_presence

        async def check() -> None:
            await asyncio.sleep(self.ctx.settings.host_away_seconds)
            self._away_checks.pop(session_id, None)
            try:
                state = await self.ctx.services.sessions.get(session_id)
                if state is None or state.status == "finished":
                    return
                # Decided for one process only, wherever the host's screens were.
                if await presence.mark_away(session_id):
                    await self.ctx.announce(session_id, {"type": "host.left"})
            except Exception:
                log.warning("could not tell players the host left", exc_info=True)

        previous = self._away_checks.pop(session_id, None)
        if previous is not None:
            previous.cancel()
        self._away_checks[session_id] = asyncio.create_task(check())

    async def _serve(
        self, ws: falcon.asgi.WebSocket, connection: Connection, guard: LiveGuard
    ) -> int | None:
        """Receive until the client leaves or the connection is revoked.

        Return the close code to send, or None when the client is gone.
        """
        receiver = asyncio.create_task(self._receive(ws, connection, guard))
        watcher = asyncio.create_task(guard.wait())
        try:
            done, _ = await asyncio.wait({receiver, watcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (receiver, watcher):
                task.cancel()
        if receiver in done:
            code = receiver.result()  # WebSocketDisconnected when the client left
            if code is not None:
                return code
        if watcher in done:
            return watcher.result()
        return None

    async def snapshot(self, session_id: str, user_id: str, seq: int) -> str:
        """Return the ``session.snapshot`` frame for one receiver.

        ``seq``: numbered by the hub when the snapshot became due (the socket
        joined, or was sent a fresh one), below anything pushed to it since.
        """
        hub = self.ctx.hub
        assert hub is not None
        services = self.ctx.services
        state = await services.quiz.session(session_id)
        view = await self.ctx.session_view(state, viewer=user_id)
        board = await hub.board_payload(session_id)
        mine = await services.leaderboard.standing(session_board(session_id), user_id)
        answered = [
            answer.question_id
            for answer in await services.answers.for_participant(session_id, user_id)
        ]
        # As on the boards, so a reloaded projector shows its count at once;
        # the open question's from the answers recorded (0 before the first,
        # and what a restart left in place, which the hub's tally forgot).
        counts = hub.answer_counts(session_id)
        current = view["current_question"]
        if current is not None:
            question_id = current["question_id"]
            recorded = await services.quiz.answered_count(session_id, question_id)
            counts[question_id] = max(counts.get(question_id, 0), recorded)
        payload: dict[str, Any] = {
            "type": "session.snapshot",
            "seq": seq,
            "participants": await self._lobby(state, int(view["participant_count"])),
            "session": view,
            "current_question": view["current_question"],
            "phase": view["phase"],
            "last_question": view["last_question"],
            "leaderboard": board,
            "me": {"rank": mine.rank, "score": mine.score} if mine else None,
            "answered": answered,
            "answer_counts": counts,
            "host_away": await self.ctx.host_presence.is_away(session_id),
        }
        present_count = hub.present_count(session_id)
        if present_count is not None:
            # As on the boards: the embedded profile's one hub sees everyone;
            # in the cloud, as the players' leases last said.
            payload["present_count"] = present_count
        return dumps(present(payload))

    async def _lobby(self, state: SessionState, count: int) -> list[dict[str, str]] | None:
        """Return who joined a small lobby, in the order they joined; else None.

        Every screen then lists a class in the same order (the boards order
        players with no points yet by user id). A large lobby shows its count
        and the latest joins: reading thousands of players per snapshot as
        they join would cost the square of the class.
        """
        if state.status != "lobby":
            self._lobbies.pop(state.session_id, None)
            return None
        if count > LOBBY_NAMES:
            return None
        # Read again only when someone joined since, and once for all the
        # sockets asking meanwhile: a class connecting at once reads its
        # list once per process (in the cloud, a query of every participant
        # shard), not once per socket.
        known = self._lobbies.get(state.session_id)
        if known is None or known[0] != count:
            if len(self._lobbies) >= LOBBIES_KEPT:
                self._lobbies.clear()
            known = (count, asyncio.ensure_future(self._read_lobby(state.session_id)))
            self._lobbies[state.session_id] = known
        try:
            return await asyncio.shield(known[1])
        except Exception:
            if self._lobbies.get(state.session_id) is known:
                del self._lobbies[state.session_id]  # the next socket reads again
            raise

    async def _read_lobby(self, session_id: str) -> list[dict[str, str]]:
        joined = sorted(
            await self.ctx.services.sessions.participants(session_id),
            key=lambda participant: participant.joined_at,
        )
        return [{"user_id": p.user_id, "display_name": p.display_name} for p in joined]

    async def _send(self, ws: falcon.asgi.WebSocket, connection: Connection) -> None:
        queue = connection.queue
        while True:
            item = await queue.get()
            connection.sending = True
            try:
                while True:
                    if isinstance(item, Suspended):
                        await item.finish()
                    else:
                        if item == RESNAPSHOT:
                            item = await self.snapshot(
                                connection.session_id,
                                connection.user_id,
                                connection.resnapshot_at,
                            )
                        await ws.send_text(item)
                    # Send what queued meanwhile without waking up once per frame.
                    if queue.empty():
                        break
                    item = queue.get_nowait()
            finally:
                connection.sending = False

    async def _receive(
        self, ws: falcon.asgi.WebSocket, connection: Connection, guard: LiveGuard
    ) -> int | None:
        hub = self.ctx.hub
        assert hub is not None
        session_id = connection.session_id
        limit = self.ctx.settings.ws_max_message_bytes
        while True:
            try:
                text = await ws.receive_text()
            except PayloadTypeError:
                # The channel speaks JSON text only (RFC 6455: 1003).
                return CLOSE_UNSUPPORTED_DATA
            if len(text) > limit:
                # The server refuses longer frames itself (1009); this only
                # catches a server configured without the limit.
                hub.reply(
                    connection,
                    error_frame("payload_too_large", f"messages are limited to {limit} bytes"),
                )
                continue
            try:
                message = orjson.loads(text)
            except orjson.JSONDecodeError:
                message = None
            if not isinstance(message, dict):
                hub.reply(
                    connection, error_frame("invalid_request", "a message must be a JSON object")
                )
                continue
            kind = message.get("type")
            if kind == "ping":
                hub.reply(connection, {"type": "pong"})
            elif kind == "answer.submit":
                try:
                    await self.ctx.recheck(guard)
                except QuizError:
                    # Revoked meanwhile: nothing is scored; the watcher closes.
                    return await guard.wait()
                await self._submit(session_id, guard.user_id, message)
            else:
                hub.reply(
                    connection, error_frame("invalid_request", f"unknown message type {kind!r}")
                )

    async def _submit(self, session_id: str, user_id: str, message: dict[str, Any]) -> None:
        reply = await submit_from_socket(self.ctx, session_id, user_id, message, "websocket")
        if reply is not None and self.ctx.hub is not None:
            await self.ctx.hub.to_user(session_id, user_id, reply)


async def submit_from_socket(
    ctx: ApiContext, session_id: str, user_id: str, message: dict[str, Any], via: str
) -> dict[str, Any] | None:
    """Run a client's ``answer.submit``; return the frame to send back, if any.

    Shared by the native live channel and API Gateway's WebSocket routes: an
    error frame for a refused answer, the result again for a retried one that
    was already scored, else nothing (``answer.result`` follows from scoring).
    """
    fields = {key: value for key, value in message.items() if key != "type"}
    try:
        # The same model (and so the same rules) as POST .../answers.
        body = AnswerIn.model_validate(fields)
    except ValidationError as ex:
        given = message.get("submission_id")
        return error_frame(
            "invalid_request",
            f"answer.submit: {ValidationFailed(ex).detail}",
            given if isinstance(given, str) else "",
        )
    submission_id = body.submission_id or new_submission_id()
    question_id, answer = body.question_id, body.answer
    ctx.metrics.increment("answers.received", tags=[f"via:{via}"])
    try:
        ctx.limit(user_id)
        view = await ctx.services.score.submit(
            session_id=session_id,
            user_id=user_id,
            question_id=question_id,
            answer=answer,
            submission_id=submission_id,
            # The outcome reaches the socket as ``answer.result`` or ``error``.
            read_back=False,
            seen_at=ctx.first_sight(session_id, user_id, question_id),
        )
    except QuizError as ex:
        ctx.metrics.increment("answers.rejected", tags=[f"reason:{ex.code}"])
        return error_frame(ex.code, ex.detail, submission_id)
    if view.replayed and view.status == "scored":
        # A retry of an answer already scored: its push happened before.
        return {"type": "answer.result", **view.public()}
    return None
