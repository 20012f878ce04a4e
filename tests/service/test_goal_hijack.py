"""Identifiers fhir-werk mints are no authority (issue 19, item 1): a follow-up of patient A that
names patient B's goals (``terugblik-doel-id``) is refused at submission with the linkId path, and
delivery — as defence in depth — refuses and audits a bundle that would overwrite another
patient's resource: on the real HAPI server B's goals stay at version 1."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from fhir_werk.adapters.fhir import FhirAdapter, FhirAdapterSettings  # type: ignore[import-not-found]
from fhir_werk.client import FhirClient, make_http_client
from fhir_werk.delivery import AuditLog, Ledger, PushContext
from fhir_werk.extraction import extract
from fhir_werk.followup import BundleRecord, answered, conversations, populate_followup
from fhir_werk.shared import ConflictError, Resource

from .kit import TestClient, assert_outcome, body, post
from hapi_kit import HapiCleanup

ROOT = Path(__file__).parents[2]
FIRST = ROOT / "questionnaires" / "voorbeelden" / "QuestionnaireResponse-sanne-werkt-met-klachten.json"
FHIR_JSON = {"Content-Type": "application/fhir+json"}
GOAL_ID = "terugblik-doel-id"


def _first(patient: str) -> dict[str, Any]:
    response: dict[str, Any] = json.loads(FIRST.read_text("utf-8"))
    response.pop("id", None)
    response["identifier"] = {**response["identifier"], "value": f"{patient}-gesprek-1"}
    response["subject"] = {"reference": f"Patient/{patient}"}
    return response


def _goal_answers(response: Resource) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(nodes: list[dict[str, Any]]) -> None:
        for node in nodes:
            if node.get("linkId") == GOAL_ID:
                found.extend(node.get("answer", []))
            walk(node.get("item", []))
            for answer in node.get("answer", []):
                walk(answer.get("item", []))

    walk(response.get("item", []))
    return found


def _followup_of(filled: Resource, patient: str, number: int) -> dict[str, Any]:
    response = answered(filled, conversations()[0])
    response["status"] = "completed"
    response["identifier"] = {
        "system": "https://fhir-werk.nl/fhir/NamingSystem/test",
        "value": f"{patient}-{number}",
    }
    response["subject"] = {"reference": f"Patient/{patient}"}
    return response


def _populate(client: TestClient, patient: str) -> Resource:
    parameters = {
        "resourceType": "Parameters",
        "parameter": [{"name": "subject", "valueReference": {"reference": f"Patient/{patient}"}}],
    }
    answer = client.post(
        "/fhir/Questionnaire/vervolggesprek/$populate", content=body(parameters), headers=FHIR_JSON
    )
    assert answer.status_code == 200, answer.text
    filled: Resource = answer.json()["parameter"][0]["resource"]
    return filled


def test_a_review_naming_another_patients_goal_is_refused_with_its_path(client: TestClient) -> None:
    for patient in ("pat-a", "pat-b"):
        assert post(client, _first(patient)).status_code == 201
    of_b = _populate(client, "pat-b")
    assert len(_goal_answers(of_b)) == 3
    # A's follow-up, its review naming B's goals (what an attacker copies or guesses).
    hijack = _followup_of(of_b, "pat-a", 2)
    result = assert_outcome(post(client, hijack), 422, "business-rule", "werkplan van deze patiënt")
    expressions = [i["expression"][0] for i in result["issue"]]
    assert len(expressions) == 3
    assert all(e.startswith("QuestionnaireResponse.item.where(linkId='terugblik')") for e in expressions)
    assert all(f".item.where(linkId='{GOAL_ID}')[0].answer[0].value" in e for e in expressions)
    # nothing stored for A beyond the first conversation; B's plan untouched
    found = client.get("/fhir/QuestionnaireResponse", params={"subject": "Patient/pat-a"}).json()
    assert found["total"] == 1
    # one identifier of another patient among A's own is refused as well
    of_a = _populate(client, "pat-a")
    mixed = _followup_of(of_a, "pat-a", 3)
    _goal_answers(mixed)[1]["valueString"] = _goal_answers(of_b)[0]["valueString"]
    result = assert_outcome(post(client, mixed), 422, "business-rule")
    assert len(result["issue"]) == 1
    # B's own follow-up naming B's goals is accepted, as before
    assert post(client, _followup_of(of_b, "pat-b", 2)).status_code == 201


@pytest.mark.hapi
def test_delivery_refuses_and_audits_writing_another_patients_goal(
    fhir_server_url: str, tmp_path: Path, hapi_cleanup: HapiCleanup
) -> None:
    run = uuid.uuid4().hex[:10]
    a, b = f"fw-a-{run}", f"fw-b-{run}"
    hapi_cleanup.add(f"Patient/{a}", f"Patient/{b}")  # and all delivered for them
    with make_http_client(fhir_server_url, timeout=60) as http:
        server = FhirClient(http)
        for kind, resource_id in (("Patient", a), ("Patient", b), ("Practitioner", "voorbeeld-behandelaar")):
            server.update({"resourceType": kind, "id": resource_id, "name": [{"family": "Testpersoon"}]})
        settings = FhirAdapterSettings(base_url=fhir_server_url, timeout=60)
        audit = AuditLog(tmp_path / "audit.sqlite3")
        with FhirAdapter(settings, audit=audit, ledger=Ledger(tmp_path / "ledger.sqlite3")) as adapter:
            first_of_b = extract(_first(b))
            adapter.push(first_of_b, PushContext())
            adapter.push(extract(_first(a)), PushContext())

            def goals_of_b() -> list[Resource]:
                found = server.search("Goal", {"subject": f"Patient/{b}", "_count": "100"})
                return [e["resource"] for e in found.get("entry", [])]

            before = goals_of_b()
            assert len(before) == 3
            assert {g["meta"]["versionId"] for g in before} == {"1"}
            # The service refuses this at submission; here the bundle goes to delivery directly.
            filled = populate_followup(
                BundleRecord([first_of_b]), patient=b, authored="2027-02-01T10:15:00+01:00"
            )
            hijack = _followup_of(copy.deepcopy(filled), a, 2)
            with pytest.raises(ConflictError) as refused:
                adapter.push(extract(hijack), PushContext())
            assert refused.value.status == 409
            assert "andere patiënt" in refused.value.outcome["issue"][0]["details"]["text"]
        after = goals_of_b()
        assert len(after) == 3
        assert {g["meta"]["versionId"] for g in after} == {"1"}
        assert {g["subject"]["reference"] for g in after} == {f"Patient/{b}"}
        assert {g["description"]["text"] for g in after} == {g["description"]["text"] for g in before}
        events = audit.query(patient=f"Patient/{a}")
        assert any(e.get("outcome") == "4" for e in events), [e.get("outcome") for e in events]


def test_a_follow_up_with_an_absolute_subject_reviews_its_own_goals(client: TestClient) -> None:
    # The store keeps the patient as Patient/x (so an absolute subject finds its own plan): the
    # goal check must name the patient the same way, whichever form each response uses.
    first = _first("pat-c") | {"subject": {"reference": "https://epd.example.org/fhir/Patient/pat-c"}}
    assert post(client, first).status_code == 201
    followup = _followup_of(_populate(client, "pat-c"), "pat-c", 2)
    followup["subject"] = {"reference": "https://epd.example.org/fhir/Patient/pat-c/_history/3"}
    assert post(client, followup).status_code == 201
