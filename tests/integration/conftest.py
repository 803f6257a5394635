"""Real services for the integration suites: moto's server, PostgreSQL, Redis.

AWS variables of the machine are scrubbed so no test can reach a real account.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

PG_DSN = os.environ.get("QUIZ_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("QUIZ_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def aws_env() -> Iterator[None]:
    """Scrub the AWS environment and point every client at fake credentials."""
    saved = {key: value for key, value in os.environ.items() if key.startswith("AWS_")}
    for key in saved:
        del os.environ[key]
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="eu-west-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    yield
    for key in [key for key in os.environ if key.startswith("AWS_")]:
        del os.environ[key]
    os.environ.update(saved)


@pytest.fixture(scope="session")
def moto_endpoint(aws_env: None) -> Iterator[str]:
    """Start moto in server mode on a free port; yield its endpoint URL.

    Plain moto, but for two races that lose messages under concurrent
    requests (``guard_moto_races``): the adapters put and delete concurrently.
    """
    from moto.server import ThreadedMotoServer

    from entrypoints.cli.moto_stand_in import guard_moto_races

    guard_moto_races()

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def unique() -> str:
    """Return a random suffix for table, queue, schema and key names."""
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def pg_dsn() -> str:
    """Return the DSN of the local PostgreSQL."""
    return PG_DSN


@pytest.fixture(scope="session")
def redis_url() -> str:
    """Return the URL of the local Redis."""
    return REDIS_URL
