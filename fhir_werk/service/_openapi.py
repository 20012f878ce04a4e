"""The OpenAPI document at ``/openapi.json`` (shown at ``/docs``) told in FHIR's terms.

FastAPI describes every answer as ``application/json`` with a pydantic ``HTTPValidationError``;
the service answers ``application/fhir+json`` and every error is an OperationOutcome. This
module rewrites the generated document once: the FHIR media type on every ``/fhir`` answer, an
OperationOutcome for every error (``default``), each route's search parameters, and, when
authentication is on, the bearer scheme (JWT, SMART scopes) on every route that needs a token
(the open ones say ``security: []``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from fhir_werk.service.auth._scopes import route_permission
from fhir_werk.service.core._http import FHIR_JSON
from fhir_werk.service.core._routes import Route

BEARER: Final = "bearer"
_OUTCOME: Final = {"$ref": "#/components/schemas/OperationOutcome"}
OUTCOME_SCHEMA: Final = {
    "type": "object",
    "description": "FHIR R4 OperationOutcome (https://hl7.org/fhir/R4/operationoutcome.html).",
    "required": ["resourceType", "issue"],
    "properties": {
        "resourceType": {"type": "string", "enum": ["OperationOutcome"]},
        "issue": {"type": "array", "minItems": 1, "items": {"type": "object"}},
    },
}
_RESOURCE: Final = {"type": "object", "required": ["resourceType"]}
_PAGING: Final = {
    "_count": ("number", "Hoeveel per pagina."),
    "_offset": ("number", "Vanaf welke treffer (de link next/previous vult hem in)."),
}


def _fhir_answers(operation: dict[str, Any], route: Route) -> None:
    success = "201" if route.interaction == "create" else "200"
    answers: dict[str, Any] = {
        success: {"description": "FHIR-resource", "content": {FHIR_JSON: {"schema": _RESOURCE}}},
        "default": {
            "description": "Fout als OperationOutcome",
            "content": {FHIR_JSON: {"schema": _OUTCOME}},
        },
    }
    if route.interaction == "create":  # a conditional create that finds its match
        answers["200"] = answers["201"]
    operation["responses"] = answers


def _search_parameters(operation: dict[str, Any], route: Route) -> None:
    declared = {p["name"] for p in operation.get("parameters", [])}
    extra = [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": text,
            "schema": {"type": "string"},
        }
        for name, (_, text) in sorted({**route.search, **(_PAGING if route.search else {})}.items())
        if name not in declared
    ]
    if extra:
        operation["parameters"] = [*operation.get("parameters", []), *extra]


def fhir_openapi(app: FastAPI, routes: Sequence[Route], *, authenticated: bool) -> dict[str, Any]:
    """The app's OpenAPI document with the FHIR media type, OperationOutcome errors and (when
    ``authenticated``) the bearer scheme."""
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)  # never answered: errors are OperationOutcomes
    schemas.pop("ValidationError", None)
    schemas["OperationOutcome"] = OUTCOME_SCHEMA
    if authenticated:
        components["securitySchemes"] = {
            BEARER: {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "SMART v2-token van de ingestelde uitgever (zie "
                "/.well-known/smart-configuration); de scopes per route staan in docs/service.md.",
            }
        }
    for route in routes:
        operation = document["paths"].get(f"/fhir{route.path}", {}).get(route.method.lower())
        if operation is None:
            continue
        _fhir_answers(operation, route)
        _search_parameters(operation, route)
        if authenticated:
            operation["security"] = [] if route_permission(route).open else [{BEARER: []}]
    return document


def install_openapi(app: FastAPI, routes: Sequence[Route], *, authenticated: bool) -> None:
    """Serve :func:`fhir_openapi` (built on first request, then kept) as the app's document."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = fhir_openapi(app, routes, authenticated=authenticated)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
