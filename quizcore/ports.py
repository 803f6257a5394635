"""Ports: what the domain needs from the outside world (typing.Protocol).

Every method says whether it is atomic and whether calling it again with the
same arguments is safe; adapters must keep those promises, and the contract
test suites check that they do.
"""

from __future__ import annotations

from typing import Any, Protocol

from quizcore.messages import Message, SubmitAnswer
from quizcore.model import (
    AnswerResult,
    ParticipantScore,
    RecordedAnswer,
    RecordOutcome,
    SessionResult,
    User,
)
from quizcore.quiz import Quiz
from quizcore.scoring import Standing
from quizcore.session import Participant, SessionState


class Clock(Protocol):
    """The server's clock; the only source of time for every rule."""

    def now_ms(self) -> int:
        """Return the current time in epoch milliseconds."""
        ...


class AnswerStream(Protocol):
    """The answer stream between the score service and the stream processor."""

    async def put(self, command: SubmitAnswer) -> None:
        """Hand the command over durably; delivered at least once, in order per session."""
        ...


class EventPublisher(Protocol):
    """The bus the handlers publish their events to."""

    async def publish(self, message: Message) -> None:
        """Hand the event over durably for at-least-once delivery to subscribers."""
        ...


class AnswerStore(Protocol):
    """Recorded answers; the source of truth for every score."""

    async def record(self, answer: RecordedAnswer) -> tuple[RecordOutcome, RecordedAnswer]:
        """Store once per (session, question, user), atomically; return the stored answer."""
        ...

    async def get(self, session_id: str, question_id: str, user_id: str) -> RecordedAnswer | None:
        """Return this participant's answer to the question, if any."""
        ...

    async def by_submission(
        self, session_id: str, user_id: str, submission_id: str
    ) -> RecordedAnswer | None:
        """Return the answer recorded under this submission id, if any."""
        ...

    async def for_participant(self, session_id: str, user_id: str) -> list[RecordedAnswer]:
        """Return every answer of one participant, ordered by question index."""
        ...

    async def for_session(self, session_id: str) -> list[RecordedAnswer]:
        """Return every answer recorded in the session (for rebuilds and statistics)."""
        ...

    async def question_count(self, session_id: str, question_id: str) -> int:
        """Return how many participants answered the question."""
        ...


class ScoreStore(Protocol):
    """Participant scores and per-submission results (projections of the answers)."""

    async def raise_score(self, score: ParticipantScore) -> bool:
        """Store the score if higher than the stored one, atomically; True if it changed."""
        ...

    async def get_score(self, session_id: str, user_id: str) -> ParticipantScore | None:
        """Return the participant's score, if any."""
        ...

    async def scores(self, session_id: str) -> list[ParticipantScore]:
        """Return every participant score of the session."""
        ...

    async def save_result(self, result: AnswerResult) -> None:
        """Store the submission's result; idempotent, a scored result is never downgraded."""
        ...

    async def get_result(
        self, session_id: str, user_id: str, submission_id: str
    ) -> AnswerResult | None:
        """Return the submission's result, if any."""
        ...


class SessionStore(Protocol):
    """Session state, participants and self-paced serve times."""

    async def create(self, state: SessionState) -> bool:
        """Insert the session if its id is free, atomically; False when taken."""
        ...

    async def get(self, session_id: str) -> SessionState | None:
        """Return the session, if any."""
        ...

    async def save(self, state: SessionState, expected_version: int) -> None:
        """Replace the state if the stored version is ``expected_version``; else raise Conflict."""
        ...

    async def running(self) -> list[SessionState]:
        """Return every session that is not finished."""
        ...

    async def add_participant(self, participant: Participant) -> tuple[Participant, bool, int]:
        """Add once (idempotent); return the stored participant, whether new, and the count."""
        ...

    async def get_participant(self, session_id: str, user_id: str) -> Participant | None:
        """Return the participant, if joined."""
        ...

    async def participants(self, session_id: str) -> list[Participant]:
        """Return every participant in join order."""
        ...

    async def participant_count(self, session_id: str) -> int:
        """Return how many joined."""
        ...

    async def remove_participant(self, session_id: str, user_id: str) -> Participant | None:
        """Remove the participant and remember that they were removed (idempotent).

        Return the participant as they were when removed, also when they
        were removed before; None if the user never joined. Their display
        name stays claimed, and their answers stay recorded.
        """
        ...

    async def removed(self, session_id: str, user_id: str) -> bool:
        """Return whether the user was removed from the session."""
        ...

    async def removed_participants(self, session_id: str) -> list[str]:
        """Return the ids of the users removed from the session, in the order removed."""
        ...

    async def claim_name(self, session_id: str, name_key: str, user_id: str) -> bool:
        """Reserve a display name for the user, atomically; False when another holds it."""
        ...

    async def serve(self, session_id: str, user_id: str, question_index: int, at: int) -> int:
        """Keep the first time the question was served to the user; return that time."""
        ...

    async def served(self, session_id: str, user_id: str) -> dict[int, int]:
        """Return the serve times of the user's questions by index."""
        ...


class Leaderboard(Protocol):
    """Ranked boards (a session's, the global one) kept as a projection."""

    async def submit(self, board: str, user_id: str, score: int, reached_at: int) -> bool:
        """Raise the user's entry to ``score`` if higher (idempotent); True if it changed."""
        ...

    async def top(self, board: str, limit: int) -> list[Standing]:
        """Return the first ``limit`` standings in listing order with competition ranks."""
        ...

    async def standing(self, board: str, user_id: str) -> Standing | None:
        """Return the user's rank and score, or None if absent."""
        ...

    async def standings(self, board: str, user_ids: list[str]) -> dict[str, Standing]:
        """Return the standings of those users who are on the board, in one read."""
        ...

    async def size(self, board: str) -> int:
        """Return how many entries the board has."""
        ...

    async def version(self, board: str) -> int:
        """Return a number that grows with every change of the board."""
        ...

    async def clear(self, board: str) -> None:
        """Drop the board (before a rebuild)."""
        ...

    async def remove(self, board: str, user_id: str) -> bool:
        """Take the user's entry off the board (idempotent); True if it was there."""
        ...


class MasterStore(Protocol):
    """Master data: quizzes, users and session results."""

    async def save_quiz(self, quiz: Quiz) -> None:
        """Store the quiz under its id (idempotent upsert)."""
        ...

    async def get_quiz(self, quiz_id: str) -> Quiz | None:
        """Return the quiz, if any."""
        ...

    async def list_quizzes(
        self, offset: int = 0, limit: int | None = None, *, author_id: str | None = None
    ) -> list[Quiz]:
        """Return quizzes oldest first: ``limit`` of them after the first ``offset``.

        Archived quizzes are left out; with ``author_id``, only that author's.
        """
        ...

    async def archive_quiz(self, quiz_id: str) -> None:
        """Take the quiz off the list for good (idempotent); it still reads back by id."""
        ...

    async def is_archived(self, quiz_id: str) -> bool:
        """Return whether the quiz was archived."""
        ...

    async def upsert_user(self, user: User) -> User:
        """Create or update the user (idempotent); return the stored record."""
        ...

    async def get_user(self, user_id: str) -> User | None:
        """Return the user, if known."""
        ...

    async def save_result(self, result: SessionResult) -> None:
        """Upsert the (session, user) result; a lower score never replaces a higher one."""
        ...

    async def session_results(self, session_id: str) -> list[SessionResult]:
        """Return the stored results of a session."""
        ...

    async def user_totals(self, user_id: str) -> tuple[int, int]:
        """Return (total score, sessions played) over final results."""
        ...

    async def all_totals(self) -> list[tuple[str, int, int]]:
        """Return (user id, total, last reached_at) for every user with final results."""
        ...


class Presence(Protocol):
    """Who is connected to a session's live channel.

    The embedded profile's hub knows every socket; in the cloud profile each
    API process renews leases on its players in Redis.
    """

    async def connected(self, session_id: str) -> set[str] | None:
        """Return the connected user ids, or None when this is not known here."""
        ...

    async def connected_count(self, session_id: str) -> int | None:
        """Return how many users are connected (cheap), or None when not known here."""
        ...


class OpeningReach(Protocol):
    """How long a live question takes to reach every screen of a session's room.

    The process holding the room's sockets knows: it hands each of them the
    question in turn (the embedded profile's hub, or in the cloud profile
    the hub of the API process that opens the question).
    """

    def reach_ms(self, session_id: str) -> int:
        """Return the expected time (ms) from opening to the room's last screen reached."""
        ...


class HostPresence(Protocol):
    """Whether a session's host has a screen open, across every process serving it.

    Each process tells it when a host socket opens (``arrived``) and closes
    (``departed``) there; players are told the host left once
    ``mark_away`` says so, and that the host is back once ``arrived`` says
    they had been told. Both decide for exactly one caller, whichever process
    asks, so each change is announced once.
    """

    async def arrived(self, session_id: str) -> bool:
        """Count a host socket opened here; return True if the host had been marked away.

        Atomic: the mark is cleared, and True returned, to one caller only.
        """
        ...

    async def departed(self, session_id: str) -> None:
        """Count a host socket of this process gone. Never below zero."""
        ...

    async def mark_away(self, session_id: str) -> bool:
        """Mark the host away if no process has a host socket open; return True if this did.

        Atomic: of concurrent callers at most one gets True; False if the host
        has a socket open anywhere or was marked away already.
        """
        ...

    async def is_away(self, session_id: str) -> bool:
        """Return whether the host is marked away (players were told they left)."""
        ...

    async def relayed(self, session_id: str, connection_id: str) -> bool:
        """Count a host connection that a relay holds (API Gateway), not a process.

        It counts until ``unrelayed`` (the relay says it closed), with no
        process to say it is alive; counting the same connection again
        changes nothing. Return True if the host had been marked away (the
        mark cleared, and True returned, to one caller only, as ``arrived``).
        """
        ...

    async def unrelayed(self, connection_id: str) -> str | None:
        """Forget a relayed host connection; return its session if it was counted.

        Idempotent: a connection forgotten already (or never counted, as a
        player's) returns None.
        """
        ...

    def sibling(self) -> HostPresence:
        """Return this presence as another process sees it (its own sockets, shared marks)."""
        ...


class Notifier(Protocol):
    """Pushes events to connected clients (WebSocket gateways, Firebase)."""

    async def to_session(self, session_id: str, event: dict[str, Any]) -> None:
        """Send to every connection of the session; best effort, at most once."""
        ...

    async def to_user(self, session_id: str, user_id: str, event: dict[str, Any]) -> None:
        """Send to the user's connections in the session; best effort."""
        ...

    async def leaderboard_changed(self, session_id: str) -> None:
        """Note a change; the push is coalesced per session and interval."""
        ...
