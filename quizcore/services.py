"""The handlers of every seed service, written once against the ports.

The embedded profile calls them in one process; the cloud workers call the
very same classes from queue consumers, so a rule is never written twice.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from quizcore import errors
from quizcore import session as rules
from quizcore.errors import (
    AlreadyAnswered,
    Conflict,
    InvalidAnswer,
    InvalidRequest,
    NameTaken,
    NotFound,
    NotParticipant,
    QuizError,
    QuizNotFound,
    SessionFinished,
    SessionNotFound,
    SessionNotRunning,
    StoreUnavailable,
)
from quizcore.messages import (
    AnswerRecorded,
    AnswerRejected,
    Message,
    ParticipantJoined,
    QuestionClosed,
    QuestionOpened,
    ScoreUpdated,
    SessionStarted,
    SubmitAnswer,
)
from quizcore.messages import (
    SessionFinished as SessionFinishedEvent,
)
from quizcore.model import (
    AnswerResult,
    ParticipantScore,
    RecordedAnswer,
    RecordOutcome,
    SessionResult,
)
from quizcore.ports import (
    AnswerStore,
    AnswerStream,
    Clock,
    EventPublisher,
    Leaderboard,
    MasterStore,
    Notifier,
    Presence,
    ScoreStore,
    SessionStore,
)
from quizcore.quiz import Question, Quiz, build_quiz, normalise
from quizcore.scoring import AnswerFacts, Standing, Tally, rank_all, speed_points, tally
from quizcore.session import Participant, SessionState, name_key

GLOBAL_BOARD = "global"
MAX_SAVE_ATTEMPTS = 8
MAX_NAME_SUFFIX = 99


def session_board(session_id: str) -> str:
    """Return the leaderboard key of a session."""
    return f"session:{session_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayRules:
    """Settings of play that are not part of a quiz."""

    grace_ms: int = 500


class Catalog:
    """Quizzes by id, cached in process: a stored quiz never changes."""

    def __init__(self, master: MasterStore, capacity: int = 1024) -> None:
        self._master = master
        self._cache: dict[str, Quiz] = {}
        self._capacity = capacity

    async def quiz(self, quiz_id: str) -> Quiz:
        """Return the quiz or raise ``QuizNotFound``."""
        cached = self._cache.get(quiz_id)
        if cached is not None:
            return cached
        quiz = await self._master.get_quiz(quiz_id)
        if quiz is None:
            raise QuizNotFound(f"no quiz {quiz_id}")
        if len(self._cache) >= self._capacity:
            self._cache.pop(next(iter(self._cache)))
        self._cache[quiz_id] = quiz
        return quiz


async def load_session(sessions: SessionStore, session_id: str) -> SessionState:
    """Return the session or raise ``SessionNotFound``."""
    state = await sessions.get(session_id)
    if state is None:
        raise SessionNotFound(f"no session {session_id}")
    return state


def score_answers(
    quiz: Quiz, state: SessionState, answers: list[RecordedAnswer]
) -> tuple[Tally, dict[str, bool]]:
    """Return the participant's tally and each submission's correctness."""
    facts: list[AnswerFacts] = []
    correct_of: dict[str, bool] = {}
    for answer in answers:
        question = quiz.question(answer.question_id)
        if question is None:
            continue
        correct = question.is_correct(answer.answer, typo_tolerance=quiz.typo_tolerance)
        correct_of[answer.submission_id] = correct
        base = (
            speed_points(question.points, answer.received_at - answer.opened_at, answer.limit_ms)
            if correct
            else 0
        )
        facts.append(
            AnswerFacts(
                question_index=answer.question_index,
                submission_id=answer.submission_id,
                correct=correct,
                base_points=base,
                received_at=answer.received_at,
            )
        )
    return tally(facts, streaks=state.streak_bonus), correct_of


class QuizService:
    """Quiz service (5.6): quizzes, sessions, joining, host transitions, results."""

    def __init__(
        self,
        *,
        master: MasterStore,
        sessions: SessionStore,
        answers: AnswerStore,
        scores: ScoreStore,
        leaderboard: Leaderboard,
        publisher: EventPublisher,
        clock: Clock,
        catalog: Catalog,
        play: PlayRules | None = None,
        presence: Presence | None = None,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex[:12],
    ) -> None:
        self.play = play or PlayRules()
        self.presence = presence
        self.master = master
        self.sessions = sessions
        self.answers = answers
        self.scores = scores
        self.leaderboard = leaderboard
        self.publisher = publisher
        self.clock = clock
        self.catalog = catalog
        self._new_id = new_id

    async def create_quiz(self, author_id: str, raw: dict[str, Any]) -> Quiz:
        """Validate and store an authored quiz; return it."""
        quiz = build_quiz(self._new_id(), raw, author_id=author_id)
        await self.master.save_quiz(quiz)
        return quiz

    async def create_session(
        self,
        *,
        host_id: str,
        quiz_id: str,
        mode: str,
        question_seconds: int,
        streak_bonus: bool = True,
        close_when_all_answered: bool = False,
    ) -> SessionState:
        """Create a session in the lobby under a fresh join code."""
        quiz = await self.catalog.quiz(quiz_id)
        now = self.clock.now_ms()
        for attempt in range(24):
            # Longer codes once short ones keep colliding: never reuse a live id.
            length = 6 if attempt < 8 else 7 if attempt < 16 else 8
            state = rules.create(
                session_id=rules.new_session_id(length),
                quiz=quiz,
                host_id=host_id,
                mode=mode,
                question_seconds=question_seconds,
                now=now,
                streak_bonus=streak_bonus,
                close_when_all_answered=close_when_all_answered,
            )
            if await self.sessions.create(state):
                return state
        raise Conflict("could not allocate a session id; try again")

    async def session(self, session_id: str) -> SessionState:
        """Return the session, revealing a live question whose time ran out."""
        state = await load_session(self.sessions, session_id)
        due = state.reveal_due(self.play.grace_ms)
        if due is not None and self.clock.now_ms() >= due:
            state = await self.close_due(session_id)
        return state

    async def _transition(
        self,
        session_id: str,
        change: Callable[[SessionState, Quiz, int], tuple[SessionState, list[Message]]],
    ) -> SessionState:
        for _ in range(MAX_SAVE_ATTEMPTS):
            state = await load_session(self.sessions, session_id)
            quiz = await self.catalog.quiz(state.quiz_id)
            new_state, events = change(state, quiz, self.clock.now_ms())
            if new_state is state:
                return state
            try:
                await self.sessions.save(new_state, state.version)
            except Conflict:
                continue
            for event in events:
                await self.publisher.publish(event)
            return new_state
        raise Conflict(f"session {session_id} is busy; try again")

    async def start(self, session_id: str, actor: str) -> SessionState:
        """Start the session (host only)."""
        return await self._transition(session_id, lambda s, q, now: rules.start(s, q, actor, now))

    async def advance(self, session_id: str, actor: str) -> SessionState:
        """Close the open question and open the next (host only)."""
        return await self._transition(session_id, lambda s, q, now: rules.advance(s, q, actor, now))

    async def reveal(self, session_id: str, actor: str) -> SessionState:
        """Close the open question without opening the next (host only)."""
        return await self._transition(session_id, lambda s, q, now: rules.reveal(s, q, actor, now))

    async def finish(self, session_id: str, actor: str) -> SessionState:
        """Finish the session (host only, idempotent)."""
        return await self._transition(session_id, lambda s, q, now: rules.finish(s, q, actor, now))

    async def close_due(self, session_id: str) -> SessionState:
        """Reveal the live question once its deadline and grace passed (timers)."""
        grace = self.play.grace_ms
        return await self._transition(
            session_id, lambda s, q, now: rules.close_due(s, q, now, grace_ms=grace)
        )

    async def close_if_all_answered(self, state: SessionState, question_id: str) -> None:
        """Close the open question early once every participant answered it.

        Only for sessions created with ``close_when_all_answered``. Where the
        process knows who is connected (``presence``), everyone connected must
        have answered; elsewhere every participant.
        """
        if not state.close_when_all_answered or state.mode != "live":
            return
        if not state.is_open(self.clock.now_ms()):
            return
        quiz = await self.catalog.quiz(state.quiz_id)
        question = quiz.questions[state.question_index]
        if question.question_id != question_id:
            return
        answered = await self.answers.question_count(state.session_id, question_id)
        connected = None if self.presence is None else self.presence.connected(state.session_id)
        members = [
            user_id
            for user_id in connected or ()
            if await self.sessions.get_participant(state.session_id, user_id) is not None
        ]
        if not members:
            if answered < await self.sessions.participant_count(state.session_id):
                return
        elif answered < len(members):
            return
        else:
            for user_id in members:
                if await self.answers.get(state.session_id, question_id, user_id) is None:
                    return
        index = question.index
        await self._transition(
            state.session_id, lambda s, q, now: rules.close_answered(s, q, index, now)
        )

    async def join(
        self, session_id: str, user_id: str, display_name: str
    ) -> tuple[Participant, bool]:
        """Join the session (idempotent); return the participant and whether new.

        Display names are unique within a session: a name another participant
        holds gets the first free suffix ("Alex 2").
        """
        state = await load_session(self.sessions, session_id)
        existing = await self.sessions.get_participant(session_id, user_id)
        if existing is not None:
            return existing, False
        if state.status == "finished":
            raise SessionFinished(f"session {session_id} is finished")
        name = await self._claim_name(session_id, user_id, display_name)
        participant, created, count = await self.sessions.add_participant(
            Participant(
                session_id=session_id,
                user_id=user_id,
                display_name=name,
                joined_at=self.clock.now_ms(),
            )
        )
        if created:
            await self.leaderboard.submit(session_board(session_id), user_id, 0, 0)
            await self.publisher.publish(
                ParticipantJoined(
                    session_id=session_id,
                    user_id=user_id,
                    display_name=participant.display_name,
                    participant_count=count,
                )
            )
        return participant, created

    async def _claim_name(self, session_id: str, user_id: str, display_name: str) -> str:
        """Reserve ``display_name`` or its first free suffixed form for the user."""
        base = " ".join(display_name.split()) or "Player"
        for number in range(1, MAX_NAME_SUFFIX + 1):
            candidate = base if number == 1 else f"{base} {number}"
            if await self.sessions.claim_name(session_id, name_key(candidate), user_id):
                return candidate
        raise NameTaken(f"the name {base!r} is taken in session {session_id}")

    async def require_participant(self, session_id: str, user_id: str) -> Participant:
        """Return the participant or raise ``NotParticipant``."""
        participant = await self.sessions.get_participant(session_id, user_id)
        if participant is None:
            raise NotParticipant(f"you have not joined session {session_id}")
        return participant

    async def current_question(
        self, session_id: str, user_id: str
    ) -> tuple[Question, int, int] | None:
        """Return (question, opens_at, closes_at) the caller should answer now."""
        state = await self.session(session_id)
        await self.require_participant(session_id, user_id)
        if state.status != "running":
            return None
        quiz = await self.catalog.quiz(state.quiz_id)
        now = self.clock.now_ms()
        if state.mode == "live":
            window = state.current_window()
            if window is None or not state.is_open(now):
                return None
            answered = await self.answers.get(
                session_id, quiz.questions[state.question_index].question_id, user_id
            )
            if answered is not None:
                return None
            return quiz.questions[state.question_index], window[0], window[1]
        served = await self.sessions.served(session_id, user_id)
        answered_ids = {
            answer.question_id for answer in await self.answers.for_participant(session_id, user_id)
        }
        for question in quiz.questions:
            if question.question_id in answered_ids:
                continue
            limit = rules.limit_ms(state, question)
            served_at = served.get(question.index)
            if served_at is None:
                served_at = await self.sessions.serve(session_id, user_id, question.index, now)
            if now < served_at + limit:
                return question, served_at, served_at + limit
        return None

    async def question_stats(self, session_id: str) -> dict[str, dict[str, Any]]:
        """Return per-question answer counts and correct shares."""
        state = await load_session(self.sessions, session_id)
        quiz = await self.catalog.quiz(state.quiz_id)
        stats: dict[str, dict[str, Any]] = {
            q.question_id: {
                "question_id": q.question_id,
                "index": q.index,
                "answers": 0,
                "correct": 0,
                "correct_share": 0.0,
                "choices": {},
            }
            for q in quiz.questions
        }
        for answer in await self.answers.for_session(session_id):
            question = quiz.question(answer.question_id)
            if question is None:
                continue
            entry = stats[question.question_id]
            entry["answers"] += 1
            if question.is_correct(answer.answer, typo_tolerance=quiz.typo_tolerance):
                entry["correct"] += 1
            if question.kind == "choice":
                given = normalise(answer.answer)
                label = next((c for c in question.choices if normalise(c) == given), answer.answer)
                entry["choices"][label] = entry["choices"].get(label, 0) + 1
        for entry in stats.values():
            if entry["answers"]:
                entry["correct_share"] = round(entry["correct"] / entry["answers"], 4)
        return stats

    async def last_question(self, state: SessionState) -> dict[str, Any] | None:
        """Return the last revealed live question with its answer and statistics.

        Only while no question is open (between questions and after the
        end), so a reloaded screen can show the reveal it missed.
        """
        index = state.last_closed_index()
        if index is None or state.is_open(self.clock.now_ms()):
            return None
        if state.status == "running" and state.closed_through < state.question_index:
            return None  # the current question is past its deadline but unrevealed
        quiz = await self.catalog.quiz(state.quiz_id)
        question = quiz.questions[index]
        opened_at, closes_at = state.windows[index]
        cutoff = state.cutoff(index)
        stats = (await self.question_stats(state.session_id))[question.question_id]
        return {
            **current_question(question, opened_at, closes_at),
            "closed_at": min(closes_at, cutoff) if cutoff is not None else closes_at,
            "correct_answer": question.answer,
            "answer_count": stats["answers"],
            "correct_count": stats["correct"],
            "correct_share": stats["correct_share"],
            "choice_counts": stats["choices"],
        }

    async def standings(self, session_id: str) -> list[dict[str, Any]]:
        """Return every participant's score, rank and correct count."""
        participants = await self.sessions.participants(session_id)
        scores = {score.user_id: score for score in await self.scores.scores(session_id)}
        entries = []
        for participant in participants:
            score = scores.get(participant.user_id)
            entries.append(
                (participant.user_id, score.score if score else 0, score.reached_at if score else 0)
            )
        names = {p.user_id: p.display_name for p in participants}
        return [
            {
                "rank": standing.rank,
                "user_id": standing.user_id,
                "display_name": names.get(standing.user_id, ""),
                "score": standing.score,
                "correct_count": scores[standing.user_id].correct_count
                if standing.user_id in scores
                else 0,
            }
            for standing in rank_all(entries)
        ]

    async def results(self, session_id: str, user_id: str) -> dict[str, Any]:
        """Return final standings and per-question statistics (after finish)."""
        state = await self.session(session_id)
        if user_id != state.host_id:
            await self.require_participant(session_id, user_id)
        if state.status != "finished":
            raise SessionNotRunning(f"session {session_id} has not finished")
        stats = await self.question_stats(session_id)
        quiz = await self.catalog.quiz(state.quiz_id)
        for question in quiz.questions:
            # After the session the answers may be shown with the statistics.
            entry = stats[question.question_id]
            entry["prompt"] = question.prompt
            entry["correct_answer"] = question.answer
            entry["answer_count"] = entry["answers"]
            entry["played"] = state.played(question.index)
        standings = await self.standings(session_id)
        if user_id == state.host_id:
            answers = await self._answers_by_player(state, quiz)
            for standing in standings:
                standing["answers"] = answers.get(standing["user_id"], {})
        return {
            "session_id": session_id,
            "quiz_id": state.quiz_id,
            "title": state.title,
            "finished_at": state.finished_at,
            "standings": standings,
            "questions": sorted(stats.values(), key=lambda entry: entry["index"]),
        }

    async def _answers_by_player(
        self, state: SessionState, quiz: Quiz
    ) -> dict[str, dict[str, dict[str, Any]]]:
        """Return each player's answers by question id, scored (for the host)."""
        by_user: dict[str, list[RecordedAnswer]] = {}
        for answer in await self.answers.for_session(state.session_id):
            by_user.setdefault(answer.user_id, []).append(answer)
        found: dict[str, dict[str, dict[str, Any]]] = {}
        for user_id, answers in by_user.items():
            answers.sort(key=lambda answer: answer.question_index)
            result, correct_of = score_answers(quiz, state, answers)
            found[user_id] = {
                answer.question_id: {
                    "answer": answer.answer,
                    "correct": correct_of.get(answer.submission_id, False),
                    "points": result.points.get(answer.submission_id, 0),
                }
                for answer in answers
            }
        return found


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmissionView:
    """What the score service answers about one submission."""

    submission_id: str
    status: str
    correct: bool = False
    points: int = 0
    streak: int = 0
    score: int = 0
    rank: int | None = None
    question_id: str = ""
    replayed: bool = False

    def public(self) -> dict[str, Any]:
        """Return the API body of this view."""
        if self.status != "scored":
            return {"submission_id": self.submission_id, "status": self.status}
        return {
            "submission_id": self.submission_id,
            "status": "scored",
            "question_id": self.question_id,
            "correct": self.correct,
            "points": self.points,
            "streak": self.streak,
            "score": self.score,
            "rank": self.rank,
        }


class ScoreService:
    """Score service (5.2): validate a submission and put it on the answer stream."""

    def __init__(
        self,
        *,
        sessions: SessionStore,
        answers: AnswerStore,
        scores: ScoreStore,
        leaderboard: Leaderboard,
        stream: AnswerStream,
        clock: Clock,
        catalog: Catalog,
        play: PlayRules,
    ) -> None:
        self.sessions = sessions
        self.answers = answers
        self.scores = scores
        self.leaderboard = leaderboard
        self.stream = stream
        self.clock = clock
        self.catalog = catalog
        self.play = play

    async def submit(
        self,
        *,
        session_id: str,
        user_id: str,
        question_id: str,
        answer: str,
        submission_id: str,
    ) -> SubmissionView:
        """Accept an answer once; the same submission id again gets the same view."""
        received_at = self.clock.now_ms()
        state = await load_session(self.sessions, session_id)
        if await self.sessions.get_participant(session_id, user_id) is None:
            raise NotParticipant(f"you have not joined session {session_id}")
        replay = await self.view(session_id, user_id, submission_id)
        if replay is not None:
            return dataclasses.replace(replay, replayed=True)
        quiz = await self.catalog.quiz(state.quiz_id)
        question = quiz.question(question_id)
        if question is None:
            raise NotFound(f"no question {question_id} in this quiz")
        if not question.offers(answer):
            raise InvalidAnswer(f"the answer to {question_id} must be one of its choices")
        existing = await self.answers.get(session_id, question_id, user_id)
        if existing is not None:
            raise AlreadyAnswered(f"you already answered {question_id}")
        served_at = None
        if state.mode == "self_paced":
            served_at = (await self.sessions.served(session_id, user_id)).get(question.index)
        _, _, limit = rules.check_answer(
            state,
            quiz,
            question_id=question_id,
            received_at=received_at,
            served_at=served_at,
            grace_ms=self.play.grace_ms,
        )
        await self.stream.put(
            SubmitAnswer(
                session_id=session_id,
                question_id=question_id,
                user_id=user_id,
                answer=answer,
                submission_id=submission_id,
                received_at=received_at,
                question_index=question.index,
                limit_ms=limit,
            )
        )
        # Where the stream is processed inline (embedded profile) the outcome is
        # already known: a concurrent different answer may have won the race.
        view = await self.view(session_id, user_id, submission_id)
        return view or SubmissionView(submission_id=submission_id, status="accepted")

    async def view(
        self, session_id: str, user_id: str, submission_id: str
    ) -> SubmissionView | None:
        """Return the state of a submission, or None if the server never saw it.

        A rejected submission raises its rule again, so a retry gets the same
        answer as the first try.
        """
        result = await self.scores.get_result(session_id, user_id, submission_id)
        if result is not None and result.status == "rejected":
            raise _rejection(result.code, result.detail)
        if result is not None:
            standing = await self.leaderboard.standing(session_board(session_id), user_id)
            score = await self.scores.get_score(session_id, user_id)
            return SubmissionView(
                submission_id=submission_id,
                status="scored",
                question_id=result.question_id,
                correct=result.correct,
                points=result.points,
                streak=result.streak,
                score=max(result.score, score.score if score else 0),
                rank=standing.rank if standing else None,
            )
        recorded = await self.answers.by_submission(session_id, user_id, submission_id)
        if recorded is not None:
            return SubmissionView(
                submission_id=submission_id, status="accepted", question_id=recorded.question_id
            )
        return None

    async def wait(
        self, session_id: str, user_id: str, submission_id: str, seconds: float
    ) -> SubmissionView | None:
        """Poll until the submission is scored or ``seconds`` pass."""
        deadline = self.clock.now_ms() + int(seconds * 1000)
        delay = 0.002
        while True:
            view = await self.view(session_id, user_id, submission_id)
            if view is not None and view.status == "scored":
                return view
            if self.clock.now_ms() >= deadline:
                return view
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)


def _rejection(code: str, detail: str) -> QuizError:
    for cls in (
        errors.AlreadyAnswered,
        errors.QuestionClosed,
        errors.QuestionNotOpen,
        errors.SessionFinished,
        errors.SessionNotRunning,
        errors.NotParticipant,
        errors.NotFound,
    ):
        if cls.code == code:
            return cls(detail)
    return InvalidRequest(detail)


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
        except StoreUnavailable:
            raise  # not a verdict on the answer: let the stream redeliver it
        except QuizError as ex:
            await self._reject(command, ex.code, ex.detail)
            return
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


class ScoreEvent:
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

    async def _project(
        self, state: SessionState, user_id: str, answers: list[RecordedAnswer]
    ) -> tuple[Tally, dict[str, bool]]:
        """Score one participant's answers and raise their score and board entry."""
        quiz = await self.catalog.quiz(state.quiz_id)
        result, correct_of = score_answers(quiz, state, answers)
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
        result, correct_of, answers = await self.rescore(state, event.user_id)
        correct = correct_of.get(event.submission_id, False)
        points = result.points.get(event.submission_id, 0)
        streak = result.streaks.get(event.submission_id, 0)
        # This answer's result, and those of later questions whose streak an
        # earlier answer arriving late has just changed: shown points add up.
        await self._save_results(
            state, event.user_id, answers, (result, correct_of), event.question_index
        )
        await self.publisher.publish(
            ScoreUpdated(
                session_id=event.session_id,
                user_id=event.user_id,
                submission_id=event.submission_id,
                question_id=event.question_id,
                correct=correct,
                points=points,
                streak=streak,
                score=result.score,
                correct_count=result.correct_count,
                reached_at=result.reached_at,
            )
        )
        if state.close_when_all_answered and self.when_answered is not None:
            await self.when_answered(state, event.question_id)

    async def rebuild(self, session_id: str) -> int:
        """Re-derive every score of a session from its answers; return how many."""
        state = await load_session(self.sessions, session_id)
        board = session_board(session_id)
        for participant in await self.sessions.participants(session_id):
            await self.leaderboard.submit(board, participant.user_id, 0, 0)
        by_user: dict[str, list[RecordedAnswer]] = {}
        for answer in await self.answers.for_session(session_id):
            by_user.setdefault(answer.user_id, []).append(answer)
        for user_id, answers in by_user.items():
            scored = await self._project(state, user_id, answers)
            await self._save_results(state, user_id, answers, scored)
        return len(by_user)


async def leaderboard_view(
    *,
    leaderboard: Leaderboard,
    sessions: SessionStore,
    session_id: str,
    limit: int,
    user_id: str | None,
) -> dict[str, Any]:
    """Return the session leaderboard in the API's shape."""
    board = session_board(session_id)
    top = await leaderboard.top(board, limit)
    entries = []
    for standing in top:
        participant = await sessions.get_participant(session_id, standing.user_id)
        entries.append(_entry(standing, participant.display_name if participant else ""))
    me = None
    if user_id is not None:
        mine = await leaderboard.standing(board, user_id)
        if mine is not None:
            me = {"rank": mine.rank, "score": mine.score}
    return {
        "session_id": session_id,
        "version": await leaderboard.version(board),
        "participant_count": await sessions.participant_count(session_id),
        "entries": entries,
        "me": me,
    }


def _entry(standing: Standing, display_name: str) -> dict[str, Any]:
    return {
        "rank": standing.rank,
        "user_id": standing.user_id,
        "display_name": display_name,
        "score": standing.score,
    }


class NotificationService:
    """Notification service (5.5): turn events into client messages."""

    def __init__(
        self,
        *,
        notifier: Notifier,
        sessions: SessionStore,
        leaderboard: Leaderboard,
        catalog: Catalog,
        stats: Callable[[str], Awaitable[dict[str, dict[str, Any]]]],
        top: int = 10,
    ) -> None:
        self.notifier = notifier
        self.sessions = sessions
        self.leaderboard = leaderboard
        self.catalog = catalog
        self.stats = stats
        self.top = top

    async def handle(self, message: Message) -> None:
        """Push the client messages one event implies (best effort)."""
        sid = message.session_id
        if isinstance(message, ScoreUpdated):
            standing = await self.leaderboard.standing(session_board(sid), message.user_id)
            await self.notifier.to_user(
                sid,
                message.user_id,
                {
                    "type": "answer.result",
                    "submission_id": message.submission_id,
                    "status": "scored",
                    "question_id": message.question_id,
                    "correct": message.correct,
                    "points": message.points,
                    "streak": message.streak,
                    "score": message.score,
                    "rank": standing.rank if standing else None,
                },
            )
            await self.notifier.leaderboard_changed(sid)
        elif isinstance(message, AnswerRejected):
            await self.notifier.to_user(
                sid,
                message.user_id,
                {
                    "type": "error",
                    "code": message.code,
                    "detail": message.detail,
                    "submission_id": message.submission_id,
                },
            )
        elif isinstance(message, ParticipantJoined):
            await self.notifier.to_session(
                sid,
                {
                    "type": "participant.joined",
                    "user_id": message.user_id,
                    "display_name": message.display_name,
                    "participant_count": message.participant_count,
                },
            )
            await self.notifier.leaderboard_changed(sid)
        elif isinstance(message, SessionStarted):
            await self.notifier.to_session(
                sid, {"type": "session.started", "mode": message.mode, "at": message.at}
            )
        elif isinstance(message, QuestionOpened):
            state = await load_session(self.sessions, sid)
            quiz = await self.catalog.quiz(state.quiz_id)
            question = quiz.questions[message.index]
            await self.notifier.to_session(
                sid,
                {
                    "type": "question.opened",
                    **current_question(question, message.opens_at, message.closes_at),
                },
            )
        elif isinstance(message, QuestionClosed):
            state = await load_session(self.sessions, sid)
            quiz = await self.catalog.quiz(state.quiz_id)
            question = quiz.questions[message.index]
            stats = (await self.stats(sid)).get(question.question_id, {})
            await self.notifier.to_session(
                sid,
                {
                    "type": "question.closed",
                    "question_id": question.question_id,
                    "index": question.index,
                    "correct_answer": question.answer,
                    "closed_at": message.closed_at,
                    "answer_count": stats.get("answers", 0),
                    "correct_count": stats.get("correct", 0),
                    "correct_share": stats.get("correct_share", 0.0),
                    "choice_counts": stats.get("choices", {}),
                    "stats": stats,
                },
            )
        elif isinstance(message, SessionFinishedEvent):
            board = await leaderboard_view(
                leaderboard=self.leaderboard,
                sessions=self.sessions,
                session_id=sid,
                limit=self.top,
                user_id=None,
            )
            await self.notifier.to_session(
                sid, {"type": "session.finished", "at": message.at, "entries": board["entries"]}
            )


def current_question(question: Question, opens_at: int, closes_at: int) -> dict[str, Any]:
    """Return the API's ``current_question`` object (times in epoch ms)."""
    return {
        "question_id": question.question_id,
        "index": question.index,
        "prompt": question.prompt,
        "kind": question.kind,
        "choices": list(question.choices),
        "opens_at": opens_at,
        "closes_at": closes_at,
    }


class QuizEvent:
    """Quiz event (5.7): sync results, scores and ranks to master data."""

    def __init__(
        self,
        *,
        master: MasterStore,
        sessions: SessionStore,
        scores: ScoreStore,
        leaderboard: Leaderboard,
        standings: Callable[[str], Awaitable[list[dict[str, Any]]]],
    ) -> None:
        self.master = master
        self.sessions = sessions
        self.scores = scores
        self.leaderboard = leaderboard
        self.standings = standings

    async def handle(self, message: Message) -> None:
        """Persist what the event changed; safe to call again."""
        if isinstance(message, ScoreUpdated):
            participant = await self.sessions.get_participant(message.session_id, message.user_id)
            state = await self.sessions.get(message.session_id)
            if state is not None and state.status == "finished":
                # Scored after the finish (an answer within the grace period):
                # the final standings must include it. finalise is idempotent.
                await self.finalise(message.session_id, state.finished_at or message.reached_at)
                return
            await self.master.save_result(
                SessionResult(
                    session_id=message.session_id,
                    user_id=message.user_id,
                    display_name=participant.display_name if participant else "",
                    score=message.score,
                    correct_count=message.correct_count,
                    reached_at=message.reached_at,
                )
            )
        elif isinstance(message, SessionFinishedEvent):
            await self.finalise(message.session_id, message.at)

    async def finalise(self, session_id: str, at: int) -> None:
        """Write the final standings and refresh the players' global totals."""
        for entry in await self.standings(session_id):
            await self.master.save_result(
                SessionResult(
                    session_id=session_id,
                    user_id=entry["user_id"],
                    display_name=entry["display_name"],
                    score=entry["score"],
                    correct_count=entry["correct_count"],
                    rank=entry["rank"],
                    final=True,
                    reached_at=at,
                )
            )
            total, _played = await self.master.user_totals(entry["user_id"])
            await self.leaderboard.submit(GLOBAL_BOARD, entry["user_id"], total, at)
