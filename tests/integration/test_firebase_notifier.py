"""FirebaseNotifier through firebase-admin against a recording HTTP server.

There is no Firebase emulator here: one local server answers the OAuth token
requests (the fake service account's ``token_uri``), the FCM v1 sends (the
app's messaging service is pointed at it) and the Realtime Database writes
(``FIREBASE_DATABASE_EMULATOR_HOST``), and records every request.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import firebase_admin
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from firebase_admin import messaging

from adapters.firebase import (
    FCM_DATA_LIMIT,
    FirebaseNotifier,
    close_firebase_app,
    firebase_app,
)

PROJECT = "quizcore-test"
DATABASE_URL = f"https://{PROJECT}-default-rtdb.firebaseio.com"


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


class Recorder(ThreadingHTTPServer):
    """Answers like Google's token endpoint, FCM and the RTDB; keeps requests."""

    daemon_threads = True
    request_queue_size = 128  # FCM sends arrive from one thread per message

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[Recorded] = []
        self.fcm_status = 200
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def matching(self, method: str, path_part: str) -> list[Recorded]:
        with self.lock:
            return [req for req in self.requests if req.method == method and path_part in req.path]


class _Handler(BaseHTTPRequestHandler):
    server: Recorder

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _record(self) -> Recorded:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        try:
            body: Any = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = parse_qs(raw)  # the token request is a form
        parts = urlsplit(self.path)
        recorded = Recorded(
            self.command,
            parts.path,
            parse_qs(parts.query),
            {key.lower(): value for key, value in self.headers.items()},
            body,
        )
        with self.server.lock:
            self.server.requests.append(recorded)
        return recorded

    def _reply(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        recorded = self._record()
        if recorded.path == "/token":
            self._reply(200, {"access_token": "fake-token", "expires_in": 3600})
        elif recorded.path.endswith("/messages:send"):
            if self.server.fcm_status != 200:
                error = {"status": "NOT_FOUND", "message": "Requested entity was not found."}
                self._reply(self.server.fcm_status, {"error": error})
            else:
                self._reply(200, {"name": f"projects/{PROJECT}/messages/1"})
        else:
            self._reply(404, {"error": "unexpected"})

    def do_PUT(self) -> None:
        self._reply(200, self._record().body)

    def do_PATCH(self) -> None:
        self._reply(200, self._record().body)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture
def app(
    recorder: Recorder, private_key_pem: str, unique: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[firebase_admin.App]:
    monkeypatch.setenv("FIREBASE_DATABASE_EMULATOR_HOST", recorder.url.removeprefix("http://"))
    service_account = {
        "type": "service_account",
        "project_id": PROJECT,
        "private_key_id": "test-key",
        "private_key": private_key_pem,
        "client_email": f"notifier@{PROJECT}.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": f"{recorder.url}/token",
    }
    app = firebase_app(
        json.dumps(service_account), database_url=DATABASE_URL, name=f"test-{unique}"
    )
    # The FCM v1 endpoint is fixed in firebase-admin; point this app's service here.
    service = messaging._get_messaging_service(app)
    service._fcm_url = f"{recorder.url}/v1/projects/{PROJECT}/messages:send"
    yield app
    close_firebase_app(app)


async def no_snapshot(session_id: str) -> dict[str, Any]:
    raise AssertionError("no leaderboard expected")


def fcm_messages(recorder: Recorder) -> list[dict[str, Any]]:
    return [req.body["message"] for req in recorder.matching("POST", "/messages:send")]


async def test_session_and_user_events_reach_their_fcm_topics_as_string_data(
    app: firebase_admin.App, recorder: Recorder
) -> None:
    notifier = FirebaseNotifier(app, no_snapshot)
    updated = {"type": "leaderboard.updated", "version": 3, "top": [{"user_id": "a", "rank": 1}]}
    result = {"type": "answer.result", "correct": True, "points": 850}

    await asyncio.gather(
        notifier.to_session("s1", updated),
        notifier.to_user("s1", "auth0|abc", result),
    )

    messages = sorted(fcm_messages(recorder), key=lambda message: message["topic"])
    assert messages == [
        {
            "topic": "session-s1",
            "data": {
                "type": "leaderboard.updated",
                "event": json.dumps(updated, separators=(",", ":")),
            },
        },
        {
            "topic": "session-s1-user-auth0%7Cabc",
            "data": {"type": "answer.result", "event": json.dumps(result, separators=(",", ":"))},
        },
    ]
    sends = recorder.matching("POST", "/messages:send")
    assert {req.headers["authorization"] for req in sends} == {"Bearer fake-token"}
    token_requests = recorder.matching("POST", "/token")  # one per sending thread at most
    assert 1 <= len(token_requests) <= 2
    assert {req.body["grant_type"][0] for req in token_requests} == {
        "urn:ietf:params:oauth:grant-type:jwt-bearer"
    }
    assert notifier.sent == 2


async def test_concurrent_pushes_go_out_in_one_send_each_batch(
    app: firebase_admin.App, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches: list[int] = []
    send_each = messaging.send_each

    def counting(messages: list[messaging.Message], *args: Any) -> messaging.BatchResponse:
        batches.append(len(messages))
        return send_each(messages, *args)

    monkeypatch.setattr(messaging, "send_each", counting)
    notifier = FirebaseNotifier(app, no_snapshot, linger_ms=20)

    await asyncio.gather(
        *(notifier.to_user("s2", f"user-{index}", {"type": "answer.result"}) for index in range(30))
    )

    assert batches == [30]
    topics = {message["topic"] for message in fcm_messages(recorder)}
    assert topics == {f"session-s2-user-user-{index}" for index in range(30)}


async def test_event_over_the_fcm_data_limit_is_sent_as_a_truncation_notice(
    app: firebase_admin.App, recorder: Recorder
) -> None:
    notifier = FirebaseNotifier(app, no_snapshot)
    huge = {"type": "session.results", "rows": ["x" * 100] * (FCM_DATA_LIMIT // 50)}

    await notifier.to_session("s3", huge)

    [message] = fcm_messages(recorder)
    assert message["data"] == {"type": "session.results", "truncated": "true"}


async def test_refused_push_is_counted_not_raised(
    app: firebase_admin.App, recorder: Recorder
) -> None:
    recorder.fcm_status = 404
    notifier = FirebaseNotifier(app, no_snapshot)

    await notifier.to_user("s4", "gone", {"type": "answer.result"})

    assert notifier.failed == 1
    assert notifier.sent == 0


async def test_leaderboard_changes_are_coalesced_into_snapshot_writes(
    app: firebase_admin.App, recorder: Recorder
) -> None:
    built: list[int] = []

    async def snapshot(session_id: str) -> dict[str, Any]:
        built.append(len(built) + 1)
        return {"session_id": session_id, "version": len(built), "top": [{"user_id": "a"}]}

    notifier = FirebaseNotifier(app, snapshot, interval_ms=100)
    await notifier.leaderboard_changed("s5")
    for _ in range(50):  # the first change is written at once
        if notifier.writes:
            break
        await asyncio.sleep(0.02)
    for _ in range(5):  # a burst within the interval: one more write
        await notifier.leaderboard_changed("s5")
    await notifier.aclose()

    puts = recorder.matching("PUT", "/sessions/s5/leaderboard.json")
    assert [req.body["version"] for req in puts] == [1, 2]
    assert puts[-1].body == {"session_id": "s5", "version": 2, "top": [{"user_id": "a"}]}
    assert puts[0].query["ns"] == [f"{PROJECT}-default-rtdb"]
    assert built == [1, 2]
