"""Firebase: the notifier of the cloud profile (seed 3).

- ``to_session`` sends an FCM message to the topic ``session-<session_id>``.
- ``to_user`` sends to the topic ``session-<session_id>-user-<user_id>``; the
  API subscribes a device's registration token to both topics when the user
  joins (``messaging.subscribe_to_topic``), so no token registry is needed.
  Ids are percent-encoded into FCM's topic alphabet (``[A-Za-z0-9-_.~%]``).
- ``leaderboard_changed`` writes the session's leaderboard snapshot, built by
  the caller's ``snapshot`` coroutine, to the Realtime Database at
  ``/sessions/<session_id>/leaderboard``: at once for the first change, then at
  most once per ``interval_ms`` however many changes arrive.

An FCM message carries a data payload only (strings): ``type`` (the event's
type) and ``event`` (the whole event as JSON), kept within FCM's 4 KiB data
limit; a larger event is replaced by ``{"type": ..., "truncated": "true"}`` so
the client fetches it over the API. Messages are collected for ``linger_ms``
and sent with ``messaging.send_each`` (up to 500 a call). Pushes are best
effort and at most once: failures are logged and counted, never raised.

firebase-admin is synchronous, so each call runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import firebase_admin
from firebase_admin import credentials, db, messaging

log = logging.getLogger(__name__)

FCM_DATA_LIMIT = 4096
FCM_BATCH_LIMIT = 500

Snapshot = Callable[[str], Awaitable[dict[str, Any]]]


def firebase_app(
    service_account: str | Mapping[str, Any] | credentials.Base | None,
    *,
    project_id: str = "",
    database_url: str = "",
    name: str = "quizcore",
) -> firebase_admin.App:
    """Initialise a named firebase-admin app from the settings' credentials.

    ``service_account`` is a path to a service-account JSON file, the JSON
    itself (a string starting with ``{``), its parsed dict, a credential, or
    empty for Application Default Credentials.
    """
    credential: credentials.Base
    if isinstance(service_account, credentials.Base):
        credential = service_account
    elif isinstance(service_account, Mapping):
        credential = credentials.Certificate(dict(service_account))
    elif isinstance(service_account, str) and service_account.lstrip().startswith("{"):
        credential = credentials.Certificate(json.loads(service_account))
    elif service_account:
        credential = credentials.Certificate(service_account)
    else:
        credential = credentials.ApplicationDefault()
    options: dict[str, Any] = {}
    if project_id:
        options["projectId"] = project_id
    if database_url:
        options["databaseURL"] = database_url
    return firebase_admin.initialize_app(credential, options, name=name)


def close_firebase_app(app: firebase_admin.App) -> None:
    """Delete the app and its HTTP sessions."""
    firebase_admin.delete_app(app)


def session_topic(session_id: str) -> str:
    """Return the FCM topic every participant of the session listens to."""
    return f"session-{_topic_part(session_id)}"


def user_topic(session_id: str, user_id: str) -> str:
    """Return the FCM topic of one participant in one session."""
    return f"session-{_topic_part(session_id)}-user-{_topic_part(user_id)}"


def _topic_part(text: str) -> str:
    return quote(text, safe="-_.~")


def data_payload(event: Mapping[str, Any]) -> dict[str, str]:
    """Return the FCM data payload of an event, within FCM's size limit."""
    kind = str(event.get("type", ""))
    data = {"type": kind, "event": json.dumps(event, separators=(",", ":"), ensure_ascii=False)}
    if _payload_size(data) > FCM_DATA_LIMIT:
        log.warning("fcm: %s event of %d bytes truncated", kind, _payload_size(data))
        data = {"type": kind, "truncated": "true"}
    return data


def _payload_size(data: Mapping[str, str]) -> int:
    return sum(len(key.encode()) + len(value.encode()) for key, value in data.items())


@dataclass(slots=True, eq=False)
class _Board:
    dirty: bool = False
    last_push: float = -math.inf
    task: asyncio.Task[None] | None = None


class FirebaseNotifier:
    """Notifier through FCM topics and the Realtime Database."""

    def __init__(
        self,
        app: firebase_admin.App,
        snapshot: Snapshot,
        *,
        interval_ms: int = 200,
        linger_ms: float = 10,
        max_batch: int = FCM_BATCH_LIMIT,
        max_write_attempts: int = 3,
        root: str = "sessions",
        dry_run: bool = False,
    ) -> None:
        if not 1 <= max_batch <= FCM_BATCH_LIMIT:
            raise ValueError(f"max_batch must be within 1..{FCM_BATCH_LIMIT}")
        self.app = app
        self.snapshot = snapshot
        self.interval_s = interval_ms / 1000
        self.linger_s = linger_ms / 1000
        self.max_batch = max_batch
        self.max_write_attempts = max_write_attempts
        self.root = root.strip("/")
        self.dry_run = dry_run
        self._outbox: list[tuple[messaging.Message, asyncio.Future[None]]] = []
        self._sender: asyncio.Task[None] | None = None
        self._boards: dict[str, _Board] = {}
        self._closing = False
        self.sent = 0
        self.failed = 0
        self.writes = 0
        self.write_failures = 0

    async def to_session(self, session_id: str, event: dict[str, Any]) -> None:
        """Send to the session's topic; best effort, at most once."""
        await self._send(
            messaging.Message(topic=session_topic(session_id), data=data_payload(event))
        )

    async def to_user(self, session_id: str, user_id: str, event: dict[str, Any]) -> None:
        """Send to the participant's topic in the session; best effort."""
        topic = user_topic(session_id, user_id)
        await self._send(messaging.Message(topic=topic, data=data_payload(event)))

    async def leaderboard_changed(self, session_id: str) -> None:
        """Note a change; the snapshot is written at most once per interval."""
        board = self._boards.setdefault(session_id, _Board())
        board.dirty = True
        if board.task is None or board.task.done():
            board.task = asyncio.create_task(
                self._push_board(session_id, board), name=f"leaderboard-{session_id}"
            )

    async def aclose(self) -> None:
        """Send what is pending and finish the leaderboard writes in progress."""
        self._closing = True
        if self._sender is not None:
            await asyncio.gather(self._sender, return_exceptions=True)
        tasks = [board.task for board in self._boards.values() if board.task is not None]
        await asyncio.gather(*tasks, return_exceptions=True)

    # FCM

    async def _send(self, message: messaging.Message) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._outbox.append((message, future))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send_outbox(), name="fcm-sender")
        await future

    async def _send_outbox(self) -> None:
        await asyncio.sleep(self.linger_s)
        while self._outbox:
            batch = self._outbox[: self.max_batch]
            del self._outbox[: self.max_batch]
            try:
                response = await asyncio.to_thread(
                    messaging.send_each, [message for message, _ in batch], self.dry_run, self.app
                )
            except Exception as ex:  # best effort: no failure may leave a caller waiting
                log.warning("fcm: batch of %d not sent: %s", len(batch), ex)
                self.failed += len(batch)
            else:
                for (message, _), result in zip(batch, response.responses, strict=True):
                    if result.success:
                        self.sent += 1
                    else:
                        self.failed += 1
                        log.warning(
                            "fcm: message to %s failed: %s", message.topic, result.exception
                        )
            for _, future in batch:
                if not future.done():
                    future.set_result(None)

    # Realtime Database

    async def _push_board(self, session_id: str, board: _Board) -> None:
        loop = asyncio.get_running_loop()
        failures = 0
        while True:
            while board.dirty:
                wait = board.last_push + self.interval_s - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                board.dirty = False  # changes from here on need another write
                try:
                    snapshot = await self.snapshot(session_id)
                    await asyncio.to_thread(self._write, session_id, snapshot)
                except Exception as ex:  # the caller's snapshot builder may fail too
                    failures += 1
                    self.write_failures += 1
                    log.warning("rtdb: leaderboard of %s not written: %s", session_id, ex)
                    if failures < self.max_write_attempts:
                        board.dirty = True  # a snapshot write is idempotent: try again
                else:
                    failures = 0
                    self.writes += 1
                board.last_push = loop.time()
            if self._closing:
                break
            # Linger one interval: a change meanwhile is written by this task, spaced out.
            await asyncio.sleep(self.interval_s)
            if not board.dirty:
                break
        if self._boards.get(session_id) is board:
            del self._boards[session_id]

    def _write(self, session_id: str, snapshot: dict[str, Any]) -> None:
        path = f"/{self.root}/{session_id}/leaderboard"
        db.reference(path, app=self.app).set(snapshot)
