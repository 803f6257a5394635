"""Each cloud worker resolves only the ports its handler uses, and works on them.

A worker's container here is the real ``CloudContainer`` with every provider
overridden: the ports the worker is allowed give memory adapters (one
session's stores) and note that they were resolved; any other provider
fails the test when resolved. So a worker that would open a client it does
not use (Redis or Aurora for the stream processor, SNS for the quiz-event
worker) is caught without any service running, and one answer carried
through the four workers shows that the ports they resolve are enough.
"""

from __future__ import annotations

from typing import Any

import pytest
from dependency_injector import providers

from adapters.memory.presence import MemoryPlayerPresence
from entrypoints.cloud import CloudContainer
from entrypoints.settings import Settings
from entrypoints.workers.health import store_checks
from entrypoints.workers.main import Wired, wire
from quizcore.messages import (
    AnswerRecorded,
    Message,
    QuestionClosed,
    ScoreUpdated,
    SessionFinished,
    SubmitAnswer,
)
from quizcore.services import GLOBAL_BOARD
from tests.unit.support import HOST, Play, new_play

# What each worker's handler reads or writes, written out from the handlers
# (quizcore/services/): the clock times every handler.
USES = {
    "stream-processor": {"clock", "sessions", "answers", "scores", "publisher"},
    "score-event": {
        "clock",
        "master",
        "sessions",
        "answers",
        "scores",
        "leaderboard",
        "publisher",
        "presence",
    },
    "notification": {"clock", "master", "sessions", "answers", "leaderboard", "fanout"},
    "quiz-event": {"clock", "master", "sessions", "scores", "leaderboard"},
}
# The providers behind the ports: no worker resolves them itself.
CLIENTS = {"dynamodb", "redis", "pool", "prefix", "stream", "notifier", "pipeline"}


class Published:
    """The events a worker published, in order."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def publish(self, message: Message) -> None:
        self.messages.append(message)


class Fanned:
    """The frames the notification worker fanned out, numbered as Redis would."""

    def __init__(self) -> None:
        self.frames: list[tuple[str | None, dict[str, Any]]] = []

    async def publish(self, session_id: str, event: dict[str, Any]) -> dict[str, Any]:
        self.frames.append((None, event))
        return {**event, "seq": len(self.frames)}

    async def to_user(self, session_id: str, user_id: str, event: dict[str, Any]) -> dict[str, Any]:
        self.frames.append((user_id, event))
        return {**event, "seq": len(self.frames)}


def settings() -> Settings:
    """Settings without Firebase or API Gateway, whatever the environment says."""
    return Settings(apigw_ws_callback_url="", firebase_credentials="", firebase_project_id="")


def fenced(allowed: dict[str, Any], resolved: list[str]) -> CloudContainer:
    """Return a cloud container whose providers give ``allowed`` and fail otherwise."""
    container = CloudContainer(settings=settings())

    def take(name: str) -> Any:
        resolved.append(name)
        if name not in allowed:
            raise AssertionError(f"resolved {name}, which the worker's handler does not use")
        return allowed[name]

    for name, provider in container.providers.items():
        if name != "settings":
            provider.override(providers.Callable(take, name))
    return container


def ports_of(play: Play, published: Published, fanned: Fanned) -> dict[str, Any]:
    """Return every port a worker could ask for, on the session's memory stores."""
    system = play.system
    return {
        "clock": play.clock,
        "master": system.master,
        "sessions": system.sessions,
        "answers": system.answers,
        "scores": system.scores,
        "leaderboard": system.leaderboard,
        "publisher": published,
        "fanout": fanned,
        "presence": MemoryPlayerPresence(),
    }


async def worker(name: str, ports: dict[str, Any]) -> Wired:
    """Wire the named worker on a container that allows only its ports."""
    resolved: list[str] = []
    allowed = {port: ports[port] for port in USES[name]}
    wired = await wire(name, fenced(allowed, resolved), settings())
    assert set(resolved) == USES[name]
    assert set(wired.ports) == USES[name]
    return wired


@pytest.mark.parametrize("name", sorted(USES))
async def test_a_worker_resolves_its_handlers_ports_and_no_client_besides(name: str) -> None:
    play = await new_play()
    resolved: list[str] = []
    # Every port offered: what the worker takes is what it asked for.
    everything = ports_of(play, Published(), Fanned())

    wired = await wire(name, fenced(everything, resolved), settings())

    assert sorted(resolved) == sorted(USES[name])
    assert not CLIENTS & set(resolved)
    assert (wired.notifier is not None) == (name == "notification")


async def test_a_port_outside_a_workers_set_fails_when_resolved() -> None:
    play = await new_play()
    ports = ports_of(play, Published(), Fanned())
    without_leaderboard = {port: ports[port] for port in USES["score-event"] - {"leaderboard"}}

    with pytest.raises(AssertionError, match="resolved leaderboard"):
        await wire("score-event", fenced(without_leaderboard, []), settings())


@pytest.mark.parametrize("name", sorted(USES))
async def test_a_workers_readiness_checks_the_stores_among_its_ports(name: str) -> None:
    play = await new_play()
    wired = await worker(name, ports_of(play, Published(), Fanned()))

    checks = store_checks(wired.ports)

    assert set(checks) == USES[name] & {"sessions", "leaderboard", "master"}
    for check in checks.values():
        await check()  # each reads the store the worker was built on


async def test_one_answer_through_the_four_workers_each_on_its_own_ports() -> None:
    play = await new_play()
    await play.join("ana")
    await play.system.quiz.start(play.session_id, HOST)
    quiz = await play.system.master.get_quiz(play.quiz_id)
    assert quiz is not None
    first = quiz.questions[0]
    published, fanned = Published(), Fanned()
    ports = ports_of(play, published, fanned)
    stream, score, notify, results = [
        await worker(name, ports)
        for name in ("stream-processor", "score-event", "notification", "quiz-event")
    ]

    play.clock.advance(1000)
    await stream.handler.handle(
        SubmitAnswer(
            session_id=play.session_id,
            question_id=first.question_id,
            user_id="ana",
            answer="right",
            submission_id="ana-1",
            received_at=play.clock.now_ms(),
            question_index=first.index,
            limit_ms=10_000,
        )
    )
    [recorded] = published.messages
    assert isinstance(recorded, AnswerRecorded)

    await score.handler.handle(recorded)
    updated = published.messages[-1]
    assert isinstance(updated, ScoreUpdated)
    assert updated.correct and updated.score > 0
    stored = await play.system.scores.get_score(play.session_id, "ana")
    assert stored is not None and stored.score == updated.score

    await notify.handler.handle(updated)
    closed_at = play.clock.now_ms()
    await notify.handler.handle(
        QuestionClosed(
            session_id=play.session_id,
            question_id=first.question_id,
            index=first.index,
            closed_at=closed_at,
        )
    )
    (user, result), (_, reveal) = fanned.frames
    assert user == "ana"
    assert result["type"] == "answer.result" and result["score"] == updated.score
    assert result["rank"] == 1
    assert reveal["type"] == "question.closed"
    assert (reveal["answer_count"], reveal["correct_count"]) == (1, 1)

    await results.handler.handle(SessionFinished(session_id=play.session_id, at=closed_at))
    [final] = await play.system.master.session_results(play.session_id)
    assert (final.user_id, final.score, final.rank, final.final) == ("ana", updated.score, 1, True)
    standing = await play.system.leaderboard.standing(GLOBAL_BOARD, "ana")
    assert standing is not None and standing.score == updated.score
