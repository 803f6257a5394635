"""bench/RESULTS.md keeps one block per benchmark; writing one leaves the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench._results import write_section


def test_missing_results_file_is_created_with_its_header(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"

    write_section("domain", "## Domain\n\n1 answer/s\n", path)

    assert path.read_text() == (
        "# Benchmark results\n\n"
        "<!-- domain:start -->\n## Domain\n\n1 answer/s\n<!-- domain:end -->\n"
    )


def test_writing_a_section_again_replaces_only_its_block(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    write_section("domain", "old domain", path)
    write_section("live", "live figures", path)

    write_section("domain", "new domain", path)

    text = path.read_text()
    assert "old domain" not in text
    assert text.count("<!-- domain:start -->") == 1
    assert text.index("new domain") < text.index("live figures")
    assert text.startswith("# Benchmark results\n")


def test_text_outside_the_blocks_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    path.write_text(
        "# Benchmark results\n\nNotes by hand.\n\n<!-- domain:start -->\nx\n<!-- domain:end -->\n"
    )

    write_section("domain", "y", path)

    assert path.read_text() == (
        "# Benchmark results\n\nNotes by hand.\n\n<!-- domain:start -->\ny\n<!-- domain:end -->\n"
    )


def test_markdown_with_backslashes_is_written_verbatim(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    write_section("domain", "first", path)

    write_section("domain", r"a \1 b \g<0>", path)

    assert r"a \1 b \g<0>" in path.read_text()


@pytest.mark.parametrize("name", ["", "two words", "a-->b"])
def test_section_name_that_would_break_the_markers_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError):
        write_section(name, "x", tmp_path / "RESULTS.md")
