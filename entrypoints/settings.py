"""One settings class for every deployable, read from ``QUIZ_*`` variables.

The local profile needs none of them. The cloud profile has a few settings
no default can stand in for (where the database, Redis and the AWS region
are; the identity provider when dev auth is off): each cloud deployable
calls ``Settings.require(<deployable>)`` first and refuses to start, naming
the missing variables, while one it needs is not given.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal, get_args

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PRODUCTION_ENVS = frozenset({"prod", "production"})

# The processes of the cloud profile, as ``quiz`` and the manifests name them.
Deployable = Literal["api", "stream-processor", "score-event", "notification", "quiz-event"]
DEPLOYABLES: tuple[Deployable, ...] = get_args(Deployable)

# A cloud deployable opens only the clients its handler uses (entrypoints/
# workers/main.py, PORTS). The API and the three queue workers read quizzes
# through the Redis cache of PostgreSQL and keep boards in Redis; the stream
# processor uses DynamoDB and SNS alone.
CLOUD_REQUIRED = ("aws_region", "postgres_dsn", "redis_url")
STREAM_REQUIRED = ("aws_region",)
# The API checks tokens against the identity provider when dev auth is off;
# the default issuer names the local dev issuer, which signs nothing there.
API_AUTH_REQUIRED = ("auth_issuer", "auth_jwks_url")


class MissingSettings(ValueError):
    """A cloud deployable was started without settings it cannot do without."""

    def __init__(self, deployable: str, variables: list[str]) -> None:
        self.deployable = deployable
        self.variables = variables
        super().__init__(
            f"quizcore {deployable} will not start: set {', '.join(variables)} "
            "(required in the cloud profile; see docs/OPERATIONS.md, Configuration)"
        )


class Settings(BaseSettings):
    """Configuration of the API, the workers and the CLI.

    Every field is read from the environment variable ``QUIZ_<FIELD>`` (upper
    case). The defaults are the embedded (local) profile's.
    """

    model_config = SettingsConfigDict(env_prefix="QUIZ_", extra="ignore")

    profile: Literal["local", "cloud"] = "local"
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("var")
    # Local profile storage: the durable SQLite file, or memory (tests, demos).
    storage: Literal["sqlite", "memory"] = "sqlite"
    # SQLite keeps running sessions in memory; finished ones, quizzes and
    # users are read on demand and this many of each kept (least recent out).
    sqlite_cache_sessions: int = Field(default=8, ge=0, le=10_000)
    sqlite_cache_quizzes: int = Field(default=64, ge=0, le=100_000)
    sqlite_cache_users: int = Field(default=4096, ge=0, le=1_000_000)
    web_dist: Path = Path("web/dist")
    # Classroom play: listen on every interface (phones on the school network
    # reach it), and the address players open (QR code and join link); empty
    # means the address the host's browser uses.
    lan: bool = False
    public_url: str = ""
    seed_quizzes: bool = True

    # Authentication. Dev auth (local issuer) defaults on in the local profile only.
    dev_auth: bool | None = None
    auth_issuer: str = "quizcore-dev"
    auth_audience: str = "quizcore"
    auth_jwks_url: str = ""
    # Tolerated clock difference with the token issuer (exp, iat, nbf).
    auth_clock_skew_seconds: int = Field(default=60, ge=0, le=600)
    auth0_webhook_secret: str = ""
    auth0_client_id: str = ""
    auth0_domain: str = ""

    # Play rules.
    answer_grace_ms: int = Field(default=500, ge=0, le=1000)
    leaderboard_interval_ms: int = Field(default=200, ge=20, le=5000)
    leaderboard_top: int = Field(default=10, ge=1, le=100)
    max_body_bytes: int = 64 * 1024
    replay_buffer: int = Field(default=1024, ge=0)
    # How long the host may be gone (a reload, a blip of Wi-Fi) before the
    # players are told the host left.
    host_away_seconds: float = Field(default=5.0, ge=0, le=300)
    # How long a player whose screen dropped (a reload, a blip of Wi-Fi) still
    # counts as in the room for closing a question once everyone answered,
    # and on the host's "N of M" (both profiles).
    presence_grace_seconds: float = Field(default=10.0, ge=0, le=300)
    # Cloud profile: how often each API process renews, in Redis, the leases
    # of the players with a screen open on it (a lease lasts the grace and
    # two renewals).
    presence_renew_seconds: float = Field(default=2.0, ge=0.05, le=60)
    # Embedded profile: concurrent handlers of the in-process score-event and
    # quiz-result lanes (notifications keep their order on one).
    score_event_workers: int = Field(default=32, ge=1, le=1024)
    quiz_result_workers: int = Field(default=8, ge=1, le=1024)
    ws_queue_size: int = Field(default=256, ge=8)

    # Limits (each refused with a clear error; see the README).
    # Largest WebSocket message; the server refuses a longer frame from its
    # header, before reading it (close 1009).
    ws_max_message_bytes: int = Field(default=8 * 1024, ge=256, le=1024 * 1024)
    # Request line plus headers; more gets 431 before the request is parsed.
    max_header_bytes: int = Field(default=16 * 1024, ge=1024, le=1024 * 1024)
    # Live sockets one user may hold on one session (more: close 4429).
    ws_max_sockets_per_user: int = Field(default=5, ge=1, le=1000)
    # The server pings every live socket this often and drops one that has
    # not answered within as long: a phone that lost the network is gone
    # within twice this, not when TCP gives up minutes later.
    ws_ping_seconds: float = Field(default=20.0, gt=0, le=300)
    # Every write (quizzes, sessions, joins, host actions, answers) per user.
    write_rate_per_second: float = Field(default=20.0, gt=0)
    write_burst: int = Field(default=40, ge=1)
    # Quiz authoring on top of that, per user.
    quiz_create_per_minute: float = Field(default=10.0, gt=0)
    quiz_create_burst: int = Field(default=10, ge=1)
    # One stored quiz (its JSON body).
    max_quiz_bytes: int = Field(default=32 * 1024, ge=1024)
    # How long a process trusts a user's cached status (a block reaches
    # every process at once through pub/sub; this bounds a missed message).
    user_status_ttl_seconds: float = Field(default=30.0, gt=0, le=3600)

    # Cloud profile: AWS. The region is required there (given explicitly, even
    # when it is this default: the deployment chooses it, not the code).
    aws_region: str = "eu-west-1"
    aws_endpoint_url: str | None = None
    # DynamoDB's own endpoint where it is served apart from the other services
    # (the local stand-in runs it in its own process); by default the above.
    aws_dynamodb_endpoint_url: str | None = None
    answer_stream: Literal["kinesis", "eventbridge"] = "kinesis"
    dynamodb_answers_table: str = "quizcore-answers"
    dynamodb_scores_table: str = "quizcore-scores"
    dynamodb_sessions_table: str = "quizcore-sessions"
    kinesis_stream: str = "quizcore-answers"
    # Where the plain stream processor puts a record it gave up on (after
    # stream_max_attempts failures that are not outages); quiz dlq redrive
    # puts it back on the stream.
    stream_dead_letter_queue: str = "quizcore-answers-dlq"
    stream_max_attempts: int = Field(default=5, ge=1, le=1000)
    eventbridge_bus: str = "quizcore-stream-events"
    sns_stream_result_topic: str = "quizcore-stream-result"
    sns_quiz_events_topic: str = "quizcore-quiz-events"
    sqs_score_event_queue: str = "quizcore-score-event"
    sqs_ui_response_queue: str = "quizcore-ui-response"
    sqs_quiz_result_queue: str = "quizcore-quiz-result"
    # No default: required in the cloud profile (make run-cloud sets local ones).
    postgres_dsn: str = ""
    postgres_schema: str = "quizcore"
    redis_url: str = ""
    redis_prefix: str = "quizcore"
    worker_health_port: int = 8081
    # Handlers a worker runs at once: per shard of the answer stream (one
    # participant's answers stay in order), per SQS receive of <= 10 messages.
    stream_concurrency: int = Field(default=32, ge=1, le=1000)
    # The cloud API reads a session's state (one DynamoDB item) at most once
    # per this many ms per process, not once per answer; 0 reads every time.
    session_state_cache_ms: int = Field(default=250, ge=0, le=5000)
    queue_concurrency: int = Field(default=10, ge=1, le=10)
    # A received SQS message stays hidden this long (extended every third of
    # it while its handler runs); a failed one comes back after it.
    queue_visibility_seconds: int = Field(default=30, ge=2, le=43_200)
    # SNS publishes from concurrent handlers share PublishBatch requests.
    publish_linger_ms: float = Field(default=5, ge=0, le=1000)
    # /readyz: a worker whose consumer has not polled for this long is not
    # ready (an SQS long poll lasts 20 s); each dependency check's time limit.
    worker_stall_after_s: float = Field(default=60.0, ge=1)
    ready_check_timeout_s: float = Field(default=1.5, gt=0)
    # API Gateway's WebSocket API: its https callback (@connections) URL.
    # Empty: the /ws/gateway routes and the push to @connections are off.
    apigw_ws_callback_url: str = ""
    firebase_credentials: str = ""
    firebase_project_id: str = ""
    firebase_database_url: str = ""

    # Observability (off unless enabled).
    trace_enabled: bool = False
    metrics_enabled: bool = False
    statsd_host: str = "127.0.0.1"
    statsd_port: int = 8125
    log_json: bool = False
    log_level: str = "INFO"
    env: str = "dev"
    version: str = "0.1.0"
    service: str = "quizcore"

    @model_validator(mode="after")
    def _profile_defaults(self) -> Settings:
        if self.dev_auth is None:
            self.dev_auth = self.profile == "local"
        return self

    def required_for(self, deployable: Deployable) -> tuple[str, ...]:
        """Return the fields ``deployable`` cannot start without in this profile."""
        if deployable not in DEPLOYABLES:
            raise ValueError(f"no deployable {deployable!r}; one of {', '.join(DEPLOYABLES)}")
        if self.profile != "cloud":
            return ()
        if deployable == "api" and not self.dev_auth_enabled:
            return CLOUD_REQUIRED + API_AUTH_REQUIRED
        if deployable == "stream-processor":
            return STREAM_REQUIRED
        return CLOUD_REQUIRED

    def missing_for(self, deployable: Deployable) -> list[str]:
        """Return the ``QUIZ_*`` variables ``deployable`` needs and was not given.

        A required setting is missing when blank, or when neither a variable
        nor an argument gave it: a default is never taken for a deployment's
        choice (the region's ``eu-west-1``, the dev issuer's name).
        """
        return [
            f"QUIZ_{name.upper()}"
            for name in self.required_for(deployable)
            if name not in self.model_fields_set or not str(getattr(self, name)).strip()
        ]

    def require(self, deployable: Deployable) -> Settings:
        """Return these settings, or raise ``MissingSettings`` naming what is missing."""
        missing = self.missing_for(deployable)
        if missing:
            raise MissingSettings(deployable, missing)
        return self

    @property
    def dynamodb_endpoint_url(self) -> str | None:
        """Where the DynamoDB clients connect (None: AWS's own endpoint)."""
        return self.aws_dynamodb_endpoint_url or self.aws_endpoint_url

    @property
    def production(self) -> bool:
        """Return whether this is a production deployment (``QUIZ_ENV``)."""
        return self.env.strip().lower() in PRODUCTION_ENVS

    @property
    def dev_auth_enabled(self) -> bool:
        """Return whether the local dev token issuer is served."""
        return bool(self.dev_auth)


def settings_or_exit(deployable: Deployable) -> Settings:
    """Return the environment's settings for ``deployable``, about to start.

    For entry points no command line wraps (gunicorn's configuration, the
    ASGI module): a missing required setting ends the process with its
    one-line message and exit status 2, not with a traceback.
    """
    try:
        return Settings().require(deployable)
    except MissingSettings as ex:
        print(ex, file=sys.stderr)
        raise SystemExit(2) from None
