"""``quiz import``: a quiz file into the local profile's SQLite file."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from adapters.sqlite.database import SqliteDatabase
from adapters.sqlite.stores import SqliteMasterStore
from entrypoints.cli.main import main

ANIMALS = {
    "quiz_id": "animals",
    "title": "Animals",
    "questions": [
        {"prompt": "Which one barks?", "choices": ["dog", "cat"], "answer": "dog"},
        {"prompt": "Type the English word for 'chat'", "kind": "text", "answer": "cat"},
    ],
}


@pytest.fixture
def quiz_file(tmp_path: Path) -> Path:
    path = tmp_path / "animals.json"
    path.write_text(json.dumps(ANIMALS), encoding="utf-8")
    return path


def _import(path: Path, data_dir: Path) -> int:
    return main(["import", str(path), "--profile", "local", "--data-dir", str(data_dir)])


async def test_a_quiz_file_is_imported_into_the_data_folder(
    quiz_file: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"

    assert await asyncio.to_thread(_import, quiz_file, data_dir) == 0

    database = SqliteDatabase(data_dir / "quizcore.db")
    await database.open()
    try:
        quiz = await SqliteMasterStore(database).get_quiz("animals")
    finally:
        await database.close()
    assert quiz is not None
    assert [question.prompt for question in quiz.questions] == [
        "Which one barks?",
        "Type the English word for 'chat'",
    ]


async def test_importing_while_the_server_holds_the_file_says_how_to_add_the_quiz(
    quiz_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    # What a running ``quiz serve`` does: open the file and keep it.
    running = SqliteDatabase(data_dir / "quizcore.db")
    await running.open()
    try:
        code = await asyncio.to_thread(_import, quiz_file, data_dir)
    finally:
        await running.close()

    assert code == 2
    said = capsys.readouterr().err
    assert "database is locked" in said
    assert "Write a new quiz" in said and "POST /v1/quizzes" in said
