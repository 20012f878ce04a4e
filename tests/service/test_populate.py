"""SDC ``$populate`` on the service: the follow-up pre-filled from the patient's conversations
stored here; nothing stored; a clear 400/404 for a wrong request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .kit import TestClient, assert_outcome, body, post

ROOT = Path(__file__).parents[2]
FIRST = ROOT / "questionnaires" / "voorbeelden" / "QuestionnaireResponse-sanne-werkt-met-klachten.json"
FHIR_JSON = {"Content-Type": "application/fhir+json"}


def _parameters(reference: str | None) -> dict[str, Any]:
    parts = [] if reference is None else [{"name": "subject", "valueReference": {"reference": reference}}]
    return {"resourceType": "Parameters", "parameter": parts}


def _populate(client: TestClient, reference: str | None, questionnaire: str = "vervolggesprek") -> Any:
    return client.post(
        f"/fhir/Questionnaire/{questionnaire}/$populate",
        content=body(_parameters(reference)),
        headers=FHIR_JSON,
    )


def _items(resource: dict[str, Any], link_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(nodes: list[dict[str, Any]]) -> None:
        for node in nodes:
            if node.get("linkId") == link_id:
                found.append(node)
            walk(node.get("item", []))

    walk(resource.get("item", []))
    return found


def test_populate_fills_the_review_from_the_stored_conversation(client: TestClient) -> None:
    first = json.loads(FIRST.read_text("utf-8"))
    created = post(client, first)
    assert created.status_code == 201, created.text
    answer = _populate(client, "Patient/voorbeeld-sanne")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/fhir+json")
    parameters = answer.json()
    [part] = parameters["parameter"]
    assert part["name"] == "response"
    response = part["resource"]
    assert response["status"] == "in-progress"
    assert response["questionnaire"].startswith("https://fhir-werk.nl/fhir/Questionnaire/vervolggesprek|")
    assert len(_items(response, "terugblik-afspraak")) == 2
    assert len(_items(response, "terugblik-doel")) == 3
    # nothing was stored by populating
    found = client.get("/fhir/QuestionnaireResponse", params={"subject": "Patient/voorbeeld-sanne"}).json()
    assert found["total"] == 1


def test_populate_for_a_patient_without_conversations_has_no_review(client: TestClient) -> None:
    answer = _populate(client, "Patient/nieuw")
    assert answer.status_code == 200, answer.text
    response = answer.json()["parameter"][0]["resource"]
    assert _items(response, "terugblik") == []


def test_populate_refuses_a_request_without_a_patient_and_an_unknown_questionnaire(
    client: TestClient,
) -> None:
    assert_outcome(_populate(client, None), 400, "invalid", "subject")
    assert_outcome(_populate(client, "Group/1"), 400, "invalid", "subject")
    missing = _populate(client, "Patient/x", questionnaire="bestaat-niet")
    assert missing.status_code == 404
    assert missing.json()["resourceType"] == "OperationOutcome"


def test_populate_is_in_the_capability_statement(client: TestClient) -> None:
    statement = client.get("/fhir/metadata").json()
    questionnaire = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Questionnaire")
    assert "populate" in {o["name"] for o in questionnaire.get("operation", [])}
