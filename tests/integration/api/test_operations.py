"""Operations: health, readiness, the OpenAPI document, unknown routes."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from .conftest import PROBLEM_JSON, Api, Harness, assert_problem

CONTRACT_PATHS = {
    ("post", "/v1/dev/token"),
    ("get", "/v1/quizzes"),
    ("post", "/v1/quizzes"),
    ("get", "/v1/quizzes/{quiz_id}"),
    ("post", "/v1/sessions"),
    ("get", "/v1/sessions/{session_id}"),
    ("post", "/v1/sessions/{session_id}/participants"),
    ("post", "/v1/sessions/{session_id}/start"),
    ("post", "/v1/sessions/{session_id}/next"),
    ("post", "/v1/sessions/{session_id}/finish"),
    ("get", "/v1/sessions/{session_id}/questions/current"),
    ("post", "/v1/sessions/{session_id}/answers"),
    ("get", "/v1/sessions/{session_id}/answers/{submission_id}"),
    ("get", "/v1/sessions/{session_id}/leaderboard"),
    ("get", "/v1/sessions/{session_id}/results"),
    ("get", "/v1/users/me"),
    ("get", "/v1/leaderboard"),
    ("post", "/v1/auth0/events"),
}
OPERATIONS_PATHS = {
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/.well-known/jwks.json"),
    ("get", "/v1/openapi.json"),
}


async def test_healthz_answers_while_the_process_lives(api: Api) -> None:
    reply = await api.get("/healthz")

    assert reply.status == 200
    assert reply.body == {"status": "ok"}


async def test_readyz_is_200_when_every_dependency_answers(api: Api) -> None:
    reply = await api.get("/readyz")

    assert reply.status == 200


async def test_readyz_is_503_when_a_dependency_fails(harness: Harness) -> None:
    async def broken_store() -> None:
        raise ConnectionError("the store is down")

    harness.ctx.ready_checks.append(broken_store)

    reply = await harness.api.get("/readyz")

    problem = assert_problem(reply, 503, "unavailable")
    assert "broken_store" in problem["detail"]
    assert (await harness.api.get("/healthz")).status == 200


async def _openapi(api: Api) -> dict[str, object]:
    reply = await api.get("/v1/openapi.json")
    assert reply.status == 200
    assert reply.content_type == "application/json"
    return dict(reply.body)


async def test_the_openapi_document_is_valid_openapi_3_1_without_a_token(api: Api) -> None:
    document = await _openapi(api)

    assert str(document["openapi"]).startswith("3.1")
    validate(document)


async def test_the_openapi_document_describes_every_route_of_the_contract(api: Api) -> None:
    document = await _openapi(api)

    paths = document["paths"]
    assert isinstance(paths, dict)
    documented = {(method, path) for path, item in paths.items() for method in item}
    assert documented >= CONTRACT_PATHS, CONTRACT_PATHS - documented
    assert "/live" in str(document["info"]), "the live channel is described"


async def test_the_openapi_document_describes_the_operational_routes_too(api: Api) -> None:
    document = await _openapi(api)

    paths = document["paths"]
    assert isinstance(paths, dict)
    documented = {(method, path) for path, item in paths.items() for method in item}
    assert documented >= OPERATIONS_PATHS, OPERATIONS_PATHS - documented


async def test_the_openapi_document_declares_errors_as_problem_documents(api: Api) -> None:
    document = await _openapi(api)

    answers = document["paths"]["/v1/sessions/{session_id}/answers"]["post"]  # type: ignore[index]
    responses = answers["responses"]
    assert set(responses["409"]["content"]) == {PROBLEM_JSON}
    assert {"429", "503"} <= set(responses)


async def test_the_openapi_document_comes_from_the_validating_models(api: Api) -> None:
    document = await _openapi(api)

    schemas = document["components"]["schemas"]  # type: ignore[index]
    (session_in,) = [schema for name, schema in schemas.items() if name.startswith("SessionIn")]
    seconds = session_in["properties"]["question_seconds"]
    assert (seconds["minimum"], seconds["maximum"]) == (1, 300)
    assert set(session_in["properties"]["mode"]["enum"]) == {"live", "self_paced"}


@pytest.mark.parametrize("path", ["/v1/nope", "/v1/sessions/ABCDEF/whatever", "/v1"])
async def test_an_unknown_api_path_is_a_404_problem(api: Api, path: str) -> None:
    player = await api.login()

    anonymous = await api.get(path)
    authenticated = await api.get(path, as_=player)

    assert_problem(anonymous, 404, "not_found")
    assert_problem(authenticated, 404, "not_found")


async def test_a_wrong_method_on_a_known_route_is_a_405_problem(api: Api) -> None:
    player = await api.login()

    reply = await api.call("DELETE", "/v1/quizzes", as_=player)

    assert reply.status == 405
    assert reply.content_type == PROBLEM_JSON
    assert reply.body["status"] == 405


async def test_api_responses_are_never_cached_by_shared_caches(api: Api) -> None:
    player = await api.login()

    reply = await api.get("/v1/users/me", as_=player)

    assert reply.headers.get("cache-control") == "no-store"
