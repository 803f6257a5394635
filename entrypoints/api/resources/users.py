"""UMS (5.1): the caller's profile and the identity provider's webhook."""

from __future__ import annotations

import falcon
import falcon.asgi
from spectree import Response

from entrypoints.api import schemas
from entrypoints.api.context import ApiContext
from entrypoints.api.resources.common import (
    PROBLEMS,
    spec,
)
from quizcore.services import IdentityEvent


class Me:
    """The caller's profile (UMS)."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(resp=Response(HTTP_200=schemas.UserOut, **PROBLEMS), tags=["users"])
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Return profile, total score, sessions played and global rank."""
        caller = await self.ctx.caller(req)
        users = self.ctx.services.users
        resp.media = await users.profile(caller.user_id, caller.display_name)


class Auth0Events:
    """The identity provider's user-lifecycle webhook."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(
        json=schemas.Auth0EventIn,
        resp=Response(HTTP_204=None, **PROBLEMS),
        tags=["users"],
        skip_validation=True,
    )
    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Sync a user created, updated, blocked or deleted upstream."""
        self.ctx.check_secret(req.get_header("X-Webhook-Secret"))
        event = await self.ctx.body(req, schemas.Auth0EventIn)
        user = await self.ctx.services.users.apply(
            IdentityEvent(
                type=event.type,
                user_id=event.user.user_id,
                name=event.user.name or "",
                nickname=event.user.nickname or "",
                email=event.user.email or "",
                blocked=bool(event.user.blocked),
            )
        )
        await self.ctx.announce_status(user.user_id, user.status)
        resp.status = 204
