"""Contract of the SessionStore port: versions and idempotent joins."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from quizcore.errors import Conflict
from quizcore.ports import SessionStore
from quizcore.session import Participant, SessionState


def session(session_id: str = "SESSA1", **changes: Any) -> SessionState:
    """Return a live session in the lobby."""
    values: dict[str, Any] = {
        "session_id": session_id,
        "quiz_id": "quiz-1",
        "title": "French basics",
        "mode": "live",
        "host_id": "host-1",
        "question_seconds": 20,
        "question_count": 3,
        "created_at": 1_800_000_000_000,
    }
    values.update(changes)
    return SessionState(**values)


def started(state: SessionState) -> SessionState:
    """Return the state after the host started it (version bumped)."""
    return dataclasses.replace(
        state,
        status="running",
        started_at=state.created_at + 1000,
        question_index=0,
        windows=((state.created_at + 1000, state.created_at + 21_000),),
        version=state.version + 1,
    )


def participant(user_id: str = "user-1", **changes: Any) -> Participant:
    """Return a participant of SESSA1."""
    values: dict[str, Any] = {
        "session_id": "SESSA1",
        "user_id": user_id,
        "display_name": f"Player {user_id}",
        "joined_at": 1_800_000_000_500,
    }
    values.update(changes)
    return Participant(**values)


async def test_a_created_session_reads_back(session_store: SessionStore) -> None:
    assert await session_store.create(session()) is True
    assert await session_store.get("SESSA1") == session()
    assert await session_store.get("NOSUCH") is None


async def test_creating_a_taken_id_returns_false_and_keeps_the_first(
    session_store: SessionStore,
) -> None:
    await session_store.create(session())

    assert await session_store.create(session(title="Another quiz")) is False
    assert await session_store.get("SESSA1") == session()


async def test_concurrent_creates_of_one_id_let_exactly_one_win(
    session_store: SessionStore,
) -> None:
    rivals = [session(host_id=f"host-{i}") for i in range(20)]

    created = await asyncio.gather(*(session_store.create(rival) for rival in rivals))

    assert created.count(True) == 1
    assert await session_store.get("SESSA1") == rivals[created.index(True)]


async def test_save_with_the_stored_version_replaces_the_state(
    session_store: SessionStore,
) -> None:
    await session_store.create(session())
    running = started(session())

    await session_store.save(running, expected_version=0)

    assert await session_store.get("SESSA1") == running
    finished = dataclasses.replace(running, status="finished", version=2)
    await session_store.save(finished, expected_version=1)
    assert await session_store.get("SESSA1") == finished


async def test_save_with_a_stale_version_raises_conflict_and_changes_nothing(
    session_store: SessionStore,
) -> None:
    await session_store.create(session())
    running = started(session())
    await session_store.save(running, expected_version=0)

    with pytest.raises(Conflict):
        await session_store.save(dataclasses.replace(running, title="stale"), expected_version=0)

    assert await session_store.get("SESSA1") == running


async def test_save_of_an_unknown_session_raises_conflict(session_store: SessionStore) -> None:
    with pytest.raises(Conflict):
        await session_store.save(started(session()), expected_version=0)

    assert await session_store.get("SESSA1") is None


async def test_concurrent_saves_from_one_version_let_exactly_one_win(
    session_store: SessionStore,
) -> None:
    await session_store.create(session())
    rivals = [dataclasses.replace(started(session()), title=f"edit {i}") for i in range(20)]

    outcomes = await asyncio.gather(
        *(session_store.save(rival, expected_version=0) for rival in rivals),
        return_exceptions=True,
    )

    winners = [rival for rival, outcome in zip(rivals, outcomes, strict=True) if outcome is None]
    assert len(winners) == 1
    assert all(isinstance(outcome, Conflict) for outcome in outcomes if outcome is not None)
    assert await session_store.get("SESSA1") == winners[0]


async def test_running_lists_every_unfinished_session(session_store: SessionStore) -> None:
    lobby = session("LOBBY2")
    running = started(session("RUNNG3"))
    finished = session("FINSH4", status="finished", finished_at=1_800_000_100_000)
    for state in (lobby, running, finished):
        await session_store.create(state)
    ended = dataclasses.replace(lobby, status="finished", version=1)
    await session_store.save(ended, expected_version=0)

    found = await session_store.running()

    assert found == [running]


async def test_a_new_participant_is_added_and_counted(session_store: SessionStore) -> None:
    joined = participant()

    assert await session_store.add_participant(joined) == (joined, True, 1)
    assert await session_store.get_participant("SESSA1", "user-1") == joined
    assert await session_store.participant_count("SESSA1") == 1


async def test_joining_again_returns_the_stored_participant(session_store: SessionStore) -> None:
    first = participant()
    await session_store.add_participant(first)
    await session_store.add_participant(participant("user-2"))

    again = participant(display_name="Renamed", joined_at=1_800_000_009_000)

    assert await session_store.add_participant(again) == (first, False, 2)
    assert await session_store.get_participant("SESSA1", "user-1") == first
    assert await session_store.participant_count("SESSA1") == 2


async def test_two_hundred_concurrent_joins_count_two_hundred(
    session_store: SessionStore,
) -> None:
    joiners = [participant(f"user-{i:03d}") for i in range(200)]

    outcomes = await asyncio.gather(*(session_store.add_participant(j) for j in joiners))

    assert all(created for _, created, _ in outcomes)
    assert [stored for stored, _, _ in outcomes] == joiners
    assert max(count for _, _, count in outcomes) == 200
    assert all(1 <= count <= 200 for _, _, count in outcomes)
    assert await session_store.participant_count("SESSA1") == 200
    found = await session_store.participants("SESSA1")
    assert sorted(found, key=lambda item: item.user_id) == joiners


async def test_concurrent_joins_of_one_user_add_them_once(session_store: SessionStore) -> None:
    attempts = [participant(joined_at=1_800_000_000_000 + i) for i in range(50)]

    outcomes = await asyncio.gather(*(session_store.add_participant(a) for a in attempts))

    assert [created for _, created, _ in outcomes].count(True) == 1
    stored = await session_store.get_participant("SESSA1", "user-1")
    assert stored in attempts
    assert all(returned == stored and count == 1 for returned, _, count in outcomes)
    assert await session_store.participant_count("SESSA1") == 1


async def test_participants_are_listed_in_join_order(session_store: SessionStore) -> None:
    joiners = [participant(user_id) for user_id in ("zoe", "adam", "mia", "bob")]
    for joiner in joiners:
        await session_store.add_participant(joiner)
    await session_store.add_participant(participant("adam", display_name="Again"))
    await session_store.add_participant(participant("other", session_id="SESSB2"))

    assert await session_store.participants("SESSA1") == joiners


async def test_an_unknown_session_has_no_participants(session_store: SessionStore) -> None:
    assert await session_store.get_participant("SESSA1", "user-1") is None
    assert await session_store.participants("SESSA1") == []
    assert await session_store.participant_count("SESSA1") == 0


async def test_serve_keeps_the_first_serve_time(session_store: SessionStore) -> None:
    assert await session_store.serve("SESSA1", "user-1", 0, 1000) == 1000
    assert await session_store.serve("SESSA1", "user-1", 0, 2000) == 1000
    assert await session_store.served("SESSA1", "user-1") == {0: 1000}


async def test_concurrent_serves_of_one_question_agree_on_one_time(
    session_store: SessionStore,
) -> None:
    times = list(range(5000, 5050))

    returned = await asyncio.gather(*(session_store.serve("SESSA1", "u", 2, at) for at in times))

    assert len(set(returned)) == 1
    assert returned[0] in times
    assert await session_store.served("SESSA1", "u") == {2: returned[0]}


async def test_served_returns_each_users_questions_by_index(session_store: SessionStore) -> None:
    await session_store.serve("SESSA1", "user-1", 0, 1000)
    await session_store.serve("SESSA1", "user-1", 1, 4000)
    await session_store.serve("SESSA1", "user-2", 0, 1500)
    await session_store.serve("SESSB2", "user-1", 0, 9000)

    assert await session_store.served("SESSA1", "user-1") == {0: 1000, 1: 4000}
    assert await session_store.served("SESSA1", "user-2") == {0: 1500}
    assert await session_store.served("SESSA1", "user-3") == {}


async def test_a_display_name_is_held_by_the_first_who_claims_it(
    session_store: SessionStore,
) -> None:
    claims = await asyncio.gather(
        *(session_store.claim_name("SESSA1", "alex", f"user-{number}") for number in range(8))
    )

    assert claims.count(True) == 1
    holder = f"user-{claims.index(True)}"
    assert await session_store.claim_name("SESSA1", "alex", holder) is True
    assert await session_store.claim_name("SESSA1", "alex 2", "user-x") is True
    assert await session_store.claim_name("SESSB2", "alex", "user-x") is True


async def test_a_joined_participant_holds_their_name(session_store: SessionStore) -> None:
    await session_store.create(session())
    await session_store.claim_name("SESSA1", "player user-1", "user-1")
    await session_store.add_participant(participant("user-1"))

    assert await session_store.claim_name("SESSA1", "player user-1", "user-2") is False


async def test_a_removed_participant_is_gone_uncounted_and_remembered(
    session_store: SessionStore,
) -> None:
    await session_store.create(session())
    for user_id in ("user-1", "user-2", "user-3"):
        await session_store.claim_name("SESSA1", f"player {user_id}", user_id)
        await session_store.add_participant(participant(user_id))

    removed = await session_store.remove_participant("SESSA1", "user-2")

    assert removed == participant("user-2")
    assert await session_store.get_participant("SESSA1", "user-2") is None
    assert [p.user_id for p in await session_store.participants("SESSA1")] == [
        "user-1",
        "user-3",
    ]
    assert await session_store.participant_count("SESSA1") == 2
    assert await session_store.removed("SESSA1", "user-2") is True
    assert await session_store.removed("SESSA1", "user-1") is False
    # Their name stays theirs: nobody else takes it after them.
    assert await session_store.claim_name("SESSA1", "player user-2", "user-9") is False


async def test_removing_again_returns_the_same_participant_and_changes_nothing(
    session_store: SessionStore,
) -> None:
    await session_store.create(session())
    await session_store.add_participant(participant("user-1"))
    await session_store.add_participant(participant("user-2"))

    first = await session_store.remove_participant("SESSA1", "user-1")
    again = await asyncio.gather(
        *(session_store.remove_participant("SESSA1", "user-1") for _ in range(5))
    )

    assert first == participant("user-1")
    assert again == [participant("user-1")] * 5
    assert await session_store.participant_count("SESSA1") == 1


async def test_removing_someone_who_never_joined_returns_none(
    session_store: SessionStore,
) -> None:
    await session_store.create(session())
    await session_store.add_participant(participant("user-1"))

    assert await session_store.remove_participant("SESSA1", "stranger") is None
    assert await session_store.removed("SESSA1", "stranger") is False
    assert await session_store.participant_count("SESSA1") == 1


async def test_concurrent_removals_of_one_participant_count_them_out_once(
    session_store: SessionStore,
) -> None:
    await session_store.create(session())
    for number in range(4):
        await session_store.add_participant(participant(f"user-{number}"))

    results = await asyncio.gather(
        *(session_store.remove_participant("SESSA1", "user-0") for _ in range(8))
    )

    assert results == [participant("user-0")] * 8
    assert await session_store.participant_count("SESSA1") == 3


async def test_the_removed_are_listed_in_the_order_removed(session_store: SessionStore) -> None:
    await session_store.create(session())
    await session_store.create(session("SESSB2"))
    for number in range(4):
        await session_store.add_participant(participant(f"user-{number}"))
    await session_store.add_participant(participant("user-0", session_id="SESSB2"))

    for user_id in ("user-2", "user-0", "user-2", "stranger"):
        await session_store.remove_participant("SESSA1", user_id)

    assert await session_store.removed_participants("SESSA1") == ["user-2", "user-0"]
    assert await session_store.removed_participants("SESSB2") == []


async def test_removals_racing_the_join_they_remove_agree(session_store: SessionStore) -> None:
    await session_store.create(session())

    joined, *removals = await asyncio.gather(
        session_store.add_participant(participant("user-1")),
        *(session_store.remove_participant("SESSA1", "user-1") for _ in range(4)),
    )

    assert joined[1] is True
    # Each removal saw the join (and removed them) or came before it (nobody to remove).
    assert {removal for removal in removals} <= {None, participant("user-1")}
    removed = participant("user-1") in removals
    assert await session_store.removed("SESSA1", "user-1") is removed
    assert await session_store.participant_count("SESSA1") == (0 if removed else 1)
