"""Logging: readable lines locally, JSON (with trace ids when tracing) in the cloud."""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog

from entrypoints.settings import Settings

# A token in a query string (the live channel's ``access_token``, any
# ``token``/``id_token``), an Authorization header's credentials, and any
# bare JWT (three base64url parts, the first a JSON header: "eyJ").
_SECRETS = (
    (
        re.compile(r"((?:access_token|id_token|token)=)[^&\s\"']+", re.IGNORECASE),
        r"\1[redacted]",
    ),
    (
        re.compile(
            r"((?:authorization|x-webhook-secret)[\"']?\s*[:=,]\s*[\"']?)"
            r"(?:(?:bearer|basic)\s+)?[^\s\"',;]+",
            re.IGNORECASE,
        ),
        r"\1[redacted]",
    ),
    (re.compile(r"\beyJ[\w-]*\.[\w-]+\.[\w-]+"), "[redacted-jwt]"),
)

# Loggers that write records of their own (filters on a logger see only its
# own records; the handler filter sees what propagates to the root).
_SERVER_LOGGERS = (
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "gunicorn.error",
    "gunicorn.access",
    "websockets",
    "websockets.server",
)


def redact(text: str) -> str:
    """Return ``text`` with bearer tokens and credentials blanked out."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redact_value(item) for item in value)
    return value


class RedactSecrets(logging.Filter):
    """Blank out tokens in a record's message, arguments and extras."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drop it."""
        if isinstance(record.msg, dict):  # structlog's event dict
            record.msg = _redact_value(record.msg)
        else:
            try:
                message = record.getMessage()
            except (TypeError, ValueError):
                message = str(record.msg)
            cleaned = redact(message)
            if cleaned != message or record.args:
                record.msg, record.args = cleaned, None
        for key, value in list(record.__dict__.items()):
            if key not in _RECORD_FIELDS and isinstance(value, str | dict | list | tuple):
                record.__dict__[key] = _redact_value(value)
        return True


_RECORD_FIELDS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
}


def install_redaction(handler: logging.Handler | None = None) -> RedactSecrets:
    """Put the redacting filter on the server loggers and on ``handler``."""
    secrets_filter = RedactSecrets()
    for name in _SERVER_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(item, RedactSecrets) for item in logger.filters):
            logger.addFilter(secrets_filter)
        for existing in logger.handlers:
            if not any(isinstance(item, RedactSecrets) for item in existing.filters):
                existing.addFilter(secrets_filter)
    if handler is not None:
        handler.addFilter(secrets_filter)
    return secrets_filter


def configure_logging(settings: Settings) -> None:
    """Route stdlib and structlog logging through one renderer."""
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if settings.log_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
        _trace_ids,
    ]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    install_redaction(handler)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )


def _trace_ids(
    logger: object, method: str, event: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    """Add the active trace and span ids (when tracing is on) for log correlation."""
    tracer_module = sys.modules.get("ddtrace")
    if tracer_module is None:
        return event
    tracer = tracer_module.tracer
    span = tracer.current_span()
    if span is not None:
        # ddtrace's own formatting: 128-bit ids as 32 hex digits, 64-bit ones
        # in decimal, as Datadog matches them (str(span.trace_id) matches neither).
        context = tracer.get_log_correlation_context(span)
        event["dd.trace_id"] = context["dd.trace_id"]
        event["dd.span_id"] = context["dd.span_id"]
    return event
