"""Logging: readable lines locally, JSON (with trace ids when tracing) in the cloud."""

from __future__ import annotations

import logging
import sys

import structlog

from entrypoints.settings import Settings


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
