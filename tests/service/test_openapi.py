"""``/openapi.json``: FHIR's media type on every answer, OperationOutcome errors, the search
parameters, and the bearer scheme on the guarded routes when authentication is on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import respx

from fhir_werk.service import ROUTES, create_app
from fhir_werk.service.auth._scopes import route_permission

from .auth_kit import auth_settings, idp
from .kit import TestClient

__all__ = ["idp"]  # the fixture, imported for pytest


def _operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


def test_every_fhir_answer_is_fhir_json_and_every_error_an_outcome(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operations = _operations(document)
    for route in ROUTES:
        operation = operations[(route.method, f"/fhir{route.path}")]
        answers = operation["responses"]
        success = "201" if route.interaction == "create" else "200"
        assert list(answers[success]["content"]) == ["application/fhir+json"], route.path
        assert answers["default"]["content"]["application/fhir+json"]["schema"] == {
            "$ref": "#/components/schemas/OperationOutcome"
        }
        assert "422" not in answers, route.path  # FastAPI's own validation error never answers
        assert "security" not in operation  # local mode: no scheme to name
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert schemas["OperationOutcome"]["properties"]["resourceType"]["enum"] == ["OperationOutcome"]
    assert "securitySchemes" not in document["components"]
    search = operations[("GET", "/fhir/QuestionnaireResponse")]
    assert {p["name"] for p in search["parameters"]} == {
        "subject",
        "patient",
        "status",
        "authored",
        "identifier",
        "_count",
        "_offset",
    }


def test_with_authentication_the_guarded_routes_need_the_bearer_scheme(
    tmp_path: Path, idp: respx.Route
) -> None:
    with TestClient(create_app(auth_settings(tmp_path), worker=False)) as client:
        answer = client.get("/openapi.json")
        assert client.get("/docs").status_code == 200
    assert answer.status_code == 200
    document = answer.json()
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": document["components"]["securitySchemes"]["bearer"]["description"],
    }
    operations = _operations(document)
    for route in ROUTES:
        expected: list[dict[str, list[str]]] = [] if route_permission(route).open else [{"bearer": []}]
        assert operations[(route.method, f"/fhir{route.path}")]["security"] == expected, route.path
    assert operations[("GET", "/fhir/metadata")]["security"] == []
    assert operations[("POST", "/fhir/QuestionnaireResponse")]["security"] == [{"bearer": []}]
