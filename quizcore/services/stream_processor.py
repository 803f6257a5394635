"""Stream processor (seed 7.3, the Flink job): validate, record once, emit results."""

from __future__ import annotations

from quizcore import session as rules
from quizcore.errors import (
    AlreadyAnswered,
    InvalidRequest,
    NotFound,
    NotParticipant,
    QuizError,
    StoreUnavailable,
)
from quizcore.messages import (
    AnswerRejected,
    SubmitAnswer,
)
from quizcore.model import (
    AnswerResult,
    RecordedAnswer,
    RecordOutcome,
)
from quizcore.ports import (
    AnswerStore,
    EventPublisher,
    ScoreStore,
    SessionStore,
)
from quizcore.services.common import (
    Catalog,
    PlayRules,
    load_session,
)
from quizcore.session import SessionState


class StreamProcessor:
    """Stream processor (7.3): validate, record once, emit the stream result."""

    def __init__(
        self,
        *,
        sessions: SessionStore,
        answers: AnswerStore,
        scores: ScoreStore,
        publisher: EventPublisher,
        catalog: Catalog | None,
        play: PlayRules,
    ) -> None:
        self.sessions = sessions
        self.answers = answers
        self.scores = scores
        self.publisher = publisher
        self.catalog = catalog
        self.play = play

    async def _question_facts(self, state: SessionState, command: SubmitAnswer) -> tuple[int, int]:
        """Return (question index, limit) from the command, or from the quiz."""
        if command.question_index >= 0 and command.limit_ms > 0:
            return command.question_index, command.limit_ms
        if self.catalog is None:
            raise InvalidRequest("the submission lacks its question facts")
        quiz = await self.catalog.quiz(state.quiz_id)
        question = quiz.question(command.question_id)
        if question is None:
            raise NotFound(f"no question {command.question_id} in this quiz")
        return question.index, rules.limit_ms(state, question)

    async def handle(self, command: SubmitAnswer) -> None:
        """Process one submission; safe to call again for the same command."""
        state = await load_session(self.sessions, command.session_id)
        already = await self.answers.by_submission(
            command.session_id, command.user_id, command.submission_id
        )
        if already is not None:
            await self.publisher.publish(already.recorded_event(state.quiz_id))
            return
        try:
            if await self.sessions.get_participant(command.session_id, command.user_id) is None:
                raise NotParticipant("not a participant")
            index, limit = await self._question_facts(state, command)
            served_at = None
            if state.mode == "self_paced":
                served = await self.sessions.served(command.session_id, command.user_id)
                served_at = served.get(index)
            opened_at = rules.check_window(
                state,
                question_id=command.question_id,
                question_index=index,
                limit=limit,
                received_at=command.received_at,
                served_at=served_at,
                grace_ms=self.play.grace_ms,
            )
            if command.opened_at > opened_at:
                # The score service timed it from when the player was shown it.
                opened_at = rules.player_opening(
                    state, index, opened_at, command.opened_at, command.received_at
                )
        except StoreUnavailable:
            raise  # not a verdict on the answer: let the stream redeliver it
        except QuizError as ex:
            await self._reject(command, ex.code, ex.detail)
            return
        await self._record(state, command, index, limit, opened_at)

    async def handle_checked(self, command: SubmitAnswer) -> None:
        """Record a submission the score service has just checked, without checking again.

        For the embedded profile, where the score service and this processor
        share one process and one resident state: the score service decided
        the answer's window (``opened_at``) on the state this processor would
        read, so checking again only re-reads it. The durable record still
        decides duplicates and a different answer that won the race. A
        command without that decision (``opened_at`` -1) is checked as
        ``handle`` checks it.
        """
        if command.opened_at < 0 or command.question_index < 0 or command.limit_ms <= 0:
            await self.handle(command)
            return
        state = await load_session(self.sessions, command.session_id)
        await self._record(
            state, command, command.question_index, command.limit_ms, command.opened_at
        )

    async def _record(
        self, state: SessionState, command: SubmitAnswer, index: int, limit: int, opened_at: int
    ) -> None:
        """Record the answer once and emit it, or reject it if another answer won."""
        outcome, stored = await self.answers.record(
            RecordedAnswer(
                session_id=command.session_id,
                question_id=command.question_id,
                question_index=index,
                user_id=command.user_id,
                submission_id=command.submission_id,
                answer=command.answer,
                received_at=command.received_at,
                opened_at=opened_at,
                limit_ms=limit,
            )
        )
        if outcome is RecordOutcome.CONFLICT:
            await self._reject(
                command, AlreadyAnswered.code, f"already answered {command.question_id}"
            )
            return
        await self.publisher.publish(stored.recorded_event(state.quiz_id))

    async def _reject(self, command: SubmitAnswer, code: str, detail: str) -> None:
        await self.scores.save_result(
            AnswerResult(
                session_id=command.session_id,
                user_id=command.user_id,
                submission_id=command.submission_id,
                question_id=command.question_id,
                status="rejected",
                code=code,
                detail=detail,
            )
        )
        await self.publisher.publish(
            AnswerRejected(
                session_id=command.session_id,
                user_id=command.user_id,
                submission_id=command.submission_id,
                question_id=command.question_id,
                code=code,
                detail=detail,
            )
        )
