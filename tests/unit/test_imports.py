"""The domain imports the standard library only, in every module.

That is what lets the Flink job ship ``quizcore`` to its Python workers
unchanged. The rule is read from each module's syntax tree, so an import
inside a function or under ``TYPE_CHECKING`` counts as well.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import quizcore

DOMAIN = Path(quizcore.__file__).resolve().parent


def foreign_imports(source: str) -> set[str]:
    """Return the top-level names of imports outside the stdlib and quizcore."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue  # relative imports stay inside quizcore
        for name in names:
            top = name.partition(".")[0]
            if top != "quizcore" and top not in sys.stdlib_module_names:
                found.add(top)
    return found


def test_every_quizcore_module_imports_the_standard_library_only() -> None:
    modules = sorted(DOMAIN.rglob("*.py"))
    assert len(modules) > 5  # the walk found the package
    offenders = {
        str(path.relative_to(DOMAIN)): sorted(found)
        for path in modules
        if (found := foreign_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_a_third_party_import_is_caught_wherever_it_hides() -> None:
    source = """
import asyncio, json
from dataclasses import dataclass
from . import scoring
from quizcore.ports import Clock
import pydantic.fields
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from redis.asyncio import Redis
def later():
    import orjson
"""
    assert foreign_imports(source) == {"pydantic", "redis", "orjson"}
