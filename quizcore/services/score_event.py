"""Score event handler (seed 5.3): score recorded answers exactly once."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence

from quizcore.messages import (
    AnswerRecorded,
    ScoreUpdated,
)
from quizcore.model import (
    AnswerResult,
    ParticipantScore,
    RecordedAnswer,
)
from quizcore.ports import (
    AnswerStore,
    EventPublisher,
    Leaderboard,
    ScoreStore,
    SessionStore,
)
from quizcore.scoring import AnswerFacts, Tally
from quizcore.services.common import (
    Catalog,
    load_session,
    score_answers,
    session_board,
)
from quizcore.session import SessionState

log = logging.getLogger(__name__)

# Answers whose facts are kept for their player's next answer, at most (the
# least recently scored players' go first; about 300 bytes each); a player
# dropped has their facts worked out again.
KNOWN_FACTS = 200_000


class ScoreEventHandler:
    """Score event (5.3): score a recorded answer and project it exactly once.

    The score is recomputed from the participant's recorded answers and stored
    only if higher, so redelivery and reordering cannot count anything twice.
    """

    def __init__(
        self,
        *,
        sessions: SessionStore,
        answers: AnswerStore,
        scores: ScoreStore,
        leaderboard: Leaderboard,
        publisher: EventPublisher,
        catalog: Catalog,
        when_answered: Callable[[SessionState, str], Awaitable[None]] | None = None,
    ) -> None:
        self.sessions = sessions
        self.answers = answers
        self.scores = scores
        self.leaderboard = leaderboard
        self.publisher = publisher
        self.catalog = catalog
        # For sessions that close a question once everyone answered it.
        self.when_answered = when_answered
        # Each recent player's answers' facts, by (session, user): re-scoring
        # a player then works out only their new answers (``score_answers``).
        self._known: OrderedDict[tuple[str, str], dict[str, tuple[AnswerFacts, bool]]] = (
            OrderedDict()
        )
        # How many facts ``_known`` held after the last re-scoring.
        self._known_facts = 0

    def _facts_of(self, session_id: str, user_id: str) -> dict[str, tuple[AnswerFacts, bool]]:
        """Return the player's known facts, to be filled in by ``score_answers``.

        Taken off the cache meanwhile, and put back by ``_keep``: the cache
        then counts every fact it holds, whatever a re-scoring added.
        """
        known = self._known.pop((session_id, user_id), None)
        if known is None:
            return {}
        self._known_facts -= len(known)
        return known

    def _keep(
        self, session_id: str, user_id: str, known: dict[str, tuple[AnswerFacts, bool]]
    ) -> None:
        """Put a player's facts back as the latest; drop the oldest players' past the bound."""
        self._known[(session_id, user_id)] = known
        self._known_facts += len(known)
        while self._known_facts > KNOWN_FACTS and len(self._known) > 1:
            _, dropped = self._known.popitem(last=False)
            self._known_facts -= len(dropped)

    async def _project(
        self, state: SessionState, user_id: str, answers: list[RecordedAnswer]
    ) -> tuple[Tally, dict[str, bool]]:
        """Score one participant's answers and raise their score and board entry."""
        quiz = await self.catalog.quiz(state.quiz_id)
        known = self._facts_of(state.session_id, user_id)
        result, correct_of = score_answers(quiz, state, answers, known)
        self._keep(state.session_id, user_id, known)
        await self.scores.raise_score(
            ParticipantScore(
                session_id=state.session_id,
                user_id=user_id,
                score=result.score,
                correct_count=result.correct_count,
                answered_count=result.answered_count,
                reached_at=result.reached_at,
            )
        )
        await self.leaderboard.submit(
            session_board(state.session_id), user_id, result.score, result.reached_at
        )
        return result, correct_of

    async def _save_results(
        self,
        state: SessionState,
        user_id: str,
        answers: list[RecordedAnswer],
        scored: tuple[Tally, dict[str, bool]],
        from_index: int = 0,
    ) -> None:
        """Store the results of the answers to questions from ``from_index`` on."""
        result, correct_of = scored
        for answer in answers:
            if answer.question_index < from_index:
                continue
            await self.scores.save_result(
                AnswerResult(
                    session_id=state.session_id,
                    user_id=user_id,
                    submission_id=answer.submission_id,
                    question_id=answer.question_id,
                    status="scored",
                    correct=correct_of.get(answer.submission_id, False),
                    points=result.points.get(answer.submission_id, 0),
                    streak=result.streaks.get(answer.submission_id, 0),
                    score=result.score,
                )
            )

    async def rescore(
        self, state: SessionState, user_id: str
    ) -> tuple[Tally, dict[str, bool], list[RecordedAnswer]]:
        """Recompute one participant's score from their answers and project it."""
        answers = await self.answers.for_participant(state.session_id, user_id)
        result, correct_of = await self._project(state, user_id, answers)
        return result, correct_of, answers

    async def handle(self, event: AnswerRecorded) -> None:
        """Score one recorded answer; safe to call again for the same event."""
        state = await load_session(self.sessions, event.session_id)
        await self._score_player(state, [event])
        await self._when_answered(state, event.question_id)

    async def handle_many(self, events: Sequence[AnswerRecorded]) -> list[AnswerRecorded]:
        """Score recorded answers as ``handle`` would one by one, in one pass.

        Each session's state is read once, and each player is re-scored once
        for all of their answers in the batch (a self-paced player's answers
        may come together); every answer still gets its own ``ScoreUpdated``,
        a player's in the order given. Return the events not handled: those
        of the player whose scoring failed and of every player after, and
        those whose question could not be closed once all answered, for the
        caller to handle one by one. Safe to call again for the same events.
        """
        states: dict[str, SessionState] = {}
        players: dict[tuple[str, str], list[AnswerRecorded]] = {}
        for event in events:
            players.setdefault((event.session_id, event.user_id), []).append(event)
        groups = list(players.values())
        # The scored answers by question, for closing it once all answered.
        questions: dict[tuple[str, str], list[AnswerRecorded]] = {}
        left: list[AnswerRecorded] = []
        for number, theirs in enumerate(groups):
            try:
                session_id = theirs[0].session_id
                state = states.get(session_id)
                if state is None:
                    state = states[session_id] = await load_session(self.sessions, session_id)
                await self._score_player(state, theirs)
            except Exception:
                log.exception("scoring a batch failed at one player; the rest go one by one")
                left = [event for rest in groups[number:] for event in rest]
                break
            for event in theirs:
                questions.setdefault((session_id, event.question_id), []).append(event)
        for (session_id, question_id), theirs in questions.items():
            try:
                await self._when_answered(states[session_id], question_id)
            except Exception:
                log.exception("closing an answered question failed; its answers go again")
                left.extend(theirs)
        return left

    async def _score_player(self, state: SessionState, events: list[AnswerRecorded]) -> None:
        """Re-score one player, store the results from these answers' on, publish each."""
        user_id = events[0].user_id
        if await self.sessions.get_participant(state.session_id, user_id) is None:
            # Removed by the host since the answer was recorded: the removal
            # took them off the board, and scoring must not put them back.
            return
        result, correct_of, answers = await self.rescore(state, user_id)
        # These answers' results, and those of later questions whose streak an
        # earlier answer arriving late has just changed: shown points add up.
        first = min(event.question_index for event in events)
        await self._save_results(state, user_id, answers, (result, correct_of), first)
        for event in events:
            await self.publisher.publish(
                ScoreUpdated(
                    session_id=state.session_id,
                    user_id=user_id,
                    submission_id=event.submission_id,
                    question_id=event.question_id,
                    correct=correct_of.get(event.submission_id, False),
                    points=result.points.get(event.submission_id, 0),
                    streak=result.streaks.get(event.submission_id, 0),
                    score=result.score,
                    correct_count=result.correct_count,
                    reached_at=result.reached_at,
                )
            )

    async def _when_answered(self, state: SessionState, question_id: str) -> None:
        if state.close_when_all_answered and self.when_answered is not None:
            await self.when_answered(state, question_id)

    async def rebuild(self, session_id: str) -> int:
        """Re-derive every score of a session from its answers; return how many."""
        state = await load_session(self.sessions, session_id)
        board = session_board(session_id)
        joined = [p.user_id for p in await self.sessions.participants(session_id)]
        for user_id in joined:
            await self.leaderboard.submit(board, user_id, 0, 0)
        members = set(joined)
        by_user: dict[str, list[RecordedAnswer]] = {}
        for answer in await self.answers.for_session(session_id):
            # A player the host removed keeps their answers, not a place.
            if answer.user_id in members:
                by_user.setdefault(answer.user_id, []).append(answer)
        for user_id, answers in by_user.items():
            scored = await self._project(state, user_id, answers)
            await self._save_results(state, user_id, answers, scored)
        return len(by_user)
