"""Domain benchmark: record, score and rank a live session's answers in process.

One live session, ``--participants`` players (10,000 by default) and
``--questions`` questions (5), every player answering every question, on the
memory adapters. Four figures, in answers per second:

- ``pure, batch``: the pure rules alone, as a batch scorer would call them:
  ``check_answer``, ``is_correct`` and ``speed_points`` per answer, one
  ``tally`` per participant and one ``rank_all`` at the end;
- ``pure, per answer``: the pure work the handlers do per answer: ``check_answer``
  and ``score_answers`` over the participant's answers so far;
- ``stream + score``: ``StreamProcessor.handle`` then ``ScoreEventHandler.handle``
  (record once, rescore, raise the score, update the leaderboard);
- ``whole pipeline``: ``ScoreService.submit`` on the wired ``MemorySystem``
  (validation, stream, scoring, notifications, master-data sync, the view).

Then cProfile runs the two handler paths on a smaller session and lists where
the time goes. Figures are printed and written to the "domain" section of
bench/RESULTS.md. Run from the repository root::

    .venv/bin/python bench/domain.py            # full run, writes RESULTS.md
    .venv/bin/python bench/domain.py --participants 1000 --no-write
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime
import functools
import gc
import os
import platform
import random
import sys
import sysconfig
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from adapters.clock import ManualClock  # noqa: E402
from adapters.memory.system import MemorySystem, build_memory_system  # noqa: E402
from bench._results import write_section  # noqa: E402
from quizcore import quiz as quiz_module  # noqa: E402
from quizcore import session as rules  # noqa: E402
from quizcore.messages import AnswerRecorded, Message, SubmitAnswer  # noqa: E402
from quizcore.model import RecordedAnswer  # noqa: E402
from quizcore.quiz import Quiz, normalise  # noqa: E402
from quizcore.scoring import AnswerFacts, rank_all, speed_points, tally  # noqa: E402
from quizcore.services import (  # noqa: E402
    ScoreEventHandler,
    StreamProcessor,
    load_session,
    score_answers,
    session_board,
)
from quizcore.session import SessionState  # noqa: E402

GOAL = 200_000
HOST = "host"
GRACE_MS = 500
SECONDS = 20
CORRECT_SHARE = 0.8
CHOICES = ["start", "finish", "stay", "hold"]


@dataclass(frozen=True)
class Workload:
    """Every answer of the synthetic session, in the order the stream sees them."""

    participants: int
    questions: int
    answers: list[tuple[int, str, str, int]]  # (question index, user, answer, offset ms)

    @classmethod
    def make(cls, participants: int, questions: int, seed: int = 7) -> Workload:
        rng = random.Random(seed)
        users = [f"user-{number:06d}" for number in range(participants)]
        answers = []
        for index in range(questions):
            batch = []
            for user in users:
                right = rng.random() < CORRECT_SHARE
                given = "start" if right else rng.choice(CHOICES[1:])
                batch.append((index, user, given, rng.randint(0, SECONDS * 1000)))
            batch.sort(key=lambda item: item[3])  # the stream delivers in receive order
            answers.extend(batch)
        return cls(participants=participants, questions=questions, answers=answers)

    @property
    def users(self) -> list[str]:
        return sorted({user for _, user, _, _ in self.answers[: self.participants]})


@dataclass
class Session:
    """A running live session whose questions have all been opened."""

    system: MemorySystem
    clock: ManualClock
    session_id: str
    state: SessionState
    quiz: Quiz
    commands: list[SubmitAnswer]


async def set_up(work: Workload) -> Session:
    """Create the quiz and session, join everyone and open every question."""
    clock = ManualClock()
    system = build_memory_system(clock, grace_ms=GRACE_MS)
    raw = {
        "title": "Everyday verbs",
        "questions": [
            {
                "prompt": f"Choose the synonym of 'begin' ({number})",
                "kind": "choice",
                "choices": CHOICES,
                "answer": "start",
            }
            for number in range(1, work.questions + 1)
        ],
    }
    quiz = await system.quiz.create_quiz(HOST, raw)
    state = await system.quiz.create_session(
        host_id=HOST, quiz_id=quiz.quiz_id, mode="live", question_seconds=SECONDS
    )
    sid = state.session_id
    for user in work.users:
        await system.quiz.join(sid, user, user.title())
    await system.quiz.start(sid, HOST)
    for _ in range(work.questions - 1):
        clock.advance(SECONDS * 1000 + GRACE_MS + 1)
        await system.quiz.advance(sid, HOST)
    state = await system.quiz.session(sid)
    commands = [
        SubmitAnswer(
            session_id=sid,
            question_id=f"q{index + 1}",
            user_id=user,
            answer=given,
            submission_id=f"{user}-{index}",
            received_at=state.windows[index][0] + offset,
            question_index=index,  # as the score service stamps them
            limit_ms=SECONDS * 1000,
        )
        for index, user, given, offset in work.answers
    ]
    return Session(system, clock, sid, state, quiz, commands)


# --- the measured paths -------------------------------------------------------------


def pure_batch(session: Session) -> int:
    """Score every answer with the pure rules; return how many counted."""
    state, quiz = session.state, session.quiz
    facts: dict[str, list[AnswerFacts]] = defaultdict(list)
    for command in session.commands:
        question, opened_at, limit = rules.check_answer(
            state,
            quiz,
            question_id=command.question_id,
            received_at=command.received_at,
            served_at=None,
            grace_ms=GRACE_MS,
        )
        correct = question.is_correct(command.answer)
        facts[command.user_id].append(
            AnswerFacts(
                question_index=question.index,
                submission_id=command.submission_id,
                correct=correct,
                base_points=(
                    speed_points(question.points, command.received_at - opened_at, limit)
                    if correct
                    else 0
                ),
                received_at=command.received_at,
            )
        )
    entries = []
    for user, answers in facts.items():
        result = tally(answers)
        entries.append((user, result.score, result.reached_at))
    standings = rank_all(entries)
    return sum(len(answers) for answers in facts.values()) if standings else 0


def pure_per_answer(session: Session) -> int:
    """Do the pure work of the handlers per answer; return how many counted."""
    state, quiz = session.state, session.quiz
    recorded: dict[str, list[RecordedAnswer]] = defaultdict(list)
    scores: dict[str, tuple[int, int]] = {}
    for command in session.commands:
        question, opened_at, limit = rules.check_answer(
            state,
            quiz,
            question_id=command.question_id,
            received_at=command.received_at,
            served_at=None,
            grace_ms=GRACE_MS,
        )
        answers = recorded[command.user_id]
        answers.append(
            RecordedAnswer(
                session_id=command.session_id,
                question_id=question.question_id,
                question_index=question.index,
                user_id=command.user_id,
                submission_id=command.submission_id,
                answer=command.answer,
                received_at=command.received_at,
                opened_at=opened_at,
                limit_ms=limit,
            )
        )
        result, _ = score_answers(quiz, state, answers)
        scores[command.user_id] = (result.score, result.reached_at)
    rank_all((user, score, reached) for user, (score, reached) in scores.items())
    return sum(len(answers) for answers in recorded.values())


class ScoringPublisher:
    """Hands stream results straight to the score handler and drops the rest."""

    def __init__(self) -> None:
        self.score_event: ScoreEventHandler | None = None

    async def publish(self, message: Message) -> None:
        if self.score_event is not None and type(message) is AnswerRecorded:
            await self.score_event.handle(message)


def stream_and_score(session: Session) -> Callable[[], Awaitable[int]]:
    """Return the run of StreamProcessor.handle + ScoreEventHandler.handle over every answer."""
    system = session.system
    publisher = ScoringPublisher()
    stream = StreamProcessor(
        sessions=system.sessions,
        answers=system.answers,
        scores=system.scores,
        publisher=publisher,
        catalog=system.score_event.catalog,
        play=system.score.play,
    )
    publisher.score_event = ScoreEventHandler(
        sessions=system.sessions,
        answers=system.answers,
        scores=system.scores,
        leaderboard=system.leaderboard,
        publisher=publisher,
        catalog=system.score_event.catalog,
    )

    async def run() -> int:
        for command in session.commands:
            await stream.handle(command)
        await system.leaderboard.top(session_board(session.session_id), 10)
        return len(await system.answers.for_session(session.session_id))

    return run


def whole_pipeline(session: Session) -> Callable[[], Awaitable[int]]:
    """Return the run of ScoreService.submit over every answer, server-clocked."""
    system, clock = session.system, session.clock

    async def run() -> int:
        submit = system.score.submit
        for command in session.commands:
            clock.now = command.received_at
            await submit(
                session_id=command.session_id,
                user_id=command.user_id,
                question_id=command.question_id,
                answer=command.answer,
                submission_id=command.submission_id,
            )
        return len(await system.answers.for_session(session.session_id))

    return run


# --- measuring ----------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One measured path: answers through it, wall-clock and CPU seconds."""

    name: str
    answers: int
    seconds: float
    cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.answers / self.seconds

    @property
    def cpu_rate(self) -> float:
        return self.answers / self.cpu_seconds


def measure_pure(name: str, work: Workload, run: Callable[[Session], int], repeat: int) -> Figure:
    session = asyncio.run(set_up(work))
    best = (float("inf"), float("inf"))
    counted = 0
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        counted = run(session)
        took = (time.perf_counter() - began, time.process_time() - began_cpu)
        best = min(best, took)
    assert counted == len(work.answers), (name, counted)
    return Figure(name, counted, *best)


def measure_async(
    name: str,
    work: Workload,
    make: Callable[[Session], Callable[[], Awaitable[int]]],
    repeat: int = 2,
) -> Figure:
    """Run a handler path over a fresh session ``repeat`` times; keep the best."""

    async def main() -> Figure:
        session = await set_up(work)
        run = make(session)
        began, began_cpu = time.perf_counter(), time.process_time()
        recorded = await run()
        elapsed, cpu = time.perf_counter() - began, time.process_time() - began_cpu
        assert recorded == len(work.answers), (name, recorded)
        return Figure(name, recorded, elapsed, cpu)

    runs = [asyncio.run(main()) for _ in range(repeat)]
    return min(runs, key=lambda figure: figure.cpu_seconds)


def short_path(filename: str) -> str:
    """Return a path that names the module, never the machine's layout."""
    if filename.startswith("~") or filename.startswith("<"):
        return filename
    path = Path(filename)
    paths = sysconfig.get_paths()
    for base in (Path(paths["purelib"]), Path(paths["stdlib"]), ROOT):
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    return path.name


def profile(
    work: Workload, make: Callable[[Session], Callable[[], Awaitable[int]]], top: int
) -> tuple[list[str], list[str], float, dict[tuple[str, str], float]]:
    """Profile one handler path; return top rows, time per module, total, calls per answer.

    Entries are summed per code object's (file, line, name): ``pstats`` would keep
    only one of the generated dataclass ``__init__`` functions, which all share
    the label ``<string>:2(__init__)``, and so hide most object construction.
    Rows name a function by its qualified name, not its line, which moves.
    """
    entries: list[object] = []

    async def main() -> None:
        session = await set_up(work)
        run = make(session)
        profiler = cProfile.Profile()
        profiler.enable()
        await run()
        profiler.disable()
        entries.extend(profiler.getstats())

    asyncio.run(main())
    # (calls, own seconds, cumulative seconds) per (where, line, name)
    raw: dict[tuple[str, int, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    qualnames: dict[tuple[str, int, str], str] = {}
    for entry in entries:
        code = entry.code  # type: ignore[attr-defined]
        if isinstance(code, str):
            key = ("~", 0, code)
        else:
            key = (short_path(code.co_filename), code.co_firstlineno, code.co_name)
            qualnames[key] = code.co_qualname
        raw[key][0] += entry.callcount  # type: ignore[attr-defined]
        raw[key][1] += entry.inlinetime  # type: ignore[attr-defined]
        raw[key][2] += entry.totaltime  # type: ignore[attr-defined]
    total = sum(own for _calls, own, _cum in raw.values())
    answers = len(work.answers)

    def label(where: str, line: int, func: str) -> tuple[str, str]:
        if where == "<string>" and func == "__init__":
            return "`__init__` of every dataclass (generated)", "<string>"
        return f"`{qualnames.get((where, line, func), func)}`", where

    functions = []
    for (where, line, func), (count, own, cum) in sorted(
        raw.items(), key=lambda item: item[1][1], reverse=True
    )[:top]:
        name, place = label(where, line, func)
        functions.append(
            f"| {name} | {place} | {count / answers:.1f} | {100 * own / total:.1f}% "
            f"| {100 * cum / total:.1f}% |"
        )
    by_module: dict[str, float] = defaultdict(float)
    for (where, _line, func), (_count, own, _cum) in raw.items():
        by_module[func if where == "~" else where] += own
    modules = [
        f"| {module} | {100 * seconds / total:.1f}% |"
        for module, seconds in sorted(by_module.items(), key=lambda item: -item[1])[:top]
    ]
    calls: dict[tuple[str, str], float] = defaultdict(float)
    for (where, _line, func), (count, _own, _cum) in raw.items():
        calls[(where, func)] += count / answers
    return functions, modules, total, calls


def per_call(run: Callable[[], object], loops: int) -> float:
    """Return the CPU microseconds of one call of ``run``."""
    began = time.process_time()
    for _ in range(loops):
        run()
    return (time.process_time() - began) * 1e6 / loops


async def per_await(run: Callable[[], Awaitable[object]], loops: int) -> float:
    """Return the CPU microseconds of one awaited call of ``run``."""
    began = time.process_time()
    for _ in range(loops):
        await run()
    return (time.process_time() - began) * 1e6 / loops


@dataclass(frozen=True, slots=True, kw_only=True)
class _FrozenFacts:
    """A copy of ``AnswerFacts``'s shape, to time frozen construction."""

    question_index: int
    submission_id: str
    correct: bool
    base_points: int
    received_at: int


@dataclass(slots=True, kw_only=True)
class _PlainFacts:
    """The same shape without ``frozen``: how much the freezing costs."""

    question_index: int
    submission_id: str
    correct: bool
    base_points: int
    received_at: int


Cost = tuple[str, float, tuple[str, str] | None]  # label, CPU us per call, profile key


def call_costs(work: Workload, loops: int = 20_000) -> list[Cost]:
    """Return the CPU cost of each call that the profile shows on the hot path."""

    async def main() -> list[Cost]:
        session = await set_up(work)
        system, state, quiz = session.system, session.state, session.quiz
        await stream_and_score(session)()
        sid, board = session.session_id, session_board(session.session_id)
        question = quiz.questions[-1]
        user = work.users[0]
        answers = await system.answers.for_participant(sid, user)
        fields = answers[0].to_dict()
        facts = [
            AnswerFacts(
                question_index=a.question_index,
                submission_id=a.submission_id,
                correct=True,
                base_points=900,
                received_at=a.received_at,
            )
            for a in answers
        ]
        fact_fields = {
            "question_index": 1,
            "submission_id": "s",
            "correct": True,
            "base_points": 900,
            "received_at": 5,
        }
        entries = [(name, number * 7 % 5000, number) for number, name in enumerate(work.users)]
        result = await system.scores.get_result(sid, user, answers[0].submission_id)
        assert result is not None
        bumped = iter(range(10**9, 10**10))
        command = session.commands[-1]
        sizes = range(1, len(answers) + 1)

        def check() -> object:
            return rules.check_window(
                state,
                question_id=command.question_id,
                question_index=command.question_index,
                limit=command.limit_ms,
                received_at=command.received_at,
                served_at=None,
                grace_ms=GRACE_MS,
            )

        sync: list[tuple[str, tuple[str, str] | None, Callable[[], object]]] = [
            ("`normalise('start')`", ("quizcore/quiz.py", "normalise"), lambda: normalise("start")),
            (
                "`Question.is_correct` (choice; normalises both sides)",
                ("quizcore/quiz.py", "is_correct"),
                lambda: question.is_correct("start"),
            ),
            (
                f"`Quiz.question` (linear scan, q{work.questions})",
                ("quizcore/quiz.py", "question"),
                lambda: quiz.question(question.question_id),
            ),
            ("`check_window` (live)", ("quizcore/session.py", "check_window"), check),
            (
                "`speed_points`",
                ("quizcore/scoring.py", "speed_points"),
                lambda: speed_points(1000, 4321, 20_000),
            ),
            (
                f"`tally` (mean over 1..{len(facts)} answers)",
                ("quizcore/scoring.py", "tally"),
                lambda: [tally(facts[:size]) for size in sizes],
            ),
            (
                f"`score_answers` (mean over 1..{len(answers)} answers)",
                ("quizcore/services.py", "score_answers"),
                lambda: [score_answers(quiz, state, answers[:size]) for size in sizes],
            ),
            (
                "dataclass construction: `RecordedAnswer(...)` (frozen, slots, 9 fields)",
                ("<string>", "__init__"),
                lambda: RecordedAnswer(**fields),
            ),
            ("frozen slots dataclass, 5 fields", None, lambda: _FrozenFacts(**fact_fields)),
            ("same, not frozen", None, lambda: _PlainFacts(**fact_fields)),
            (
                "`RecordedAnswer.recorded_event`",
                ("quizcore/model.py", "recorded_event"),
                lambda: answers[0].recorded_event("quiz"),
            ),
        ]
        costs: list[Cost] = []
        for label, key, run in sync:
            micros = per_call(run, loops // 5 if "mean" in label else loops)
            costs.append((label, micros / len(sizes) if "mean" in label else micros, key))
        costs.append(
            (
                f"`rank_all`, per entry ({len(entries):,} entries)",
                per_call(lambda: rank_all(entries), 10) / len(entries),
                None,
            )
        )
        awaited: list[tuple[str, tuple[str, str] | None, Callable[[], Awaitable[object]]]] = [
            (
                "`await MemorySessionStore.get` (a bare await)",
                ("adapters/memory/stores.py", "get"),
                lambda: system.sessions.get(sid),
            ),
            (
                "`await load_session`",
                ("quizcore/services.py", "load_session"),
                lambda: load_session(system.sessions, sid),
            ),
            (
                f"`await MemoryLeaderboard.submit` (raise; {work.participants:,} entries)",
                ("adapters/memory/leaderboard.py", "submit"),
                lambda: system.leaderboard.submit(board, user, next(bumped), 1),
            ),
            (
                "`await MemoryLeaderboard.standing`",
                ("adapters/memory/leaderboard.py", "standing"),
                lambda: system.leaderboard.standing(board, user),
            ),
            (
                "`await MemoryScoreStore.save_result`",
                ("adapters/memory/stores.py", "save_result"),
                lambda: system.scores.save_result(result),
            ),
        ]
        for label, key, run in awaited:
            costs.append((label, await per_await(run, loops), key))
        return costs

    return asyncio.run(main())


def what_if_memoised_normalise(work: Workload) -> list[Figure]:
    """Measure two paths again with ``normalise`` memoised, in this process only.

    A what-if for the reader, not a change: the module attribute is swapped for
    the run and put back.
    """
    original = quiz_module.normalise
    quiz_module.normalise = functools.lru_cache(maxsize=65_536)(original)
    try:
        return [
            measure_pure(
                "what if `normalise` were memoised: pure rules, batch", work, pure_batch, 3
            ),
            measure_async(
                "what if `normalise` were memoised: StreamProcessor + ScoreEventHandler",
                work,
                stream_and_score,
            ),
        ]
    finally:
        quiz_module.normalise = original


def what_if_no_gc(work: Workload) -> Figure:
    """Measure stream + score with the cyclic garbage collector paused."""

    def make(session: Session) -> Callable[[], Awaitable[int]]:
        run = stream_and_score(session)

        async def paused() -> int:
            gc.collect()
            gc.disable()
            try:
                return await run()
            finally:
                gc.enable()

        return paused

    return measure_async(
        "what if the cyclic GC were paused: StreamProcessor + ScoreEventHandler", work, make
    )


def machine() -> str:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 0
    return f"{cores} cores (`nproc`), Python {platform.python_version()}, {platform.machine()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--profile-participants", type=int, default=2_000)
    parser.add_argument("--top", type=int, default=15, help="profile rows to report")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()

    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    work = Workload.make(args.participants, args.questions)
    print(f"load average {load}")
    print(f"{len(work.answers):,} answers: {args.participants:,} participants x {args.questions}")
    figures = [
        measure_pure(
            "pure rules, batch (check, correct, speed; tally, rank_all)", work, pure_batch, 3
        ),
        measure_pure(
            "pure rules, per answer (check_answer + score_answers)", work, pure_per_answer, 3
        ),
        measure_async("StreamProcessor.handle + ScoreEventHandler.handle", work, stream_and_score),
        measure_async(
            "whole pipeline: ScoreService.submit on MemorySystem", work, whole_pipeline, repeat=1
        ),
    ]
    figures.extend(what_if_memoised_normalise(work))
    figures.append(what_if_no_gc(work))
    print(f"{'answers/s (wall)':>18} {'answers/s (CPU)':>16}  goal   path")
    for figure in figures:
        verdict = "met " if figure.cpu_rate >= GOAL else "miss"
        print(f"{figure.rate:>18,.0f} {figure.cpu_rate:>16,.0f}  {verdict}   {figure.name}")

    small = Workload.make(args.profile_participants, args.questions)
    profiles = {}
    per_answer_calls: dict[str, dict[tuple[str, str], float]] = {}
    for label, make in (
        ("StreamProcessor.handle + ScoreEventHandler.handle", stream_and_score),
        ("ScoreService.submit (whole pipeline)", whole_pipeline),
    ):
        functions, modules, total, calls = profile(small, make, args.top)
        profiles[label] = (functions, modules, total)
        per_answer_calls.setdefault("stream", calls)
        print(f"\nprofile of {label}: {len(small.answers):,} answers, {total:.2f} s under cProfile")
        print("\n".join(functions))
        print("\n".join(modules))

    costs = call_costs(work)
    print("\nCPU cost per call")
    for name, micros, _key in costs:
        print(f"{micros:10.2f} us  {name}")

    if not args.no_write:
        section = report(work, small, figures, profiles, load, costs, per_answer_calls["stream"])
        write_section("domain", section)
        print("\nwrote the 'domain' section of bench/RESULTS.md")


def findings(
    figures: list[Figure], costs: list[Cost], calls: dict[tuple[str, str], float]
) -> list[str]:
    """Return where one answer's CPU time goes on the stream + score path."""
    stream = next(f for f in figures if f.name.startswith("StreamProcessor"))
    budget = 1e6 / stream.cpu_rate
    by_key = {key: micros for _name, micros, key in costs if key}

    def share(key: tuple[str, str]) -> tuple[float, float]:
        spent = calls.get(key, 0.0) * by_key.get(key, 0.0)
        return spent, 100 * spent / budget

    rescore, rescore_share = share(("quizcore/services.py", "score_answers"))
    correct, correct_share = share(("quizcore/quiz.py", "is_correct"))
    board, board_share = share(("adapters/memory/leaderboard.py", "submit"))
    inits = calls.get(("<string>", "__init__"), 0.0)
    built, built_share = share(("<string>", "__init__"))
    python_calls = sum(count for (where, _func), count in calls.items() if where != "~")
    paused = next((f for f in figures if "GC" in f.name), None)
    gc_share = 100 * (1 - stream.cpu_rate / paused.cpu_rate) if paused else 0.0
    if gc_share >= 2:
        collector = f"the cyclic garbage collector (about {gc_share:.0f}%, from the paused-GC run)"
    else:
        collector = "the garbage collector (the paused-GC run was no faster, within noise)"
    return [
        f"Reading: one answer costs {budget:.1f} us of CPU through StreamProcessor + "
        f"ScoreEventHandler; the goal allows {1e6 / GOAL:.1f} us. Re-scoring the participant's "
        f"whole history (`score_answers`) takes {rescore:.1f} us ({rescore_share:.0f}%), of "
        f"which re-checking every earlier answer (`is_correct`, normalising both sides) is "
        f"{correct:.1f} us ({correct_share:.0f}%); {inits:.1f} dataclass constructions "
        f"take about {built:.1f} us ({built_share:.0f}%); the leaderboard update "
        f"{board:.1f} us ({board_share:.0f}%). These overlap (`score_answers` builds "
        "`AnswerFacts` and a `Tally`). The rest is spread over the "
        f"{python_calls:.0f} Python function calls each answer makes (handler bodies, "
        f"awaited store methods, event objects) and {collector}. cProfile's own-time "
        "shares overstate tiny, frequent calls such as `_is_edge_junk`; the per-call table "
        "is the better account.",
    ]


def report(
    work: Workload,
    small: Workload,
    figures: list[Figure],
    profiles: dict[str, tuple[list[str], list[str], float]],
    load: str,
    costs: list[Cost],
    calls: dict[tuple[str, str], float],
) -> str:
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    lines = [
        "## Domain: record, score and rank answers in process (memory adapters)",
        "",
        f"Run {today} on {machine()}; command `python bench/domain.py`.",
        f"One live session, {work.participants:,} participants x {work.questions} questions "
        f"= {len(work.answers):,} answers, {int(CORRECT_SHARE * 100)}% correct, "
        f"delivered in receive order. Goal: {GOAL:,} answers/s.",
        "",
        f"Load average when the run began: {load}. Rates are answers over wall-clock "
        "time and over the process's CPU time (the second is what one core can do when "
        "the machine is shared); the goal is judged on CPU time.",
        "",
        "| path | answers/s (wall) | answers/s (CPU) | wall s | goal |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for figure in figures:
        verdict = "met" if figure.cpu_rate >= GOAL else f"{figure.cpu_rate / GOAL:.0%} of it"
        lines.append(
            f"| {figure.name} | {figure.rate:,.0f} | {figure.cpu_rate:,.0f} "
            f"| {figure.seconds:.3f} | {verdict} |"
        )
    for label, (functions, modules, total) in profiles.items():
        lines += [
            "",
            f"### Profile: {label}",
            "",
            f"cProfile, {small.participants:,} participants x {small.questions} questions "
            f"({total:.2f} s of own time under the profiler). Calls per answer; "
            "own time and cumulative time as shares of the total.",
            "",
            "| function | where | calls/answer | own | cumulative |",
            "| --- | --- | ---: | ---: | ---: |",
            *functions,
            "",
            "| own time by module | share |",
            "| --- | ---: |",
            *modules,
        ]
    lines += [
        "",
        f"### CPU cost per call ({work.participants:,} participants' data in the stores)",
        "",
        "Measured alone with `time.process_time`; calls per answer come from the "
        "profile of StreamProcessor.handle + ScoreEventHandler.handle, so the last column is "
        "what the call costs each answer on that path (nested calls are inclusive).",
        "",
        "| call | us per call | calls per answer | us per answer |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, micros, key in costs:
        count = calls.get(key, 0.0) if key else 0.0
        per_answer = f"{count * micros:.2f}" if count else ""
        lines.append(f"| {name} | {micros:.2f} | {count:.1f} | {per_answer} |")
    lines += ["", *findings(figures, costs, calls)]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
