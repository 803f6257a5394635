"""Leaderboard service (seed 5.4): session and global standings in the API's shape."""

from __future__ import annotations

from typing import Any

from quizcore.ports import Leaderboard, MasterStore, SessionStore
from quizcore.scoring import Standing
from quizcore.services.common import GLOBAL_BOARD, session_board


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
    me = None if user_id is None else _me(await leaderboard.standing(board, user_id))
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


def _me(standing: Standing | None) -> dict[str, int] | None:
    return {"rank": standing.rank, "score": standing.score} if standing else None


class LeaderboardService:
    """Leaderboard service (5.4): a session's board and the global one."""

    def __init__(
        self, *, leaderboard: Leaderboard, sessions: SessionStore, master: MasterStore
    ) -> None:
        self.leaderboard = leaderboard
        self.sessions = sessions
        self.master = master

    async def session(self, session_id: str, limit: int, user_id: str | None) -> dict[str, Any]:
        """Return a session's top entries and the caller's own standing."""
        return await leaderboard_view(
            leaderboard=self.leaderboard,
            sessions=self.sessions,
            session_id=session_id,
            limit=limit,
            user_id=user_id,
        )

    async def global_board(self, limit: int, user_id: str | None) -> dict[str, Any]:
        """Return the standings by total score and the caller's own."""
        entries = []
        for standing in await self.leaderboard.top(GLOBAL_BOARD, limit):
            user = await self.master.get_user(standing.user_id)
            entries.append(_entry(standing, user.display_name if user else ""))
        mine = None
        if user_id is not None:
            mine = await self.leaderboard.standing(GLOBAL_BOARD, user_id)
        return {
            "version": await self.leaderboard.version(GLOBAL_BOARD),
            "participant_count": await self.leaderboard.size(GLOBAL_BOARD),
            "entries": entries,
            "me": _me(mine),
        }
