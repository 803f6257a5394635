"""The live channel: one WebSocket per client, fed by the hub."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import falcon.asgi
import orjson
from falcon import WebSocketDisconnected

from adapters.websocket_hub import RESNAPSHOT, Connection, Suspended, dumps
from entrypoints.api.context import ApiContext, new_submission_id
from quizcore.errors import NotParticipant, QuizError
from quizcore.services import session_board
from quizcore.timefmt import present

log = logging.getLogger(__name__)

MAX_FRAME = 8 * 1024


def error_frame(code: str, detail: str, submission_id: str | None = None) -> dict[str, Any]:
    """Return an ``error`` frame for a client message the server refused."""
    return {"type": "error", "code": code, "detail": detail, "submission_id": submission_id}


class Live:
    """``GET /v1/sessions/{session_id}/live``: session events over a WebSocket."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

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
                joined = await self.ctx.services.sessions.get_participant(sid, caller.user_id)
                if joined is None:
                    raise NotParticipant(f"join session {sid} first")
        except QuizError as ex:
            # Refused before joining the session's sequence: seq 0 marks that.
            await ws.send_text(dumps({**error_frame(ex.code, ex.detail), "seq": 0}))
            await ws.close(4401 if ex.code == "unauthorized" else 4403)
            return
        await self.ctx.ensure_board(sid)
        connection = hub.connect(sid, caller.user_id)
        self.ctx.metrics.gauge("websocket.connections", hub.connection_count())
        try:
            raw_since = req.get_param("since")
            # A malformed or stale ``since`` simply gets a fresh snapshot.
            since = int(raw_since) if raw_since and raw_since.isdigit() else None
            replay = hub.replay(sid, since, caller.user_id) if since is not None else None
            if replay is None:
                await ws.send_text(await self.snapshot(sid, caller.user_id))
            else:
                for frame in replay:
                    await ws.send_text(frame)
            sender = asyncio.create_task(self._send(ws, connection))
            connection.send_now = ws.send_text
            try:
                await self._receive(ws, connection)
            finally:
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnected):
                    await sender
        except WebSocketDisconnected:
            pass
        finally:
            hub.disconnect(connection)
            self.ctx.metrics.gauge("websocket.connections", hub.connection_count())

    async def snapshot(self, session_id: str, user_id: str) -> str:
        """Return the ``session.snapshot`` frame for one receiver."""
        hub = self.ctx.hub
        assert hub is not None
        services = self.ctx.services
        state = await services.quiz.session(session_id)
        view = await self.ctx.session_view(state)
        board = await hub.board_payload(session_id)
        mine = await services.leaderboard.standing(session_board(session_id), user_id)
        answered = [
            answer.question_id
            for answer in await services.answers.for_participant(session_id, user_id)
        ]
        payload: dict[str, Any] = {
            "type": "session.snapshot",
            "seq": hub.seq(session_id),
            "session": view,
            "current_question": view["current_question"],
            "phase": view["phase"],
            "last_question": view["last_question"],
            "leaderboard": board,
            "me": {"rank": mine.rank, "score": mine.score} if mine else None,
            "answered": answered,
        }
        return dumps(present(payload))

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
                            item = await self.snapshot(connection.session_id, connection.user_id)
                        await ws.send_text(item)
                    # Send what queued meanwhile without waking up once per frame.
                    if queue.empty():
                        break
                    item = queue.get_nowait()
            finally:
                connection.sending = False

    async def _receive(self, ws: falcon.asgi.WebSocket, connection: Connection) -> None:
        hub = self.ctx.hub
        assert hub is not None
        session_id, user_id = connection.session_id, connection.user_id
        while True:
            text = await ws.receive_text()
            if len(text) > MAX_FRAME:
                hub.reply(
                    connection, error_frame("payload_too_large", "frames are limited to 8 KiB")
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
                await self._submit(session_id, user_id, message)
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
    submission_id = message.get("submission_id") or new_submission_id()
    question_id = message.get("question_id")
    answer = message.get("answer")
    if (
        not isinstance(submission_id, str)
        or not 1 <= len(submission_id) <= 64
        or not isinstance(question_id, str)
        or not isinstance(answer, str)
        or len(answer) > 200
    ):
        return error_frame(
            "invalid_request",
            "answer.submit needs question_id, answer (at most 200 characters) "
            "and an optional submission_id of at most 64 characters",
            submission_id if isinstance(submission_id, str) else "",
        )
    ctx.metrics.increment("answers.received", tags=[f"via:{via}"])
    try:
        ctx.limit(user_id)
        view = await ctx.services.score.submit(
            session_id=session_id,
            user_id=user_id,
            question_id=question_id,
            answer=answer,
            submission_id=submission_id,
        )
    except QuizError as ex:
        ctx.metrics.increment("answers.rejected", tags=[f"reason:{ex.code}"])
        return error_frame(ex.code, ex.detail, submission_id)
    if view.replayed and view.status == "scored":
        # A retry of an answer already scored: its push happened before.
        return {"type": "answer.result", **view.public()}
    return None


async def huberror_frame(
    ctx: ApiContext, session_id: str, user_id: str, code: str, detail: str, submission_id: str
) -> None:
    """Send an error to the user's connections with a proper sequence number."""
    if ctx.hub is not None:
        await ctx.hub.to_user(
            session_id,
            user_id,
            {"type": "error", "code": code, "detail": detail, "submission_id": submission_id},
        )
