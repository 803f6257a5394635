"""The whole cloud profile as separate processes, and players to drive it.

Shared by the suites of this folder and by ``bench/pipeline.py``:

* ``unique_settings`` names every table, queue, topic, stream, bus, schema
  and key prefix after one random suffix, so runs never share state;
* ``CloudProcesses`` bootstraps those resources on moto's server, starts the
  API, the stream processor and the three workers with ``CloudSystem`` (the
  settings passed as ``QUIZ_*`` variables through ``cloud_env``), waits for
  every ``/readyz``, and cleans up (processes, schema, Redis keys);
* ``Stores`` opens the same adapters the processes use, to read what they wrote;
* ``Player`` / ``Host`` play a session over HTTP and the live WebSocket.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from websockets.asyncio.client import connect

from entrypoints.cli.cloud_dev import (
    DEPLOYABLES,
    LOCAL_REQUIRED,
    CloudSystem,
    bootstrap,
    cloud_env,
)
from entrypoints.settings import Settings
from quizcore.model import RecordedAnswer, SessionResult
from quizcore.quiz import Quiz
from quizcore.services import session_board
from quizcore.session import SessionState
from tests import oracle

# Every setting that names a resource (unique per run) or says where it is:
# passed to the processes, with every one ``Settings.require`` asks for.
RESOURCE_FIELDS = (
    "aws_region",
    "dynamodb_answers_table",
    "dynamodb_scores_table",
    "dynamodb_sessions_table",
    "kinesis_stream",
    "eventbridge_bus",
    "sns_stream_result_topic",
    "sns_quiz_events_topic",
    "sqs_score_event_queue",
    "sqs_ui_response_queue",
    "sqs_quiz_result_queue",
    "postgres_dsn",
    "postgres_schema",
    "redis_url",
    "redis_prefix",
)

QUEUE_FIELDS = {
    "score-event": "sqs_score_event_queue",
    "notification": "sqs_ui_response_queue",
    "quiz-event": "sqs_quiz_result_queue",
}


def unique_settings(
    endpoint: str,
    suffix: str,
    *,
    pg_dsn: str,
    redis_url: str,
    dynamodb_endpoint: str | None = None,
) -> Settings:
    """Return cloud settings whose every resource name carries ``suffix``."""
    name = f"qc-{suffix}"
    return Settings(
        profile="cloud",
        aws_endpoint_url=endpoint,
        aws_dynamodb_endpoint_url=dynamodb_endpoint,
        aws_region=LOCAL_REQUIRED["aws_region"],
        dynamodb_answers_table=f"{name}-answers",
        dynamodb_scores_table=f"{name}-scores",
        dynamodb_sessions_table=f"{name}-sessions",
        kinesis_stream=f"{name}-answers",
        eventbridge_bus=f"{name}-stream-events",
        sns_stream_result_topic=f"{name}-stream-result",
        sns_quiz_events_topic=f"{name}-quiz-events",
        sqs_score_event_queue=f"{name}-score-event",
        sqs_ui_response_queue=f"{name}-ui-response",
        sqs_quiz_result_queue=f"{name}-quiz-result",
        postgres_dsn=pg_dsn,
        postgres_schema=f"qc_{suffix}",
        redis_url=redis_url,
        redis_prefix=name,
    )


def settings_env(settings: Settings) -> dict[str, str]:
    """Return the ``QUIZ_*`` variables that carry the resource names."""
    return {f"QUIZ_{name.upper()}": str(getattr(settings, name)) for name in RESOURCE_FIELDS}


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class CloudProcesses:
    """Bootstrap the resources of ``settings`` and run every deployable."""

    def __init__(
        self,
        settings: Settings,
        work_dir: Path,
        *,
        extra_env: dict[str, str] | None = None,
        api_processes: int = 1,
    ) -> None:
        assert settings.aws_endpoint_url, "the cloud profile needs moto's endpoint"
        self.settings = settings
        self.work_dir = work_dir
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        env = {
            **settings_env(settings),
            "QUIZ_DATA_DIR": str(work_dir / "data"),
            "QUIZ_WEB_DIST": str(work_dir / "no-web"),
            **(extra_env or {}),
        }
        self.env = cloud_env(
            settings.aws_endpoint_url,
            self.port,
            env,
            dynamodb_endpoint=settings.aws_dynamodb_endpoint_url,
        )
        self.system = CloudSystem(
            self.env, self.port, work_dir / "logs", api_processes=api_processes
        )
        # Every API process's base URL; the first is ``base_url``.
        self.base_urls = [f"http://127.0.0.1:{port}" for port in self.system.api_ports.values()]
        self.created: dict[str, str] = {}

    # -- lifecycle ---------------------------------------------------------

    async def bootstrap(self) -> dict[str, str]:
        """Create every resource (tables, stream, topics, queues, bus, schema)."""
        self.created = await bootstrap(self.settings)
        return self.created

    def start_all(self, timeout: float = 120) -> None:
        """Start the APIs and the four workers one after the other, each ready first.

        One at a time: seven processes opening their PostgreSQL pools at once
        on a loaded machine can miss the pool's connect timeout.
        """
        deadline = time.monotonic() + timeout
        for name in (*self.system.api_ports, *DEPLOYABLES):
            self.system.start(name)
            self.wait_ready(name, max(1.0, deadline - time.monotonic()))

    def wait_all_ready(self, timeout: float = 120) -> None:
        """Wait for the API's and every worker's ``/readyz``."""
        deadline = time.monotonic() + timeout
        for name in (*self.system.api_ports, *DEPLOYABLES):
            self.wait_ready(name, max(1.0, deadline - time.monotonic()))

    def health_url(self, name: str) -> str:
        """Return the readiness probe of a deployable."""
        if name in self.system.api_ports:
            return f"http://127.0.0.1:{self.system.api_ports[name]}/readyz"
        # The port the system gave it (its /proc environ may not be exec'd yet).
        port = self.system.health_ports[name]
        return f"http://127.0.0.1:{port}/readyz"

    def wait_ready(self, name: str, timeout: float = 60) -> None:
        """Wait until the deployable answers 200 on ``/readyz``; fail if it exits."""
        process = self.system.processes[name]
        url = self.health_url(name)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with {process.returncode}:\n{self.log_tail(name)}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise TimeoutError(f"{name} not ready after {timeout:.0f} s:\n{self.log_tail(name)}")

    def kill(self, name: str) -> None:
        """SIGKILL a deployable (no drain, no cleanup) and reap it."""
        process = self.system.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def terminate(self, name: str) -> int:
        """SIGTERM a deployable, wait for its drain; return its exit code."""
        process = self.system.processes[name]
        process.send_signal(signal.SIGTERM)
        return process.wait(timeout=60)

    def restart(self, name: str, timeout: float = 60) -> subprocess.Popen[bytes]:
        """Start a deployable again and wait until it is ready."""
        process = self.system.start(name)
        self.wait_ready(name, timeout)
        return process

    def stop(self) -> dict[str, int | None]:
        """SIGTERM every deployable, wait for it; return the exit codes."""
        self.system.stop_all()
        return {name: process.returncode for name, process in self.system.processes.items()}

    def alive(self) -> dict[str, bool]:
        """Return which deployables are still running."""
        return {name: p.poll() is None for name, p in self.system.processes.items()}

    def log_tail(self, name: str, lines: int = 40) -> str:
        """Return the end of a deployable's log (for failure messages)."""
        path = self.system.log_dir / f"{name}.log"
        if not path.exists():
            return "(no log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def log_tails(self, lines: int = 15) -> str:
        """Return the end of every deployable's log."""
        return "\n".join(
            f"--- {name} ---\n{self.log_tail(name, lines)}" for name in self.system.processes
        )

    async def cleanup(self) -> None:
        """Drop the schema and delete every Redis key under the prefix."""
        import asyncpg
        from redis.asyncio import Redis

        connection = await asyncpg.connect(self.settings.postgres_dsn)
        try:
            await connection.execute(
                f'DROP SCHEMA IF EXISTS "{self.settings.postgres_schema}" CASCADE'
            )
        finally:
            await connection.close()
        client = Redis.from_url(self.settings.redis_url)
        try:
            keys = [key async for key in client.scan_iter(f"{self.settings.redis_prefix}:*")]
            for start in range(0, len(keys), 500):
                await client.delete(*keys[start : start + 500])
        finally:
            await client.aclose()

    # -- queues --------------------------------------------------------------

    def queue_url(self, worker: str) -> str:
        """Return the URL of a worker's queue."""
        return self.created[getattr(self.settings, QUEUE_FIELDS[worker])]

    async def queue_depth(self, sqs: Any, worker: str, *, dlq: bool = False) -> tuple[int, int]:
        """Return (visible, in flight) messages of a worker's queue or its DLQ."""
        url = self.queue_url(worker)
        if dlq:
            url = (await sqs.get_queue_url(QueueName=url.rsplit("/", 1)[1] + "-dlq"))["QueueUrl"]
        response = await sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
            ],
        )
        attributes = response["Attributes"]
        return (
            int(attributes["ApproximateNumberOfMessages"]),
            int(attributes["ApproximateNumberOfMessagesNotVisible"]),
        )

    async def wait_drained(self, sqs: Any, seconds: float = 90, settle: float = 1.0) -> None:
        """Wait until the three work queues stay empty for ``settle`` seconds."""
        deadline = time.monotonic() + seconds
        quiet_since: float | None = None
        while time.monotonic() < deadline:
            depths = [await self.queue_depth(sqs, worker) for worker in QUEUE_FIELDS]
            if all(visible == 0 and held == 0 for visible, held in depths):
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since >= settle:
                    return
            else:
                quiet_since = None
            await asyncio.sleep(0.25)
        raise TimeoutError(f"queues not drained: {depths}\n{self.log_tails()}")


# -- reading what the processes wrote ---------------------------------------


@dataclass
class Stores:
    """The cloud adapters the processes use, opened in the test process."""

    settings: Settings
    answers: Any
    scores: Any
    sessions: Any
    leaderboard: Any
    master: Any
    sqs: Any
    redis: Any
    # The system, when the stores are its (to count its dead letters).
    processes: CloudProcesses | None = None

    async def quiz_and_state(self, session_id: str) -> tuple[Quiz, SessionState]:
        """Return the session's quiz (from Aurora) and state (from DynamoDB)."""
        state = await self.sessions.get(session_id)
        assert state is not None, f"no session {session_id} in DynamoDB"
        quiz = await self.master.get_quiz(state.quiz_id)
        assert quiz is not None, f"no quiz {state.quiz_id} in Aurora"
        return quiz, state

    async def expected(self, session_id: str) -> Expected:
        """Recompute every score of the session from its recorded answers."""
        quiz, state = await self.quiz_and_state(session_id)
        recorded = await self.answers.for_session(session_id)
        return expected_scores(quiz, state, recorded, await self.sessions.participants(session_id))


@contextlib.asynccontextmanager
async def open_stores(settings: Settings) -> AsyncIterator[Stores]:
    """Open DynamoDB, Redis, Aurora and SQS clients on the settings' resources."""
    from adapters.aurora.pool import open_pool
    from adapters.aurora.store import PostgresMasterStore
    from adapters.aws_messaging.client import aws_client
    from adapters.dynamodb.answers import DynamoAnswerStore
    from adapters.dynamodb.client import client_config, dynamodb_client
    from adapters.dynamodb.scores import DynamoScoreStore
    from adapters.dynamodb.sessions import DynamoSessionStore
    from adapters.redis.client import open_redis
    from adapters.redis.leaderboard import RedisLeaderboard

    region, endpoint = settings.aws_region, settings.aws_endpoint_url
    async with contextlib.AsyncExitStack() as stack:
        # The test's own reads wait out a stand-in for AWS that the whole
        # suite keeps busy: the real-time path's config (3 tries, 5 s each)
        # is the processes', not the checker's.
        patient = client_config(total_attempts=8, read_timeout=30.0)
        dynamodb = await stack.enter_async_context(
            dynamodb_client(region, settings.dynamodb_endpoint_url, config=patient)
        )
        sqs = await stack.enter_async_context(aws_client("sqs", region, endpoint))
        redis_gen = open_redis(settings.redis_url)
        redis = await redis_gen.__anext__()
        stack.push_async_callback(redis_gen.aclose)
        pool_gen = open_pool(settings.postgres_dsn, schema=settings.postgres_schema, max_size=4)
        pool = await pool_gen.__anext__()
        stack.push_async_callback(pool_gen.aclose)
        yield Stores(
            settings=settings,
            answers=DynamoAnswerStore(dynamodb, settings.dynamodb_answers_table),
            scores=DynamoScoreStore(dynamodb, settings.dynamodb_scores_table),
            sessions=DynamoSessionStore(dynamodb, settings.dynamodb_sessions_table),
            leaderboard=RedisLeaderboard(redis, prefix=settings.redis_prefix),
            master=PostgresMasterStore(pool, schema=settings.postgres_schema),
            sqs=sqs,
            redis=redis,
        )


@dataclass
class Expected:
    """The scores the rules give for a session's recorded answers."""

    scores: dict[str, int]
    correct: dict[str, int]
    ranks: dict[str, int]
    points: dict[str, int]  # submission id -> points
    answers: list[RecordedAnswer]


def expected_scores(
    quiz: Quiz, state: SessionState, recorded: list[RecordedAnswer], participants: list[Any]
) -> Expected:
    """Score each participant's recorded answers with the independent oracle."""
    assert not quiz.typo_tolerance, "the oracle knows no typo tolerance"
    questions = {question.question_id: question for question in quiz.questions}
    by_user: dict[str, list[oracle.Answered]] = {p.user_id: [] for p in participants}
    for answer in recorded:
        question = questions[answer.question_id]
        by_user.setdefault(answer.user_id, []).append(
            oracle.Answered(
                submission_id=answer.submission_id,
                question_index=answer.question_index,
                correct=oracle.is_right(answer.answer, question.answer, question.accept),
                points=question.points,
                elapsed_ms=answer.received_at - answer.opened_at,
                limit_ms=answer.limit_ms,
                received_at=answer.received_at,
            )
        )
    outcomes = {
        user: oracle.outcome(answers, streaks=state.streak_bonus)
        for user, answers in by_user.items()
    }
    scores = {user: result.score for user, result in outcomes.items()}
    return Expected(
        scores=scores,
        correct={user: result.correct_count for user, result in outcomes.items()},
        ranks=oracle.competition_ranks(scores),
        points={sub: pts for result in outcomes.values() for sub, pts in result.points.items()},
        answers=recorded,
    )


def final_results(results: list[SessionResult]) -> dict[str, SessionResult]:
    """Return the final Aurora results by user."""
    return {result.user_id: result for result in results if result.final}


# -- playing ------------------------------------------------------------------


@dataclass
class Player:
    """One participant: token, joined, connected over the live WebSocket."""

    name: str
    token: str = ""
    user_id: str = ""
    sent: dict[str, float] = field(default_factory=dict)  # submission -> epoch s
    question_of: dict[str, str] = field(default_factory=dict)  # submission -> question
    results: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)
    boards: list[tuple[float, int | None]] = field(default_factory=list)  # (epoch s, me.score)
    errors: list[dict[str, Any]] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)
    # (seq, type) of every event received, in arrival order.
    seqs: list[tuple[int, str]] = field(default_factory=list)
    finished: bool = False

    @property
    def auth(self) -> dict[str, str]:
        """Return the Authorization header."""
        return {"Authorization": f"Bearer {self.token}"}

    def seen_score(self, score: int, after: float) -> float | None:
        """Return when a leaderboard frame first showed ``me.score >= score`` after ``after``."""
        for at, mine in self.boards:
            if at >= after and mine is not None and mine >= score:
                return at
        return None


# A player's strategy: the answer to give to an opened question (None: skip),
# and how long to think first.
Strategy = Callable[[Player, dict[str, Any]], tuple[str | None, float]]


async def post(client: httpx.AsyncClient, url: str, **kwargs: Any) -> httpx.Response:
    """POST an idempotent request, retrying a 503 a few times as the API contract allows.

    moto's threaded server is not thread-safe around TransactWriteItems (it
    deep-copies the table while other requests write to it) and now and then
    answers 500; after botocore's retries the API reports 503 ``unavailable``.
    """
    for attempt in range(6):
        response = await client.post(url, **kwargs)
        if response.status_code != 503:
            break
        await asyncio.sleep(0.2 * (attempt + 1))
    return response


async def token(client: httpx.AsyncClient, name: str) -> tuple[str, str]:
    """Return (access token, user id) from the dev issuer."""
    response = await post(client, "/v1/dev/token", json={"name": name})
    response.raise_for_status()
    body = response.json()
    return body["access_token"], body["user_id"]


async def gather_limited(coros: list[Any], limit: int) -> list[Any]:
    """Await coroutines with at most ``limit`` running at once."""
    gate = asyncio.Semaphore(limit)

    async def run(coro: Any) -> Any:
        async with gate:
            return await coro

    return await asyncio.gather(*(run(coro) for coro in coros))


async def join(client: httpx.AsyncClient, session_id: str, player: Player) -> None:
    """Get the player a token and join the session."""
    player.token, player.user_id = await token(client, player.name)
    response = await post(client, f"/v1/sessions/{session_id}/participants", headers=player.auth)
    if response.status_code not in (200, 201):
        raise RuntimeError(f"join failed: {response.status_code} {response.text}")


async def live(
    base_url: str,
    session_id: str,
    player: Player,
    strategy: Strategy,
    connected: asyncio.Event,
) -> None:
    """Listen on the live channel; answer every opened question per ``strategy``."""
    url = (
        base_url.replace("http", "ws", 1)
        + f"/v1/sessions/{session_id}/live?access_token={player.token}"
    )
    async with connect(url, max_queue=None, ping_interval=None, open_timeout=60) as ws:
        async for raw in ws:
            now = time.time()
            event = orjson.loads(raw)
            kind = event["type"]
            player.kinds[kind] = player.kinds.get(kind, 0) + 1
            if isinstance(event.get("seq"), int):
                player.seqs.append((event["seq"], kind))
            if kind == "session.snapshot":
                connected.set()
            elif kind == "question.opened":
                answer, think = strategy(player, event)
                if answer is not None:
                    asyncio.get_running_loop().call_later(
                        think, _send_answer, ws, player, event, answer
                    )
            elif kind == "answer.result":
                player.results.setdefault(event["submission_id"], (now, event))
            elif kind == "leaderboard.updated":
                me = event.get("me") or {}
                player.boards.append((now, me.get("score")))
            elif kind == "error":
                player.errors.append(event)
            elif kind == "session.finished":
                player.finished = True
                return


def _send_answer(ws: Any, player: Player, question: dict[str, Any], answer: str) -> None:
    submission = f"{player.name}-q{question['index']}"
    player.sent[submission] = time.time()
    player.question_of[submission] = question["question_id"]
    frame = {
        "type": "answer.submit",
        "question_id": question["question_id"],
        "answer": answer,
        "submission_id": submission,
    }
    task = asyncio.ensure_future(ws.send(orjson.dumps(frame).decode()))
    _sending.add(task)
    task.add_done_callback(_sending.discard)


_sending: set[asyncio.Future[None]] = set()


@dataclass
class Host:
    """The session's host, over HTTP."""

    client: httpx.AsyncClient
    token: str = ""
    user_id: str = ""
    session_id: str = ""
    quiz_id: str = ""

    @property
    def auth(self) -> dict[str, str]:
        """Return the Authorization header."""
        return {"Authorization": f"Bearer {self.token}"}

    async def open_session(
        self, quiz: dict[str, Any], *, seconds: int, name: str = "cloud-host", **options: Any
    ) -> str:
        """Author the quiz and create a live session (with ``options``); return its id."""
        self.token, self.user_id = await token(self.client, name)
        created = await post(self.client, "/v1/quizzes", json=quiz, headers=self.auth)
        assert created.status_code == 201, created.text
        self.quiz_id = created.json()["quiz_id"]
        session = await post(
            self.client,
            "/v1/sessions",
            json={
                "quiz_id": self.quiz_id,
                "mode": "live",
                "question_seconds": seconds,
                **options,
            },
            headers=self.auth,
        )
        assert session.status_code == 201, session.text
        self.session_id = session.json()["session_id"]
        return self.session_id

    async def act(self, action: str) -> dict[str, Any]:
        """POST start, next or finish."""
        # "start" and "next" are not retried: a second "next" skips a question.
        # "finish" is idempotent, and a host presses it again when the store
        # was too slow to answer (503), as the stand-in for AWS can be while a
        # whole suite runs beside it.
        attempts = 3 if action == "finish" else 1
        for attempt in range(1, attempts + 1):
            response = await self.client.post(
                f"/v1/sessions/{self.session_id}/{action}", headers=self.auth
            )
            if response.status_code != 503 or attempt == attempts:
                break
            await asyncio.sleep(1)
        assert response.status_code == 200, f"{action}: {response.status_code} {response.text}"
        body: dict[str, Any] = response.json()
        return body


async def wait_for(
    predicate: Callable[[], bool], seconds: float, what: str, interval: float = 0.05
) -> None:
    """Poll ``predicate`` until true; raise TimeoutError naming ``what``."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {seconds:.0f} s waiting for {what}")
        await asyncio.sleep(interval)


async def current_question_id(client: httpx.AsyncClient, host: Host) -> str:
    """Return the id of the session's open question."""
    response = await client.get(f"/v1/sessions/{host.session_id}", headers=host.auth)
    current = response.json()["current_question"]
    assert current is not None, response.text
    return str(current["question_id"])


async def answer_over_http(
    client: httpx.AsyncClient,
    session_id: str,
    player: Player,
    question_id: str,
    answer: str,
    submission: str,
) -> None:
    """POST an answer; it must be accepted (202)."""
    player.sent[submission] = time.time()
    player.question_of[submission] = question_id
    response = await post(
        client,
        f"/v1/sessions/{session_id}/answers",
        json={"question_id": question_id, "answer": answer, "submission_id": submission},
        headers=player.auth,
    )
    assert response.status_code == 202, response.text


async def wait_scored(
    stores: Stores, session_id: str, players: list[Player], seconds: float
) -> None:
    """Wait until DynamoDB holds a scored result for every submission sent."""
    pending = {(p.user_id, s) for p in players for s in p.sent}
    deadline = time.monotonic() + seconds
    while pending:
        keys = sorted(pending)
        found = await gather_limited(
            [stores.scores.get_result(session_id, user, sub) for user, sub in keys], 16
        )
        pending = {
            key
            for key, result in zip(keys, found, strict=True)
            if result is None or result.status != "scored"
        }
        if not pending:
            return
        if time.monotonic() >= deadline:
            raise TimeoutError(
                f"{len(pending)} submissions not scored after {seconds:.0f} s: "
                + await _where_lost(stores, session_id, sorted(pending)[:5])
            )
        await asyncio.sleep(0.5)


async def _where_lost(stores: Stores, session_id: str, keys: list[tuple[str, str]]) -> str:
    """Say, for submissions never scored, whether the stream recorded them.

    Recorded but not scored points at the score-event queue; not recorded
    at the answer stream or its processor; scored at the notification queue,
    the fan-out or the socket. Every queue's dead letters are counted too,
    since a message the redrive policy parks there is otherwise silent.
    """
    notes = []
    for user_id, submission in keys:
        recorded = await stores.answers.by_submission(session_id, user_id, submission)
        result = await stores.scores.get_result(session_id, user_id, submission)
        notes.append(
            f"{submission}: {'recorded' if recorded else 'not recorded'}, "
            f"result {result.status if result else None}"
        )
    if stores.processes is not None:
        parked = {
            worker: await stores.processes.queue_depth(stores.sqs, worker, dlq=True)
            for worker in QUEUE_FIELDS
        }
        notes.append(f"dead letters (visible, in flight): {parked}")
    return "; ".join(notes)


async def where_lost(stores: Stores, session_id: str, players: list[Player]) -> str:
    """Say where the submissions sent but without an ``answer.result`` got to."""
    missing = sorted((p.user_id, s) for p in players for s in p.sent if s not in p.results)
    return f"{len(missing)} without a result: " + await _where_lost(stores, session_id, missing[:8])


# -- sessions answered over HTTP ---------------------------------------------


HTTP_QUIZ: dict[str, Any] = {
    "title": "Answered over HTTP",
    "questions": [
        {
            "prompt": f"Pick alpha ({number})",
            "kind": "choice",
            "choices": ["alpha", "beta", "gamma", "delta"],
            "answer": "alpha",
        }
        for number in range(3)
    ],
}


def choice(number: int, index: int) -> str:
    """Mostly right, some wrong."""
    return "beta" if (number + index) % 5 == 0 else "alpha"


async def play_over_http(
    api: httpx.AsyncClient,
    host: Host,
    players: list[Player],
    questions: int,
) -> None:
    """Start the session, then open each question; every player answers it over HTTP."""
    for index in range(questions):
        await host.act("next" if index else "start")
        question_id = await current_question_id(api, host)
        await gather_limited(
            [
                answer_over_http(
                    api,
                    host.session_id,
                    player,
                    question_id,
                    choice(number, index),
                    f"{player.name}-q{index}",
                )
                for number, player in enumerate(players)
            ],
            16,
        )


async def new_session(api: httpx.AsyncClient, prefix: str, count: int) -> tuple[Host, list[Player]]:
    """Create a session of ``HTTP_QUIZ`` and join ``count`` players to it."""
    host = Host(api)
    session_id = await host.open_session(HTTP_QUIZ, seconds=120, name=f"{prefix}-host")
    players = [Player(f"{prefix}-{number}") for number in range(count)]
    await gather_limited([join(api, session_id, player) for player in players], 16)
    return host, players


async def assert_projections_match(
    stores: Stores, session_id: str, players: list[Player], *, final: bool = False
) -> Expected:
    """DynamoDB scores and results, Redis and Aurora equal the recomputation."""
    expected = await stores.expected(session_id)
    assert len(expected.answers) == sum(len(p.sent) for p in players)
    dynamo = {s.user_id: s.score for s in await stores.scores.scores(session_id)}
    assert dynamo == {u: s for u, s in expected.scores.items() if u in dynamo}
    assert all(expected.scores[u] == 0 for u in expected.scores if u not in dynamo)
    for player in players:
        for submission in player.sent:
            result = await stores.scores.get_result(session_id, player.user_id, submission)
            assert result is not None and result.status == "scored", submission
            assert result.points == expected.points[submission], submission
    board = await stores.leaderboard.top(session_board(session_id), 1000)
    assert {s.user_id: s.score for s in board} == expected.scores
    assert {s.user_id: s.rank for s in board} == expected.ranks
    results = await stores.master.session_results(session_id)
    aurora = final_results(results) if final else {r.user_id: r for r in results}
    scored = {u: s for u, s in expected.scores.items() if u in dynamo}
    assert {u: r.score for u, r in aurora.items() if u in scored} == scored
    if final:
        assert {u: r.score for u, r in aurora.items()} == expected.scores
        assert {u: r.rank for u, r in aurora.items()} == expected.ranks
    return expected


async def wait_final(stores: Stores, session_id: str, count: int, seconds: float = 60) -> None:
    """Wait until Aurora holds ``count`` final results of the session."""
    deadline = time.monotonic() + seconds
    while True:
        finals = final_results(await stores.master.session_results(session_id))
        if len(finals) >= count or time.monotonic() >= deadline:
            return
        await asyncio.sleep(0.25)
