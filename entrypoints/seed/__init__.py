"""Real vocabulary quizzes the embedded profile ships, so a newcomer can play at once."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from quizcore.ports import MasterStore
from quizcore.quiz import Quiz, build_quiz


def load_quizzes(path: Path | None = None) -> list[Quiz]:
    """Validate and return the quizzes of a JSON file (the shipped set by default)."""
    if path is None:
        text = resources.files(__package__).joinpath("quizzes.json").read_text("utf-8")
    else:
        text = path.read_text("utf-8")
    raw: Any = json.loads(text)
    items = raw if isinstance(raw, list) else [raw]
    return [
        build_quiz(str(item.get("quiz_id") or f"quiz-{index + 1}"), item)
        for index, item in enumerate(items)
    ]


async def seed(master: MasterStore, quizzes: list[Quiz]) -> int:
    """Store the quizzes that are not stored yet; return how many were added."""
    added = 0
    for quiz in quizzes:
        if await master.get_quiz(quiz.quiz_id) is None:
            await master.save_quiz(quiz)
            added += 1
    return added
