"""docs/ARCHITECTURE.md names only files and code that exist.

The seed -> module map is only useful while it is true: when a module moves
or a class is renamed, this test says which line of the page to change.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ARCHITECTURE.md"
CODE_FOLDERS = ("quizcore", "adapters", "entrypoints", "flink")
# A class (`ScoreService`), a function (`build_services`), a constant (`ROUTES`),
# or a class with a method (`StreamProcessor.handle`).
NAME = re.compile(r"([A-Z][A-Za-z]+|[a-z]+_[a-z_]+)(?:\.([a-z_]+))?")
# A repository path (`adapters/redis/`); one starting ./ is made at run time.
PATH = re.compile(r"[\w-][\w.-]*(/[\w.-]*)+")


def code_spans(text: str) -> list[str]:
    """Return the text of every inline code span."""
    return re.findall(r"`([^`\n]+)`", text)


def test_every_path_the_page_names_exists() -> None:
    paths = [span for span in code_spans(DOC.read_text()) if PATH.fullmatch(span)]

    assert len(paths) > 20
    assert [path for path in paths if not (ROOT / path).exists()] == []


def test_every_class_and_function_the_page_names_is_defined() -> None:
    sources = [
        path.read_text(encoding="utf-8")
        for folder in CODE_FOLDERS
        for path in (ROOT / folder).rglob("*.py")
    ]
    missing = []
    names = [
        match
        for span in code_spans(DOC.read_text())
        if (match := NAME.fullmatch(span)) and not (ROOT / span).is_file()  # `Dockerfile`
    ]
    for match in names:
        name, method = match.groups()
        defined = re.compile(
            rf"^\s*(?:class|def|async def) {name}\b|^{name}\b[^=\n]*=", re.MULTILINE
        )
        homes = [source for source in sources if defined.search(source)]
        if not homes or (method and not any(f"def {method}(" in home for home in homes)):
            missing.append(match.group(0))

    assert len(names) > 20
    assert missing == []
