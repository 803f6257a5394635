"""Which settings each cloud deployable refuses to start without; the local profile needs none."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from entrypoints.cli.cloud_dev import cloud_env
from entrypoints.settings import DEPLOYABLES, MissingSettings, Settings
from flink.settings import JobSettings, job_values, missing_settings

STORES = ["QUIZ_AWS_REGION", "QUIZ_POSTGRES_DSN", "QUIZ_REDIS_URL"]
IDENTITY = ["QUIZ_AUTH_ISSUER", "QUIZ_AUTH_JWKS_URL"]
GIVEN: dict[str, Any] = {
    "aws_region": "eu-central-1",
    "postgres_dsn": "postgresql://quiz@aurora.internal:5432/quiz",
    "redis_url": "rediss://:token@redis.internal:6379/0",
}
IDENTITY_GIVEN: dict[str, Any] = {
    "auth_issuer": "https://tenant.example/",
    "auth_jwks_url": "https://tenant.example/.well-known/jwks.json",
}


@pytest.fixture(autouse=True)
def _no_quiz_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the machine's QUIZ_* variables out of every Settings()."""
    for name in [key for key in os.environ if key.startswith("QUIZ_")]:
        monkeypatch.delenv(name)


@pytest.mark.parametrize("deployable", DEPLOYABLES)
def test_the_local_profile_needs_nothing(deployable: Any) -> None:
    settings = Settings()

    assert settings.profile == "local"
    assert settings.missing_for(deployable) == []
    assert settings.require(deployable) is settings


@pytest.mark.parametrize("deployable", ["score-event", "notification", "quiz-event"])
def test_a_cloud_worker_refuses_to_start_without_its_stores(deployable: Any) -> None:
    settings = Settings(profile="cloud")

    assert settings.missing_for(deployable) == STORES
    with pytest.raises(MissingSettings) as refused:
        settings.require(deployable)
    assert refused.value.deployable == deployable
    assert refused.value.variables == STORES
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"quizcore {deployable} will not start: ")
    assert "QUIZ_AWS_REGION, QUIZ_POSTGRES_DSN, QUIZ_REDIS_URL" in message


def test_the_cloud_stream_processor_needs_only_its_region() -> None:
    # It opens DynamoDB and SNS alone: no PostgreSQL, no Redis.
    settings = Settings(profile="cloud")

    assert settings.missing_for("stream-processor") == ["QUIZ_AWS_REGION"]
    assert Settings(profile="cloud", aws_region="eu-west-1").missing_for("stream-processor") == []


def test_the_cloud_api_without_dev_auth_also_needs_the_identity_provider() -> None:
    settings = Settings(profile="cloud")

    assert not settings.dev_auth_enabled
    assert settings.missing_for("api") == STORES + IDENTITY
    assert Settings(profile="cloud", **GIVEN).missing_for("api") == IDENTITY
    with pytest.raises(MissingSettings, match="QUIZ_AUTH_ISSUER, QUIZ_AUTH_JWKS_URL"):
        Settings(profile="cloud", **GIVEN).require("api")


def test_the_cloud_api_with_dev_auth_needs_only_its_stores() -> None:
    # make run-cloud: the dev issuer signs, so no identity provider is needed.
    assert Settings(profile="cloud", dev_auth=True).missing_for("api") == STORES


@pytest.mark.parametrize("deployable", DEPLOYABLES)
def test_a_cloud_deployable_given_everything_starts(deployable: Any) -> None:
    settings = Settings(profile="cloud", **GIVEN, **IDENTITY_GIVEN)

    assert settings.missing_for(deployable) == []
    assert settings.require(deployable) is settings


def test_variables_count_as_given_and_blank_ones_as_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QUIZ_PROFILE", "cloud")
    monkeypatch.setenv("QUIZ_AWS_REGION", "eu-west-1")  # the default, but given
    monkeypatch.setenv("QUIZ_POSTGRES_DSN", GIVEN["postgres_dsn"])
    monkeypatch.setenv("QUIZ_REDIS_URL", "  ")

    assert Settings().missing_for("score-event") == ["QUIZ_REDIS_URL"]


def test_a_default_is_never_taken_for_the_deployments_choice() -> None:
    settings = Settings(profile="cloud", postgres_dsn="pg", redis_url="redis://r")

    # The region and the dev issuer's name have defaults; neither was given.
    assert settings.aws_region == "eu-west-1"
    assert settings.missing_for("quiz-event") == ["QUIZ_AWS_REGION"]
    assert settings.model_copy(update={"aws_region": "eu-west-1"}).missing_for("quiz-event") == []
    assert settings.auth_issuer == "quizcore-dev"
    assert "QUIZ_AUTH_ISSUER" in settings.missing_for("api")


def test_the_stores_have_no_default_to_fall_back_on() -> None:
    settings = Settings()

    assert settings.postgres_dsn == ""
    assert settings.redis_url == ""


def test_an_unknown_deployable_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="no deployable 'scheduler'"):
        Settings().missing_for("scheduler")  # type: ignore[arg-type]


def test_make_run_cloud_gives_every_deployable_what_it_requires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in cloud_env("http://127.0.0.1:5000", 8000).items():
        if name.startswith("QUIZ_"):
            monkeypatch.setenv(name, value)
    settings = Settings()

    assert settings.profile == "cloud"
    for deployable in DEPLOYABLES:
        assert settings.missing_for(deployable) == [], deployable


def test_make_run_cloud_keeps_the_machines_own_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUIZ_POSTGRES_DSN", "postgresql://me@db.local:5433/quiz")

    env = cloud_env("http://127.0.0.1:5000", 8000, {"QUIZ_REDIS_URL": "redis://other:6379/1"})

    assert env["QUIZ_POSTGRES_DSN"] == "postgresql://me@db.local:5433/quiz"
    assert env["QUIZ_REDIS_URL"] == "redis://other:6379/1"
    assert env["QUIZ_AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"


def test_the_flink_job_requires_its_region_from_either_source(tmp_path: Any) -> None:
    absent = tmp_path / "no-properties.json"

    assert missing_settings(job_values({}, absent)) == ["QUIZ_AWS_REGION"]
    assert missing_settings(job_values({"QUIZ_AWS_REGION": " "}, absent)) == ["QUIZ_AWS_REGION"]
    given = job_values({"QUIZ_AWS_REGION": "us-east-2"}, absent)
    assert missing_settings(given) == []
    assert JobSettings.from_mapping(given).aws_region == "us-east-2"
    # Managed Flink passes it as an application property instead.
    properties = tmp_path / "application_properties.json"
    group = {"PropertyGroupId": "quizcore", "PropertyMap": {"QUIZ_AWS_REGION": "ap-south-1"}}
    properties.write_text(json.dumps([group]))
    assert missing_settings(job_values({}, properties)) == []


def test_dynamodb_is_reached_at_its_own_endpoint_or_the_shared_one() -> None:
    shared = {"aws_endpoint_url": "http://127.0.0.1:5000"}
    assert Settings(**shared).dynamodb_endpoint_url == "http://127.0.0.1:5000"
    apart = {**shared, "aws_dynamodb_endpoint_url": "http://127.0.0.1:5001"}
    assert Settings(**apart).dynamodb_endpoint_url == "http://127.0.0.1:5001"
    assert Settings().dynamodb_endpoint_url is None  # AWS's own endpoints
    job = JobSettings.from_mapping({"QUIZ_AWS_DYNAMODB_ENDPOINT_URL": "http://127.0.0.1:5001"})
    assert job.dynamodb_endpoint_url == "http://127.0.0.1:5001"
    assert JobSettings(**shared).dynamodb_endpoint_url == "http://127.0.0.1:5000"


def test_make_run_cloud_gives_dynamodb_its_own_endpoint_when_asked() -> None:
    env = cloud_env("http://127.0.0.1:5000", 8000, dynamodb_endpoint="http://127.0.0.1:5001")
    assert env["QUIZ_AWS_DYNAMODB_ENDPOINT_URL"] == "http://127.0.0.1:5001"
    assert "QUIZ_AWS_DYNAMODB_ENDPOINT_URL" not in cloud_env("http://127.0.0.1:5000", 8000)
