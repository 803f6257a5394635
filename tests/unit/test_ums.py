"""UMS (5.1) and the global leaderboard (5.4) as domain services."""

from __future__ import annotations

import pytest

from adapters.memory import MemoryLeaderboard, MemoryMasterStore, MemorySessionStore
from quizcore.errors import Forbidden
from quizcore.services import GLOBAL_BOARD, IdentityEvent, LeaderboardService, UserService


def services() -> tuple[UserService, LeaderboardService, MemoryLeaderboard]:
    master, board = MemoryMasterStore(), MemoryLeaderboard()
    users = UserService(master=master, leaderboard=board)
    boards = LeaderboardService(leaderboard=board, sessions=MemorySessionStore(), master=master)
    return users, boards, board


async def test_a_new_user_is_created_active_on_first_sight() -> None:
    users, _, _ = services()

    user = await users.require_active("u1", "Ana")
    again = await users.sync("u1", "Another name")

    assert (user.user_id, user.display_name, user.status) == ("u1", "Ana", "active")
    assert again == user


async def test_a_profile_name_is_kept_as_screens_show_it() -> None:
    users, _, _ = services()

    first = await users.sync("u1", "Al\u200bice\u202e")
    renamed = await users.apply(IdentityEvent(type="user.updated", user_id="u2", name="\u200b"))

    assert first.display_name == "Alice"
    assert renamed.display_name == "u2"  # nothing in the name shows


async def test_a_blocked_user_may_not_play_until_unblocked() -> None:
    users, _, _ = services()
    await users.sync("u1", "Ana")

    await users.apply(IdentityEvent(type="user.blocked", user_id="u1"))
    with pytest.raises(Forbidden):
        await users.require_active("u1", "Ana")
    await users.apply(IdentityEvent(type="user.updated", user_id="u1", nickname="ana"))

    assert (await users.require_active("u1", "Ana")).display_name == "ana"


async def test_identity_events_keep_what_they_do_not_say() -> None:
    users, _, _ = services()
    await users.apply(
        IdentityEvent(type="user.created", user_id="u1", name="Ana", email="ana@example.org")
    )

    blocked = await users.apply(IdentityEvent(type="user.updated", user_id="u1", blocked=True))
    deleted = await users.apply(IdentityEvent(type="user.deleted", user_id="u1"))
    unnamed = await users.apply(IdentityEvent(type="user.created", user_id="u2" + "x" * 50))

    assert (blocked.display_name, blocked.email, blocked.status) == (
        "Ana",
        "ana@example.org",
        "blocked",
    )
    assert deleted.status == "deleted"
    assert len(unnamed.display_name) == 40


async def test_the_profile_carries_totals_and_the_global_rank() -> None:
    users, _, board = services()
    await users.sync("u1", "Ana")
    await board.submit(GLOBAL_BOARD, "u1", 900, 1)
    await board.submit(GLOBAL_BOARD, "u2", 1200, 2)

    profile = await users.profile("u1", "Ana")
    stranger = await users.profile("u9", "Nobody")

    assert profile["global_rank"] == 2 and profile["status"] == "active"
    assert (stranger["display_name"], stranger["global_rank"]) == ("Nobody", None)


async def test_the_global_board_names_its_entries_and_the_caller() -> None:
    users, boards, board = services()
    await users.sync("u1", "Ana")
    await users.sync("u2", "Ben")
    await board.submit(GLOBAL_BOARD, "u1", 900, 1)
    await board.submit(GLOBAL_BOARD, "u2", 1200, 2)

    view = await boards.global_board(limit=1, user_id="u1")

    assert view["entries"] == [{"rank": 1, "user_id": "u2", "display_name": "Ben", "score": 1200}]
    assert view["me"] == {"rank": 2, "score": 900}
    assert view["participant_count"] == 2
