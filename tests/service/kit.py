"""Helpers of the service tests: the shipped examples, FHIR requests, exact outcome checks."""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    # Starlette deprecates its httpx-based TestClient in favour of a package not installed here;
    # the warning is about the test tool, not about fhir-werk.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient as TestClient


ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "questionnaires" / "voorbeelden"
FHIR = {"content-type": "application/fhir+json"}


def example(name: str = "els-uitkering", **changes: Any) -> dict[str, Any]:
    """A shipped example response, with top-level elements changed."""
    resource: dict[str, Any] = json.loads(
        (EXAMPLES / f"QuestionnaireResponse-{name}.json").read_text("utf-8")
    )
    return copy.deepcopy(resource) | changes


def body(resource: Any) -> bytes:
    return json.dumps(resource).encode()


def post(client: TestClient, resource: Any, **headers: str) -> Any:
    return client.post("/fhir/QuestionnaireResponse", content=body(resource), headers=FHIR | headers)


def assert_outcome(response: Any, status: int, code: str, text: str | None = None) -> dict[str, Any]:
    """The answer is an OperationOutcome with this status, first issue code and (part of) Dutch text."""
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/fhir+json")
    result: dict[str, Any] = response.json()
    assert result["resourceType"] == "OperationOutcome"
    first = result["issue"][0]
    assert first["code"] == code, first
    if text is not None:
        assert text in first["details"]["text"], first["details"]["text"]
    assert "Traceback" not in response.text
    return result
