"""Operations: liveness, readiness, the client configuration, the OpenAPI document."""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi
from spectree import Response

from entrypoints.api import schemas
from entrypoints.api.context import ApiContext
from entrypoints.api.resources.common import (
    spec,
)
from entrypoints.observability import probe


class Health:
    """Liveness: the process answers."""

    @spec.validate(resp=Response(HTTP_200=schemas.Status), tags=["operations"])
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Report that the process lives."""
        resp.media = {"status": "ok"}


class Ready:
    """Readiness: every dependency answers."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    @spec.validate(
        resp=Response(HTTP_200=schemas.Status, HTTP_503=schemas.Problem),
        tags=["operations"],
        skip_validation=True,
    )
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Probe each dependency; 503 if any fails; ``checks`` says which."""
        checks = {}
        for index, check in enumerate(self.ctx.ready_checks):
            name = getattr(check, "__name__", "check")
            checks[name if name not in checks else f"{name}-{index}"] = check
        ready, outcomes = await probe(checks, self.ctx.settings.ready_check_timeout_s)
        if not ready:
            failures = [
                f"{name}: {outcome['error'].split(':', 1)[0]}"
                for name, outcome in outcomes.items()
                if outcome["status"] != "ok"
            ]
            resp.status = 503
            resp.content_type = "application/problem+json"
            resp.media = {
                "type": "about:blank",
                "title": "Not ready",
                "status": 503,
                "code": "unavailable",
                "detail": "; ".join(failures),
                "checks": outcomes,
            }
        else:
            resp.media = {"status": "ready", "checks": outcomes}


class WebConfig:
    """What the web client needs to know about this deployment."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Serve the client configuration."""
        settings = self.ctx.settings
        resp.media = {
            "profile": settings.profile,
            "dev_auth": settings.dev_auth_enabled,
            "auth0_domain": settings.auth0_domain,
            "auth0_client_id": settings.auth0_client_id,
            "auth0_audience": settings.auth_audience,
            "public_url": settings.public_url,
        }


class OpenApi:
    """The OpenAPI 3.1 document, generated from the request and response models."""

    def __init__(self) -> None:
        self._document: dict[str, Any] | None = None

    @spec.validate(resp=Response(HTTP_200=None), tags=["operations"])
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Serve the document of every route."""
        if self._document is None:
            self._document = problem_documents(spec.spec)
        resp.media = self._document


def problem_documents(document: dict[str, Any]) -> dict[str, Any]:
    """Declare error bodies as problem documents, with 415, 429 and 503 where they occur."""
    schemas_ = document.get("components", {}).get("schemas", {})
    name = next((key for key in schemas_ if key.split(".")[0] == "Problem"), None)
    problem = {"$ref": f"#/components/schemas/{name}"} if name else {"type": "object"}
    extra = {
        "415": "The body is not application/json (invalid_request)",
        "429": "Too many requests (rate_limited; see Retry-After)",
        "503": "A dependency is unavailable (unavailable)",
    }
    # spectree escapes regex characters of Falcon templates ("jwks\\.json").
    document["paths"] = {
        path.replace("\\.", "."): item for path, item in document.get("paths", {}).items()
    }
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    response["content"] = {"application/problem+json": {"schema": problem}}
            if path.startswith("/v1/") and not path.endswith("openapi.json"):
                for status, description in extra.items():
                    if status == "429" and method != "post":
                        continue
                    if status == "415" and "requestBody" not in operation:
                        continue
                    responses.setdefault(
                        status,
                        {
                            "description": description,
                            "content": {"application/problem+json": {"schema": problem}},
                        },
                    )
    return document
