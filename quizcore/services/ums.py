"""User management service (seed 5.1): profiles, status, identity-provider sync."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from quizcore.errors import Forbidden
from quizcore.model import User, UserStatus
from quizcore.names import clean_name
from quizcore.ports import Leaderboard, MasterStore
from quizcore.services.common import GLOBAL_BOARD

MAX_NAME_LENGTH = 40

IdentityEventType = Literal["user.created", "user.updated", "user.blocked", "user.deleted"]


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentityEvent:
    """A user-lifecycle event from the identity provider (Auth0's webhook)."""

    type: IdentityEventType
    user_id: str
    name: str = ""
    nickname: str = ""
    email: str = ""
    blocked: bool = False


class UserService:
    """UMS (5.1): who a user is, whether they may play, and their totals."""

    def __init__(self, *, master: MasterStore, leaderboard: Leaderboard) -> None:
        self.master = master
        self.leaderboard = leaderboard

    async def sync(self, user_id: str, display_name: str) -> User:
        """Return the stored user, creating it on first sight."""
        user = await self.master.get_user(user_id)
        if user is None:
            user = await self.master.upsert_user(
                User(user_id=user_id, display_name=clean_name(display_name, fallback=user_id))
            )
        return user

    async def require_active(self, user_id: str, display_name: str) -> User:
        """Return the user, or raise ``Forbidden`` when blocked or deleted."""
        user = await self.sync(user_id, display_name)
        if user.status != "active":
            raise Forbidden("this account is blocked")
        return user

    async def profile(self, user_id: str, display_name: str) -> dict[str, Any]:
        """Return the profile, total score, sessions played and global rank."""
        user = await self.master.get_user(user_id)
        total, played = await self.master.user_totals(user_id)
        standing = await self.leaderboard.standing(GLOBAL_BOARD, user_id)
        return {
            "user_id": user_id,
            "display_name": user.display_name if user else display_name,
            "status": user.status if user else "active",
            "total_score": total,
            "sessions_played": played,
            "global_rank": standing.rank if standing else None,
        }

    async def apply(self, event: IdentityEvent) -> User:
        """Sync a user created, updated, blocked or deleted upstream (idempotent)."""
        existing = await self.master.get_user(event.user_id)
        name = event.name or event.nickname or (existing.display_name if existing else "")
        status: UserStatus = "active"
        if event.type == "user.deleted":
            status = "deleted"
        elif event.type == "user.blocked" or event.blocked:
            status = "blocked"
        return await self.master.upsert_user(
            User(
                user_id=event.user_id,
                display_name=clean_name(name, fallback=event.user_id)[:MAX_NAME_LENGTH],
                status=status,
                email=event.email or (existing.email if existing else ""),
            )
        )
