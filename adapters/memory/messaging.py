"""In-process messaging: answer stream, publishers and a recording notifier."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from quizcore.messages import Message, SubmitAnswer


class DirectAnswerStream:
    """Hands each command straight to the stream processor and waits for it.

    The caller's acknowledgement therefore follows the durable record.
    """

    def __init__(self, process: Callable[[SubmitAnswer], Awaitable[None]] | None = None) -> None:
        self.process = process

    async def put(self, command: SubmitAnswer) -> None:
        """Process the command now."""
        if self.process is None:
            raise RuntimeError("the answer stream has no processor attached")
        await self.process(command)


class RecordingPublisher:
    """Keeps every published message (unit tests)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def publish(self, message: Message) -> None:
        """Keep the message."""
        self.messages.append(message)


class MemoryNotifier:
    """Records what would be pushed to clients (unit tests)."""

    def __init__(self) -> None:
        self.session_events: list[tuple[str, dict[str, Any]]] = []
        self.user_events: list[tuple[str, str, dict[str, Any]]] = []
        self.leaderboard_changes: list[str] = []

    async def to_session(self, session_id: str, event: dict[str, Any]) -> None:
        """Record a session-wide event."""
        self.session_events.append((session_id, event))

    async def to_user(self, session_id: str, user_id: str, event: dict[str, Any]) -> None:
        """Record a per-user event."""
        self.user_events.append((session_id, user_id, event))

    async def leaderboard_changed(self, session_id: str) -> None:
        """Record a leaderboard change."""
        self.leaderboard_changes.append(session_id)
