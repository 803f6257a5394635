"""The HTTP API and the live channel through the real ASGI app.

Most suites drive the app with Falcon's ``ASGIConductor`` (it runs the
lifespan, so the wiring is the one ``quiz serve`` uses); the live channel and
the concurrency suites talk to a real uvicorn on a free port with real HTTP
and WebSocket clients. Storage is memory unless a suite tests a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib.util
import os
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import falcon.testing
import httpx
import orjson
import pytest
import uvicorn
import websockets
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwt

from entrypoints.api.app import build_app
from entrypoints.api.context import ApiContext
from entrypoints.api.server import server_options
from entrypoints.settings import Settings

T = TypeVar("T")

# httpcore imports sniffio on every request and falls back when it is missing;
# a failed import walks sys.path each time, which made each request cost
# milliseconds. Marking the absent module as absent makes the fallback free.
if importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]

PROBLEM_JSON = "application/problem+json"
PROBLEM_FIELDS = {"type", "title", "status", "code", "detail"}

QUIZ: dict[str, Any] = {
    "title": "Verbs under test",
    "language": "en",
    "level": "A2",
    "questions": [
        {
            "prompt": "Choose the synonym of 'begin'",
            "kind": "choice",
            "choices": ["start", "finish", "stay", "hold"],
            "answer": "start",
        },
        {
            "prompt": "Type the English word for 'bonjour'",
            "kind": "text",
            "answer": "hello",
            "accept": ["hi"],
        },
        {
            "prompt": "Choose the opposite of 'open'",
            "kind": "choice",
            "choices": ["close", "begin", "run"],
            "answer": "close",
            "points": 500,
        },
    ],
}
RIGHT = {"q1": "start", "q2": "hello", "q3": "close"}
WRONG = {"q1": "stay", "q2": "goodbye", "q3": "run"}
POINTS = {"q1": 1000, "q2": 1000, "q3": 500}


# --------------------------------------------------------------------------- settings


@pytest.fixture(autouse=True)
def _scrub_quiz_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the machine's QUIZ_* variables out of every Settings()."""
    for name in list(os.environ):
        if name.startswith("QUIZ_"):
            monkeypatch.delenv(name)


class Minter:
    """Signs tokens exactly as the app's dev issuer does, with the same key.

    The dev issuer re-parses its PEM key for every token (about 150 ms of CPU
    each); suites that need hundreds of players mint them here instead. The
    tokens are verified by the app's one code path all the same.
    """

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.pem = self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        public_pem = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid = hashlib.sha256(public_pem).hexdigest()[:16]

    def token(self, claims: dict[str, Any], kid: str | None = None) -> str:
        """Sign arbitrary claims with the app's key."""
        return str(
            jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": kid or self.kid})
        )

    def player(
        self, name: str, *, issuer: str = "quizcore-dev", audience: str = "quizcore"
    ) -> Player:
        # A stable id per name keeps these hand-made tokens readable in tests.
        """Return a player whose token the dev issuer could have issued."""
        now = int(time.time())
        user_id = "dev-" + hashlib.sha256(name.casefold().encode()).hexdigest()[:16]
        claims = {
            "iss": issuer,
            "aud": audience,
            "sub": user_id,
            "name": name,
            "iat": now,
            "exp": now + 3600,
            "permissions": ["quiz:author"],
        }
        return Player(name=name, token=self.token(claims), user_id=user_id)


@pytest.fixture(scope="session")
def minter() -> Minter:
    """Return one signing key for every app of the run."""
    return Minter()


@pytest.fixture(scope="session")
def signing_pem(minter: Minter) -> bytes:
    """Return the PEM of the apps' dev signing key."""
    return minter.pem


def make_settings(data_dir: Path, pem: bytes, **overrides: Any) -> Settings:
    """Return memory-backed settings whose dev issuer uses the shared key."""
    data_dir.mkdir(parents=True, exist_ok=True)
    key_path = data_dir / "dev-signing-key.pem"
    if not key_path.exists():
        key_path.write_bytes(pem)
    values: dict[str, Any] = {
        "storage": "memory",
        "data_dir": data_dir,
        "web_dist": data_dir / "no-web",
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings_for(tmp_path: Path, signing_pem: bytes) -> Callable[..., Settings]:
    """Return a factory of settings on this test's data folder."""

    def build(**overrides: Any) -> Settings:
        return make_settings(tmp_path / "data", signing_pem, **overrides)

    return build


# --------------------------------------------------------------------------- clients


@dataclass(frozen=True)
class Reply:
    """An HTTP answer, the same whichever client made the request."""

    status: int
    headers: dict[str, str]
    text: str

    @property
    def body(self) -> Any:
        """Return the parsed JSON body (None when empty)."""
        return orjson.loads(self.text) if self.text else None

    @property
    def content_type(self) -> str:
        """Return the media type without parameters."""
        return self.headers.get("content-type", "").split(";")[0].strip()


@dataclass(frozen=True)
class Player:
    """A user holding a dev token."""

    name: str
    token: str
    user_id: str

    @property
    def auth(self) -> dict[str, str]:
        """Return the Authorization header."""
        return {"Authorization": f"Bearer {self.token}"}


Send = Callable[..., Awaitable[Reply]]


def conductor_send(conductor: falcon.testing.ASGIConductor) -> Send:
    """Return a sender that goes through Falcon's ASGI conductor."""

    async def send(
        method: str,
        path: str,
        *,
        headers: dict[str, str],
        body: bytes | None,
        params: dict[str, Any] | None,
    ) -> Reply:
        result = await conductor.simulate_request(
            method, path, headers=headers, body=body, params=params
        )
        return Reply(
            status=result.status_code,
            headers={key.lower(): value for key, value in result.headers.items()},
            text=result.text,
        )

    return send


def httpx_send(client: httpx.AsyncClient) -> Send:
    """Return a sender that goes over real HTTP."""

    async def send(
        method: str,
        path: str,
        *,
        headers: dict[str, str],
        body: bytes | None,
        params: dict[str, Any] | None,
    ) -> Reply:
        response = await client.request(method, path, headers=headers, content=body, params=params)
        return Reply(
            status=response.status_code,
            headers={key.lower(): value for key, value in response.headers.items()},
            text=response.text,
        )

    return send


class Api:
    """The contract's calls, over whichever transport the suite uses."""

    def __init__(
        self,
        send: Send,
        minter: Minter | None = None,
        settle: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._send = send
        self.minter = minter
        self.settle = settle

    async def call(
        self,
        method: str,
        path: str,
        *,
        as_: Player | None = None,
        json: Any = None,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Reply:
        """Send one request; ``json`` is encoded, ``body`` goes as is."""
        sent = dict(headers or {})
        if as_ is not None:
            sent.update(as_.auth)
        if json is not None:
            body = orjson.dumps(json)
        if body is not None:
            sent.setdefault("Content-Type", "application/json")
        return await self._send(method, path, headers=sent, body=body, params=params)

    async def get(self, path: str, **kw: Any) -> Reply:
        """Send a GET."""
        return await self.call("GET", path, **kw)

    async def post(self, path: str, **kw: Any) -> Reply:
        """Send a POST."""
        return await self.call("POST", path, **kw)

    async def login(self, name: str | None = None) -> Player:
        """Return a player with a dev token (minted locally when a minter is set)."""
        name = name or f"player-{uuid.uuid4().hex[:8]}"
        if self.minter is not None:
            return self.minter.player(name)
        reply = await self.post("/v1/dev/token", json={"name": name})
        assert reply.status == 200, reply.text
        return Player(name=name, token=reply.body["access_token"], user_id=reply.body["user_id"])

    async def create_quiz(self, author: Player, quiz: dict[str, Any] | None = None) -> str:
        """Author a quiz; return its id."""
        reply = await self.post("/v1/quizzes", as_=author, json=quiz or QUIZ)
        assert reply.status == 201, reply.text
        return str(reply.body["quiz_id"])

    async def create_session(
        self, host: Player, quiz_id: str, *, mode: str = "live", seconds: int = 20, **extra: Any
    ) -> str:
        """Create a session; return its join code."""
        reply = await self.post(
            "/v1/sessions",
            as_=host,
            json={"quiz_id": quiz_id, "mode": mode, "question_seconds": seconds, **extra},
        )
        assert reply.status == 201, reply.text
        return str(reply.body["session_id"])

    async def join(self, player: Player, session_id: str) -> Reply:
        """Join a session."""
        return await self.post(f"/v1/sessions/{session_id}/participants", as_=player)

    async def host(self, host: Player, session_id: str, action: str) -> Reply:
        """Apply a host action: start, next or finish."""
        return await self.post(f"/v1/sessions/{session_id}/{action}", as_=host)

    async def current(self, player: Player, session_id: str) -> Reply:
        """Fetch the question the player should answer now."""
        return await self.get(f"/v1/sessions/{session_id}/questions/current", as_=player)

    async def answer(
        self,
        player: Player,
        session_id: str,
        question_id: str,
        answer: str,
        *,
        submission_id: str | None = None,
        wait: float | None = None,
    ) -> Reply:
        """Submit an answer, optionally with ``Prefer: wait=N``."""
        body: dict[str, Any] = {"question_id": question_id, "answer": answer}
        if submission_id is not None:
            body["submission_id"] = submission_id
        headers = {"Prefer": f"wait={wait:g}"} if wait is not None else None
        return await self.post(
            f"/v1/sessions/{session_id}/answers", as_=player, json=body, headers=headers
        )

    async def scored(self, player: Player, session_id: str, submission_id: str) -> dict[str, Any]:
        """Return a submission's scored result, once scoring has settled.

        With the app in this process, its queues are drained first: reading a
        submission still in flight is a known bug (see test_answers.py).
        """
        if self.settle is not None:
            await self.settle()

        async def check() -> dict[str, Any] | None:
            reply = await self.get(f"/v1/sessions/{session_id}/answers/{submission_id}", as_=player)
            assert reply.status == 200, reply.text
            return reply.body if reply.body["status"] == "scored" else None

        return await eventually(check, within=20, every=0.05)

    async def leaderboard(self, player: Player, session_id: str, limit: int = 10) -> Reply:
        """Fetch a session's leaderboard."""
        return await self.get(
            f"/v1/sessions/{session_id}/leaderboard", as_=player, params={"limit": limit}
        )


async def eventually(
    probe: Callable[[], Awaitable[T | None]], within: float = 5.0, every: float = 0.02
) -> T:
    """Return the first non-None result of ``probe``; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(every)


def assert_problem(reply: Reply, status: int, code: str) -> dict[str, Any]:
    """Assert an RFC 9457 problem document with the given status and code."""
    assert reply.status == status, reply.text
    assert reply.content_type == PROBLEM_JSON, reply.headers
    body = reply.body
    assert set(body) >= PROBLEM_FIELDS, body
    assert body["status"] == status
    assert body["code"] == code, body
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str)
    return dict(body)


# --------------------------------------------------------------------------- apps


@dataclass
class Harness:
    """An app under test: its client and its process context."""

    api: Api
    ctx: ApiContext
    settings: Settings


async def settle(ctx: ApiContext) -> None:
    """Wait until the app's in-process queues have handled every message."""
    publisher = ctx.services.publisher
    drain = getattr(publisher, "drain", None)
    if drain is not None:
        await drain()


@contextlib.asynccontextmanager
async def conducted(settings: Settings, minter: Minter | None = None) -> AsyncIterator[Harness]:
    """Run the app's lifespan around a conductor; yield the harness."""
    app, ctx = build_app(settings)
    async with falcon.testing.ASGIConductor(app) as conductor:
        api = Api(conductor_send(conductor), minter, settle=lambda: settle(ctx))
        yield Harness(api=api, ctx=ctx, settings=settings)


@pytest.fixture
async def harness(settings_for: Callable[..., Settings], minter: Minter) -> AsyncIterator[Harness]:
    """Return the app with default (memory) settings."""
    async with conducted(settings_for(), minter) as running:
        yield running


@pytest.fixture
def api(harness: Harness) -> Api:
    """Return the client of the default app."""
    return harness.api


@dataclass
class Game:
    """A quiz session with a host and joined players."""

    session_id: str
    quiz_id: str
    host: Player
    players: list[Player]


async def new_game(
    api: Api,
    *,
    players: int = 2,
    mode: str = "live",
    seconds: int = 20,
    quiz: dict[str, Any] | None = None,
    **extra: Any,
) -> Game:
    """Create a quiz and a session; join ``players`` fresh players."""
    host = await api.login(f"host-{uuid.uuid4().hex[:6]}")
    quiz_id = await api.create_quiz(host, quiz)
    session_id = await api.create_session(host, quiz_id, mode=mode, seconds=seconds, **extra)
    joined = []
    for number in range(players):
        player = await api.login(f"p{number}-{uuid.uuid4().hex[:6]}")
        assert (await api.join(player, session_id)).status == 201
        joined.append(player)
    return Game(session_id=session_id, quiz_id=quiz_id, host=host, players=joined)


# --------------------------------------------------------------------------- real server


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    """A uvicorn serving the app on a free port."""

    base: str
    api: Api
    ctx: ApiContext
    client: httpx.AsyncClient

    def ws_url(self, session_id: str, token: str | None, since: int | None = None) -> str:
        """Return the live channel's URL for a session."""
        url = self.base.replace("http", "ws", 1) + f"/v1/sessions/{session_id}/live"
        query = []
        if token is not None:
            query.append(f"access_token={token}")
        if since is not None:
            query.append(f"since={since}")
        return url + ("?" + "&".join(query) if query else "")

    @contextlib.asynccontextmanager
    async def socket(
        self, session_id: str, player: Player | None, since: int | None = None
    ) -> AsyncIterator[LiveSocket]:
        """Open the live channel as ``player``."""
        url = self.ws_url(session_id, player.token if player else None, since)
        async with websockets.connect(url, max_size=2**22) as ws:
            yield LiveSocket(ws)


@contextlib.asynccontextmanager
async def served(
    settings: Settings, minter: Minter | None = None, container: Any = None
) -> AsyncIterator[LiveServer]:
    """Serve the app with uvicorn in this event loop; stop it on exit."""
    app, ctx = build_app(settings, container)
    port = free_port()
    options = {**server_options(settings), "log_config": uvicorn.config.LOGGING_CONFIG}
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=2,
        **options,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: _started(server, task), within=10)
        base = f"http://127.0.0.1:{port}"
        limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
            api = Api(httpx_send(client), minter, settle=lambda: settle(ctx))
            yield LiveServer(base=base, api=api, ctx=ctx, client=client)
    finally:
        server.should_exit = True
        await task


async def _started(server: uvicorn.Server, task: asyncio.Task[None]) -> bool | None:
    if task.done():
        task.result()
        raise AssertionError("uvicorn stopped before it started")
    return True if server.started else None


@pytest.fixture
async def live_server(
    settings_for: Callable[..., Settings], minter: Minter
) -> AsyncIterator[LiveServer]:
    """Return a real server with default (memory) settings."""
    async with served(settings_for(), minter) as server:
        yield server


class LiveSocket:
    """A live-channel client that keeps every frame it received, in order."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []
        self._taken: set[int] = set()

    async def send(self, message: dict[str, Any]) -> None:
        """Send one JSON message."""
        await self.ws.send(orjson.dumps(message).decode())

    async def _receive(self, seconds: float) -> dict[str, Any]:
        frame = orjson.loads(await asyncio.wait_for(self.ws.recv(), seconds))
        self.frames.append(frame)
        return dict(frame)

    async def next(
        self,
        kind: str | None = None,
        within: float = 5.0,
        where: Callable[[dict[str, Any]], bool] | None = None,
    ) -> dict[str, Any]:
        """Return the first frame of ``kind`` not returned before, waiting for it."""
        deadline = time.monotonic() + within
        while True:
            for index, frame in enumerate(self.frames):
                if index in self._taken:
                    continue
                if (kind is None or frame["type"] == kind) and (where is None or where(frame)):
                    self._taken.add(index)
                    return frame
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {kind} frame within {within} s: {self.frames}")
            try:
                await self._receive(remaining)
            except TimeoutError as ex:
                raise AssertionError(f"no {kind} frame within {within} s: {self.frames}") from ex

    async def collect(self, seconds: float) -> list[dict[str, Any]]:
        """Return the frames that arrive within ``seconds``."""
        got = []
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                got.append(await self._receive(remaining))
            except TimeoutError:
                break
        return got

    def of(self, kind: str) -> list[dict[str, Any]]:
        """Return every frame of ``kind`` received so far."""
        return [frame for frame in self.frames if frame["type"] == kind]


@pytest.fixture(scope="session")
def repo_root() -> Iterator[Path]:
    """Return the project folder."""
    yield Path(__file__).resolve().parents[3]


def epoch_ms(stamp: str) -> int:
    """Return an RFC 3339 time of the API as epoch milliseconds."""
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)
