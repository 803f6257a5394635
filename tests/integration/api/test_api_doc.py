"""docs/API.md and the served OpenAPI document describe the same API.

Every route the document serves is in the page and every route the page
names is in the document; every error code the code can raise is listed.
"""

from __future__ import annotations

import re
from pathlib import Path

from entrypoints.api import errors
from entrypoints.api.app import build_app  # noqa: F401  (imports every resource)
from quizcore.errors import QuizError

from .conftest import Api

ROOT = Path(__file__).resolve().parents[3]
API_DOC = ROOT / "docs" / "API.md"
# The WebSocket upgrade has no OpenAPI operation; the document's info describes it.
WEBSOCKET_ROUTES = {("get", "/v1/sessions/{session_id}/live")}


def documented_routes(text: str) -> set[tuple[str, str]]:
    """Return every ``METHOD /path`` the page names, query strings left off."""
    found = re.findall(r"`(GET|POST|PUT|PATCH|DELETE) (/[^\s`?]*)", text)
    return {(method.lower(), path) for method, path in found}


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def literal_codes(source: str) -> set[str]:
    """Return the codes written as ``"code": "x"`` (dicts, raw bodies) or ``code="x"``."""
    return set(re.findall(r'(?:"code":\s*|\bcode=)"([a-z_]+)"', source))


def raisable_codes() -> set[str]:
    """Return every error code the API or the domain can answer with."""
    codes = {cls.code for cls in _subclasses(QuizError) | {QuizError}}
    codes |= set(errors.STATUS_OF_CODE) | set(errors.CODE_OF_STATUS.values())
    for folder in ("quizcore", "entrypoints"):
        for path in (ROOT / folder).rglob("*.py"):
            codes |= literal_codes(path.read_text(encoding="utf-8"))
    return codes


async def test_every_served_route_is_in_the_doc_and_every_documented_one_is_served(
    api: Api,
) -> None:
    reply = await api.get("/v1/openapi.json")
    served = {(method, path) for path, item in reply.body["paths"].items() for method in item}
    documented = documented_routes(API_DOC.read_text(encoding="utf-8"))

    assert served - documented == set(), "served but not in docs/API.md"
    assert documented - WEBSOCKET_ROUTES - served == set(), "in docs/API.md but not served"
    assert documented >= WEBSOCKET_ROUTES
    assert "/live" in str(reply.body["info"])


def test_every_error_code_the_code_can_raise_is_in_the_doc() -> None:
    text = API_DOC.read_text(encoding="utf-8")
    codes = raisable_codes()

    assert {"question_closed", "rate_limited", "method_not_allowed"} <= codes
    assert sorted(code for code in codes if f"`{code}`" not in text) == []


def test_the_route_reader_finds_routes_and_skips_query_strings() -> None:
    text = "- `GET /v1/leaderboard?limit=10` then `POST /v1/sessions/{session_id}/next` (host)"

    assert documented_routes(text) == {
        ("get", "/v1/leaderboard"),
        ("post", "/v1/sessions/{session_id}/next"),
    }
