"""Only sessions being played stay in memory; the rest is read on demand."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

from adapters.sqlite import (
    SqliteAnswerStore,
    SqliteDatabase,
    SqliteMasterStore,
    SqliteScoreStore,
    SqliteSessionStore,
)
from quizcore.model import (
    AnswerResult,
    ParticipantScore,
    RecordedAnswer,
    RecordOutcome,
    SessionResult,
    User,
)
from quizcore.quiz import build_quiz
from quizcore.session import Participant, SessionState

USERS = ("zoe", "adam", "mia")


def _state(session_id: str) -> SessionState:
    return SessionState(
        session_id=session_id,
        quiz_id="quiz-z",
        title="Quiz",
        mode="live",
        host_id="host",
        question_seconds=20,
        question_count=2,
        created_at=1_800_000_000_000,
    )


def _answer(session_id: str, user_id: str, index: int, sub: str = "") -> RecordedAnswer:
    return RecordedAnswer(
        session_id=session_id,
        question_id=f"q{index + 1}",
        question_index=index,
        user_id=user_id,
        submission_id=sub or f"{session_id}-{user_id}-{index}",
        answer="bonjour",
        received_at=1_800_000_001_000 + index,
        opened_at=1_800_000_000_000,
        limit_ms=20_000,
    )


class Stores:
    """The four stores on one database."""

    def __init__(self, database: SqliteDatabase) -> None:
        self.answers = SqliteAnswerStore(database)
        self.scores = SqliteScoreStore(database)
        self.sessions = SqliteSessionStore(database)
        self.master = SqliteMasterStore(database)


async def _play(stores: Stores, session_id: str, *, finish: bool = True) -> None:
    """Create, join, answer, score and (optionally) finish one session."""
    state = _state(session_id)
    await stores.sessions.create(state)
    running = dataclasses.replace(state, status="running", started_at=1, version=1)
    await stores.sessions.save(running, expected_version=0)
    for points, user_id in enumerate(USERS):
        await stores.sessions.add_participant(
            Participant(session_id=session_id, user_id=user_id, display_name=user_id, joined_at=5)
        )
        await stores.sessions.serve(session_id, user_id, 0, 100 + points)
        for index in (0, 1):
            answer = _answer(session_id, user_id, index)
            await stores.answers.record(answer)
            await stores.scores.save_result(
                AnswerResult(
                    session_id=session_id,
                    user_id=user_id,
                    submission_id=answer.submission_id,
                    question_id=answer.question_id,
                    status="scored",
                    correct=True,
                    points=points * 100,
                    score=points * 100 * (index + 1),
                )
            )
        await stores.scores.raise_score(
            ParticipantScore(
                session_id=session_id,
                user_id=user_id,
                score=points * 200,
                correct_count=2,
                answered_count=2,
                reached_at=7,
            )
        )
        await stores.master.save_result(
            SessionResult(
                session_id=session_id,
                user_id=user_id,
                display_name=user_id,
                score=points * 200,
                correct_count=2,
                rank=3 - points,
                reached_at=10 + points,
                final=False,
            )
        )
    if not finish:
        return
    await stores.sessions.save(
        dataclasses.replace(running, status="finished", finished_at=9, version=2),
        expected_version=1,
    )
    for points, user_id in enumerate(USERS):
        await stores.master.save_result(
            SessionResult(
                session_id=session_id,
                user_id=user_id,
                display_name=user_id,
                score=points * 200,
                correct_count=2,
                rank=3 - points,
                reached_at=10 + points,
                final=True,
            )
        )


async def _view(stores: Stores, session_id: str) -> dict[str, Any]:
    """Return everything the stores serve about one session."""
    view: dict[str, Any] = {
        "state": await stores.sessions.get(session_id),
        "participants": await stores.sessions.participants(session_id),
        "count": await stores.sessions.participant_count(session_id),
        "answers": await stores.answers.for_session(session_id),
        "scores": await stores.scores.scores(session_id),
        "results": await stores.master.session_results(session_id),
    }
    for user_id in USERS:
        sub = f"{session_id}-{user_id}-0"
        view[user_id] = (
            await stores.sessions.get_participant(session_id, user_id),
            await stores.sessions.served(session_id, user_id),
            await stores.answers.for_participant(session_id, user_id),
            await stores.answers.get(session_id, "q1", user_id),
            await stores.answers.by_submission(session_id, user_id, sub),
            await stores.scores.get_score(session_id, user_id),
            await stores.scores.get_result(session_id, user_id, sub),
        )
    return view


async def test_a_finished_session_leaves_memory_and_reads_back_the_same(tmp_path: Path) -> None:
    async with SqliteDatabase(tmp_path / "quiz.sqlite3", cache_sessions=2) as database:
        stores = Stores(database)
        await _play(stores, "DONE01")
        before = await _view(stores, "DONE01")
        for number in range(2, 5):
            await _play(stores, f"DONE0{number}")

        assert database.resident("DONE01") is None
        assert database.resident_sessions() <= 2 + 1
        loads = database.loads
        assert await _view(stores, "DONE01") == before
        assert database.loads == loads + 1, "read from the file once, then from memory"


async def test_sessions_being_played_are_never_evicted(tmp_path: Path) -> None:
    async with SqliteDatabase(tmp_path / "quiz.sqlite3", cache_sessions=0) as database:
        stores = Stores(database)
        await _play(stores, "LIVE01", finish=False)
        for number in range(2, 6):
            await _play(stores, f"DONE0{number}")
        for number in range(2, 6):
            await stores.sessions.get(f"NONE0{number}")

        assert database.resident("LIVE01") is not None
        assert [state.session_id for state in await stores.sessions.running()] == ["LIVE01"]
        # Its projections were kept back in memory, never lost to an eviction.
        assert database.kept_count("LIVE01") > 0
        assert (await stores.scores.get_score("LIVE01", "mia")).score == 400  # type: ignore[union-attr]


async def test_a_restart_loads_only_the_sessions_being_played(tmp_path: Path) -> None:
    path = tmp_path / "quiz.sqlite3"
    async with SqliteDatabase(path) as database:
        stores = Stores(database)
        for number in range(1, 4):
            await _play(stores, f"DONE0{number}")
        await _play(stores, "LIVE01", finish=False)
        before = {sid: await _view(stores, sid) for sid in ("DONE01", "DONE02", "DONE03")}

    async with SqliteDatabase(path) as reopened:
        assert reopened.resident_sessions() == 1
        assert reopened.resident("LIVE01") is not None
        stores = Stores(reopened)
        assert [state.session_id for state in await stores.sessions.running()] == ["LIVE01"]
        for session_id, view in before.items():
            assert reopened.resident(session_id) is None
            assert await _view(stores, session_id) == view


async def test_writes_to_an_evicted_session_are_decided_against_the_file(tmp_path: Path) -> None:
    async with SqliteDatabase(tmp_path / "quiz.sqlite3", cache_sessions=0) as database:
        stores = Stores(database)
        await _play(stores, "DONE01")
        await _play(stores, "DONE02")
        assert database.resident("DONE01") is None

        # The id is taken in the file, the answer and the join are recorded.
        assert await stores.sessions.create(_state("DONE01")) is False
        outcome, stored = await stores.answers.record(_answer("DONE01", "zoe", 0))
        assert outcome is RecordOutcome.DUPLICATE
        assert stored.submission_id == "DONE01-zoe-0"
        other = _answer("DONE01", "zoe", 0, sub="another")
        assert (await stores.answers.record(other))[0] is RecordOutcome.CONFLICT
        joined = Participant(session_id="DONE01", user_id="mia", display_name="x", joined_at=1)
        _, created, count = await stores.sessions.add_participant(joined)
        assert (created, count) == (False, 3)
        assert await stores.sessions.serve("DONE01", "zoe", 0, 999) == 100
        # A lower score and a provisional result over a final one change nothing.
        assert (
            await stores.scores.raise_score(
                ParticipantScore(
                    session_id="DONE01",
                    user_id="mia",
                    score=1,
                    correct_count=0,
                    answered_count=0,
                    reached_at=1,
                )
            )
            is False
        )
        await stores.master.save_result(
            SessionResult(
                session_id="DONE01",
                user_id="mia",
                display_name="mia",
                score=999,
                correct_count=2,
                rank=1,
                reached_at=1,
                final=False,
            )
        )
        mia = [r for r in await stores.master.session_results("DONE01") if r.user_id == "mia"]
        assert [(r.score, r.final) for r in mia] == [(400, True)]


async def test_concurrent_readers_of_an_evicted_session_share_one_read(tmp_path: Path) -> None:
    async with SqliteDatabase(tmp_path / "quiz.sqlite3", cache_sessions=1) as database:
        stores = Stores(database)
        await _play(stores, "DONE01")
        await _play(stores, "DONE02")
        await _play(stores, "DONE03")
        assert database.resident("DONE01") is None
        loads = database.loads

        views = await asyncio.gather(*(stores.answers.for_session("DONE01") for _ in range(50)))

        assert database.loads == loads + 1
        assert all(len(view) == 6 for view in views)


async def test_quizzes_and_users_are_read_on_demand(tmp_path: Path) -> None:
    path = tmp_path / "quiz.sqlite3"
    async with SqliteDatabase(path, cache_quizzes=2, cache_users=2) as database:
        master = SqliteMasterStore(database)
        quizzes = [
            build_quiz(
                f"quiz-{number}",
                {
                    "title": f"Quiz {number}",
                    "questions": [{"prompt": "Hi?", "kind": "text", "answer": "salut"}],
                },
                author_id="author",
            )
            for number in range(5)
        ]
        for quiz in quizzes:
            await master.save_quiz(quiz)
        for user_id in USERS:
            await master.upsert_user(User(user_id=user_id, display_name=user_id.title()))
        await master.upsert_user(User(user_id="adam", display_name="Adam", status="blocked"))

        # Five quizzes and three users in a cache of two: most come from the file.
        assert [quiz.quiz_id for quiz in await master.list_quizzes()] == [
            quiz.quiz_id for quiz in quizzes
        ]
        for quiz in quizzes:
            assert await master.get_quiz(quiz.quiz_id) == quiz
        assert await master.get_quiz("missing") is None
        assert (await master.get_user("adam")) == User(
            user_id="adam", display_name="Adam", status="blocked"
        )
        assert await master.get_user("nobody") is None
        commits = database.committed_writes
        await master.save_quiz(quizzes[0])
        await master.upsert_user(User(user_id="zoe", display_name="Zoe"))
        assert database.committed_writes == commits, "no-ops decided against the file"

    async with SqliteDatabase(path, cache_quizzes=0, cache_users=0) as reopened:
        master = SqliteMasterStore(reopened)
        assert await master.get_quiz("quiz-3") == quizzes[3]
        assert (await master.get_user("mia")) == User(user_id="mia", display_name="Mia")


async def test_totals_are_summed_over_final_results_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "quiz.sqlite3"
    async with SqliteDatabase(path, cache_sessions=0) as database:
        stores = Stores(database)
        await _play(stores, "DONE01")
        await _play(stores, "DONE02")
        await _play(stores, "LIVE01", finish=False)  # provisional results only
        expected = {"zoe": (0, 2), "adam": (400, 2), "mia": (800, 2)}
        for user_id, totals in expected.items():
            assert await stores.master.user_totals(user_id) == totals
        assert sorted(await stores.master.all_totals()) == [
            ("adam", 400, 11),
            ("mia", 800, 12),
            ("zoe", 0, 10),
        ]

    async with SqliteDatabase(path) as reopened:
        assert await SqliteMasterStore(reopened).user_totals("mia") == (800, 2)


async def test_rows_of_a_session_without_its_row_stay_in_memory(tmp_path: Path) -> None:
    # Nothing says such a session is finished, so it is treated as played;
    # an id that names no row at all is evicted as any finished session.
    async with SqliteDatabase(tmp_path / "quiz.sqlite3", cache_sessions=0) as database:
        answers = SqliteAnswerStore(database)
        for number in range(5):
            await answers.record(_answer(f"ORPH0{number}", "zoe", 0))
        for number in range(5):
            await answers.get(f"NONE0{number}", "q1", "zoe")
        await answers.record(_answer("ORPH00", "zoe", 1))

        assert all(database.resident(f"ORPH0{number}") is not None for number in range(5))
        assert sum(database.resident(f"NONE0{number}") is not None for number in range(5)) <= 1
        assert database.loads == 10, "each session read from the file once"
