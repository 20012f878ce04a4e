"""Smoke tests of the local HAPI FHIR JPA test server (tests/fhir-server, scripts/fhir-test-server).

They pin the server behaviour fhir-werk's integration tests rely on: R4 with transactions,
client-assigned ids, request validation that rejects errors, conditional create in
transactions, $validate, and QuestionnaireResponses checked against the stored Questionnaire.
Every id, identifier and canonical URL is unique per run, so the tests can run repeatedly
against the same (long-running) server.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hapi_kit import HapiCleanup

pytestmark = pytest.mark.hapi

FHIR_JSON = "application/fhir+json"
AHV_SYSTEM = "urn:oid:2.16.756.5.32"


@pytest.fixture(scope="module")
def client(fhir_server_url: str) -> Iterator[httpx.Client]:
    # The first validation on a fresh server loads the R4 definitions; allow for that.
    with httpx.Client(
        base_url=fhir_server_url,
        headers={"Accept": FHIR_JSON, "Content-Type": FHIR_JSON},
        timeout=120.0,
    ) as c:
        yield c


def _body(resource: dict[str, Any]) -> str:
    return json.dumps(resource)


def _error_issues(outcome: dict[str, Any]) -> list[dict[str, Any]]:
    assert outcome["resourceType"] == "OperationOutcome", outcome
    return [i for i in outcome.get("issue", []) if i["severity"] in ("error", "fatal")]


def _issue_paths(issue: dict[str, Any]) -> str:
    return " ".join(issue.get("expression", []) + issue.get("location", []))


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def test_metadata_is_r4_capability_statement_with_transaction(client: httpx.Client) -> None:
    response = client.get("metadata")

    assert response.status_code == 200
    cs = response.json()
    assert cs["resourceType"] == "CapabilityStatement"
    assert cs["fhirVersion"] == "4.0.1"
    rest = cs["rest"][0]
    assert "transaction" in {i["code"] for i in rest.get("interaction", [])}
    types = {r["type"] for r in rest["resource"]}
    assert {"Patient", "Questionnaire", "QuestionnaireResponse", "CodeSystem", "ValueSet"} <= types


@pytest.mark.parametrize("id_kind", ["alphanumeric", "numeric"])
def test_patient_with_client_assigned_id_can_be_put(
    client: httpx.Client, hapi_cleanup: HapiCleanup, id_kind: str
) -> None:
    # HAPI's default client-id strategy rejects purely numeric ids; EPDs use both kinds.
    client_id = _unique("fw-pat") if id_kind == "alphanumeric" else str(uuid.uuid4().int)[:15]
    patient = {
        "resourceType": "Patient",
        "id": client_id,
        "identifier": [{"system": AHV_SYSTEM, "value": _unique("756")}],
        "name": [{"family": "Muster", "given": ["Anna"]}],
        "gender": "female",
        "birthDate": "1980-02-29",
    }

    created = client.put(f"Patient/{client_id}", content=_body(patient))
    hapi_cleanup.add(f"Patient/{client_id}")

    assert created.status_code == 201, created.text
    assert created.json()["id"] == client_id
    assert created.headers["ETag"] == 'W/"1"'
    read = client.get(f"Patient/{client_id}")
    assert read.status_code == 200
    assert read.json()["name"][0]["family"] == "Muster"


def test_invalid_resource_is_rejected_with_operation_outcome(client: httpx.Client) -> None:
    identifier = _unique("invalid")
    invalid = {
        "resourceType": "Patient",
        "identifier": [{"system": "urn:fhir-werk:test", "value": identifier}],
        "gender": "nonsense",
    }

    response = client.post("Patient", content=_body(invalid))

    assert response.status_code in (400, 412, 422), response.text
    errors = _error_issues(response.json())
    assert any("gender" in _issue_paths(i) for i in errors), errors
    stored = client.get("Patient", params={"identifier": f"urn:fhir-werk:test|{identifier}"})
    assert stored.json().get("total") == 0


def test_transaction_with_if_none_exist_creates_resource_once(
    client: httpx.Client, hapi_cleanup: HapiCleanup
) -> None:
    ahv = _unique("756")
    patient_ref = f"urn:uuid:{uuid.uuid4()}"
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": patient_ref,
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [{"system": AHV_SYSTEM, "value": ahv}],
                    "gender": "male",
                },
                "request": {
                    "method": "POST",
                    "url": "Patient",
                    "ifNoneExist": f"identifier={AHV_SYSTEM}|{ahv}",
                },
            },
            {
                "fullUrl": f"urn:uuid:{uuid.uuid4()}",
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
                    "subject": {"reference": patient_ref},
                    "valueQuantity": {
                        "value": 72.5,
                        "unit": "kg",
                        "system": "http://unitsofmeasure.org",
                        "code": "kg",
                    },
                },
                "request": {"method": "POST", "url": "Observation"},
            },
        ],
    }

    first = client.post(str(client.base_url), content=_body(bundle))
    second = client.post(str(client.base_url), content=_body(bundle))

    assert first.status_code == 200, first.text
    assert second.status_code == 200, second.text
    first_patient = first.json()["entry"][0]["response"]
    hapi_cleanup.add(first_patient["location"].split("/_history")[0])  # with its Observations
    second_patient = second.json()["entry"][0]["response"]
    assert first_patient["status"].startswith("201")
    assert second_patient["status"] == "200 OK"
    assert second_patient["location"].split("/_history")[0] == first_patient["location"].split("/_history")[0]
    # The Observation's urn:uuid reference was rewritten to the patient the server kept.
    observation_id = second.json()["entry"][1]["response"]["location"].split("/_history")[0]
    observation = client.get(observation_id).json()
    assert observation["subject"]["reference"] == first_patient["location"].split("/_history")[0]
    found = client.get("Patient", params={"identifier": f"{AHV_SYSTEM}|{ahv}"})
    assert found.json()["total"] == 1


def test_validate_operation_reports_errors_and_passes_valid_patient(client: httpx.Client) -> None:
    bad = client.post("Patient/$validate", content=_body({"resourceType": "Patient", "gender": "nonsense"}))
    good = client.post(
        "Patient/$validate",
        content=_body({"resourceType": "Patient", "name": [{"family": "Muster"}], "gender": "female"}),
    )

    assert bad.status_code == 200, bad.text
    errors = _error_issues(bad.json())
    assert any("Patient.gender" in _issue_paths(i) for i in errors), errors
    assert good.status_code == 200, good.text
    assert _error_issues(good.json()) == []


def test_questionnaire_response_is_validated_against_stored_questionnaire(
    client: httpx.Client, hapi_cleanup: HapiCleanup
) -> None:
    # A Questionnaire with an SDC profile and SDC extensions the server has no definitions for:
    # it must be accepted (unknown extensions/profiles are no errors).
    q_id = _unique("fw-q")
    canonical = f"http://fhir-werk.example/Questionnaire/{q_id}"
    questionnaire = {
        "resourceType": "Questionnaire",
        "id": q_id,
        "meta": {"profile": ["http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire"]},
        "url": canonical,
        "version": "1.0.0",
        "name": "SmokeTest",
        "status": "active",
        "item": [
            {
                "linkId": "weight",
                "text": "Weight (kg)",
                "type": "decimal",
                "required": True,
                "extension": [
                    {
                        "url": "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-observationExtract",
                        "valueBoolean": True,
                    }
                ],
            }
        ],
    }
    patient_id = _unique("fw-qpat")
    hapi_cleanup.add(f"Questionnaire/{q_id}", f"Patient/{patient_id}")
    assert (
        client.put(
            f"Patient/{patient_id}", content=_body({"resourceType": "Patient", "id": patient_id})
        ).status_code
        == 201
    )
    stored = client.put(f"Questionnaire/{q_id}", content=_body(questionnaire))
    assert stored.status_code == 201, stored.text

    def response_with(answer: dict[str, Any]) -> str:
        return _body(
            {
                "resourceType": "QuestionnaireResponse",
                "questionnaire": f"{canonical}|1.0.0",
                "status": "completed",
                "subject": {"reference": f"Patient/{patient_id}"},
                "item": [{"linkId": "weight", "answer": [answer]}],
            }
        )

    accepted = client.post("QuestionnaireResponse", content=response_with({"valueDecimal": 72.5}))
    rejected = client.post("QuestionnaireResponse", content=response_with({"valueString": "heavy"}))

    assert accepted.status_code == 201, accepted.text
    assert rejected.status_code in (400, 412, 422), rejected.text
    assert _error_issues(rejected.json()), rejected.text
