"""Dev tokens never reach production: the API refuses to start with them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from entrypoints.api.app import build_app
from entrypoints.cli.cloud_dev import cloud_env
from entrypoints.settings import Settings


@pytest.mark.parametrize("env", ["prod", "production", "PROD"])
def test_the_api_refuses_to_start_with_dev_auth_in_production(
    settings_for: Callable[..., Settings], env: str
) -> None:
    settings = settings_for(env=env, dev_auth=True)

    with pytest.raises(ValueError, match="QUIZ_DEV_AUTH is on with QUIZ_ENV"):
        build_app(settings)


def test_the_api_starts_in_production_without_dev_auth(
    settings_for: Callable[..., Settings],
) -> None:
    settings = settings_for(
        env="prod", dev_auth=False, auth_jwks_url="https://issuer.example/.well-known/jwks.json"
    )

    app, ctx = build_app(settings)

    assert app is not None
    assert ctx.dev_issuer is None


def test_the_local_profile_keeps_dev_auth_outside_production(
    settings_for: Callable[..., Settings],
) -> None:
    _, ctx = build_app(settings_for(env="dev"))

    assert ctx.dev_issuer is not None


@pytest.mark.parametrize(
    "endpoint", [None, "https://dynamodb.eu-west-1.amazonaws.com", "http://10.0.0.7:5000"]
)
def test_the_cloud_profile_refuses_dev_auth_against_real_aws(
    settings_for: Callable[..., Settings], endpoint: str | None
) -> None:
    settings = settings_for(profile="cloud", dev_auth=True, aws_endpoint_url=endpoint)

    with pytest.raises(ValueError, match="allowed only for a local run"):
        build_app(settings)


def test_dev_auth_is_refused_when_dynamodb_alone_is_real_aws(
    settings_for: Callable[..., Settings],
) -> None:
    settings = settings_for(
        profile="cloud",
        dev_auth=True,
        aws_endpoint_url="http://127.0.0.1:5000",
        aws_dynamodb_endpoint_url="https://dynamodb.eu-west-1.amazonaws.com",
    )

    with pytest.raises(ValueError, match="allowed only for a local run"):
        build_app(settings)


def test_a_local_cloud_run_starts_with_dev_auth_and_warns_loudly(
    settings_for: Callable[..., Settings],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The environment `make run-cloud` (quiz run-cloud) gives the API.
    for name, value in cloud_env("http://127.0.0.1:5000", 8000).items():
        if name.startswith("QUIZ_"):
            monkeypatch.setenv(name, value)
    settings = settings_for()
    assert settings.profile == "cloud" and settings.dev_auth_enabled

    _, ctx = build_app(settings)

    assert ctx.dev_issuer is not None
    assert "DEV AUTH IS ON" in capsys.readouterr().err
