"""Authentication: the dev issuer's keys and tokens (local profile)."""

from __future__ import annotations

import asyncio

import falcon
import falcon.asgi
from spectree import Response

from entrypoints.api import schemas
from entrypoints.api.context import ApiContext
from entrypoints.api.resources.common import (
    PROBLEMS,
    spec,
)
from quizcore.errors import InvalidRequest, NotFound


class Jwks:
    """The dev issuer's public keys."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(resp=Response(HTTP_200=schemas.JwksOut, HTTP_404=schemas.Problem), tags=["auth"])
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Serve the JWKS document (dev auth only)."""
        if self.ctx.dev_issuer is None:
            raise NotFound("dev auth is off")
        resp.media = self.ctx.dev_issuer.jwks()


class DevToken:
    """The local dev issuer (embedded profile)."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(
        json=schemas.DevTokenIn,
        resp=Response(HTTP_200=schemas.DevTokenOut, **PROBLEMS),
        tags=["auth"],
        skip_validation=True,
    )
    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Issue a token: a new user, or the one bound to the device key.

        The name is only a label; 404 when dev auth is off.
        """
        issuer = self.ctx.dev_issuer
        if issuer is None:
            raise NotFound("dev auth is off")
        body = await self.ctx.body(req, schemas.DevTokenIn)
        name = body.name.strip()
        if not name:
            raise InvalidRequest("name must not be blank")
        # An RSA signature is a few hundred microseconds of CPU, and the
        # crypto library lets go of the GIL while it signs: on a worker thread
        # a class joining at once no longer holds up live answers on the loop.
        token, user_id = await asyncio.to_thread(issuer.issue, name, device_key=body.device_key)
        resp.media = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": issuer.ttl,
            "user_id": user_id,
        }
