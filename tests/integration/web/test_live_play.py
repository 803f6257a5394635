"""End to end: a host and three players play a live session in real browsers.

The built web client is served by a real ``quiz serve`` (SQLite storage). The host
signs in, creates a live session of the shipped quiz "everyday-verbs" and runs it;
three players on phone-sized screens join with the quiz ID shown to the host and
answer every question by tapping a choice or typing a word. The suite checks what
each screen shows against what the players did and against the server:

- each player sees the result of their own answer (correct or not, the points);
- once everyone answered the question closes by itself and every screen shows the
  answer and the leaderboard (the host then opens the next question);
- a player whose page is reloaded mid-session comes back with the same score;
- the host's live answer count reaches 3 while a question is still open;
- the host's final results match ``GET /v1/sessions/{id}/results`` and every
  player's final score.

Screenshots go to ``test-output/web/``. With ``QUIZ_UPDATE_DOCS_SCREENSHOTS=1`` the
host and player screenshots are also copied to ``docs/screenshots/`` (committed).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, QuizServer, page_identity

pytestmark = pytest.mark.slow

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

QUIZ_ID = "everyday-verbs"
QUESTION_SECONDS = 15
HOST_NAME = "Ms Rivera"
# The question after which the second player's page is reloaded (0-based).
RELOAD_AFTER = 3
# The questions whose screens become the screenshots (0-based).
SHOT_QUESTION = 4
DOCS = ROOT / "docs" / "screenshots"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1}

# Each player's answer to every question of "everyday-verbs" and whether it is correct.
# Typed answers exercise the server's normalisation and the quiz's accepted alternates.
PLANS: dict[str, list[tuple[str, bool]]] = {
    "Ana": [
        ("start", True),
        ("sell", True),
        ("hello", True),
        ("goes", True),
        ("answer", True),
        ("ate", True),
        ("search", True),
        ("sleep", True),
    ],
    "Ben": [
        ("start", True),
        ("pay", False),
        ("Hi", True),
        ("goes", True),
        ("answer", True),
        ("eated", False),
        ("search", True),
        ("  Sleep. ", True),
    ],
    "Chloé": [
        ("finish", False),
        ("sell", True),
        ("bonjour", False),
        ("go", False),
        ("answer", True),
        ("ATE", True),
        ("lose", False),
        ("sleep", True),
    ],
}
RELOADED = "Ben"


@dataclass
class Player:
    """One player's browser page and what the test expects it to show."""

    name: str
    user_id: str
    page: Any
    score: int = 0
    points: list[int] = field(default_factory=list)


def _quiz_questions() -> list[dict[str, Any]]:
    seed = json.loads((ROOT / "entrypoints" / "seed" / "quizzes.json").read_text())
    quiz = next(item for item in seed if item["quiz_id"] == QUIZ_ID)
    return list(quiz["questions"])


def _watch_errors(page: Any, errors: list[str], who: str) -> None:
    page.on("pageerror", lambda error: errors.append(f"{who}: {error}"))


def _mark_page(page: Any) -> None:
    """Tag the loaded document; a reload (or any navigation) drops the tag."""
    page.evaluate("window.__e2eNoReload = true")


def _still_same_document(page: Any) -> bool:
    return bool(page.evaluate("window.__e2eNoReload === true"))


def _answer(page: Any, question: dict[str, Any], answer: str) -> None:
    if question["kind"] == "choice":
        texts = [text.strip() for text in page.locator(".choices .choice-text").all_inner_texts()]
        assert texts == question["choices"], texts
        page.get_by_test_id(f"choice-{texts.index(answer)}").click()
    else:
        page.get_by_test_id("text-answer-input").fill(answer)
        page.get_by_test_id("submit-answer").click()


def _expect_scores(pages: list[Any], players: list[Player]) -> None:
    """Every leaderboard shows every player's current score."""
    for page in pages:
        board = page.get_by_test_id("leaderboard")
        for player in players:
            row = board.locator(f'[data-testid="leaderboard-row"][data-user-id="{player.user_id}"]')
            expect(row).to_have_attribute("data-score", str(player.score))


def _save(page: Any, path: Path, *, full_page: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # A tap scrolls the page a little; a screenshot shows the screen from the top.
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")


def test_host_and_three_players_play_a_live_session(
    quiz_server: QuizServer, browser: Any, output_dir: Path
) -> None:
    expect.set_options(timeout=10_000)
    questions = _quiz_questions()
    assert all(len(plan) == len(questions) for plan in PLANS.values())
    base = quiz_server.base_url
    errors: list[str] = []
    contexts: list[Any] = []
    try:
        # The host signs in, picks the quiz, live mode, 15 s per question.
        host_context = browser.new_context(**DESKTOP)
        contexts.append(host_context)
        host = host_context.new_page()
        _watch_errors(host, errors, "host")
        host.goto(f"{base}/#/host")
        host.get_by_test_id("name-input").fill(HOST_NAME)
        host.get_by_test_id("host-sign-in").click()
        quiz_select = host.get_by_test_id("host-quiz-select")
        expect(quiz_select.locator(f'option[value="{QUIZ_ID}"]')).to_have_count(1)
        quiz_select.select_option(QUIZ_ID)
        host.get_by_test_id("host-mode-select").select_option("live")
        host.get_by_test_id("host-seconds-input").fill(str(QUESTION_SECONDS))
        host.get_by_test_id("host-create").click()
        session_id_box = host.get_by_test_id("host-session-id")
        expect(session_id_box).to_have_text(re.compile(r"^[A-HJ-NP-Z2-9]{6,8}$"))
        session_id = session_id_box.inner_text().strip()
        expect(host.get_by_test_id("host-qr")).to_have_attribute(
            "data-text", re.compile(rf"\?join={session_id}$")
        )
        expect(host.get_by_test_id("participant-count")).to_have_text("0")
        _mark_page(host)

        # Three players join on phone-sized screens with the quiz ID the host shows.
        players: list[Player] = []
        for name in PLANS:
            context = browser.new_context(**PHONE)
            contexts.append(context)
            page = context.new_page()
            _watch_errors(page, errors, name)
            page.goto(f"{base}/")
            page.get_by_test_id("name-input").fill(name)
            page.get_by_test_id("join-code-input").fill(session_id)
            page.get_by_test_id("join-button").click()
            expect(page.get_by_test_id("lobby")).to_be_visible()
            expect(page.get_by_test_id("my-score")).to_have_text("0")
            _mark_page(page)
            _, user_id = page_identity(page)
            players.append(Player(name=name, user_id=user_id, page=page))
        expect(host.get_by_test_id("participant-count")).to_have_text("3")
        for player in players:
            expect(player.page.get_by_test_id("participant-count")).to_have_text("3")

        host.get_by_test_id("host-start").click()
        for index, question in enumerate(questions):
            prompt = question["prompt"]
            expect(host.get_by_test_id("question-prompt")).to_have_text(prompt)
            for player in players:
                page = player.page
                expect(page.get_by_test_id("question-prompt")).to_have_text(prompt)
                expect(page.get_by_test_id("countdown")).to_be_visible()
                if index == SHOT_QUESTION and player is players[0]:
                    # The phone as a question opens: prompt, timer, lettered choices.
                    _save(page, output_dir / "player-question.png")
                answer, correct = PLANS[player.name][index]
                _answer(page, question, answer)

            # Each player sees the result of their own answer.
            for player in players:
                _, correct = PLANS[player.name][index]
                feedback = player.page.get_by_test_id("answer-feedback")
                expect(feedback).to_have_attribute("data-correct", str(correct).lower())
                points = int(feedback.get_attribute("data-points") or "-1")
                if correct:
                    # At least half of the 1000 points for any correct answer in time,
                    # at most the full points plus the largest streak bonus.
                    assert 500 <= points <= 1500, (player.name, index, points)
                else:
                    assert points == 0, (player.name, index, points)
                player.points.append(points)
                player.score += points

            # The host sees all three answers; with everyone in, the question closes
            # by itself and the host's screen shows the answer.
            count = host.get_by_test_id("host-answer-count")
            expect(count).to_have_attribute("data-count", "3")
            expect(count).to_have_text("3")
            expect(host.get_by_test_id("question-stats")).to_be_visible()
            expect(host.get_by_test_id("host-next")).to_be_visible()

            # Every screen's leaderboard and every player's score follow live.
            _expect_scores([host] + [player.page for player in players], players)
            for player in players:
                expect(player.page.get_by_test_id("my-score")).to_have_text(str(player.score))

            if index == SHOT_QUESTION:
                _save(host, output_dir / "host-question.png", full_page=True)
                _save(players[0].page, output_dir / "player-reveal-full.png", full_page=True)

            if index == RELOAD_AFTER:
                # A reload mid-session: the player comes back with the same score.
                reloaded = next(player for player in players if player.name == RELOADED)
                page = reloaded.page
                before = page.get_by_test_id("my-score").inner_text()
                rank_before = page.get_by_test_id("my-rank").inner_text()
                page.reload()
                expect(page.get_by_test_id("question-prompt")).to_have_text(prompt)
                expect(page.get_by_test_id("my-score")).to_have_text(before)
                expect(page.get_by_test_id("my-rank")).to_have_text(rank_before)
                expect(page.get_by_test_id("connection-status")).to_have_attribute(
                    "data-status", "open"
                )
                _expect_scores([page], players)
                assert not _still_same_document(page), "the page was not reloaded"
                _save(page, output_dir / "player-after-reload.png")

            host.get_by_test_id("host-next").click()

        # The last "next" finishes the session: podium and results for everyone.
        expect(host.get_by_test_id("podium")).to_be_visible()
        rows = host.get_by_test_id("results-table").get_by_test_id("results-row")
        expect(rows).to_have_count(len(players))
        host_scores = {
            row.get_attribute("data-user-id"): int(row.get_attribute("data-score") or "-1")
            for row in rows.all()
        }
        host_token, host_id = page_identity(host)
        response = quiz_server.get(f"/v1/sessions/{session_id}/results", host_token)
        assert response.status_code == 200, response.text
        standings = response.json()["standings"]
        server_scores = {standing["user_id"]: standing["score"] for standing in standings}
        expected = {player.user_id: player.score for player in players}
        assert host_scores == server_scores == expected, (host_scores, server_scores, expected)
        assert host_id not in host_scores
        assert {standing["user_id"]: standing["correct_count"] for standing in standings} == {
            player.user_id: sum(correct for _, correct in PLANS[player.name]) for player in players
        }

        for player in players:
            page = player.page
            expect(page.get_by_test_id("results-table")).to_be_visible()
            expect(page.get_by_test_id("my-score")).to_have_text(str(player.score))
            mine = page.get_by_test_id("results-table").locator(
                f'[data-testid="results-row"][data-user-id="{player.user_id}"]'
            )
            expect(mine).to_have_attribute("data-score", str(player.score))
        expect(host.get_by_test_id("results-csv")).to_have_attribute("href", re.compile(r"^blob:"))

        # Nobody else's page was reloaded: every update arrived live.
        assert _still_same_document(host)
        for player in players:
            if player.name != RELOADED:
                assert _still_same_document(player.page), player.name

        _save(host, output_dir / "host-results.png", full_page=True)
        _save(players[0].page, output_dir / "player-results.png", full_page=True)
        # A 320 px phone: one line per name; each question across the card, its numbers under it.
        small = players[0].page
        small.set_viewport_size({"width": 320, "height": 640})
        lines = small.locator(".results-name-text").evaluate_all(
            "(names) => names.map((name) => name.getClientRects().length)"
        )
        assert lines and set(lines) == {1}, lines
        for prompt in small.locator('[data-testid="results-question"] td:nth-child(2)').all():
            box = prompt.bounding_box()
            assert box is not None and box["width"] >= 200, box
        _save(small, output_dir / "player-results-320.png", full_page=True)
        assert errors == [], errors
    except Exception:
        for number, context in enumerate(contexts):
            for page in context.pages:
                _save(page, output_dir / f"failure-{number}.png", full_page=True)
        raise
    finally:
        for context in contexts:
            context.close()

    if os.environ.get("QUIZ_UPDATE_DOCS_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(output_dir / "host-question.png", DOCS / "host.png")
        shutil.copyfile(output_dir / "player-question.png", DOCS / "player.png")
