"""The stream-processor job (seed 7.3): validate, record once, emit stream results.

Pipeline (sources and sinks are injected, see ``build_pipeline``)::

    records (JSON strings: SubmitAnswer, bare or in an EventBridge event)
      -> ParseSubmissions            chained to the source, same parallelism
           '-> dead letters          undecodable / not a SubmitAnswer
      -> key_by(session/participant) one subtask owns a participant, in order
      -> RecordAnswers               quizcore StreamProcessor.handle on
           |                         DynamoDB + SNS (its own event loop)
           '-> dead letters          refused outright (session_not_found)
      -> outcomes                    the AnswerRecorded / AnswerRejected JSON
                                     quizcore published

``main()`` wires the production source, the Kinesis connector, which needs the
connector jar (flink/README.md says which and how each platform gets it). It
is not exercised by the test suite: no connector jar is available offline.
The tests run this same ``build_pipeline`` on a bounded collection source.

Run: ``flink run -py flink/job.py -pyfs quizcore,adapters,flink -j <connector jar>``.
"""

from __future__ import annotations

import logging
import site
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

if __package__ in (None, ""):
    # Started as a script (`flink run -py flink/job.py`, Managed Flink's
    # "python" property): put the project root ahead of flink/ on the path.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyflink.common import Configuration, Types
from pyflink.datastream import (
    CheckpointingMode,
    DataStream,
    RuntimeExecutionMode,
    StreamExecutionEnvironment,
)

from flink.functions import (
    DEAD_LETTERS,
    KEYED_SUBMISSION,
    ParseSubmissions,
    RecordAnswers,
    participant_key,
)
from flink.settings import PROPERTY_GROUP, JobSettings, job_values, missing_settings
from flink.sinks import SinkFactory, discarded, logged, to_files
from flink.sources import (
    connector_class,
    kinesis_source,
    resolve_stream_arn,
    sibling_topic_arn,
)

log = logging.getLogger(__name__)

JOB_NAME = "quizcore-stream-processor"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class Pipeline:
    """The job's two output streams (already attached to their sinks)."""

    outcomes: DataStream
    dead_letters: DataStream


def build_pipeline(
    env: StreamExecutionEnvironment,
    source: DataStream | Sequence[DataStream],
    *,
    settings: JobSettings,
    outcome_sink: SinkFactory,
    dead_letter_sink: SinkFactory,
) -> Pipeline:
    """Add the stream processor to ``env``, reading JSON records from ``source``.

    ``source`` yields one JSON string per record; several sources (one per
    shard, as in tests) are parsed each at its own parallelism and then
    merged before the keying. Outcomes (one JSON event per handled answer) go
    to ``outcome_sink``, set-aside records to ``dead_letter_sink``. Operators
    carry stable uids, so savepoints survive code changes.
    """
    sources = [source] if isinstance(source, DataStream) else list(source)
    parsed_streams = []
    for number, one in enumerate(sources):
        uid = "parse-submissions" if number == 0 else f"parse-submissions-{number}"
        parsed_one = one.process(ParseSubmissions(), output_type=KEYED_SUBMISSION)
        parsed_one.name(uid).uid(uid)
        # Same parallelism as the source, so the edge is forward (chained): a
        # rebalance here would interleave a shard's records before the keying.
        source_parallelism = one._j_data_stream.getParallelism()
        if source_parallelism > 0:
            parsed_one.set_parallelism(source_parallelism)
        parsed_streams.append(parsed_one)
    parsed = parsed_streams[0]
    merged = parsed.union(*parsed_streams[1:]) if len(parsed_streams) > 1 else parsed
    set_aside = [stream.get_side_output(DEAD_LETTERS) for stream in parsed_streams]
    outcomes = (
        merged.key_by(participant_key, key_type=Types.STRING())
        .process(RecordAnswers(settings), output_type=Types.STRING())
        .name("record-answers")
        .uid("record-answers")
    )
    dead_letters = set_aside[0].union(*set_aside[1:], outcomes.get_side_output(DEAD_LETTERS))
    outcome_sink(outcomes, "outcomes")
    dead_letter_sink(dead_letters, "dead-letters")
    return Pipeline(outcomes=outcomes, dead_letters=dead_letters)


def local_python_options(config: Configuration) -> Configuration:
    """Let Python workers import this interpreter's packages and the project.

    For mini-cluster runs (tests, ``python flink/job.py``): the workers get
    this interpreter as ``python.executable`` and its site-packages plus the
    project root on their path (a virtualenv's ``.pth`` files are not read by
    the thread-mode interpreter embedded in the JVM).
    """
    paths = [str(PROJECT_ROOT), *site.getsitepackages()]
    config.set_string("python.executable", sys.executable)
    config.set_string("python.client.executable", sys.executable)
    config.set_string("python.pythonpath", ":".join(paths))
    return config


def create_environment(
    *,
    parallelism: int | None = None,
    python_mode: str = "process",
    local: bool = False,
    jars: str = "",
    checkpoint_ms: int | None = None,
) -> StreamExecutionEnvironment:
    """Return a streaming environment for the job."""
    config = Configuration()
    config.set_string("python.execution-mode", python_mode)
    if local:
        local_python_options(config)
    env = StreamExecutionEnvironment.get_execution_environment(config)
    env.set_runtime_mode(RuntimeExecutionMode.STREAMING)
    if parallelism:
        env.set_parallelism(parallelism)
    if checkpoint_ms:
        env.enable_checkpointing(checkpoint_ms, CheckpointingMode.EXACTLY_ONCE)
    if jars:
        env.add_jars(*[jar for jar in jars.split(";") if jar])
    return env


def main(settings: JobSettings | None = None) -> None:
    """Build the production job from ``QUIZ_*`` settings and run it."""
    logging.basicConfig(level=logging.INFO)
    if settings is None:
        values = job_values()
        missing = missing_settings(values)
        if missing:
            raise SystemExit(
                f"the stream-processor job will not start: set {', '.join(missing)} "
                f"(environment or the {PROPERTY_GROUP!r} application property group)"
            )
        settings = JobSettings.from_mapping(values)
    if settings.flink_source != "kinesis":
        raise SystemExit(
            f"QUIZ_FLINK_SOURCE={settings.flink_source!r}: only 'kinesis' can be run from "
            "main(); other sources are injected through build_pipeline()"
        )
    env = create_environment(
        parallelism=settings.flink_parallelism,
        python_mode=settings.flink_python_mode,
        local=settings.flink_local,
        jars=settings.flink_jars,
        checkpoint_ms=settings.flink_checkpoint_ms,
    )
    connector_class()  # fail before any AWS call when the connector jar is missing
    stream = resolve_stream_arn(settings)
    # Topics given by name live beside the stream: derive their ARNs rather
    # than needing sns:CreateTopic at run time.
    settings = _with_topic_arns(settings, stream)
    source = kinesis_source(env, stream, settings)
    outcomes = to_files(settings.flink_outcome_path) if settings.flink_outcome_path else discarded()
    dead = (
        to_files(settings.flink_dead_letter_path)
        if settings.flink_dead_letter_path
        else logged(logging.WARNING)
    )
    build_pipeline(env, source, settings=settings, outcome_sink=outcomes, dead_letter_sink=dead)
    log.info("submitting %s reading %s", JOB_NAME, stream)
    env.execute(JOB_NAME)


def _with_topic_arns(settings: JobSettings, stream: str) -> JobSettings:
    return replace(
        settings,
        sns_stream_result_topic=sibling_topic_arn(stream, settings.sns_stream_result_topic),
        sns_quiz_events_topic=sibling_topic_arn(stream, settings.sns_quiz_events_topic),
    )


if __name__ == "__main__":
    main()
