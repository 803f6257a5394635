"""Leaderboard service (5.4): a session's board and the global one."""

from __future__ import annotations

import falcon
import falcon.asgi
from spectree import Response

from entrypoints.api import schemas
from entrypoints.api.context import ApiContext
from entrypoints.api.resources.common import (
    PROBLEMS,
    LimitQuery,
    limit_param,
    spec,
)


class SessionLeaderboard:
    """A session's live standings."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(
        query=LimitQuery,
        resp=Response(HTTP_200=schemas.LeaderboardOut, **PROBLEMS),
        tags=["leaderboard"],
        skip_validation=True,
    )
    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, session_id: str
    ) -> None:
        """Return the top entries and the caller's own standing."""
        caller = await self.ctx.caller(req)
        sid = self.ctx.session_id(session_id)
        limit = limit_param(req)
        services = self.ctx.services
        await services.quiz.session(sid)
        await self.ctx.ensure_board(sid)
        resp.media = await services.boards.session(sid, limit, caller.user_id)


class GlobalLeaderboard:
    """Standings by total score."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(
        query=LimitQuery,
        resp=Response(HTTP_200=schemas.GlobalLeaderboardOut, **PROBLEMS),
        tags=["leaderboard"],
        skip_validation=True,
    )
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Return the global top entries and the caller's own standing."""
        caller = await self.ctx.caller(req)
        boards = self.ctx.services.boards
        resp.media = await boards.global_board(limit_param(req), caller.user_id)
