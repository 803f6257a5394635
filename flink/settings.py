"""``JobSettings``: what the stream-processor job reads, by the ``QUIZ_*`` names.

The names and defaults are those of ``entrypoints/settings.py`` (the job may
not import ``entrypoints``), plus a few ``QUIZ_FLINK_*`` ones of its own. Values
come from the environment, overlaid by the property group ``quizcore`` of
Managed Flink's ``/etc/flink/application_properties.json`` when that file
exists (Managed Flink passes settings as application properties, not as
environment variables). ``main()`` reads them once on the client; the
functions receive the frozen dataclass pickled with them, so task managers need
no environment of their own. ``main()`` refuses to submit the job while a
``REQUIRED`` setting is not given (the region: the deployment's choice).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROPERTIES_FILE = "/etc/flink/application_properties.json"
PROPERTY_GROUP = "quizcore"
PREFIX = "QUIZ_"
# Settings the job will not run without being given (a default would only guess).
REQUIRED = ("aws_region",)


@dataclass(frozen=True, slots=True, kw_only=True)
class JobSettings:
    """Settings of the stream-processor job; every field is ``QUIZ_<FIELD>``."""

    aws_region: str = "eu-west-1"
    aws_endpoint_url: str | None = None
    # DynamoDB's own endpoint where it is served apart (see entrypoints.settings).
    aws_dynamodb_endpoint_url: str | None = None
    # A stream name (resolved to its ARN on submission) or the stream ARN.
    kinesis_stream: str = "quizcore-answers"
    dynamodb_answers_table: str = "quizcore-answers"
    dynamodb_scores_table: str = "quizcore-scores"
    dynamodb_sessions_table: str = "quizcore-sessions"
    # Topic names or ARNs; ARNs spare the job the sns:CreateTopic permission.
    sns_stream_result_topic: str = "quizcore-stream-result"
    sns_quiz_events_topic: str = "quizcore-quiz-events"
    answer_grace_ms: int = 500

    # Job wiring.
    flink_source: str = "kinesis"  # only "kinesis" exists in main(); tests inject theirs
    flink_initial_position: str = "LATEST"  # or TRIM_HORIZON to replay the retained stream
    flink_parallelism: int | None = None  # None: the cluster's (Managed Flink sets it)
    flink_checkpoint_ms: int = 10_000
    flink_python_mode: str = "process"  # or "thread": UDFs inside the task manager JVM
    flink_jars: str = ""  # ";"-separated file:// URLs for local runs (`python flink/job.py`)
    flink_local: bool = False  # a mini-cluster run: workers use this interpreter and project
    flink_dead_letter_path: str = ""  # a FileSink directory (s3://...); empty: log them
    flink_outcome_path: str = ""  # a FileSink directory for the outcomes; empty: discard
    # A store call failing this many times in a row fails the job (restart, replay).
    flink_store_attempts: int = 5
    flink_store_backoff_ms: int = 200

    @property
    def dynamodb_endpoint_url(self) -> str | None:
        """Where the DynamoDB client connects (None: AWS's own endpoint)."""
        return self.aws_dynamodb_endpoint_url or self.aws_endpoint_url

    @classmethod
    def from_mapping(cls, values: Mapping[str, str]) -> JobSettings:
        """Return settings from ``QUIZ_*`` keys; unknown keys are ignored."""
        known: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            raw = values.get(PREFIX + field.name.upper())
            if raw is None:
                continue
            known[field.name] = _convert(field.name, str(field.type), raw)
        return cls(**known)

    @classmethod
    def load(
        cls,
        environ: Mapping[str, str] | None = None,
        properties_file: str | Path | None = None,
    ) -> JobSettings:
        """Return settings from the environment and Managed Flink's properties."""
        return cls.from_mapping(job_values(environ, properties_file))


def job_values(
    environ: Mapping[str, str] | None = None, properties_file: str | Path | None = None
) -> dict[str, str]:
    """Return the ``QUIZ_*`` values of the environment, overlaid by Managed Flink's."""
    environ = os.environ if environ is None else environ
    values = {key: value for key, value in environ.items() if key.startswith(PREFIX)}
    path = Path(properties_file or environ.get("QUIZ_FLINK_PROPERTIES_FILE", "") or PROPERTIES_FILE)
    values.update(application_properties(path))
    return values


def missing_settings(values: Mapping[str, str]) -> list[str]:
    """Return the ``REQUIRED`` variables that ``values`` leaves unset or blank."""
    names = [PREFIX + name.upper() for name in REQUIRED]
    return [name for name in names if not values.get(name, "").strip()]


def application_properties(path: Path, group: str = PROPERTY_GROUP) -> dict[str, str]:
    """Return the property map of ``group`` in Managed Flink's properties file."""
    if not path.is_file():
        return {}
    groups = json.loads(path.read_text(encoding="utf-8"))
    for entry in groups:
        if entry.get("PropertyGroupId") == group:
            return {str(key): str(value) for key, value in entry.get("PropertyMap", {}).items()}
    return {}


def _convert(name: str, annotation: str, raw: str) -> Any:
    if annotation == "bool":
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if annotation.startswith("int"):
        if raw.strip() == "" and "None" in annotation:
            return None
        try:
            return int(raw)
        except ValueError as ex:
            raise ValueError(f"{PREFIX}{name.upper()} must be an integer, not {raw!r}") from ex
    if "None" in annotation and raw.strip() == "":
        return None
    return raw
