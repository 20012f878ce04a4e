"""The published artifacts on a validating server that holds fhir-werk's CodeSystems (issue 24).

A Coding with a ``system`` and no ``code`` is checked by HAPI as the code ``null`` in that
CodeSystem. Whether the server says so depends on its validation cache: while it remembers that
it did not know the CodeSystem it only warns, once that has expired it refuses the resource. The
probe below uses a CodeSystem the server has never seen (so no cache entry can hide the check);
the published Questionnaires must carry no such Coding at all, so no message may name ``#null``.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from fhir_werk.authoring._template_parts import template_extract
from fhir_werk.publishing._artifacts import published
from fhir_werk.shared import TEMPLATE_EXTRACT_VALUE

pytestmark = pytest.mark.hapi
HEADERS = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}


@pytest.fixture(scope="module")
def client(fhir_server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{fhir_server_url}/", headers=HEADERS, timeout=120) as opened:
        yield opened


def _put(client: httpx.Client, resource: dict[str, Any]) -> None:
    response = client.put(f"{resource['resourceType']}/{resource['id']}", content=json.dumps(resource))
    assert response.status_code in (200, 201), response.text[:2000]


def _known(client: httpx.Client, system: str, code: str) -> None:
    """Wait (bounded) until the server validates ``code`` in ``system``: HAPI stores a
    CodeSystem's concepts in the background after the PUT."""
    for _ in range(120):
        result = client.get("CodeSystem/$validate-code", params={"url": system, "code": code}).json()
        if any(p.get("name") == "result" and p.get("valueBoolean") for p in result.get("parameter", [])):
            return
        time.sleep(0.5)
    pytest.fail(f"{system}#{code} werd niet bekend op de server")


def _issues(client: httpx.Client, resource: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.post(f"{resource['resourceType']}/$validate", content=json.dumps(resource))
    assert response.status_code == 200, response.text[:2000]
    found: list[dict[str, Any]] = response.json()["issue"]
    return found


def _probe(coding: dict[str, Any]) -> dict[str, Any]:
    template = {"resourceType": "Observation", "id": "tpl", "status": "final", "code": {"coding": [coding]}}
    return {
        "resourceType": "Questionnaire",
        "status": "draft",
        "extension": [template_extract("tpl")],
        "contained": [template],
    }


def _null_code(issues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Issues about the code ``null`` in a CodeSystem (``<system>#null``; an extensible binding's
    warning lists a coding without system as ``null#null``, which checks nothing)."""
    return [i for i in issues if re.search(r"https?://\S+#null", i.get("diagnostics", ""))]


def test_a_template_coding_without_code_is_checked_as_code_null_and_one_with_only_its_expression_is_not(
    client: httpx.Client,
) -> None:
    system = f"https://fhir-werk.example/CodeSystem/probe-{uuid.uuid4().hex[:12]}"
    code_system = {
        "resourceType": "CodeSystem",
        "id": system.rsplit("/", 1)[1],
        "url": system,
        "status": "active",
        "content": "complete",
        "concept": [{"code": "a", "display": "A"}],
    }
    _put(client, code_system)
    _known(client, system, "a")
    expression = {"extension": [{"url": TEMPLATE_EXTRACT_VALUE, "valueString": "answer.value"}]}

    codeless = _issues(client, _probe({**expression, "system": system}))
    expression_only = _issues(client, _probe(expression))

    assert _null_code(codeless), codeless
    assert _null_code(expression_only) == []
    assert [i for i in expression_only if i["severity"] in ("error", "fatal")] == []


def test_published_questionnaires_name_no_null_code_on_a_server_holding_the_code_systems(
    client: httpx.Client,
) -> None:
    artifacts = published()
    for resource in artifacts.of_type("CodeSystem") + artifacts.of_type("ValueSet"):
        _put(client, resource)
    # No wait for the server to know them: whether it still remembers a CodeSystem as unknown
    # ("CodeSystem is unknown … for '<system>#null'") or checks the code ("… <system>#null - Code
    # is not found"), a codeless Coding is named as <system>#null either way.
    for questionnaire in artifacts.of_type("Questionnaire"):
        issues = _issues(client, questionnaire)
        assert [i for i in issues if i["severity"] in ("error", "fatal")] == [], questionnaire["id"]
        assert _null_code(issues) == [], questionnaire["id"]


def test_a_resource_that_claims_a_profile_it_does_not_meet_is_an_error(client: httpx.Client) -> None:
    """meta.profile is a promise the server checks: the published ValueSets claim FHIR's
    ShareableValueSet and meet it; without the description it requires, the claim fails."""
    claiming = [r for r in published().of_type("ValueSet") if r.get("meta", {}).get("profile")]
    assert claiming
    value_set = claiming[0]
    broken = {k: v for k, v in value_set.items() if k not in ("description", "_description")}

    met = _issues(client, value_set)
    unmet = _issues(client, broken)

    assert [i for i in met if i["severity"] in ("error", "fatal")] == []
    errors = [i for i in unmet if i["severity"] == "error"]
    assert [i["diagnostics"] for i in errors] == [
        "ValueSet.description: minimum required = 1, but only found 0 "
        "(from http://hl7.org/fhir/StructureDefinition/shareablevalueset|4.0.1)"
    ]
