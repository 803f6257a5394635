"""The job's two Python functions: parse the records, then record the answers.

``ParseSubmissions`` runs chained to the source, one record at a time, and
sets aside what is not a ``SubmitAnswer`` (the ``DEAD_LETTERS`` side output).
``RecordAnswers`` runs after ``key_by`` session and participant (the answer
stream's partition key): every answer of a participant goes to the same
subtask, in stream order, and is handed to quizcore's ``StreamProcessor`` on
the real adapters. The function owns an asyncio event loop (created in
``open``, closed in ``close``) and runs one ``handle`` to completion per
record, so a participant's answers are validated and recorded strictly in
order while one session's participants spread over every subtask.

Failures:

- a record that is not a usable ``SubmitAnswer``, or that quizcore refuses
  outright (``session_not_found``), goes to the dead letters: retrying
  cannot help, and failing would replay it forever;
- ``StoreUnavailable`` (DynamoDB or SNS did not answer) is retried with
  backoff, then raised: Flink restarts the job from its last checkpoint and
  the source replays, which is safe because ``handle`` is idempotent (the
  answer is recorded by a conditional write; a replay republishes the same
  ``AnswerRecorded``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine, Iterator
from contextlib import AsyncExitStack
from typing import Any, TypeVar

from pyflink.common import Types
from pyflink.datastream import OutputTag
from pyflink.datastream.functions import KeyedProcessFunction, ProcessFunction, RuntimeContext

from adapters.aws_messaging.codec import partition_key
from flink.records import (
    Undecodable,
    dead_letter,
    outcome_json,
    parse_submission,
    submission_json,
)
from flink.settings import JobSettings
from flink.wiring import RecordingPublisher, open_processor
from quizcore.errors import QuizError, StoreUnavailable
from quizcore.messages import AnswerRecorded, AnswerRejected, Message, SubmitAnswer
from quizcore.services import StreamProcessor

log = logging.getLogger(__name__)
T = TypeVar("T")

DEAD_LETTERS = OutputTag("dead-letters", Types.STRING())
# What ParseSubmissions emits: (partition key, canonical SubmitAnswer JSON).
KEYED_SUBMISSION = Types.TUPLE([Types.STRING(), Types.STRING()])


def participant_key(value: tuple[str, str]) -> str:
    """Return the key of a parsed submission: its session and participant."""
    return value[0]


class ParseSubmissions(ProcessFunction):  # type: ignore[misc]
    """Turn raw records into (partition key, command JSON); set aside the rest."""

    def open(self, runtime_context: RuntimeContext) -> None:
        """Register the dead-letter counter."""
        self._dead = runtime_context.get_metrics_group().counter("undecodable_records")

    def process_element(self, value: Any, ctx: Any) -> Iterator[Any]:
        """Emit the keyed command, or a dead letter on ``DEAD_LETTERS``."""
        try:
            command = parse_submission(value)
        except Undecodable as ex:
            reason, detail = ex.reason, ex.detail
        except Exception as ex:  # e.g. RecursionError on absurdly nested JSON
            reason, detail = "undecodable", f"{type(ex).__name__}: {ex}"
        else:
            yield partition_key(command), submission_json(command)
            return
        self._dead.inc()
        log.warning("dead letter (%s): %s", reason, detail)
        yield DEAD_LETTERS, dead_letter(reason, detail, value)


class RecordAnswers(KeyedProcessFunction):  # type: ignore[misc]
    """Run ``StreamProcessor.handle`` per answer; emit the event it published."""

    def __init__(self, settings: JobSettings) -> None:
        self.settings = settings
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stack: AsyncExitStack | None = None
        self._processor: StreamProcessor | None = None
        self._publisher: RecordingPublisher | None = None

    def open(self, runtime_context: RuntimeContext) -> None:
        """Start the event loop and open the AWS clients on it."""
        metrics = runtime_context.get_metrics_group()
        self._recorded = metrics.counter("answers_recorded")
        self._rejected = metrics.counter("answers_rejected")
        self._dead = metrics.counter("dead_letters")
        self._retries = metrics.counter("store_retries")
        self._loop = asyncio.new_event_loop()
        self._stack = AsyncExitStack()
        try:
            self._processor, self._publisher = self._loop.run_until_complete(
                open_processor(self._stack, self.settings)
            )
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Close the AWS clients, then the event loop."""
        loop, self._loop = self._loop, None
        if loop is None:
            return
        try:
            if self._stack is not None:
                loop.run_until_complete(self._stack.aclose())
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            self._stack = None
            loop.close()

    def process_element(self, value: Any, ctx: Any) -> Iterator[Any]:
        """Handle one submission; emit its outcome or a dead letter."""
        body: str = value[1]
        try:
            command = parse_submission(body)
            events = self._handle_with_retries(command)
        except StoreUnavailable:
            raise  # fail the job: it restarts from a checkpoint and replays
        except QuizError as ex:
            # Refused before any rule could apply (no such session): final.
            reason, detail = ex.code, ex.detail
        except Undecodable as ex:
            reason, detail = ex.reason, ex.detail
        except Exception as ex:
            # A record that breaks the handler would break it on every replay.
            log.exception("stream processor failed on %s", body)
            reason, detail = "handler_failed", f"{type(ex).__name__}: {ex}"
        else:
            for event in events:
                if isinstance(event, AnswerRecorded):
                    self._recorded.inc()
                elif isinstance(event, AnswerRejected):
                    self._rejected.inc()
                yield outcome_json(event)
            return
        self._dead.inc()
        log.warning("dead letter (%s): %s", reason, detail)
        yield DEAD_LETTERS, dead_letter(reason, detail, body)

    def _handle_with_retries(self, command: SubmitAnswer) -> list[Message]:
        attempts = max(1, self.settings.flink_store_attempts)
        delay = self.settings.flink_store_backoff_ms / 1000
        for attempt in range(1, attempts + 1):
            try:
                # A store failure, validation included, is raised by the
                # processor (never published as a rejection): retry it.
                return self._run(self._handle(command))
            except StoreUnavailable as ex:
                if attempt == attempts:
                    raise
                self._retries.inc()
                log.warning("store unavailable (attempt %d/%d): %s", attempt, attempts, ex)
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
        raise AssertionError("unreachable")

    async def _handle(self, command: SubmitAnswer) -> list[Message]:
        assert self._processor is not None and self._publisher is not None
        self._publisher.take()  # forget what a failed attempt sent
        await self._processor.handle(command)
        return self._publisher.take()

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        assert self._loop is not None, "the function is not open"
        return self._loop.run_until_complete(work)
