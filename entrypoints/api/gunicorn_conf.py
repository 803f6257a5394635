"""Gunicorn settings of the API deployable (the image's default command).

The process model: one gunicorn arbiter, ``WEB_CONCURRENCY`` uvicorn workers,
each running the Falcon ASGI app. Access lines are left to the application's
structured logs, so gunicorn writes only its own errors, to stderr.
"""

from __future__ import annotations

import os
from typing import Any

from uvicorn_worker import UvicornWorker


def _int_env(name: str, default: int) -> int:
    """Read a positive integer from the environment, or the default."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    value = int(raw)
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, not {raw!r}")
    return value


def _server_options() -> dict[str, Any]:
    """Return the API's uvicorn limits (frame and header size) from QUIZ_*.

    Read when gunicorn loads this file, before any worker starts: a cloud
    setting the API cannot do without stops gunicorn here, with its name.
    """
    from entrypoints.api.server import server_options
    from entrypoints.settings import settings_or_exit

    options = server_options(settings_or_exit("api"))
    # Gunicorn owns logging here; post_worker_init adds the redaction.
    options.pop("log_config")
    return options


class ApiWorker(UvicornWorker):  # type: ignore[misc]
    """Uvicorn's gunicorn worker with the API's limits."""

    CONFIG_KWARGS = {"loop": "auto", **_server_options()}


def post_worker_init(worker: Any) -> None:
    """Redact tokens from every log line the worker writes; collect as ``quiz serve`` does."""
    from entrypoints.gc_policy import LIVE_GC
    from entrypoints.logs import install_redaction

    install_redaction()
    # A worker holds live sockets too (entrypoints.gc_policy).
    LIVE_GC.enable()


bind = "0.0.0.0:8000"
workers = _int_env("WEB_CONCURRENCY", 2)
worker_class = "entrypoints.api.gunicorn_conf.ApiWorker"

# Kubernetes sends SIGTERM and waits terminationGracePeriodSeconds (45 s in
# k8s/base): workers get 30 s to finish requests and close WebSockets.
graceful_timeout = _int_env("GUNICORN_GRACEFUL_TIMEOUT", 30)
# A worker silent this long is restarted.
timeout = _int_env("GUNICORN_TIMEOUT", 60)
# Longer than the load balancer's idle timeout, so the server never closes a
# connection the load balancer is about to reuse.
keepalive = _int_env("GUNICORN_KEEPALIVE", 75)

# Worker heartbeat files go to the temp directory, which Kubernetes mounts as
# an emptyDir: the root filesystem is read-only.

accesslog = None
errorlog = "-"
loglevel = os.environ.get("QUIZ_LOG_LEVEL", "INFO").lower()
proc_name = "quizcore-api"
