"""Memory adapters keep the promises their ports make."""

from __future__ import annotations

import asyncio
import dataclasses
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.clock import ManualClock, SystemClock
from adapters.inprocess import InProcessBus
from adapters.memory import (
    DirectAnswerStream,
    MemoryAnswerStore,
    MemoryLeaderboard,
    MemoryMasterStore,
    MemoryNotifier,
    MemoryScoreStore,
    MemorySessionStore,
    RecordingPublisher,
)
from adapters.memory.system import build_memory_system
from quizcore import routing
from quizcore.errors import Conflict
from quizcore.messages import Message, SessionFinished, SessionStarted, SubmitAnswer
from quizcore.model import (
    AnswerResult,
    ParticipantScore,
    RecordedAnswer,
    RecordOutcome,
    SessionResult,
    User,
)
from quizcore.quiz import build_quiz
from quizcore.scoring import rank_all
from quizcore.session import Participant, SessionState
from tests.unit.support import CORE, quiz_raw


def answer(
    question: int = 1, user: str = "u1", submission: str = "", **changes: object
) -> RecordedAnswer:
    base = RecordedAnswer(
        session_id="S",
        question_id=f"q{question}",
        question_index=question - 1,
        user_id=user,
        submission_id=submission or f"{user}-{question}",
        answer="right",
        received_at=1000 * question,
        opened_at=1000 * question - 500,
        limit_ms=10_000,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


# --- answer store -----------------------------------------------------------------


async def test_answer_is_recorded_once_and_a_redelivery_is_a_duplicate() -> None:
    store = MemoryAnswerStore()
    first = answer()

    recorded = await store.record(first)
    again = await store.record(dataclasses.replace(first, received_at=99_999))

    assert recorded == (RecordOutcome.RECORDED, first)
    assert again == (RecordOutcome.DUPLICATE, first)
    assert await store.for_session("S") == [first]


async def test_second_submission_for_the_same_question_conflicts_and_keeps_the_first() -> None:
    store = MemoryAnswerStore()
    first = answer(submission="a")
    await store.record(first)

    outcome, stored = await store.record(answer(submission="b", answer="wrong"))

    assert outcome is RecordOutcome.CONFLICT
    assert stored == first
    assert await store.by_submission("S", "u1", "b") is None
    assert await store.get("S", "q1", "u1") == first


async def test_participant_answers_come_back_by_question_index_whatever_the_order() -> None:
    store = MemoryAnswerStore()
    for question in (3, 1, 2):
        await store.record(answer(question))
    await store.record(answer(1, user="u2"))

    answers = await store.for_participant("S", "u1")

    assert [a.question_index for a in answers] == [0, 1, 2]
    assert await store.by_submission("S", "u1", "u1-2") == answer(2)
    assert len(await store.for_session("S")) == 4
    assert await store.for_participant("S", "nobody") == []
    assert await store.for_session("other") == []


async def test_answer_lists_are_copies_the_caller_cannot_corrupt() -> None:
    store = MemoryAnswerStore()
    await store.record(answer())

    (await store.for_participant("S", "u1")).clear()
    (await store.for_session("S")).clear()

    assert len(await store.for_participant("S", "u1")) == 1
    assert len(await store.for_session("S")) == 1


# --- score store ------------------------------------------------------------------


def score(value: int, user: str = "u1", reached_at: int = 0) -> ParticipantScore:
    return ParticipantScore(
        session_id="S",
        user_id=user,
        score=value,
        correct_count=value // 1000,
        answered_count=1,
        reached_at=reached_at,
    )


async def test_score_is_only_ever_raised() -> None:
    store = MemoryScoreStore()

    changes = [await store.raise_score(score(value)) for value in (500, 300, 500, 900)]

    assert changes == [True, False, False, True]
    assert await store.get_score("S", "u1") == score(900)
    assert await store.scores("S") == [score(900)]
    assert await store.get_score("S", "nobody") is None


def result(status: str, points: int = 0) -> AnswerResult:
    return AnswerResult(
        session_id="S",
        user_id="u1",
        submission_id="x",
        question_id="q1",
        status=status,  # type: ignore[arg-type]
        points=points,
    )


async def test_scored_result_is_never_downgraded_to_a_rejection() -> None:
    store = MemoryScoreStore()

    await store.save_result(result("scored", 800))
    await store.save_result(result("rejected"))

    assert await store.get_result("S", "u1", "x") == result("scored", 800)


async def test_rejected_result_is_replaced_once_scored() -> None:
    store = MemoryScoreStore()

    await store.save_result(result("rejected"))
    await store.save_result(result("scored", 700))

    assert await store.get_result("S", "u1", "x") == result("scored", 700)


# --- session store ----------------------------------------------------------------

QUIZ = build_quiz("qz", quiz_raw(2))


def state(session_id: str = "ABCDEF", version: int = 0) -> SessionState:
    return SessionState(
        session_id=session_id,
        quiz_id="qz",
        title="t",
        mode="live",
        host_id="host",
        question_seconds=10,
        question_count=2,
        created_at=0,
        version=version,
    )


async def test_session_id_is_never_given_twice() -> None:
    store = MemorySessionStore()

    assert await store.create(state())
    assert not await store.create(state())
    assert await store.get("ABCDEF") == state()
    assert await store.get("ZZZZZZ") is None


async def test_save_replaces_only_the_expected_version() -> None:
    store = MemorySessionStore()
    await store.create(state())

    await store.save(state(version=1), expected_version=0)
    with pytest.raises(Conflict):
        await store.save(state(version=2), expected_version=0)
    with pytest.raises(Conflict):
        await store.save(state("ZZZZZZ", version=1), expected_version=0)

    assert (await store.get("ABCDEF")).version == 1  # type: ignore[union-attr]


async def test_running_lists_only_unfinished_sessions() -> None:
    store = MemorySessionStore()
    await store.create(state("AAAAAA"))
    await store.create(dataclasses.replace(state("BBBBBB"), status="finished"))

    assert [s.session_id for s in await store.running()] == ["AAAAAA"]


async def test_participant_is_added_once_and_counted_in_join_order() -> None:
    store = MemorySessionStore()
    ann = Participant(session_id="S", user_id="ann", display_name="Ann", joined_at=1)
    bob = Participant(session_id="S", user_id="bob", display_name="Bob", joined_at=2)

    first = await store.add_participant(ann)
    second = await store.add_participant(bob)
    again = await store.add_participant(dataclasses.replace(ann, display_name="Other"))

    assert first == (ann, True, 1)
    assert second == (bob, True, 2)
    assert again == (ann, False, 2)
    assert await store.participants("S") == [ann, bob]
    assert await store.participant_count("S") == 2
    assert await store.get_participant("S", "ann") == ann
    assert await store.get_participant("S", "eve") is None
    assert await store.participant_count("T") == 0


async def test_first_serve_time_is_kept() -> None:
    store = MemorySessionStore()

    assert await store.serve("S", "ann", 0, 100) == 100
    assert await store.serve("S", "ann", 0, 900) == 100
    assert await store.serve("S", "ann", 1, 900) == 900
    served = await store.served("S", "ann")
    served[0] = 5

    assert await store.served("S", "ann") == {0: 100, 1: 900}
    assert await store.served("S", "bob") == {}


# --- master store -----------------------------------------------------------------


def session_result(
    session_id: str, user: str, value: int, *, final: bool = False, reached_at: int = 0
) -> SessionResult:
    return SessionResult(
        session_id=session_id,
        user_id=user,
        display_name=user.upper(),
        score=value,
        correct_count=1,
        final=final,
        reached_at=reached_at,
    )


async def test_master_store_keeps_quizzes_in_insertion_order_and_users_by_id() -> None:
    store = MemoryMasterStore()
    other = build_quiz("zz", quiz_raw(1))
    await store.save_quiz(other)
    await store.save_quiz(QUIZ)
    await store.save_quiz(QUIZ)

    user = await store.upsert_user(User(user_id="ann", display_name="Ann"))
    await store.upsert_user(dataclasses.replace(user, status="blocked"))

    assert await store.list_quizzes() == [other, QUIZ]
    assert await store.get_quiz("qz") == QUIZ
    assert await store.get_quiz("nope") is None
    assert (await store.get_user("ann")).status == "blocked"  # type: ignore[union-attr]
    assert await store.get_user("bob") is None


async def test_lower_score_or_non_final_result_never_replaces_a_final_one() -> None:
    store = MemoryMasterStore()

    await store.save_result(session_result("S", "ann", 900))
    await store.save_result(session_result("S", "ann", 800))
    assert [r.score for r in await store.session_results("S")] == [900]

    await store.save_result(session_result("S", "ann", 900, final=True))
    await store.save_result(session_result("S", "ann", 900))
    assert [r.final for r in await store.session_results("S")] == [True]


async def test_totals_count_final_results_only() -> None:
    store = MemoryMasterStore()
    await store.save_result(session_result("S1", "ann", 900, final=True, reached_at=10))
    await store.save_result(session_result("S2", "ann", 600, final=True, reached_at=30))
    await store.save_result(session_result("S3", "ann", 5000))
    await store.save_result(session_result("S1", "bob", 100, final=True, reached_at=20))

    assert await store.user_totals("ann") == (1500, 2)
    assert await store.user_totals("eve") == (0, 0)
    assert sorted(await store.all_totals()) == [("ann", 1500, 30), ("bob", 100, 20)]


# --- leaderboard ------------------------------------------------------------------


async def test_leaderboard_entry_is_only_raised_and_version_grows_per_change() -> None:
    board = MemoryLeaderboard()

    changes = [
        await board.submit("b", "ann", 500, 10),
        await board.submit("b", "ann", 500, 5),
        await board.submit("b", "ann", 400, 20),
        await board.submit("b", "ann", 900, 30),
    ]

    assert changes == [True, False, False, True]
    assert await board.version("b") == 2
    assert await board.standing("b", "ann") == rank_all([("ann", 900, 30)])[0]
    assert await board.size("b") == 1


async def test_empty_or_unknown_board_has_no_entries() -> None:
    board = MemoryLeaderboard()

    assert await board.top("none", 10) == []
    assert await board.standing("none", "ann") is None
    assert await board.size("none") == 0
    assert await board.version("none") == 0
    await board.submit("b", "ann", 1, 1)
    assert await board.standing("b", "bob") is None


async def test_cleared_board_is_empty_and_its_version_keeps_growing() -> None:
    board = MemoryLeaderboard()
    await board.submit("b", "ann", 500, 1)
    await board.submit("other", "ann", 700, 1)
    before = await board.version("b")

    await board.clear("b")

    assert await board.top("b", 10) == []
    assert await board.size("b") == 0
    assert await board.version("b") > before
    assert await board.submit("b", "ann", 100, 2)
    assert (await board.standing("other", "ann")).score == 700  # type: ignore[union-attr]


async def test_leaderboard_ranks_900_700_700_500_as_1_2_2_4() -> None:
    board = MemoryLeaderboard()
    for user, value, reached in [("d", 500, 1), ("b", 700, 5), ("a", 900, 9), ("c", 700, 3)]:
        await board.submit("b", user, value, reached)

    top = await board.top("b", 10)

    assert [(s.user_id, s.rank, s.score) for s in top] == [
        ("a", 1, 900),
        ("c", 2, 700),
        ("b", 2, 700),
        ("d", 4, 500),
    ]
    assert [s.user_id for s in await board.top("b", 2)] == ["a", "c"]


submissions_st = st.lists(
    st.tuples(
        st.sampled_from(["ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal"]),
        st.sampled_from([0, 100, 500, 700, 900]) | st.integers(0, 3000),
        st.integers(0, 40),
    ),
    max_size=60,
)


@CORE
@given(submissions_st, st.integers(1, 10))
def test_leaderboard_agrees_with_rank_all_on_any_submissions(
    submissions: list[tuple[str, int, int]], limit: int
) -> None:
    async def run() -> None:
        board = MemoryLeaderboard()
        kept: dict[str, tuple[int, int]] = {}
        for user, value, reached in submissions:
            await board.submit("b", user, value, reached)
            if user not in kept or value > kept[user][0]:
                kept[user] = (value, reached)
        expected = rank_all([(user, value, reached) for user, (value, reached) in kept.items()])

        assert await board.top("b", len(kept) + 5) == expected
        assert await board.top("b", limit) == expected[:limit]
        assert await board.size("b") == len(kept)
        for standing in expected:
            assert await board.standing("b", standing.user_id) == standing

    asyncio.run(run())


# --- messaging --------------------------------------------------------------------


async def test_inline_bus_delivers_breadth_first_without_recursion() -> None:
    bus = InProcessBus(inline=True)
    seen: list[str] = []
    depth = 0

    async def on_started(message: Message) -> None:
        nonlocal depth
        depth += 1
        assert depth == 1
        seen.append(f"started:{message.session_id}")
        await bus.publish(SessionFinished(session_id=message.session_id, at=2))
        seen.append("started handled")
        depth -= 1

    async def on_finished(message: Message) -> None:
        seen.append(f"finished:{message.session_id}")

    bus.subscribe("SessionStarted", on_started)
    bus.subscribe("SessionFinished", on_finished)

    await bus.publish(SessionStarted(session_id="S", mode="live", at=1))

    assert seen == ["started:S", "started handled", "finished:S"]
    assert bus.published == 2


async def test_inline_bus_runs_every_handler_of_a_type_in_subscription_order() -> None:
    bus = InProcessBus(inline=True)
    calls: list[str] = []

    async def first(message: Message) -> None:
        calls.append("first")

    async def second(message: Message) -> None:
        calls.append("second")

    bus.subscribe("SessionFinished", first)
    bus.subscribe("SessionFinished", second)
    await bus.publish(SessionFinished(session_id="S", at=1))
    await bus.publish(SessionStarted(session_id="S", mode="live", at=1))

    assert calls == ["first", "second"]


async def test_inline_bus_recovers_after_a_failing_handler() -> None:
    bus = InProcessBus(inline=True)
    seen: list[str] = []

    async def fail_once(message: Message) -> None:
        seen.append(message.kind)
        if len(seen) == 1:
            raise RuntimeError("boom")

    bus.subscribe("SessionFinished", fail_once)
    with pytest.raises(RuntimeError):
        await bus.publish(SessionFinished(session_id="S", at=1))
    await bus.publish(SessionFinished(session_id="S", at=2))

    assert seen == ["SessionFinished", "SessionFinished"]


async def test_the_memory_system_routes_events_as_the_routing_table_says() -> None:
    system = build_memory_system()

    lanes = {lane.name: lane.kinds for lane in system.bus.lanes}

    assert lanes == {route.queue: route.kinds for route in routing.ROUTES}


async def test_recording_publisher_keeps_every_message_in_order() -> None:
    publisher = RecordingPublisher()
    messages = [
        SessionStarted(session_id="S", mode="live", at=1),
        SessionFinished(session_id="S", at=2),
    ]

    for message in messages:
        await publisher.publish(message)

    assert publisher.messages == messages


async def test_direct_stream_hands_the_command_to_its_processor_or_refuses() -> None:
    command = SubmitAnswer(
        session_id="S", question_id="q1", user_id="u", answer="a", submission_id="x", received_at=1
    )
    seen: list[SubmitAnswer] = []

    async def process(item: SubmitAnswer) -> None:
        seen.append(item)

    with pytest.raises(RuntimeError):
        await DirectAnswerStream().put(command)
    await DirectAnswerStream(process).put(command)

    assert seen == [command]


async def test_memory_notifier_records_what_would_be_pushed() -> None:
    notifier = MemoryNotifier()

    await notifier.to_session("S", {"type": "a"})
    await notifier.to_user("S", "ann", {"type": "b"})
    await notifier.leaderboard_changed("S")

    assert notifier.session_events == [("S", {"type": "a"})]
    assert notifier.user_events == [("S", "ann", {"type": "b"})]
    assert notifier.leaderboard_changes == ["S"]


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(start_ms=1000)

    assert clock.now_ms() == 1000
    clock.advance(250)
    assert clock.now_ms() == 1250


def test_system_clock_counts_epoch_milliseconds() -> None:
    assert abs(SystemClock().now_ms() - time.time() * 1000) < 1000
