"""In-memory stores; each method is atomic because it never awaits mid-change."""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict

from quizcore.errors import Conflict
from quizcore.model import (
    AnswerResult,
    ParticipantScore,
    RecordedAnswer,
    RecordOutcome,
    SessionResult,
    User,
)
from quizcore.quiz import Quiz
from quizcore.session import Participant, SessionState
from quizcore.session import name_key as display_name_key


class MemoryAnswerStore:
    """Recorded answers keyed by (session, question, user)."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str, str], RecordedAnswer] = {}
        self._by_submission: dict[tuple[str, str, str], RecordedAnswer] = {}
        self._by_user: dict[tuple[str, str], list[RecordedAnswer]] = defaultdict(list)
        self._by_session: dict[str, list[RecordedAnswer]] = defaultdict(list)
        self._per_question: Counter[tuple[str, str]] = Counter()

    def load(self, answer: RecordedAnswer) -> None:
        """Index an answer already known to be stored (used by durable adapters)."""
        self._by_key[(answer.session_id, answer.question_id, answer.user_id)] = answer
        self._by_submission[(answer.session_id, answer.user_id, answer.submission_id)] = answer
        bisect.insort(
            self._by_user[(answer.session_id, answer.user_id)],
            answer,
            key=lambda item: item.question_index,
        )
        self._by_session[answer.session_id].append(answer)
        self._per_question[(answer.session_id, answer.question_id)] += 1

    def check(self, answer: RecordedAnswer) -> tuple[RecordOutcome, RecordedAnswer]:
        """Return what recording ``answer`` would do, without changing anything."""
        existing = self._by_key.get((answer.session_id, answer.question_id, answer.user_id))
        if existing is None:
            return RecordOutcome.RECORDED, answer
        if existing.submission_id == answer.submission_id:
            return RecordOutcome.DUPLICATE, existing
        return RecordOutcome.CONFLICT, existing

    async def record(self, answer: RecordedAnswer) -> tuple[RecordOutcome, RecordedAnswer]:
        """Store the answer once per (session, question, user)."""
        outcome, stored = self.check(answer)
        if outcome is RecordOutcome.RECORDED:
            self.load(answer)
        return outcome, stored

    async def get(self, session_id: str, question_id: str, user_id: str) -> RecordedAnswer | None:
        """Return this participant's answer to the question, if any."""
        return self._by_key.get((session_id, question_id, user_id))

    async def by_submission(
        self, session_id: str, user_id: str, submission_id: str
    ) -> RecordedAnswer | None:
        """Return the answer recorded under this submission id, if any."""
        return self._by_submission.get((session_id, user_id, submission_id))

    async def for_participant(self, session_id: str, user_id: str) -> list[RecordedAnswer]:
        """Return one participant's answers by question index."""
        return list(self._by_user.get((session_id, user_id), ()))

    async def for_session(self, session_id: str) -> list[RecordedAnswer]:
        """Return every answer of the session."""
        return list(self._by_session.get(session_id, ()))

    async def question_count(self, session_id: str, question_id: str) -> int:
        """Return how many participants answered the question."""
        return self._per_question.get((session_id, question_id), 0)


class MemoryScoreStore:
    """Scores and per-submission results."""

    def __init__(self) -> None:
        self._scores: dict[tuple[str, str], ParticipantScore] = {}
        self._by_session: dict[str, dict[str, ParticipantScore]] = defaultdict(dict)
        self._results: dict[tuple[str, str, str], AnswerResult] = {}

    async def raise_score(self, score: ParticipantScore) -> bool:
        """Store the score if higher than the stored one."""
        key = (score.session_id, score.user_id)
        current = self._scores.get(key)
        if current is not None and current.score >= score.score:
            return False
        self._scores[key] = score
        self._by_session[score.session_id][score.user_id] = score
        return True

    async def get_score(self, session_id: str, user_id: str) -> ParticipantScore | None:
        """Return the participant's score."""
        return self._scores.get((session_id, user_id))

    async def scores(self, session_id: str) -> list[ParticipantScore]:
        """Return every score of the session."""
        return list(self._by_session.get(session_id, {}).values())

    async def save_result(self, result: AnswerResult) -> None:
        """Store a result; a scored one is never replaced by a rejection."""
        key = (result.session_id, result.user_id, result.submission_id)
        current = self._results.get(key)
        if current is not None and current.status == "scored" and result.status != "scored":
            return
        self._results[key] = result

    async def get_result(
        self, session_id: str, user_id: str, submission_id: str
    ) -> AnswerResult | None:
        """Return the submission's result."""
        return self._results.get((session_id, user_id, submission_id))


class MemorySessionStore:
    """Sessions, participants and serve times."""

    def __init__(self) -> None:
        self._sessions: dict[str, SessionState] = {}
        self._participants: dict[str, dict[str, Participant]] = defaultdict(dict)
        self._served: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
        self._names: dict[tuple[str, str], str] = {}
        # The players the host removed, by session, in the order removed.
        self._removed: dict[str, dict[str, Participant]] = defaultdict(dict)

    async def create(self, state: SessionState) -> bool:
        """Insert the session if its id is free."""
        if state.session_id in self._sessions:
            return False
        self._sessions[state.session_id] = state
        return True

    async def get(self, session_id: str) -> SessionState | None:
        """Return the session."""
        return self._sessions.get(session_id)

    async def save(self, state: SessionState, expected_version: int) -> None:
        """Replace the state if the stored version matches."""
        current = self._sessions.get(state.session_id)
        if current is None or current.version != expected_version:
            raise Conflict(f"session {state.session_id} changed meanwhile")
        self._sessions[state.session_id] = state

    async def running(self) -> list[SessionState]:
        """Return every unfinished session."""
        return [state for state in self._sessions.values() if state.status != "finished"]

    async def add_participant(self, participant: Participant) -> tuple[Participant, bool, int]:
        """Add once; return the stored participant, whether new, and the count."""
        members = self._participants[participant.session_id]
        existing = members.get(participant.user_id)
        if existing is not None:
            return existing, False, len(members)
        members[participant.user_id] = participant
        self._names.setdefault(
            (participant.session_id, display_name_key(participant.display_name)),
            participant.user_id,
        )
        return participant, True, len(members)

    async def get_participant(self, session_id: str, user_id: str) -> Participant | None:
        """Return the participant."""
        return self._participants.get(session_id, {}).get(user_id)

    async def participants(self, session_id: str) -> list[Participant]:
        """Return participants in join order."""
        return list(self._participants.get(session_id, {}).values())

    async def participant_count(self, session_id: str) -> int:
        """Return how many joined."""
        return len(self._participants.get(session_id, {}))

    async def remove_participant(self, session_id: str, user_id: str) -> Participant | None:
        """Remove the participant, remembering them; return them (None if never joined)."""
        members = self._participants.get(session_id)
        present = members.pop(user_id, None) if members is not None else None
        if present is not None:
            self._removed[session_id][user_id] = present
            return present
        return self._removed.get(session_id, {}).get(user_id)

    async def removed(self, session_id: str, user_id: str) -> bool:
        """Return whether the user was removed from the session."""
        return user_id in self._removed.get(session_id, {})

    async def removed_participants(self, session_id: str) -> list[str]:
        """Return the users removed from the session, in the order removed."""
        return list(self._removed.get(session_id, {}))

    async def claim_name(self, session_id: str, name_key: str, user_id: str) -> bool:
        """Reserve the name for the user; False when another user holds it."""
        return self._names.setdefault((session_id, name_key), user_id) == user_id

    async def serve(self, session_id: str, user_id: str, question_index: int, at: int) -> int:
        """Keep the first serve time."""
        return self._served[(session_id, user_id)].setdefault(question_index, at)

    async def served(self, session_id: str, user_id: str) -> dict[int, int]:
        """Return serve times by question index."""
        return dict(self._served.get((session_id, user_id), {}))


class MemoryMasterStore:
    """Quizzes, users and session results."""

    def __init__(self) -> None:
        self._quizzes: dict[str, Quiz] = {}
        self._archived: set[str] = set()
        self._users: dict[str, User] = {}
        self._results: dict[tuple[str, str], SessionResult] = {}
        # Indexes so reads by session or by user never scan every result.
        self._by_session_results: dict[str, dict[str, SessionResult]] = defaultdict(dict)
        self._by_user_results: dict[str, dict[str, SessionResult]] = defaultdict(dict)

    async def save_quiz(self, quiz: Quiz) -> None:
        """Store the quiz under its id."""
        self._quizzes[quiz.quiz_id] = quiz

    async def get_quiz(self, quiz_id: str) -> Quiz | None:
        """Return the quiz."""
        return self._quizzes.get(quiz_id)

    async def list_quizzes(
        self, offset: int = 0, limit: int | None = None, *, author_id: str | None = None
    ) -> list[Quiz]:
        """Return quizzes in insertion order, a page when asked (not the archived)."""
        quizzes = [
            q
            for q in self._quizzes.values()
            if q.quiz_id not in self._archived and author_id in (None, q.author_id)
        ]
        return quizzes[offset : None if limit is None else offset + limit]

    async def archive_quiz(self, quiz_id: str) -> None:
        """Take the quiz off the list."""
        self._archived.add(quiz_id)

    async def is_archived(self, quiz_id: str) -> bool:
        """Return whether the quiz was archived."""
        return quiz_id in self._archived

    async def upsert_user(self, user: User) -> User:
        """Create or update the user."""
        self._users[user.user_id] = user
        return user

    async def get_user(self, user_id: str) -> User | None:
        """Return the user."""
        return self._users.get(user_id)

    async def save_result(self, result: SessionResult) -> None:
        """Upsert the result unless a higher score is stored."""
        key = (result.session_id, result.user_id)
        current = self._results.get(key)
        if current is not None and current.score > result.score:
            return
        if current is not None and current.final and not result.final:
            return
        self._results[key] = result
        self._by_session_results[result.session_id][result.user_id] = result
        self._by_user_results[result.user_id][result.session_id] = result

    async def session_results(self, session_id: str) -> list[SessionResult]:
        """Return the session's results."""
        return list(self._by_session_results.get(session_id, {}).values())

    async def user_totals(self, user_id: str) -> tuple[int, int]:
        """Return (total score, sessions played) over final results."""
        finals = [r for r in self._by_user_results.get(user_id, {}).values() if r.final]
        return sum(r.score for r in finals), len(finals)

    async def all_totals(self) -> list[tuple[str, int, int]]:
        """Return (user, total, last reached) for every user with final results."""
        totals: dict[str, tuple[int, int]] = {}
        for (_, user_id), result in self._results.items():
            if result.final:
                total, last = totals.get(user_id, (0, 0))
                totals[user_id] = (total + result.score, max(last, result.reached_at))
        return [(user_id, total, last) for user_id, (total, last) in totals.items()]
