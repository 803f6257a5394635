"""A worker's probes: ``/healthz`` while it lives, ``/readyz`` when it can work.

``/readyz`` is 200 only once the consumer started, while every dependency
the worker needs answers (each with its latency in ``checks``) and while its
consumer keeps polling: ``PollWatch`` notes each successful receive (SQS)
or read (Kinesis), and a consumer silent for ``worker_stall_after_s`` is
reported stalled. Otherwise 503 with a problem+json body, as the API's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import falcon
import falcon.asgi

from entrypoints.observability import Check, probe

# The client calls that are a consumer's poll, with or without messages.
POLLS = frozenset({"receive_message", "get_records"})


class ConsumerStalled(RuntimeError):
    """The consumer has not polled for too long."""


class PollWatch:
    """An AWS client that notes when a poll last succeeded (all else passes through)."""

    def __init__(self, client: Any, clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._clock = clock
        self.since = clock()  # a consumer that never polled is stalled from here
        self.last_poll: float | None = None

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name not in POLLS:
            return attribute

        async def polled(*args: Any, **kwargs: Any) -> Any:
            response = await attribute(*args, **kwargs)
            self.last_poll = self._clock()
            return response

        return polled

    def silent_for(self) -> float:
        """Return the seconds since the last successful poll (or the start)."""
        return self._clock() - (self.last_poll if self.last_poll is not None else self.since)

    def check(self, stall_after_s: float) -> Check:
        """Return the readiness check failing once polls stop for ``stall_after_s``."""

        async def consumer() -> None:
            silent = self.silent_for()
            if silent > stall_after_s:
                raise ConsumerStalled(f"no successful poll for {silent:.0f} s")

        return consumer


def queue_check(client: Any, queue_url: str) -> Check:
    """Return a check that the worker's queue answers."""

    async def queue() -> None:
        await client.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )

    return queue


def stream_check(client: Any, stream: str) -> Check:
    """Return a check that the answer stream answers."""

    async def stream_() -> None:
        await client.describe_stream_summary(StreamName=stream)

    return stream_


def store_checks(ports: Mapping[str, Any]) -> dict[str, Check]:
    """Return a check of each store among the ports the worker was built on.

    A worker checks what its handler uses, no more: the stream processor
    has no leaderboard or master store, so Redis and Aurora are not its
    concern (``PORTS`` in ``entrypoints/workers/main.py``).
    """
    checks: dict[str, Check] = {}
    if "sessions" in ports:
        checks["sessions"] = partial(ports["sessions"].get, "READYZ")
    if "leaderboard" in ports:
        checks["leaderboard"] = partial(ports["leaderboard"].size, "readyz")
    if "master" in ports:
        checks["master"] = partial(ports["master"].get_quiz, "readyz")
    return checks


class _Probe:
    def __init__(self, state: dict[str, Any], timeout_s: float) -> None:
        self.state = state
        self.timeout_s = timeout_s

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        if req.path != "/readyz":
            resp.media = {"status": "ok", "worker": self.state.get("name")}
            return
        if not self.state.get("ready"):
            phase = "stopping" if self.state.get("stopping") else "starting"
            _not_ready(resp, phase, f"the worker is {phase}", {})
            return
        ready, outcomes = await probe(self.state.get("checks", {}), self.timeout_s)
        if not ready:
            failed = [
                f"{name}: {o['error']}" for name, o in outcomes.items() if o["status"] != "ok"
            ]
            _not_ready(resp, "not ready", "; ".join(failed), outcomes)
            return
        resp.media = {"status": "ready", "worker": self.state.get("name"), "checks": outcomes}


def _not_ready(resp: falcon.asgi.Response, status: str, detail: str, checks: Any) -> None:
    resp.status = 503
    resp.content_type = "application/problem+json"
    resp.text = json.dumps(
        {
            "type": "about:blank",
            "title": "Not ready",
            "status": 503,
            "code": "unavailable",
            "detail": detail,
            # "status" of the problem is the HTTP code; the phase goes here.
            "phase": status,
            "checks": checks,
        }
    )


def health_app(state: dict[str, Any], timeout_s: float = 2.0) -> Any:
    """Return the probe app of a worker (``state["checks"]`` set once wired)."""
    app = falcon.asgi.App()
    app.add_route("/healthz", _Probe(state, timeout_s))
    app.add_route("/readyz", _Probe(state, timeout_s))
    return app
