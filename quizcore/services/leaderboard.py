"""Leaderboard service (seed 5.4): a session's standings in the API's shape."""

from __future__ import annotations

from typing import Any

from quizcore.ports import (
    Leaderboard,
    SessionStore,
)
from quizcore.scoring import Standing
from quizcore.services.common import session_board


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
