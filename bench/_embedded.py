"""The embedded app built in this process, a live session's players joined.

What the in-process benches share (``bench/answer_path.py``,
``bench/finish_results.py``): SQLite storage under a temporary folder, the
app's lifespan run by Falcon's ASGI conductor, players with dev tokens whose
sockets are stand-ins (``play``).
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import falcon.testing

from entrypoints.api.app import build_app
from entrypoints.api.context import ApiContext
from entrypoints.api.live import submit_from_socket
from entrypoints.settings import Settings


def quiz(questions: int) -> dict[str, Any]:
    """Return a quiz of ``questions`` choice questions whose answer is "right"."""
    return {
        "title": "Embedded bench",
        "questions": [
            {
                "prompt": f"Question {number}",
                "kind": "choice",
                "choices": ["right", "wrong", "other", "else"],
                "answer": "right",
            }
            for number in range(questions)
        ],
    }


@dataclass
class Lobby:
    """A live session in its lobby, in this process."""

    ctx: ApiContext
    conductor: falcon.testing.ASGIConductor
    session_id: str
    host: str
    # (token, user_id) of every player joined.
    players: list[tuple[str, str]] = field(default_factory=list)

    async def post(self, path: str, token: str, body: Any = None) -> Any:
        """POST as the token's holder; the reply must be 200 or 201."""
        reply = await self.conductor.simulate_post(
            path, headers={"Authorization": f"Bearer {token}"}, json=body
        )
        assert reply.status_code in (200, 201), reply.text
        return reply.json

    async def host_does(self, action: str) -> None:
        """Start, move on or finish, as the host."""
        await self.post(f"/v1/sessions/{self.session_id}/{action}", self.host)

    async def answer_all(self, index: int, answer: str = "right") -> None:
        """Send every player's answer to question ``index`` as their socket would."""
        await asyncio.gather(
            *(
                submit_from_socket(
                    self.ctx,
                    self.session_id,
                    user_id,
                    {
                        "type": "answer.submit",
                        "question_id": f"q{index + 1}",
                        "answer": answer,
                        "submission_id": f"{user_id}-{index}",
                    },
                    "websocket",
                )
                for _, user_id in self.players
            )
        )

    async def drain(self) -> None:
        """Wait until the in-process lanes are empty."""
        await self.ctx.services.publisher.drain()  # type: ignore[attr-defined]


@contextlib.asynccontextmanager
async def lobby(players: int, questions: int) -> AsyncIterator[Lobby]:
    """Build the app on SQLite in a temporary folder; yield a joined live lobby."""
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(storage="sqlite", data_dir=Path(data), web_dist=Path(data) / "none")
        app, ctx = build_app(settings)
        async with falcon.testing.ASGIConductor(app) as conductor:
            issuer = ctx.dev_issuer
            assert issuer is not None, "the local profile's dev tokens are on by default"
            host, _ = issuer.issue("Host")
            room = Lobby(ctx=ctx, conductor=conductor, session_id="", host=host)
            quiz_id = (await room.post("/v1/quizzes", host, quiz(questions)))["quiz_id"]
            session = {"quiz_id": quiz_id, "mode": "live", "question_seconds": 60}
            room.session_id = (await room.post("/v1/sessions", host, session))["session_id"]
            for number in range(players):
                token, user_id = issuer.issue(f"Player {number}")
                await room.post(f"/v1/sessions/{room.session_id}/participants", token)
                room.players.append((token, user_id))
            yield room
