"""End to end: classroom play in real browsers against a real ``quiz serve``.

What a teacher with a projector and a class on phones runs into:

- identity: typing the host's name in another browser gives no host control and a
  different player; a reload keeps the same player and the host's control; two
  players with one name are two players with distinct names;
- the reveal: the host shows the answer, then opens the next question (also with the
  space bar); every screen shows the answer, the chart and the ranks;
- a reload in each phase (lobby, question, reveal, finished) restores that phase;
- finishing asks for confirmation, and unplayed questions show as not played;
- the result on a phone is visible without scrolling at 320x568 and 375x667;
- an answer sent while offline is sent again, with the same submission id, on reconnect;
- self-paced homework: a phone that answered wrong, or ran out of time, sees the right
  answer, with "Next question", on a 320x568 screen: the right choice says "Correct", only
  the wrong one's words are struck, and after a reload no choice shows a focus ring;
- the self-paced teacher's screen: who closed the page, and what a student typed while the
  class works, for a class of 30 on a 1280x720 projector; each question's label whole beside
  short names;
- the presenter screen fills 1920x1080 (no scrolling, big type, the phones' colours); the
  bar's join address is whole at every projector width, and the players dialog's remove
  buttons line up;
- a phone's top bar keeps a short name whole at 320 px, and says nothing "Live" once the
  quiz is over;
- a typed question's reveal lists what the class typed, as many spellings as fit, whole;
- a host who locks the quiz keeps newcomers out (a player who joined comes back in), until
  they unlock it: a phone turned away then joins by itself; during a question the bar says
  it, whole, at every projector width, and a double Enter on the toggle shows no answer.
- a typed answer left in the box goes when the phone's countdown reaches 0 and the server
  counts it; a draft survives a reload mid-question; what was typed and not sent before the host
  showed the answer is said at the reveal; a 360 px phone's final results show the player's
  own answers; the host's screen in a new tab signs straight back in.

Screenshots go to ``test-output/web/``; with ``QUIZ_UPDATE_DOCS_SCREENSHOTS=1`` the
presenter and phone reveal screenshots are copied to ``docs/screenshots/``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import PUBLIC_URL, ROOT, QuizServer, page_identity

pytestmark = pytest.mark.slow

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

QUIZ_ID = "everyday-verbs"
# Long enough that no question closes by its timer during a test.
QUESTION_SECONDS = 120
# A student's name as long as a class's longer ones, accents and all.
CHLOE = "Chloé Dubois-Roy"
HOST_NAME = "Ms Rivera"
DOCS = ROOT / "docs" / "screenshots"
PRESENTER = {"viewport": {"width": 1920, "height": 1080}, "device_scale_factor": 1}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def _phone(width: int, height: int) -> dict[str, Any]:
    return {**PHONE, "viewport": {"width": width, "height": height}}


def _questions() -> list[dict[str, Any]]:
    seed = json.loads((ROOT / "entrypoints" / "seed" / "quizzes.json").read_text())
    quiz = next(item for item in seed if item["quiz_id"] == QUIZ_ID)
    return list(quiz["questions"])


class Room:
    """Browser contexts of one test, closed (with failure screenshots) at the end."""

    def __init__(self, browser: Any, base: str, output_dir: Path, name: str) -> None:
        self.browser = browser
        self.base = base
        self.output_dir = output_dir
        self.name = name
        self.contexts: list[Any] = []
        self.errors: list[str] = []

    def page(self, options: dict[str, Any], who: str) -> Any:
        """Open a new browser (own storage: own device key) and a page in it."""
        context = self.browser.new_context(**options)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{who}: {error}"))
        return page

    def host(
        self,
        options: dict[str, Any] = PRESENTER,
        mode: str = "live",
        quiz: str = QUIZ_ID,
        seconds: int = QUESTION_SECONDS,
    ) -> tuple[Any, str]:
        """Sign in as the host, create a session and return the page and quiz ID."""
        page = self.page(options, "host")
        page.goto(f"{self.base}/#/host")
        page.get_by_test_id("name-input").fill(HOST_NAME)
        page.get_by_test_id("name-input").press("Enter")
        select = page.get_by_test_id("host-quiz-select")
        expect(select.locator(f'option[value="{quiz}"]')).to_have_count(1)
        # Signed in from the keyboard: the next form takes over the focus.
        expect(select).to_be_focused()
        select.select_option(quiz)
        page.get_by_test_id("host-mode-select").select_option(mode)
        if mode == "self_paced":
            # Homework: the right answers show after each question unless the teacher says no.
            expect(page.get_by_test_id("host-show-answers")).to_be_checked()
        page.get_by_test_id("host-seconds-input").fill(str(seconds))
        page.get_by_test_id("host-create").click()
        code = page.get_by_test_id("host-session-id")
        expect(code).to_have_text(re.compile(r"^[A-HJ-NP-Z2-9]{6,8}$"))
        return page, code.inner_text().strip()

    def player(self, session_id: str, name: str, options: dict[str, Any] = PHONE) -> Any:
        """Join the session as ``name`` in a new browser; wait for the lobby."""
        page = self.page(options, name)
        page.goto(f"{self.base}/?join={session_id}")
        page.get_by_test_id("name-input").fill(name)
        page.get_by_test_id("join-button").click()
        expect(page.get_by_test_id("lobby")).to_be_visible()
        return page

    def start(self, host: Any, players: int) -> None:
        """Start the quiz once the host's screen counts ``players`` (with none it asks first)."""
        expect(host.get_by_test_id("participant-count")).to_have_text(str(players))
        host.get_by_test_id("host-start").click()

    def close(self, failed: bool) -> None:
        for number, context in enumerate(self.contexts):
            if failed:
                for page in context.pages:
                    path = self.output_dir / f"failure-{self.name}-{number}.png"
                    page.screenshot(path=str(path), full_page=True)
            context.close()


@pytest.fixture
def room(
    request: pytest.FixtureRequest, quiz_server: QuizServer, browser: Any, output_dir: Path
) -> Iterator[Room]:
    expect.set_options(timeout=15_000)
    opened = Room(browser, quiz_server.base_url, output_dir, request.node.name)
    failed = True
    try:
        yield opened
        failed = False
    finally:
        opened.close(failed)
    assert opened.errors == [], opened.errors


def _answer(page: Any, question: dict[str, Any], answer: str) -> None:
    if question["kind"] == "choice":
        page.get_by_test_id(f"choice-{question['choices'].index(answer)}").click()
    else:
        page.get_by_test_id("text-answer-input").fill(answer)
        page.get_by_test_id("submit-answer").click()


def _right_answer(question: dict[str, Any]) -> str:
    return str(question["answer"])


def _wrong_answer(question: dict[str, Any]) -> str:
    if question["kind"] == "choice":
        return next(choice for choice in question["choices"] if choice != question["answer"])
    return "definitely wrong"


def _in_viewport(page: Any, test_id: str) -> dict[str, float]:
    """Return the element's box and the viewport; assert it shows without scrolling."""
    box = page.evaluate(
        """(id) => {
            const element = document.querySelector(`[data-testid="${id}"]`);
            const rect = element.getBoundingClientRect();
            return {top: rect.top + window.scrollY, bottom: rect.bottom + window.scrollY,
                    left: rect.left, right: rect.right,
                    width: window.innerWidth, height: window.innerHeight,
                    scrollWidth: document.documentElement.scrollWidth};
        }""",
        test_id,
    )
    assert box["top"] >= 0 and box["left"] >= 0, (test_id, box)
    assert box["bottom"] <= box["height"], (test_id, box)
    assert box["right"] <= box["width"], (test_id, box)
    assert box["scrollWidth"] <= box["width"], (test_id, box)
    return dict(box)


def _on_screen(page: Any, locator: Any) -> None:
    """The element shows whole in the viewport, without scrolling the page."""
    box = locator.bounding_box()
    size = page.viewport_size
    assert box is not None, locator
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"], (locator, box, size)
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], (locator, box, size)


def _table_names_whole(page: Any) -> None:
    """Every student's name in the self-paced table shows whole (none cut by its ellipsis)."""
    cut = page.locator('[data-testid="self-paced-student"] .progress-name .name-base').evaluate_all(
        """(names) => names
            .filter((n) => n.scrollWidth > n.clientWidth)
            .map((n) => `${n.textContent}: ${n.scrollWidth} > ${n.clientWidth} px`)"""
    )
    assert cut == [], (page.viewport_size, cut)


def _join_from_api(server: QuizServer, session_id: str, names: list[str]) -> list[str]:
    """Join players without a browser each (the rest of a class); return their tokens."""
    tokens = []
    for name in names:
        token, _ = server.token(name)
        joined = server.post(f"/v1/sessions/{session_id}/participants", token)
        assert joined.status_code in (200, 201), joined.text
        tokens.append(token)
    return tokens


def _no_scroll(page: Any, *, down: bool = False) -> None:
    """The page fits its viewport: nothing to the side, nor below the fold unless ``down``."""
    size = page.evaluate(
        """() => ({sh: document.documentElement.scrollHeight,
                   sw: document.documentElement.scrollWidth,
                   h: window.innerHeight, w: window.innerWidth})"""
    )
    assert (down or size["sh"] <= size["h"]) and size["sw"] <= size["w"], size
    # Not by zooming out: a phone widens its layout to fit what is too wide.
    assert size["w"] == page.viewport_size["width"], size


def _font_px(locator: Any) -> float:
    return float(locator.evaluate("(node) => parseFloat(getComputedStyle(node).fontSize)"))


def _names_whole(page: Any, min_px: float) -> None:
    """Every name in the lobby shows whole, at ``min_px`` or more."""
    chips = page.get_by_test_id("lobby-participant")
    cut = chips.evaluate_all(
        """(chips) => chips
            .flatMap((chip) => [...chip.querySelectorAll('.name-base')])
            .filter((name) => name.scrollWidth > name.clientWidth)
            .map((name) => name.textContent)"""
    )
    assert cut == [], cut
    assert _font_px(chips.first) >= min_px, _font_px(chips.first)


def _lines(locator: Any) -> float:
    """How many lines of text the element takes."""
    return float(
        locator.evaluate(
            """(node) => node.getBoundingClientRect().height
                / parseFloat(getComputedStyle(node).lineHeight)"""
        )
    )


def _save(page: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), animations="disabled")


def test_identity_is_the_browser_not_the_name(room: Room, quiz_server: QuizServer) -> None:
    host, session_id = room.host()
    host_token, host_id = page_identity(host)
    expect(host.get_by_test_id("host-start")).to_be_visible()

    # Another browser types the host's name on the host page: no control.
    intruder = room.page(PRESENTER, "intruder")
    intruder.goto(f"{room.base}/#/host/{session_id}")
    intruder.get_by_test_id("name-input").fill(HOST_NAME)
    intruder.get_by_test_id("host-sign-in").click()
    expect(intruder.get_by_test_id("not-host")).to_be_visible()
    expect(intruder.get_by_test_id("host-start")).to_have_count(0)
    expect(intruder.get_by_test_id("host-finish")).to_have_count(0)
    intruder_token, intruder_id = page_identity(intruder)
    assert intruder_id != host_id
    # The server agrees: the same name is a different user without host rights.
    refused = quiz_server.post(f"/v1/sessions/{session_id}/start", intruder_token)
    assert refused.status_code == 403, refused.text

    # The intruder joins as a player under the host's name: a different player.
    intruder.get_by_test_id("join-as-player").click()
    intruder.get_by_test_id("join-button").click()
    expect(intruder.get_by_test_id("lobby")).to_be_visible()
    assert page_identity(intruder)[1] == intruder_id

    # Two children called Alex are two players with distinct names.
    first = room.player(session_id, "Alex")
    second = room.player(session_id, "Alex")
    expect(first.get_by_test_id("my-name")).to_have_text("Alex")
    expect(second.get_by_test_id("my-name")).not_to_have_text("Alex")
    expect(second.get_by_test_id("my-name")).to_have_text(re.compile(r"^Alex\b.+"))
    assert page_identity(first)[1] != page_identity(second)[1]
    expect(host.get_by_test_id("participant-count")).to_have_text("3")

    # A reload keeps the host's identity and control, and each player's identity.
    host.reload()
    expect(host.get_by_test_id("host-start")).to_be_visible()
    assert page_identity(host)[1] == host_id
    second_id = page_identity(second)[1]
    second_name = second.get_by_test_id("my-name").inner_text()
    second.reload()
    expect(second.get_by_test_id("lobby")).to_be_visible()
    expect(second.get_by_test_id("my-name")).to_have_text(second_name)
    assert page_identity(second)[1] == second_id

    # A new tab of the host's browser (same device key, name kept) signs straight back in.
    tab = host.context.new_page()
    tab.goto(f"{room.base}/#/host/{session_id}")
    expect(tab.get_by_test_id("host-start")).to_be_visible()
    expect(tab.get_by_test_id("name-input")).to_have_count(0)
    assert page_identity(tab)[1] == host_id
    # Without the name last used, the form says where it leads; any name is the host again.
    tab.evaluate("() => { localStorage.removeItem('quizcore.last_name'); sessionStorage.clear(); }")
    tab.reload()
    expect(tab.get_by_role("heading", name=f"Back to quiz {session_id}")).to_be_visible()
    tab.get_by_test_id("name-input").fill("Teacher")
    tab.get_by_test_id("host-sign-in").click()
    expect(tab.get_by_test_id("host-start")).to_be_visible()
    assert page_identity(tab)[1] == host_id
    assert host_token


def test_reveal_reloads_and_finish(room: Room, quiz_server: QuizServer, output_dir: Path) -> None:
    questions = _questions()
    host, session_id = room.host()
    ana = room.player(session_id, "Ana")
    ben = room.player(session_id, "Ben", _phone(375, 667))
    _, ana_id = page_identity(ana)
    expect(host.get_by_test_id("participant-count")).to_have_text("2")

    # Presenter lobby: a huge quiz ID, a big QR code, the names; it fits the screen.
    code = host.get_by_test_id("host-session-id")
    assert _font_px(code) >= 120
    assert host.get_by_test_id("host-qr").bounding_box()["width"] >= 300
    expect(host.get_by_test_id("lobby-participant")).to_have_count(2)
    _no_scroll(host)

    # Reload in the lobby: each screen comes back to the lobby.
    for page in (host, ana):
        page.reload()
    expect(host.get_by_test_id("host-start")).to_be_visible()
    expect(ana.get_by_test_id("lobby")).to_be_visible()

    host.get_by_test_id("host-start").press("Enter")
    first = questions[0]
    for page in (host, ana, ben):
        expect(page.get_by_test_id("question-prompt")).to_have_text(first["prompt"])
    # Started from the keyboard: the focus is on the next step, not lost.
    expect(host.get_by_test_id("host-reveal")).to_be_focused()

    # Presenter question: big prompt, lettered tiles in the phones' colours, no scroll.
    assert _font_px(host.get_by_test_id("question-prompt")) >= 56
    tiles = host.locator(".stage-choices .tile")
    expect(tiles).to_have_count(len(first["choices"]))
    for index in range(len(first["choices"])):
        tile = tiles.nth(index)
        expect(tile.locator(".choice-key")).to_have_text("ABCD"[index])
        button = ana.get_by_test_id(f"choice-{index}")
        colour = "(node) => getComputedStyle(node).backgroundColor"
        assert tile.evaluate(colour) == button.evaluate(colour)
    expect(host.get_by_test_id("countdown")).to_be_visible()
    _no_scroll(host)
    # No leaderboard under the phones' answer buttons while a question is open.
    expect(ana.get_by_test_id("leaderboard")).to_have_count(0)

    # Ana answers; Ben does not. The question stays open (not everyone answered).
    _answer(ana, first, _right_answer(first))
    # Locked in, with nothing that says whether it was right before the reveal.
    expect(ana.get_by_test_id("answer-locked")).to_be_visible()
    expect(ana.get_by_test_id("answer-feedback")).to_have_count(0)
    expect(host.get_by_test_id("host-answer-count")).to_have_text("1")

    # Reload in the question phase: the host keeps control, Ana keeps her answer.
    host.reload()
    ana.reload()
    expect(host.get_by_test_id("host-reveal")).to_be_visible()
    expect(host.get_by_test_id("question-prompt")).to_have_text(first["prompt"])
    expect(
        ana.get_by_test_id("answer-locked").or_(ana.get_by_test_id("answer-received"))
    ).to_be_visible()
    expect(ana.get_by_test_id("choice-0")).to_have_count(0)

    # Show the answer: every screen reveals it, with the chart and the ranks.
    host.get_by_test_id("host-reveal").click()
    right = _right_answer(first)
    for page in (host, ana, ben):
        expect(page.get_by_test_id("host-correct-answer")).to_have_text(right)
        expect(page.get_by_test_id("answer-chart-bar")).to_have_count(len(first["choices"]))
    correct_bar = host.locator('[data-testid="answer-chart-bar"][data-correct="true"]')
    expect(correct_bar).to_have_attribute("data-count", "1")
    expect(ana.get_by_test_id("answer-feedback")).to_have_attribute("data-correct", "true")
    expect(ana.get_by_test_id("feedback-rank")).to_have_attribute("data-rank", "1")
    expect(ben.get_by_test_id("answer-missed")).to_be_visible()
    expect(ben.get_by_test_id("feedback-rank")).to_have_attribute("data-rank", "2")
    expect(host.get_by_test_id("leaderboard").get_by_test_id("leaderboard-row")).to_have_count(2)
    expect(host.get_by_test_id("host-next")).to_have_text(re.compile("Next question"))
    _no_scroll(host)
    _in_viewport(ben, "answer-missed")
    _save(ana, output_dir / "phone-reveal.png")

    # Reload in the reveal: the answer and the chart come back, not "Starting…".
    for page in (host, ana, ben):
        page.reload()
    for page in (host, ana, ben):
        expect(page.get_by_test_id("host-correct-answer")).to_have_text(right)
    expect(host.get_by_test_id("host-next")).to_be_visible()
    expect(ana.get_by_test_id("feedback-rank")).to_have_attribute("data-rank", "1")

    # Space opens the next question; both answer, so it closes by itself.
    host.locator("body").press("Space")
    second = questions[1]
    for page in (host, ana, ben):
        expect(page.get_by_test_id("question-prompt")).to_have_text(second["prompt"])
    _save(host, output_dir / "presenter-question.png")
    _answer(ana, second, _wrong_answer(second))
    _answer(ben, second, _right_answer(second))
    for page in (host, ana, ben):
        expect(page.get_by_test_id("host-correct-answer")).to_have_text(_right_answer(second))
    expect(ana.get_by_test_id("answer-feedback")).to_have_attribute("data-correct", "false")
    expect(host.get_by_test_id("leaderboard").get_by_test_id("leaderboard-row")).to_have_count(2)
    _no_scroll(host)
    _save(host, output_dir / "presenter-reveal.png")

    # Finish asks first; "Keep playing" keeps the quiz running.
    host.get_by_test_id("host-finish").click()
    dialog = host.get_by_test_id("finish-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"{len(questions) - 2} questions will be marked as not played")
    host.get_by_test_id("finish-dialog-cancel").click()
    expect(dialog).to_have_count(0)
    # Space then does what its hint says, not open the dialog again.
    expect(host.get_by_test_id("host-next")).to_be_focused()
    session = quiz_server.get(f"/v1/sessions/{session_id}", page_identity(host)[0]).json()
    assert session["status"] == "running", session
    host.get_by_test_id("host-finish").click()
    host.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    host.get_by_test_id("host-finish").click()
    host.get_by_test_id("finish-dialog-confirm").click()

    # The end: the podium, unplayed questions marked, the CSV for the host only.
    for page in (host, ana, ben):
        expect(page.get_by_test_id("podium")).to_be_visible()
    rows = host.get_by_test_id("results-question")
    expect(rows).to_have_count(len(questions))
    expect(host.locator('[data-testid="results-question"][data-played="false"]')).to_have_count(
        len(questions) - 2
    )
    expect(
        host.locator('[data-testid="results-question"][data-played="false"]').first
    ).to_contain_text("not played")
    expect(ana.get_by_test_id("results-csv")).to_have_count(0)
    link = host.get_by_test_id("results-csv")
    expect(link).to_have_attribute("href", re.compile(r"^blob:"))
    fetch_text = "(href) => fetch(href).then((res) => res.text())"
    text = host.evaluate(fetch_text, link.get_attribute("href"))
    table = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    by_user = {row["user_id"]: row for row in table}
    # Each played question's columns are headed by the question itself.
    asked = f"Q1: {first['prompt']}"
    assert by_user[ana_id][asked] == right, by_user[ana_id]
    assert by_user[ana_id]["Q1 correct"] == "yes"
    assert by_user[ana_id]["Q2 correct"] == "no"
    assert "Q3 correct" not in by_user[ana_id]
    # Ben never answered the first question: said so, not left blank.
    ben_row = by_user[page_identity(ben)[1]]
    assert (ben_row[asked], ben_row["Q1 correct"], ben_row["Q1 points"]) == ("no answer", "no", "0")

    # Reload when finished: the podium again.
    for page in (host, ana):
        page.reload()
        expect(page.get_by_test_id("podium")).to_be_visible()

    if os.environ.get("QUIZ_UPDATE_DOCS_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(output_dir / "presenter-reveal.png", DOCS / "presenter.png")
        shutil.copyfile(output_dir / "phone-reveal.png", DOCS / "phone-reveal.png")


def test_small_phones_offline_answer_and_a_tie(
    room: Room, quiz_server: QuizServer, output_dir: Path
) -> None:
    questions = _questions()
    first = questions[0]
    host, session_id = room.host()
    small = room.player(session_id, "Sam", _phone(320, 568))
    medium = room.player(session_id, "Mia", _phone(375, 667))
    expect(host.get_by_test_id("participant-count")).to_have_text("2")
    host.get_by_test_id("host-start").click()
    for page in (small, medium):
        expect(page.get_by_test_id("countdown")).to_be_visible()
        expect(page.get_by_test_id("connection-status")).to_have_attribute("data-status", "open")
        # The player's name whole in the top bar, the bar's other items giving way.
        name = page.get_by_test_id("signed-in-as")
        assert name.evaluate(
            """(node) => node.clientWidth > 0 && node.scrollWidth <= node.clientWidth
                && node.scrollHeight <= node.clientHeight"""
        ), name.inner_text()

    # At 320 px the countdown stays inside its card and nothing scrolls sideways.
    inside = small.evaluate(
        """() => {
            const bar = document.querySelector('[data-testid="countdown"]').getBoundingClientRect();
            const card = document.querySelector('.card.question').getBoundingClientRect();
            return bar.right <= card.right && bar.left >= card.left
                && document.documentElement.scrollWidth <= window.innerWidth;
        }"""
    )
    assert inside

    # Mia loses the network: the indicator says so, and her answer waits.
    requests: list[str] = []
    medium.on(
        "request",
        lambda request: (
            requests.append(request.post_data or "")
            if request.method == "POST" and request.url.endswith("/answers")
            else None
        ),
    )
    medium.context.set_offline(True)
    expect(medium.get_by_test_id("connection-status")).to_have_attribute("data-status", "offline")
    expect(medium.get_by_test_id("connection-status")).not_to_have_text(re.compile("Live"))
    _answer(medium, first, _wrong_answer(first))
    expect(medium.get_by_test_id("answer-pending")).to_have_attribute("data-waiting", "true")
    # Back online: the same answer goes again with the same submission id.
    medium.context.set_offline(False)
    # Locked in; whether it was right waits for the reveal.
    expect(medium.get_by_test_id("answer-locked")).to_be_visible()
    expect(medium.get_by_test_id("answer-feedback")).to_have_count(0)
    expect(medium.get_by_test_id("connection-status")).to_have_attribute("data-status", "open")
    sent = {json.loads(body)["submission_id"] for body in requests if body}
    # Tried offline (and failed), then sent again after the reconnect: one id throughout.
    assert len(requests) >= 2 and len(sent) == 1, requests
    token = page_identity(medium)[0]
    (submission_id,) = sent
    stored = quiz_server.get(f"/v1/sessions/{session_id}/answers/{submission_id}", token)
    assert stored.status_code == 200 and stored.json()["status"] == "scored", stored.text
    _in_viewport(medium, "answer-locked")

    # Sam answers wrong too: everyone answered, and the reveal shows both
    # results, each with its rank, filling the screen without scrolling.
    _answer(small, first, _wrong_answer(first))
    for page in (small, medium):
        expect(page.get_by_test_id("answer-feedback")).to_have_attribute("data-correct", "false")
        _in_viewport(page, "answer-feedback")
        expect(page.get_by_test_id("feedback-rank")).to_be_visible()
        _in_viewport(page, "feedback-rank")
    _save(small, output_dir / "phone-320-reveal.png")

    # Both have 0 points: tied first, they share the gold step (rank 1 twice, no silver).
    host.get_by_test_id("host-finish").click()
    host.get_by_test_id("finish-dialog-confirm").click()
    places = host.get_by_test_id("podium-place")
    expect(places).to_have_count(2)
    # Over: nothing "Live" left on the phones.
    for page in (small, medium):
        expect(page.get_by_test_id("podium")).to_be_visible()
        expect(page.get_by_test_id("connection-status")).to_have_count(0)
    token = page_identity(host)[0]
    standings = quiz_server.get(f"/v1/sessions/{session_id}/results", token).json()["standings"]
    assert [row["score"] for row in standings] == [0, 0], standings
    assert [place.get_attribute("data-rank") for place in places.all()] == ["1", "1"]
    steps = host.get_by_test_id("podium-step")
    expect(steps).to_have_count(1)
    expect(steps).to_have_attribute("data-rank", "1")


def test_a_host_who_closed_the_tab_finds_the_quiz_again(
    room: Room, quiz_server: QuizServer
) -> None:
    host, session_id = room.host()
    room.player(session_id, "Ana")
    room.start(host, 1)
    expect(host.get_by_test_id("question-prompt")).to_be_visible()

    # The projector's tab is closed; a new one signs in again (sign-in is per tab).
    browser = host.context
    host.close()
    again = browser.new_page()
    again.goto(f"{room.base}/#/host")
    again.get_by_test_id("name-input").fill(HOST_NAME)
    again.get_by_test_id("host-sign-in").click()
    resume = again.get_by_test_id("host-resume")
    expect(resume).to_contain_text(f"{session_id} · question 1 of")
    resume.click()
    expect(again.get_by_test_id("host-reveal")).to_be_enabled()

    # Typing the quiz ID into "Play" gives the host's screen, not a seat in the game.
    again.goto(f"{room.base}/#/")
    again.get_by_test_id("join-code-input").fill(session_id)
    again.get_by_test_id("join-button").click()
    expect(again.get_by_test_id("presenter")).to_be_visible()
    token, _ = page_identity(again)
    session = quiz_server.get(f"/v1/sessions/{session_id}", token).json()
    assert session["participant_count"] == 1, session


def test_self_paced_progress_on_the_host_screen(
    room: Room, quiz_server: QuizServer, output_dir: Path
) -> None:
    questions = _questions()
    host, session_id = room.host(mode="self_paced")
    ana = room.player(session_id, "Ana")
    ben = room.player(session_id, "Ben")
    # A phone that will close its page before finishing, a long name to read whole.
    chloe = room.player(session_id, CHLOE)
    room.start(host, 3)
    expect(ben.get_by_test_id("question-prompt")).to_have_text(questions[0]["prompt"])
    expect(chloe.get_by_test_id("question-prompt")).to_have_text(questions[0]["prompt"])

    for question in questions[:2]:
        expect(ana.get_by_test_id("question-prompt")).to_have_text(question["prompt"])
        _answer(ana, question, _right_answer(question))
        ana.get_by_test_id("next-question").click()
    expect(ana.get_by_test_id("question-prompt")).to_have_text(questions[2]["prompt"])

    rows = host.get_by_test_id("self-paced-question")
    expect(rows).to_have_count(len(questions))
    expect(rows.nth(0)).to_have_attribute("data-count", "1")
    expect(rows.nth(1)).to_have_attribute("data-count", "1")
    expect(rows.nth(2)).to_have_attribute("data-count", "0")
    expect(host.get_by_test_id("self-paced-done")).to_have_text("0")
    # Where each player is: Ben, further behind, first (then Chloé, joined after him).
    expect(host.get_by_test_id("self-paced-progress")).to_contain_text("0 of 3 finished")
    students = host.get_by_test_id("self-paced-student")
    expect(students.first).to_have_attribute("data-user-id", page_identity(ben)[1])
    expect(students.first.locator("td").first).to_have_text(f"1 of {len(questions)}")

    def row_of(page: Any) -> Any:
        user_id = page_identity(page)[1]
        return host.locator(f'[data-testid="self-paced-student"][data-user-id="{user_id}"]')

    # Ana: on question 3, two answered, both right.
    expect(students.nth(2)).to_have_attribute("data-user-id", page_identity(ana)[1])
    expect(row_of(ana).locator("td").nth(0)).to_have_text(f"3 of {len(questions)}")
    expect(row_of(ana).locator("td").nth(1)).to_have_text("2 of 2")
    _no_scroll(host)
    _save(host, output_dir / "presenter-self-paced.png")
    # Each question's label reads whole beside a table of short names (it
    # takes two lines where it needs them), not cut to its first words.
    cut = host.locator('[data-testid="self-paced-question"] .bar-label').evaluate_all(
        """(labels) => labels
            .filter((n) => n.scrollHeight > n.clientHeight + 1)
            .map((n) => n.textContent)"""
    )
    assert cut == [], cut

    # A class of 30 on a 1280x720 projector: the table scrolls in its panel, the page does not.
    _join_from_api(quiz_server, session_id, [f"Student {number}" for number in range(1, 28)])
    host.set_viewport_size({"width": 1280, "height": 720})
    expect(students).to_have_count(30)
    table = host.get_by_test_id("self-paced-students")
    assert table.evaluate("(node) => node.scrollHeight > node.clientHeight")
    _on_screen(host, table)
    _no_scroll(host)
    _save(host, output_dir / "presenter-self-paced-1280x720.png")
    # Read from the back of the room, a class of 30 and all.
    cell = students.first.locator("td").first
    assert _font_px(cell) >= 20, _font_px(cell)
    # The leaderboard's names whole ("Student 12"), and at 1024x768 each question's count in sight.
    board = host.locator(".self-paced-grid .leaderboard .name-base")
    cut = board.evaluate_all(
        "(names) => names.filter((n) => n.scrollWidth > n.clientWidth).map((n) => n.textContent)"
    )
    assert cut == [], cut
    # "left": only for a student this page saw here who then closed the page.
    # The 27 who joined without a screen were never here: not marked.
    chloe_row = row_of(chloe)
    expect(chloe_row).to_have_attribute("data-here", "true")
    expect(host.get_by_test_id("self-paced-left")).to_have_count(0)
    expect(host.get_by_test_id("self-paced-left-count")).to_have_count(0)
    chloe.close()
    # Gone once the server's presence grace is over and a read says so.
    expect(chloe_row).to_have_attribute("data-here", "false", timeout=30_000)
    expect(host.get_by_test_id("self-paced-left")).to_have_count(1)
    # Under "Question", before where she stopped: the name keeps its cell.
    expect(chloe_row.locator("td").first.get_by_test_id("self-paced-left")).to_have_count(1)
    expect(chloe_row.locator("td").first).to_contain_text(f"1 of {len(questions)}")
    for page in (ana, ben):
        expect(row_of(page)).to_have_attribute("data-here", "true")
        expect(row_of(page).get_by_test_id("self-paced-left")).to_have_count(0)
    expect(host.get_by_test_id("self-paced-left-count")).to_have_text("· 1 closed the page")
    _table_names_whole(host)

    host.set_viewport_size({"width": 1024, "height": 768})
    for count in host.locator('[data-testid="self-paced-question"] .bar-count').all():
        _on_screen(host, count)
        # Inside its panel, which clips what overflows it.
        assert count.evaluate(
            """(node) => {
                const box = node.getBoundingClientRect();
                const panel = node.closest('.progress-questions').getBoundingClientRect();
                return box.width > 0 && box.right <= panel.right + 0.5;
            }"""
        ), count
    _no_scroll(host)
    _table_names_whole(host)

    # What Ana typed to question 3, while the class works, in the leaderboard's place.
    host.set_viewport_size({"width": 1280, "height": 720})
    typed = questions[2]
    assert typed["kind"] == "text"
    _answer(ana, typed, "helo")
    expect(ana.get_by_test_id("answer-feedback")).to_have_attribute("data-correct", "false")
    toggle = host.get_by_role("button", name="Typed answers: question 3")
    expect(host.get_by_test_id("self-paced-typed-toggle")).to_have_count(
        sum(1 for question in questions if question["kind"] == "text")
    )
    toggle.click()
    panel = host.get_by_test_id("self-paced-typed")
    expect(panel.get_by_test_id("typed-answer")).to_have_count(1)
    expect(panel.get_by_test_id("typed-answer")).to_have_attribute("data-correct", "false")
    expect(panel.get_by_test_id("typed-answer")).to_contain_text("helo")
    expect(host.get_by_test_id("leaderboard")).to_have_count(0)
    _on_screen(host, panel)
    _on_screen(host, table)
    _no_scroll(host)
    assert _font_px(panel.get_by_test_id("typed-answer")) >= 20
    # The students' names stay whole beside the open panel.
    _table_names_whole(host)
    _save(host, output_dir / "presenter-self-paced-typed-1280x720.png")
    panel.get_by_test_id("self-paced-typed-close").click()
    expect(host.get_by_test_id("leaderboard")).to_be_visible()
    expect(toggle).to_be_focused()

    # Finishing says who has not finished yet.
    host.get_by_test_id("host-finish").click()
    expect(host.get_by_test_id("finish-dialog-unfinished")).to_have_text(
        "30 of 30 players have not finished yet. Finishing now stops them where they are."
    )
    host.keyboard.press("Escape")


def test_a_small_phone_in_a_self_paced_quiz_and_back_after_closing_the_tab(
    room: Room, quiz_server: QuizServer
) -> None:
    questions = _questions()
    seconds = 5
    host, session_id = room.host(mode="self_paced", seconds=seconds)
    name = "Tiny 🐣 Tomás Rodríguez-García"
    phone = room.player(session_id, name, _phone(320, 568))
    others = _join_from_api(quiz_server, session_id, [f"Student {n}" for n in range(1, 11)])
    room.start(host, 11)
    first = questions[0]
    # Ten players answer the first question right at once: the phone ranks 11th.
    for token in others:
        served = quiz_server.get(f"/v1/sessions/{session_id}/questions/current", token).json()
        body = {"question_id": served["question_id"], "answer": _right_answer(first)}
        answered = quiz_server.post(f"/v1/sessions/{session_id}/answers", token, body)
        assert answered.status_code in (200, 202), answered.text

    # At 320x568 the prompt and every choice show on the first screen, and
    # once the time is up, its note and "Next question" too.
    expect(phone.get_by_test_id("question-prompt")).to_have_text(first["prompt"])
    _in_viewport(phone, f"choice-{len(first['choices']) - 1}")
    expect(phone.get_by_test_id("answer-missed")).to_be_visible(timeout=(seconds + 10) * 1000)
    # The right answer follows once the server's grace is over.
    expect(phone.get_by_test_id("right-answer")).to_have_text(f"The answer: {_right_answer(first)}")
    _in_viewport(phone, "answer-missed")
    _in_viewport(phone, "right-answer")
    _in_viewport(phone, "next-question")

    # Its own row under the top ten: the name is cut, never "(you)" or the score.
    mine = phone.get_by_test_id("leaderboard-me-row")
    expect(mine).to_be_visible()
    whole = mine.evaluate(
        """(row) => {
            const box = (selector) => row.querySelector(selector).getBoundingClientRect();
            const name = row.querySelector('.name-base');
            return box('.lb-you').width > 0 && box('.lb-you').right <= box('.lb-name').right + 0.5
                && box('.lb-score').right <= row.getBoundingClientRect().right
                && name.scrollWidth > name.clientWidth;
        }"""
    )
    assert whole

    # The tab closes while question 2 is open, and opens again after its time.
    phone.get_by_test_id("next-question").click()
    expect(phone.get_by_test_id("question-prompt")).to_have_text(questions[1]["prompt"])
    context = phone.context
    phone.close()
    host.wait_for_timeout((seconds + 1) * 1000)
    again = context.new_page()
    again.on("pageerror", lambda error: room.errors.append(f"phone again: {error}"))
    again.goto(f"{room.base}/#/play/{session_id}")
    # Straight back in as the same player, told what ran out meanwhile.
    expect(again.get_by_test_id("ran-out-away")).to_have_text(
        "Question 2 ran out while you were away."
    )
    expect(again.get_by_test_id("question-prompt")).to_have_text(questions[2]["prompt"])
    expect(again.get_by_test_id("my-name")).to_have_text(name)
    expect(again.get_by_test_id("name-input")).to_have_count(0)


def test_homework_shows_the_right_answer_after_a_wrong_one(room: Room) -> None:
    questions = _questions()
    host, session_id = room.host(mode="self_paced")
    phone = room.player(session_id, "Wren", _phone(320, 568))
    room.start(host, 1)
    first, second = questions[:2]

    expect(phone.get_by_test_id("question-prompt")).to_have_text(first["prompt"])
    _answer(phone, first, _wrong_answer(first))
    expect(phone.get_by_test_id("answer-feedback")).to_have_attribute("data-correct", "false")
    expect(phone.get_by_test_id("right-answer")).to_have_text(f"The answer: {_right_answer(first)}")
    _in_viewport(phone, "right-answer")
    _in_viewport(phone, "next-question")
    # The wrong choice's words struck, not its letter or shape (a struck "C"
    # reads as "€"); the right one says so in a word, whatever its colour.
    wrong = phone.get_by_test_id(f"choice-{first['choices'].index(_wrong_answer(first))}")
    struck = "(node) => getComputedStyle(node).textDecorationLine"
    assert wrong.evaluate(struck) == "none"
    assert wrong.locator(".choice-text").evaluate(struck) == "line-through"
    right = phone.get_by_test_id(f"choice-{first['choices'].index(_right_answer(first))}")
    expect(right.get_by_test_id("choice-correct-mark")).to_be_visible()
    expect(right.get_by_test_id("choice-correct-mark")).to_have_text(re.compile("correct", re.I))

    # A right answer needs no more.
    phone.get_by_test_id("next-question").click()
    expect(phone.get_by_test_id("question-prompt")).to_have_text(second["prompt"])
    # Back after a reload: the first choice takes the keyboard, with no ring
    # that would make it look picked.
    phone.reload()
    expect(phone.get_by_test_id("question-prompt")).to_have_text(second["prompt"])
    first_choice = phone.get_by_test_id("choice-0")
    expect(first_choice).to_be_focused()
    assert first_choice.evaluate("(node) => getComputedStyle(node).outlineStyle") == "none"
    _answer(phone, second, _right_answer(second))
    expect(phone.get_by_test_id("answer-feedback")).to_have_attribute("data-correct", "true")
    expect(phone.get_by_test_id("right-answer")).to_have_count(0)


def test_a_forty_letter_name_fits_every_screen(room: Room) -> None:
    questions = _questions()
    host, session_id = room.host()
    long_name = "W" * 40
    phone = room.player(session_id, long_name)
    other = room.player(session_id, "Ana")
    # A second player of the same name: the session numbers them.
    twin = room.player(session_id, long_name)
    expect(twin.get_by_test_id("my-name")).to_have_text(re.compile(r" 2$"))
    for page in (host, phone, other):
        expect(page.get_by_test_id("lobby-participant")).to_have_count(3)
        # A phone may scroll down through its lobby, never sideways.
        _no_scroll(page, down=page is not host)

    room.start(host, 3)
    for page, answer in ((phone, _right_answer), (other, _wrong_answer), (twin, _wrong_answer)):
        _answer(page, questions[0], answer(questions[0]))
    for page in (host, phone, other):
        expect(page.get_by_test_id("host-correct-answer")).to_be_visible()
        expect(page.get_by_test_id("leaderboard-row").first).to_contain_text(long_name)
        _no_scroll(page, down=page is not host)
    # Cut to fit, the twin's name keeps its number in sight, inside its row.
    row = host.locator(f'[data-testid="leaderboard-row"][data-user-id="{page_identity(twin)[1]}"]')
    number = row.locator(".name-number")
    expect(number).to_have_text(re.compile(r"^\s*2$"))
    assert number.bounding_box()["x"] + number.bounding_box()["width"] <= (
        row.bounding_box()["x"] + row.bounding_box()["width"]
    )


# The projector's hardest case: a long title, a long prompt and six choices, the
# right one long enough to wrap.
CROWDED_QUESTION = {
    "prompt": (
        "Which words best complete the sentence: 'After the long journey across the "
        "mountains, the travellers were ___'?"
    ),
    "kind": "choice",
    "choices": [
        "exhausted and ready for a long sleep",
        "excited",
        "expensive",
        "explained",
        "exported",
        "extended",
    ],
    "answer": "exhausted and ready for a long sleep",
}
# Then a typed one: more spellings than the reveal lists, one of them too long for its row.
TYPED_QUESTION = {
    "prompt": "Type the English word for 'épuisé' (very, very tired)",
    "kind": "text",
    "answer": "exhausted",
}
TYPED_BY_THE_REST = [
    "exausted",
    "exhaused",
    "Exhausted!",
    "exhuasted",
    "tired",
    "sleepy",
    "exhausting",
    "worn out",
    "knackered",
    "pneumonoultramicroscopicsilicovolcanoconiosis-exhaustedness",
    "exhast",
    "ehxausted",
]
CROWDED_QUIZ = {
    "title": "Vocabulary challenge: the big end-of-term review for class 4B",
    "language": "en",
    "level": "B1",
    "questions": [CROWDED_QUESTION, TYPED_QUESTION],
}


@pytest.mark.parametrize("size", [(1280, 720), (1366, 768), (1024, 768), (1280, 800), (1920, 1080)])
def test_a_projector_fits_the_lobby_question_and_reveal(
    room: Room, quiz_server: QuizServer, output_dir: Path, size: tuple[int, int]
) -> None:
    author, _ = quiz_server.token(f"Author {size[0]}x{size[1]}")
    created = quiz_server.post("/v1/quizzes", author, CROWDED_QUIZ)
    assert created.status_code == 201, created.text
    screen = {"viewport": {"width": size[0], "height": size[1]}, "device_scale_factor": 1}
    host, session_id = room.host(screen, quiz=created.json()["quiz_id"])
    # Enough players to fill the reveal's leaderboard, then the rest of a class of 30.
    names = ("Ana", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo")
    players = [room.player(session_id, name) for name in names]
    rest = _join_from_api(quiz_server, session_id, [f"Student {number}" for number in range(1, 22)])
    expect(host.get_by_test_id("participant-count")).to_have_text("30")
    # The class fits beside the QR code; the newest joiner is in sight.
    newest = host.get_by_test_id("lobby-participant").last
    expect(newest).to_contain_text("Student 21")
    _on_screen(host, newest)
    _on_screen(host, host.get_by_test_id("host-qr"))
    _save(host, output_dir / f"presenter-lobby-{size[0]}x{size[1]}.png")
    _no_scroll(host)
    _names_whole(host, 18 if size == (1280, 720) else 0)
    # "Student 21": one space before the number, not the chip's gap besides.
    base = newest.locator(".name-base").bounding_box()
    number = newest.locator(".name-number").bounding_box()
    assert base is not None and number is not None
    assert abs(number["x"] - (base["x"] + base["width"])) < 1, (base, number)

    # A class of 80 on the smallest projectors: every name whole and legible, all on the screen.
    class_size = 30
    if size in ((1280, 720), (1024, 768)):
        class_size = 80
        rest += _join_from_api(
            quiz_server, session_id, [f"Student {number}" for number in range(22, 72)]
        )
        expect(host.get_by_test_id("participant-count")).to_have_text("80")
        expect(host.get_by_test_id("lobby-participant").last).to_contain_text("Student 71")
        _names_whole(host, 16 if size == (1280, 720) else 0)
        _on_screen(host, host.get_by_test_id("lobby-participant").first)
        _on_screen(host, host.get_by_test_id("lobby-participant").last)
        _save(host, output_dir / f"presenter-lobby-80-{size[0]}x{size[1]}.png")
        _no_scroll(host)

    room.start(host, class_size)
    prompt = host.get_by_test_id("question-prompt")
    expect(prompt).to_have_text(CROWDED_QUESTION["prompt"])
    _no_scroll(host)
    # Every tile whole on the screen, the prompt on two lines at most.
    tiles = host.locator(".stage-choices .tile")
    expect(tiles).to_have_count(6)
    for tile in tiles.all():
        _on_screen(host, tile)
        text = tile.locator(".tile-text")
        assert text.evaluate("(node) => node.scrollHeight <= node.parentNode.clientHeight"), tile
    _save(host, output_dir / f"presenter-question-{size[0]}x{size[1]}.png")
    assert _lines(prompt) < 2.5, _lines(prompt)
    # The controls stay on the title's row, however long the title (the
    # address may take a line of its own under the quiz ID).
    title = host.locator(".presenter-title").bounding_box()
    reveal = host.get_by_test_id("host-reveal").bounding_box()
    assert title is not None and reveal is not None
    assert reveal["y"] < title["y"] + title["height"] / 2, (title, reveal)
    assert reveal["x"] >= title["x"] + title["width"], (title, reveal)
    # Where a latecomer's phone goes, whole: after the quiz ID where it fits,
    # else on a line of its own (no "·" to start it), never cut.
    join_at = host.get_by_test_id("host-join-at")
    fit, shown, whole = join_at.evaluate(
        "(node) => [node.dataset.fit, node.textContent, node.scrollWidth <= node.clientWidth + 0.5]"
    )
    address = f"{quiz_server.base_url}/"
    assert shown == (address if fit.startswith("own-line") else f"· {address}"), (fit, shown)
    assert whole, (fit, shown)
    box = join_at.bounding_box()
    assert box is not None, join_at
    assert box["x"] + box["width"] <= title["x"] + title["width"] + 0.5, (box, title)
    _on_screen(host, join_at)
    # Everyone with a screen answers (the API's players have none): it closes by itself.
    for player in players:
        _answer(player, CROWDED_QUESTION, _right_answer(CROWDED_QUESTION))
    expect(host.get_by_test_id("host-correct-answer")).to_be_visible()

    # As many whole leaderboard rows as fit beside the six bars: eight on a tall screen.
    rows = host.get_by_test_id("leaderboard-row")
    expect(rows.first).to_be_visible()
    shown = rows.count()
    assert (shown == 8) if size[1] >= 1080 else (3 <= shown <= 8), shown
    # The board may re-render as the last scores arrive: wait for its last row.
    expect(rows.last).to_be_visible()
    _on_screen(host, rows.last)
    for bar in host.get_by_test_id("answer-chart-bar").all():
        _on_screen(host, bar)
    _on_screen(host, host.locator(".stats-answer"))
    _save(host, output_dir / f"presenter-reveal-{size[0]}x{size[1]}.png")
    _no_scroll(host)
    if size == (1280, 720):
        # What the class reads from the back of the room.
        for readable in (
            rows.first,
            host.locator(".stats-summary"),
            host.locator(".stage-meta"),
            host.get_by_test_id("host-answered-of"),
            host.locator(".presenter-code"),
        ):
            assert _font_px(readable) >= 24, readable
        # Every player's remove button in one line down the players' list, beside a rank
        # and score (the board's top) or not.
        host.get_by_test_id("players-button").click()
        listed = host.get_by_test_id("players-row")
        expect(listed).to_have_count(class_size)
        edges = listed.evaluate_all(
            """(rows) => rows.map((row) => [
                row.querySelector('.players-standing') !== null,
                Math.round(row.querySelector('.remove-button').getBoundingClientRect().right),
            ])"""
        )
        assert {has for has, _ in edges} == {True, False}, edges
        assert len({right for _, right in edges}) == 1, edges
        host.keyboard.press("Escape")
        expect(host.get_by_test_id("players-dialog")).to_have_count(0)

    # The typed question: the reveal lists what the class typed, as many
    # spellings as fit under the answer, the rest summed in "and N more".
    host.get_by_test_id("host-next").click()
    expect(prompt).to_have_text(TYPED_QUESTION["prompt"])
    served = quiz_server.get(f"/v1/sessions/{session_id}/questions/current", rest[0]).json()
    for number, token in enumerate(rest):
        body = {
            "question_id": served["question_id"],
            "answer": TYPED_BY_THE_REST[number % len(TYPED_BY_THE_REST)],
        }
        answered = quiz_server.post(f"/v1/sessions/{session_id}/answers", token, body)
        assert answered.status_code in (200, 202), answered.text
    for player in players:
        _answer(player, TYPED_QUESTION, _right_answer(TYPED_QUESTION))
    expect(host.get_by_test_id("host-correct-answer")).to_have_text("exhausted")
    groups = host.get_by_test_id("typed-answer")
    # The most typed first: the players' nine, and those of "Exhausted!" (one spelling).
    expect(groups.first).to_have_attribute("data-correct", "true")
    expect(groups.first.locator("bdi")).to_have_text("exhausted")
    more = host.get_by_test_id("typed-more")
    expect(more).to_be_visible()
    listed = groups.count()
    assert 3 <= listed <= 8, listed
    for group in groups.all():
        # Whole, not cut by the list's bottom edge nor by the screen's.
        expect(group).to_be_in_viewport(ratio=1)
        _on_screen(host, group)
        label = group.locator(".bar-label").bounding_box()
        box = group.bounding_box()
        assert label is not None and box is not None
        assert label["x"] + label["width"] <= box["x"] + box["width"] + 0.5, (label, box)
    _on_screen(host, more)
    _on_screen(host, rows.last)
    _save(host, output_dir / f"presenter-typed-{size[0]}x{size[1]}.png")
    _no_scroll(host)
    if size == (1280, 720):
        assert _font_px(groups.first) >= 24, _font_px(groups.first)
        # A word hidden, then put back: "Show hidden (1)" in the title's line, the
        # list still whole on the screen, and the focus on the main action.
        host.get_by_role("button", name=re.compile(r'^Hide "')).nth(1).click()
        restore = host.get_by_test_id("typed-restore")
        expect(restore).to_have_text("Show hidden (1)")
        expect(host.get_by_test_id("host-next")).to_be_focused()
        _on_screen(host, restore)
        for group in groups.all():
            expect(group).to_be_in_viewport(ratio=1)
        _no_scroll(host)
        restore.click()
        expect(restore).to_have_count(0)
        expect(groups).to_have_count(listed)


def test_a_phone_on_its_side_shows_every_choice(room: Room) -> None:
    first = _questions()[0]
    host, session_id = room.host()
    phone = room.player(session_id, "Ana", _phone(844, 390))
    room.start(host, 1)

    expect(phone.get_by_test_id("question-prompt")).to_have_text(first["prompt"])
    _in_viewport(phone, f"choice-{len(first['choices']) - 1}")


def test_back_after_a_wrong_code_keeps_it(room: Room) -> None:
    page = room.page(_phone(375, 667), "player")
    page.goto(f"{room.base}/")
    page.get_by_test_id("name-input").fill("Zoe")
    page.get_by_test_id("join-code-input").fill("ZZZZZZ")
    page.get_by_test_id("join-button").click()
    expect(page.get_by_test_id("player-error")).to_be_visible()
    page.get_by_role("button", name="Back").click()
    expect(page.get_by_test_id("join-code-input")).to_have_value("ZZZZZZ")
    expect(page.get_by_test_id("name-input")).to_have_value("Zoe")


def test_the_host_removes_a_rude_name_for_good(room: Room) -> None:
    host, code = room.host()
    ana = room.player(code, "Ana")
    rude = room.player(code, "Rude Name")
    lobby = host.get_by_test_id("participant-count")
    expect(lobby).to_have_text("2")

    remove = host.get_by_role("button", name="Remove Rude Name")
    remove.click()
    dialog = host.get_by_test_id("remove-dialog")
    expect(dialog).to_contain_text("Rude Name")
    host.get_by_test_id("remove-dialog-cancel").click()
    expect(lobby).to_have_text("2")
    remove.click()
    host.get_by_test_id("remove-dialog-confirm").click()

    expect(lobby).to_have_text("1")
    # Gone from the screens (screen readers alone hear "Rude Name was removed.").
    expect(host.get_by_text("Rude Name", exact=True)).to_have_count(0)
    expect(host.get_by_test_id("removal-status")).to_have_text("Rude Name was removed.")
    expect(ana.get_by_text("Rude Name", exact=True)).to_have_count(0)
    expect(rude.get_by_test_id("player-removed")).to_contain_text("The host removed you")
    # A reload (the same browser, the same player) does not bring them back.
    rude.reload()
    expect(rude.get_by_test_id("player-removed")).to_be_visible()
    expect(host.get_by_text("Rude Name", exact=True)).to_have_count(0)
    # The host's whole list of players, as during the quiz.
    host.get_by_test_id("players-button").click()
    players = host.get_by_test_id("players-dialog")
    expect(players).to_contain_text("Ana")
    expect(players.get_by_text("Rude Name", exact=True)).to_have_count(0)
    host.keyboard.press("Escape")
    expect(players).to_have_count(0)
    room.start(host, 1)
    expect(ana.get_by_test_id("choice-0")).to_be_visible()
    expect(rude.get_by_test_id("choice-0")).to_have_count(0)


def test_the_host_locks_the_quiz_to_newcomers(room: Room, output_dir: Path) -> None:
    host, code = room.host()
    ana = room.player(code, "Ana")
    expect(host.get_by_test_id("participant-count")).to_have_text("1")

    lock = host.get_by_test_id("host-lock")
    expect(lock).to_have_text("Lock joining")
    expect(lock).to_have_accessible_name("Lock joining")
    lock.click()
    # What it does next, in words (no pressed state): the note says what it is.
    expect(lock).to_have_accessible_name("Unlock joining")
    expect(lock).to_have_attribute("title", "Unlock joining")
    expect(lock).not_to_have_attribute("aria-pressed", re.compile(".*"))
    expect(lock).to_have_text("Unlock joining")
    expect(host.get_by_test_id("host-locked-note")).to_have_text("Locked: nobody new can join")
    # Space starts nothing in the lobby: the toggle keeps the focus (never the page).
    expect(lock).to_be_focused()
    _no_scroll(host)
    _save(host, output_dir / "presenter-lobby-locked.png")

    # A new phone with the quiz ID is told, its name and the quiz ID kept.
    late = room.page(PHONE, "Late")
    late.goto(f"{room.base}/?join={code}")
    late.get_by_test_id("name-input").fill("Late")
    late.get_by_test_id("join-button").click()
    expect(late.get_by_test_id("join-locked")).to_contain_text(
        "This quiz is locked. Ask your teacher to let you in. You will join as soon as they do."
    )
    expect(late.get_by_test_id("join-code-input")).to_have_value(code)

    # A player who joined comes back in.
    ana.reload()
    expect(ana.get_by_test_id("lobby")).to_be_visible()
    expect(ana.get_by_test_id("my-name")).to_have_text("Ana")

    lock.click()
    expect(lock).to_have_accessible_name("Lock joining")
    expect(host.get_by_test_id("host-locked-note")).to_have_count(0)
    # The waiting phone joins by itself once the teacher unlocked it: no Join pressed.
    expect(late.get_by_test_id("lobby")).to_be_visible()
    expect(host.get_by_test_id("participant-count")).to_have_text("2")

    # Locked during a question: a double Enter on the toggle locks once and
    # shows no answer (the main action, which takes the focus, waits a second).
    room.start(host, 2)
    reveal = host.get_by_test_id("host-reveal")
    expect(reveal).to_be_visible()
    expect(reveal).to_be_enabled()
    lock.focus()
    host.keyboard.press("Enter")
    host.keyboard.press("Enter")
    expect(lock).to_have_accessible_name("Unlock joining")
    expect(reveal).to_be_focused()
    expect(reveal).not_to_have_attribute("aria-disabled", "true")
    expect(host.get_by_test_id("presenter")).to_have_attribute("data-phase", "question")
    expect(host.get_by_test_id("host-correct-answer")).to_have_count(0)
    expect(reveal).to_be_focused()

    # The bar's note, whole at every projector width; on a line of its own, no "·" first.
    note = host.get_by_test_id("host-locked-note")
    for width, height in ((1024, 768), (1100, 800), (1280, 720), (1445, 900), (1920, 1080)):
        host.set_viewport_size({"width": width, "height": height})
        # The new width measured, and the note shown for it (two frames: the
        # bar's ResizeObserver, then React's render).
        host.evaluate(
            "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
        )
        expect(note).to_have_attribute("data-fit", re.compile(r"^(inline|own-line)(-short)?$"))
        # Its form and its text read at once: the fit may still change between two reads.
        fit, shown, whole = note.evaluate(
            """(node) => [node.dataset.fit, node.innerText.split('\\n')[0],
                node.scrollWidth <= node.clientWidth + 0.5]"""
        )
        assert whole, (width, shown)
        assert shown.startswith("·") != fit.startswith("own-line"), (width, fit, shown)
        # A narrower projector shows "Unlock"; the name stays "Unlock joining".
        visible = "Unlock" if width <= 1440 else "Unlock joining"
        expect(lock).to_have_text(visible, use_inner_text=True)
        expect(lock).to_have_accessible_name("Unlock joining")
        _no_scroll(host)
    _save(host, output_dir / "presenter-question-locked.png")


def _start_writing(room: Room, title: str, prompt: str, choices: list[str], right: int) -> Any:
    """Sign in as the host and write a quiz's title and first (choice) question."""
    host = room.page(PRESENTER, "host")
    host.goto(f"{room.base}/#/host")
    host.get_by_test_id("name-input").fill(HOST_NAME)
    host.get_by_test_id("name-input").press("Enter")
    host.get_by_test_id("host-new-quiz").click()
    host.get_by_test_id("editor-title").fill(title)
    first = host.get_by_test_id("editor-question").nth(0)
    first.get_by_test_id("editor-prompt").fill(prompt)
    for number, choice in enumerate(choices):
        first.get_by_test_id("editor-choice").nth(number).fill(choice)
    first.get_by_test_id("editor-correct").nth(right).check()
    return host


def _play_picked(room: Room, host: Any) -> Any:
    """Host the quiz picked on the setup screen, join one phone and start; return it."""
    host.get_by_test_id("host-seconds-input").fill(str(QUESTION_SECONDS))
    host.get_by_test_id("host-create").click()
    code = host.get_by_test_id("host-session-id")
    expect(code).to_have_text(re.compile(r"^[A-HJ-NP-Z2-9]{6,8}$"))
    phone = room.player(code.inner_text().strip(), "Ana")
    room.start(host, 1)
    return phone


def test_a_teacher_writes_a_quiz_in_the_app_and_plays_it(room: Room) -> None:
    host = _start_writing(room, "Animals", "Which one barks?", ["cat", "dog"], right=1)
    host.get_by_test_id("editor-add-question").click()
    second = host.get_by_test_id("editor-question").nth(1)
    second.get_by_test_id("editor-prompt").fill("Type the English word for 'chien'")
    second.get_by_test_id("editor-kind").select_option("text")
    second.get_by_test_id("editor-answer").fill("dog")
    # A reload keeps the draft.
    host.reload()
    expect(host.get_by_test_id("host-new-quiz")).to_be_visible()
    host.get_by_test_id("host-new-quiz").click()
    expect(host.get_by_test_id("editor-prompt")).to_have_count(2)
    host.get_by_test_id("editor-save").click()

    # Saved on the server, picked, and played as any quiz.
    expect(host.get_by_test_id("quiz-saved")).to_contain_text("Animals")
    expect(host.get_by_test_id("host-quiz-select").locator("option:checked")).to_contain_text(
        "Animals"
    )
    phone = _play_picked(room, host)
    expect(phone.get_by_test_id("question-prompt")).to_have_text("Which one barks?")
    phone.get_by_test_id("choice-1").click()
    expect(phone.get_by_test_id("answer-feedback")).to_have_attribute("data-correct", "true")
    expect(host.get_by_test_id("host-correct-answer")).to_have_text("dog")


def test_a_teacher_corrects_a_saved_quiz_and_deletes_the_old_one(room: Room) -> None:
    host = _start_writing(room, "Colours", "Wich one is 'rouge'?", ["red", "blue"], right=0)
    host.get_by_test_id("editor-save").click()
    select = host.get_by_test_id("host-quiz-select")
    expect(select.locator("option:checked")).to_contain_text("Colours")
    # A shipped quiz is not the teacher's: nothing to correct or delete.
    select.select_option(QUIZ_ID)
    expect(host.get_by_test_id("host-quiz-delete")).to_have_count(0)
    mine = select.locator("option", has_text="Colours").get_attribute("value")
    select.select_option(mine)

    # The typo is corrected in a copy; the old quiz goes once the copy is saved.
    host.get_by_test_id("host-quiz-correct").click()
    prompt = host.get_by_test_id("editor-prompt").nth(0)
    expect(prompt).to_have_value("Wich one is 'rouge'?")
    prompt.fill("Which one is 'rouge'?")
    host.get_by_test_id("editor-save").click()
    host.get_by_role("button", name="Delete", exact=True).click()

    colours = select.locator("option", has_text="Colours")
    expect(colours).to_have_count(1)
    expect(select.locator("option:checked")).to_contain_text("Colours")
    phone = _play_picked(room, host)
    expect(phone.get_by_test_id("question-prompt")).to_have_text("Which one is 'rouge'?")


def test_qr_code_uses_the_public_url(
    public_url_server: QuizServer, browser: Any, output_dir: Path
) -> None:
    opened = Room(browser, public_url_server.base_url, output_dir, "public-url")
    failed = True
    try:
        host, session_id = opened.host()
        expected = f"{PUBLIC_URL}/?join={session_id}"
        expect(host.get_by_test_id("host-qr")).to_have_attribute("data-text", expected)
        expect(host.locator(".join-link a")).to_have_attribute("href", expected)
        failed = False
    finally:
        opened.close(failed)
    assert opened.errors == [], opened.errors


TYPED_QUIZ = {
    "title": "Greetings typed",
    "language": "en",
    "level": "A1",
    "questions": [
        {"prompt": "Type the English word for 'bonjour'", "kind": "text", "answer": "hello"},
        {"prompt": "Type the English word for 'dormir'", "kind": "text", "answer": "sleep"},
    ],
}


def test_a_typed_answer_left_in_the_box_counts_when_time_runs_out(
    room: Room, quiz_server: QuizServer, output_dir: Path
) -> None:
    author, _ = quiz_server.token("Quiz author")
    created = quiz_server.post("/v1/quizzes", author, TYPED_QUIZ)
    assert created.status_code == 201, created.text
    quiz_id = created.json()["quiz_id"]
    # Long enough for a reload mid-question, short enough to wait out.
    host, session_id = room.host(quiz=quiz_id, seconds=10)

    # The host's screen in a new tab (the sign-in is per tab): straight back in, no form.
    again = host.context.new_page()
    again.on("pageerror", lambda error: room.errors.append(f"host tab: {error}"))
    again.goto(f"{room.base}/#/host/{session_id}")
    expect(again.get_by_test_id("host-start")).to_be_visible()
    expect(again.get_by_test_id("name-input")).to_have_count(0)
    again.close()

    ana = room.player(session_id, "Ana", _phone(360, 740))
    ana_token, _ = page_identity(ana)
    room.start(host, 1)

    # Question 1: typed, then the phone reloads: the draft comes back into the box.
    box = ana.get_by_test_id("text-answer-input")
    expect(box).to_be_enabled()
    box.fill("hel")
    ana.reload()
    expect(box).to_have_value("hel")
    expect(box).to_be_enabled()
    box.press("End")
    box.press_sequentially("lo")
    # Not sent: the countdown reaches 0 and sends what is in the box.
    sent = ana.get_by_test_id("answer-auto-sent")
    expect(sent).to_be_visible(timeout=20_000)
    expect(ana.get_by_test_id("countdown")).to_have_count(0)
    # The server counted it: the reveal shows it right, with its points.
    feedback = ana.get_by_test_id("answer-feedback")
    expect(feedback).to_have_attribute("data-correct", "true", timeout=20_000)
    expect(feedback).to_contain_text("You wrote “hello”.")
    expect(feedback).to_contain_text("Sent when time ran out.")
    assert int(feedback.get_attribute("data-points") or 0) > 0
    expect(host.get_by_test_id("host-correct-answer")).to_have_text("hello")
    board = quiz_server.get(f"/v1/sessions/{session_id}/leaderboard", ana_token).json()
    assert board["me"]["score"] > 0, board
    _save(ana, output_dir / "phone-auto-sent.png")

    # Question 2: typed, but the host shows the answer first: the reveal says so, with the text.
    host.get_by_test_id("host-next").click()
    expect(ana.get_by_test_id("question-prompt")).to_have_text(TYPED_QUIZ["questions"][1]["prompt"])
    expect(box).to_be_enabled()
    box.fill("sleep")
    host.get_by_test_id("host-reveal").click()
    missed = ana.get_by_test_id("answer-missed")
    expect(missed).to_contain_text("The host closed this question before you answered.")
    note = ana.get_by_test_id("draft-not-sent")
    expect(note).to_have_text("You typed “sleep” but it was not sent in time, so it did not count.")
    _on_screen(ana, note)
    _save(ana, output_dir / "phone-draft-not-sent.png")

    # The end: the phone's results list its own answers, readable at 360 px.
    host.get_by_test_id("host-next").click()
    expect(ana.get_by_test_id("podium")).to_be_visible()
    mine = ana.get_by_test_id("results-my-answer")
    expect(mine).to_have_count(2)
    expect(mine.nth(0)).to_have_text(re.compile(r"^hello ✓ right · \d+ points$"))
    expect(mine.nth(0)).to_have_attribute("data-correct", "true")
    expect(mine.nth(1)).to_have_text("no answer")
    expect(ana.get_by_role("columnheader", name="Your answer")).to_have_count(1)
    _no_scroll(ana, down=True)
    for index in range(2):
        cell = mine.nth(index)
        cell.scroll_into_view_if_needed()
        box_of = cell.bounding_box()
        assert box_of is not None and box_of["x"] >= 0 and box_of["x"] + box_of["width"] <= 360, box_of
        # On a line of its own under the question, labelled (the table's head is hidden on a phone).
        label = cell.evaluate("(node) => getComputedStyle(node, '::before').content")
        assert "Your answer" in label, label
    _save(ana, output_dir / "phone-my-answers.png")
    mine.nth(0).scroll_into_view_if_needed()
    ana.screenshot(path=str(output_dir / "phone-my-answers-table.png"))

    # The server says the same; the host's results are as before.
    results = quiz_server.get(f"/v1/sessions/{session_id}/results", ana_token).json()
    assert set(results["my_answers"]) == {results["questions"][0]["question_id"]}, results
    first = results["my_answers"][results["questions"][0]["question_id"]]
    assert first["answer"] == "hello" and first["correct"] is True and first["points"] > 0, first
    expect(host.get_by_test_id("results-table")).to_be_visible()
    expect(host.get_by_test_id("results-my-answer")).to_have_count(0)
