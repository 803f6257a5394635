"""Quiz event handler (seed 5.7): sync results, scores and ranks to master data."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from quizcore.messages import (
    Message,
    ScoreUpdated,
)
from quizcore.messages import SessionFinished as SessionFinishedEvent
from quizcore.model import SessionResult
from quizcore.ports import (
    Leaderboard,
    MasterStore,
    ScoreStore,
    SessionStore,
)
from quizcore.services.common import GLOBAL_BOARD


class QuizEventHandler:
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
