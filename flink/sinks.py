"""Sinks the job's outputs can be attached to, as ``SinkFactory`` callables.

A ``SinkFactory`` takes a stream of JSON lines and a name and attaches the
stream to a sink; ``build_pipeline`` takes one for the outcomes and one for
the dead letters, so tests and deployments choose where they go:

- ``to_files(path)``: a ``FileSink`` writing ``.jsonl`` part files under
  ``path`` (a local directory, or ``s3://...`` where the S3 file system
  plugin is present, as on Managed Flink). In streaming mode part files are
  committed on checkpoints, and on end of input for a bounded source.
- ``discarded()``: drop them (the events are on SNS already).
- ``logged(level)``: log each line on the task manager, then drop it; the
  default for dead letters when no path is set, so they reach CloudWatch
  (Managed Flink) or the pod logs (EKS).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pyflink.common import Encoder, Types
from pyflink.datastream import DataStream
from pyflink.datastream.connectors import Sink
from pyflink.datastream.connectors.file_system import FileSink, OutputFileConfig
from pyflink.java_gateway import get_gateway

SinkFactory = Callable[[DataStream, str], Any]


def file_sink(path: str) -> FileSink:
    """Return a row-format ``FileSink`` of JSON lines under ``path``."""
    return (
        FileSink.for_row_format(path, Encoder.simple_string_encoder("UTF-8"))
        .with_output_file_config(OutputFileConfig.builder().with_part_suffix(".jsonl").build())
        .build()
    )


def to_files(path: str) -> SinkFactory:
    """Return a factory writing the stream as JSON lines under ``path``."""

    def attach(stream: DataStream, name: str) -> Any:
        return stream.sink_to(file_sink(path)).name(name).uid(name)

    return attach


def discarded() -> SinkFactory:
    """Return a factory dropping every element."""

    def attach(stream: DataStream, name: str) -> Any:
        jvm = get_gateway().jvm
        sink = Sink(jvm.org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink())
        return stream.sink_to(sink).name(name).uid(name)

    return attach


def logged(level: int = logging.WARNING) -> SinkFactory:
    """Return a factory logging every element on the task manager, then dropping it."""

    def attach(stream: DataStream, name: str) -> Any:
        logger_name = f"flink.{name}"

        def log_line(line: str) -> str:
            logging.getLogger(logger_name).log(level, "%s", line)
            return line

        shown = stream.map(log_line, output_type=Types.STRING()).name(f"{name}-log")
        return discarded()(shown.uid(f"{name}-log"), name)

    return attach
