"""A scripted session: a host and simulated players, with the live leaderboard printed.

Against a running server (``--url``) or, without one, a server started in
this process on a free port with memory storage.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import websockets

NAMES = ["Ana", "Binh", "Chloe", "Dmitri", "Esra", "Farid", "Giulia", "Hiro", "Ines", "Jonas"]


@contextlib.asynccontextmanager
async def _server() -> AsyncIterator[str]:
    import tempfile

    import uvicorn

    from entrypoints.api.app import create_app
    from entrypoints.settings import Settings

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(port=port, storage="memory", data_dir=Path(data_dir))
        config = uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ws="websockets-sansio",
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
            await asyncio.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            await task


async def _token(client: httpx.AsyncClient, name: str) -> str:
    response = await client.post("/v1/dev/token", json={"name": name})
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def _render(board: dict[str, Any], question: str) -> str:
    lines = [f"--- leaderboard after {question} (v{board.get('version')}) ---"]
    for entry in board.get("entries", []):
        lines.append(f"  {entry['rank']:>2}. {entry['display_name']:<10} {entry['score']:>6}")
    return "\n".join(lines)


async def _player(
    base: str, session_id: str, token: str, skill: float, answers: dict[str, str], seconds: int
) -> None:
    """Join, listen, and answer each opened question after a human-like pause."""
    ws_url = base.replace("http", "ws", 1) + f"/v1/sessions/{session_id}/live?access_token={token}"
    async with websockets.connect(ws_url) as ws:
        async for raw in ws:
            event = orjson.loads(raw)
            if event["type"] == "question.opened":
                await asyncio.sleep(random.uniform(0.2, min(seconds * 0.6, 3.0)))
                question = event
                right = answers[question["question_id"]]
                if random.random() < skill:
                    given = right
                elif question["choices"]:
                    given = random.choice([c for c in question["choices"] if c != right])
                else:
                    given = "no idea"
                await ws.send(
                    orjson.dumps(
                        {
                            "type": "answer.submit",
                            "question_id": question["question_id"],
                            "answer": given,
                        }
                    ).decode()
                )
            elif event["type"] == "session.finished":
                return


async def _play(base: str, players: int, quiz_id: str, seconds: int, questions: int) -> int:
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        host_token = await _token(client, "Demo host")
        host = {"Authorization": f"Bearer {host_token}"}
        quiz = (await client.get(f"/v1/quizzes/{quiz_id}", headers=host)).json()
        if "questions" not in quiz:
            print(f"no quiz {quiz_id} on {base}")
            return 1
        created = await client.post(
            "/v1/sessions",
            headers=host,
            json={"quiz_id": quiz_id, "mode": "live", "question_seconds": seconds},
        )
        session_id = created.json()["session_id"]
        print(f"session {session_id}: {quiz['title']} with {players} players")
        # The demo knows the answers only to simulate players; the API never reveals them.
        from entrypoints.seed import load_quizzes

        known = {q.quiz_id: q for q in load_quizzes()}
        if quiz_id not in known:
            print("the demo plays the shipped quizzes only")
            return 1
        answers = {q.question_id: q.answer for q in known[quiz_id].questions}
        tasks = []
        for number in range(players):
            name = NAMES[number % len(NAMES)] + ("" if number < len(NAMES) else str(number))
            token = await _token(client, name)
            await client.post(
                f"/v1/sessions/{session_id}/participants",
                headers={"Authorization": f"Bearer {token}"},
            )
            skill = random.uniform(0.4, 0.95)
            tasks.append(
                asyncio.create_task(_player(base, session_id, token, skill, answers, seconds))
            )
        await asyncio.sleep(0.5)
        await client.post(f"/v1/sessions/{session_id}/start", headers=host)
        total = len(quiz["questions"]) if questions <= 0 else min(questions, len(quiz["questions"]))
        for index in range(total):
            print(f"\nQ{index + 1}: {quiz['questions'][index]['prompt']}")
            await asyncio.sleep(min(seconds, 4) + 0.3)
            board = (
                await client.get(f"/v1/sessions/{session_id}/leaderboard", headers=host)
            ).json()
            print(_render(board, f"Q{index + 1}"))
            if index + 1 < total:
                await client.post(f"/v1/sessions/{session_id}/next", headers=host)
        await client.post(f"/v1/sessions/{session_id}/finish", headers=host)
        results = (await client.get(f"/v1/sessions/{session_id}/results", headers=host)).json()
        print("\nFinal standings:")
        for entry in results["standings"]:
            print(
                f"  {entry['rank']:>2}. {entry['display_name']:<10} {entry['score']:>6}"
                f"  ({entry['correct_count']} correct)"
            )
        await asyncio.wait(tasks, timeout=5)
        for task in tasks:
            task.cancel()
        return 0


async def run_demo(url: str, *, players: int, quiz_id: str, seconds: int, questions: int) -> int:
    """Play the demo against ``url`` or an embedded server."""
    if url:
        return await _play(url.rstrip("/"), players, quiz_id, seconds, questions)
    async with _server() as base:
        return await _play(base, players, quiz_id, seconds, questions)
