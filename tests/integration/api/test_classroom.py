"""Classroom play on a school network: listening on the LAN, the public URL."""

from __future__ import annotations

import argparse
import ipaddress

import pytest

from entrypoints.cli.lan import interface_addresses, player_urls
from entrypoints.cli.main import _settings
from entrypoints.settings import Settings

from .conftest import conducted


def serve_args(**given: object) -> argparse.Namespace:
    """Return parsed ``quiz serve`` arguments."""
    values: dict[str, object] = {
        "host": None,
        "port": None,
        "profile": None,
        "data_dir": None,
        "public_url": None,
        "lan": False,
    }
    values.update(given)
    return argparse.Namespace(**values)


def test_by_default_the_server_listens_on_this_machine_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("QUIZ_HOST", raising=False)
    monkeypatch.delenv("QUIZ_LAN", raising=False)

    settings = _settings(serve_args())

    assert (settings.host, settings.public_url) == ("127.0.0.1", "")


def test_lan_listens_everywhere_and_points_players_at_this_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("QUIZ_HOST", raising=False)
    monkeypatch.delenv("QUIZ_PUBLIC_URL", raising=False)
    addresses = [a for a in interface_addresses() if not ipaddress.ip_address(a).is_loopback]

    settings = _settings(serve_args(lan=True, port=8123))

    assert settings.host == "0.0.0.0"
    if addresses:  # a machine with no network has nothing to point phones at
        assert settings.public_url == f"http://{addresses[0]}:8123/"


def test_a_configured_public_url_wins_and_an_explicit_host_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QUIZ_LAN", "true")

    settings = _settings(serve_args(host="127.0.0.2", public_url="https://quiz.school.example/"))

    assert settings.host == "127.0.0.2"
    assert settings.public_url == "https://quiz.school.example/"


def test_player_urls_leave_out_loopback_and_prefer_routable_addresses() -> None:
    addresses = sorted(["127.0.0.1", "169.254.3.4", "192.168.1.20"])

    assert player_urls(8000, ["169.254.3.4", "127.0.0.1", "192.168.1.20"]) == [
        "http://192.168.1.20:8000/",
        "http://169.254.3.4:8000/",
    ]
    assert player_urls(8000, addresses[:1]) == []


async def test_the_web_client_learns_the_public_url(settings_for: object) -> None:
    settings: Settings = settings_for(public_url="http://10.1.2.3:8000/")  # type: ignore[operator]
    async with conducted(settings) as running:
        config = (await running.api.get("/config.json")).body

    assert config["public_url"] == "http://10.1.2.3:8000/"
