"""The live benchmarks' load generator plays small sessions end to end.

It keeps ``bench/live.py`` and ``bench/loadgen/live.mjs`` working: a change to
the API that broke the benchmark would otherwise go unnoticed until someone
measured. Figures are checked for completeness, never for speed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("node") is None, reason="the load generator runs on Node"),
]


def _run(*arguments: str, bench: str = "bench.live") -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-m", bench, "--no-write", "--json", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_every_player_answers_every_question_and_sees_it_on_the_board() -> None:
    figures = _run("--players", "30", "--questions", "3", "--seconds", "10")
    assert figures["answers_sent"] == 90
    assert figures["answers_scored"] == 90
    assert figures["visible_count"] == 90
    assert figures["dropped"] == 0
    assert figures["errors"] == 0
    assert figures["server_rss_mib"] > 0
    # Every answer is correct: each one's speed points are accounted for.
    assert isinstance(figures["points_lost_p99"], int) and figures["points_lost_p99"] >= 0
    # The server's CPU is split at the load generator's phases: setting the
    # players up, then play; together no more than the whole run.
    setup = float(figures["server_cpu_us_per_player_setup"]) * 30 / 1e6
    play = float(figures["server_cpu_us_per_answer_in_play"]) * 90 / 1e6
    assert setup > 0
    assert play > 0
    assert setup + play <= float(figures["server_cpu_s"]) + 1e-9


def test_each_answer_can_be_written_out_and_the_servers_log_kept(tmp_path: Path) -> None:
    answers, log = tmp_path / "answers.csv", tmp_path / "server.log"
    figures = _run(
        "--players", "20", "--questions", "2", "--seconds", "10", "--spread", "0.5",
        "--answers-csv", str(answers), "--server-log", str(log),
    )  # fmt: skip
    header, *rows = answers.read_text().splitlines()
    assert header == "question,opened_ms,sent_ms,result_ms,visible_ms"
    assert len(rows) == 40
    assert {row.split(",")[0] for row in rows} == {"q1", "q2"}
    for row in rows:
        opened, sent, result = (float(cell) for cell in row.split(",")[1:4])
        assert 0 <= opened <= sent, "answered after the question reached the player"
        assert result >= 0
    # Answered within half a second of the opening: all in the first second.
    assert figures["result_p99_ms_first_second"] == figures["result_p99_ms"]
    assert figures["result_p99_ms_later"] is None
    assert "request" in log.read_text(), "the server logged its requests at INFO"


@pytest.mark.parametrize("flow", ["live", "self-paced"])
def test_http_clients_have_every_answer_accepted(flow: str) -> None:
    figures = _run("--http", "--flow", flow, "--clients", "4", "--duration", "1")
    statuses = figures["statuses"]
    assert isinstance(statuses, dict)
    assert figures["answers_accepted"] > 0
    assert set(statuses) == {"202"}


@pytest.mark.parametrize("frames", [[], ["--contract"]], ids=["answer", "contract"])
def test_the_bare_server_stack_answers_every_socket_every_round(frames: list[str]) -> None:
    figures = _run("--players", "30", "--rounds", "2", *frames, bench="bench.ws_floor")
    assert figures["answers_scored"] == 60
