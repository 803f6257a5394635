"""The ``quiz`` command: serve, import quizzes, play a demo, run workers."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

from entrypoints.gc_policy import LIVE_GC
from entrypoints.settings import MissingSettings, Settings

# How long a thread may hold the GIL while another waits for it (see ``serve``).
SWITCH_INTERVAL_S = 0.0005


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    for name in ("host", "port", "profile", "data_dir", "public_url"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    if getattr(args, "lan", False):
        overrides["lan"] = True
    settings = Settings(**overrides)
    if settings.lan:
        settings = _on_lan(settings, host_given="host" in overrides or "QUIZ_HOST" in os.environ)
    return settings


def _on_lan(settings: Settings, *, host_given: bool) -> Settings:
    """Listen on every interface; point the QR code at this machine's address."""
    from entrypoints.cli.lan import interface_addresses, player_urls

    update: dict[str, Any] = {}
    if not host_given:
        update["host"] = "0.0.0.0"
    if not settings.public_url:
        urls = player_urls(settings.port, interface_addresses())
        if urls:
            update["public_url"] = urls[0]
    return settings.model_copy(update=update)


def _announce(settings: Settings) -> None:
    """Print where the product is served, and on a LAN where phones go."""
    from entrypoints.cli.lan import interface_addresses, player_urls

    print(f"quizcore ({settings.profile} profile) on http://{settings.host}:{settings.port}/")
    if settings.host not in ("0.0.0.0", "::"):
        return
    urls = player_urls(settings.port, interface_addresses())
    if settings.public_url:
        print(f"players join at {settings.public_url} (the QR code and join link show it)")
    for url in urls:
        print(f"phones on this network can open {url}")
    if not urls and not settings.public_url:
        print("no network address found: set QUIZ_PUBLIC_URL to the address players open")


def serve(args: argparse.Namespace) -> int:
    """Serve the API, the live channel and the web client."""
    import uvicorn

    from entrypoints.api.app import create_app
    from entrypoints.api.server import server_options
    from entrypoints.logs import configure_logging

    settings = _settings(args).require("api")
    configure_logging(settings)
    app = create_app(settings)
    # Everything imported so far lives as long as the process: keep it out of
    # the collector's way, and collect the young generation less often (the
    # live channel makes many short-lived frames; cProfile showed the cyclic
    # collector at ~13% of an answer's cost).
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    # The SQLite writer thread takes the GIL several times per commit (to
    # start it, after each statement, to hand the result back). While the
    # event loop is busy (a question going out to 10,000 sockets) each of
    # those waits out a whole switch interval, 5 ms by default: a commit of
    # 1 ms took 20-120 ms to come back, and every answer waited for it. At
    # 0.5 ms, the server's own p99 from an answer's frame to its result at
    # 10,000 players over 5 s fell from 67-119 to 51-69 ms (bench/RESULTS.md).
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    # And keep a live session's players out of its way (entrypoints.gc_policy).
    LIVE_GC.enable()
    _announce(settings)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        lifespan="on",
        log_level=settings.log_level.lower(),
        # A classroom joins at once: room for a burst of handshakes.
        backlog=4096,
        timeout_keep_alive=30,
        # Limits (frame and header size), protocols, and logging left to ours.
        **server_options(settings),
    )
    return 0


async def _import(settings: Settings, path: Path) -> int:
    from entrypoints.api.container import LocalContainer
    from entrypoints.seed import load_quizzes
    from entrypoints.wiring import resolve

    quizzes = load_quizzes(path)
    if settings.profile == "cloud":
        from entrypoints.cloud import CloudContainer

        container: Any = CloudContainer(settings=settings)
    else:
        container = LocalContainer(settings=settings)
    await container.init_resources()
    try:
        master = await resolve(container.master)
        for quiz in quizzes:
            await master.save_quiz(quiz)
    finally:
        await container.shutdown_resources()
    return len(quizzes)


def import_quizzes(args: argparse.Namespace) -> int:
    """Load quizzes from a JSON file (one quiz or a list) into master data."""
    from quizcore.errors import QuizError

    try:
        count = asyncio.run(_import(_settings(args), Path(args.file)))
    except (OSError, ValueError, QuizError) as ex:
        if isinstance(ex.__cause__, sqlite3.OperationalError) and "locked" in str(ex.__cause__):
            # The running server holds the file for itself (its mirror in memory
            # must see every write): say how to add a quiz without stopping class.
            print(
                f"quiz import: {ex}. A running `quiz serve` holds this data folder: stop it"
                ' first, or add the quiz while it runs from the web app (Host, "Write a new'
                ' quiz", "Or load a quiz file") or with POST /v1/quizzes.',
                file=sys.stderr,
            )
            return 2
        print(f"quiz import: {ex}", file=sys.stderr)
        return 2
    print(f"imported {count} quiz(zes) from {args.file}")
    return 0


def demo(args: argparse.Namespace) -> int:
    """Play a scripted session with simulated players and print the leaderboard."""
    from entrypoints.cli.demo import run_demo

    return asyncio.run(
        run_demo(
            args.url,
            players=args.players,
            quiz_id=args.quiz,
            seconds=args.seconds,
            questions=args.questions,
        )
    )


def worker(args: argparse.Namespace) -> int:
    """Run one of the cloud profile's queue workers."""
    settings = _settings(args).require(args.name)
    from entrypoints.workers.main import run_worker

    return int(run_worker(args.name, settings))


def stream_processor(args: argparse.Namespace) -> int:
    """Run the stream processor as a plain Kinesis consumer."""
    settings = _settings(args).require("stream-processor")
    from entrypoints.workers.main import run_worker

    return int(run_worker("stream-processor", settings))


def cloud_dev(args: argparse.Namespace) -> int:
    """Bootstrap or run the cloud profile locally."""
    from entrypoints.cli.cloud_dev import main as cloud_main

    return cloud_main(args)


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(prog="quiz", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--profile", choices=["local", "cloud"], default=None)
        sub.add_argument("--data-dir", dest="data_dir", default=None)

    sub = commands.add_parser("serve", help=serve.__doc__)
    sub.add_argument("--host", default=None)
    sub.add_argument("--port", type=int, default=None)
    sub.add_argument(
        "--lan",
        action="store_true",
        help="listen on every interface so phones on this network can join",
    )
    sub.add_argument(
        "--public-url",
        dest="public_url",
        default=None,
        help="the address players open (QR code and join link)",
    )
    common(sub)
    sub.set_defaults(func=serve)

    sub = commands.add_parser("import", help=import_quizzes.__doc__)
    sub.add_argument("file")
    common(sub)
    sub.set_defaults(func=import_quizzes)

    sub = commands.add_parser("demo", help=demo.__doc__)
    sub.add_argument("--url", default=os.environ.get("QUIZ_URL", ""))
    sub.add_argument("--players", type=int, default=6)
    sub.add_argument("--quiz", default="everyday-verbs")
    sub.add_argument("--seconds", type=int, default=6)
    sub.add_argument("--questions", type=int, default=0, help="play only the first N")
    sub.set_defaults(func=demo)

    sub = commands.add_parser("worker", help=worker.__doc__)
    sub.add_argument("name", choices=["score-event", "notification", "quiz-event"])
    common(sub)
    sub.set_defaults(func=worker)

    sub = commands.add_parser("stream-processor", help=stream_processor.__doc__)
    common(sub)
    sub.set_defaults(func=stream_processor)

    sub = commands.add_parser("bootstrap", help="create the cloud profile's resources")
    sub.set_defaults(func=cloud_dev)

    from entrypoints.cli.dlq import add_parser as add_dlq_parser

    add_dlq_parser(commands)

    sub = commands.add_parser("run-cloud", help="run the whole cloud profile on this machine")
    sub.add_argument("--port", type=int, default=8000)
    sub.add_argument("--moto-port", type=int, default=5000)
    sub.add_argument(
        "--api-processes", type=int, default=1, help="API processes sharing the sessions"
    )
    sub.set_defaults(func=cloud_dev)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    logging.basicConfig(level=logging.WARNING)
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except MissingSettings as ex:
        # A configuration mistake, not a crash: one line, no traceback.
        print(ex, file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
