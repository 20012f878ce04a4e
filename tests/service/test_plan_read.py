"""Read and search the local copies of the plan (CarePlan, Goals, Observations …) by patient."""

from __future__ import annotations

from typing import Any

from .kit import FHIR, TestClient, assert_outcome, body, example, post


def _search(client: TestClient, kind: str, **params: str) -> dict[str, Any]:
    answer = client.get(f"/fhir/{kind}", params=params)
    assert answer.status_code == 200, answer.text[:300]
    result: dict[str, Any] = answer.json()
    return result


def test_the_plan_of_a_stored_response_is_readable_by_patient(client: TestClient) -> None:
    stored = post(client, example()).json()
    (plan,) = [e["resource"] for e in _search(client, "CarePlan", patient="voorbeeld-els")["entry"]]
    assert plan["subject"] == {"reference": "Patient/voorbeeld-els"}
    assert plan["meta"]["versionId"] == "1"
    # References point at the local copies and the stored response, not at urn:uuids.
    goals = [g["reference"] for g in plan["goal"]]
    assert goals
    for reference in goals:
        assert client.get(f"/fhir/{reference}").json()["resourceType"] == "Goal"
    assert f"QuestionnaireResponse/{stored['id']}" in {s["reference"] for s in plan["supportingInfo"]}
    assert _search(client, "Observation", subject="Patient/voorbeeld-els")["total"] == 4
    assert _search(client, "Goal", patient="voorbeeld-pieter")["total"] == 0
    read = client.get(f"/fhir/CarePlan/{plan['id']}")
    assert read.headers["etag"] == 'W/"1"'


def test_an_unchanged_resource_keeps_its_version(client: TestClient) -> None:
    stored = post(client, example()).json()
    goal = _search(client, "Goal", patient="voorbeeld-els")["entry"][0]["resource"]
    client.put(f"/fhir/QuestionnaireResponse/{stored['id']}", content=body(stored), headers=FHIR)
    again = client.get(f"/fhir/Goal/{goal['id']}").json()
    assert again == goal  # the same goal from the same answers: no new version
    assert _search(client, "Provenance", patient="voorbeeld-els")["total"] == 1


def test_a_retraction_marks_the_copies(client: TestClient) -> None:
    stored = post(client, example()).json()
    client.put(
        f"/fhir/QuestionnaireResponse/{stored['id']}",
        content=body(stored | {"status": "entered-in-error"}),
        headers=FHIR,
    )
    (plan,) = [e["resource"] for e in _search(client, "CarePlan", patient="voorbeeld-els")["entry"]]
    assert (plan["status"], plan["meta"]["versionId"]) == ("entered-in-error", "2")


def test_paging_and_errors(client: TestClient) -> None:
    post(client, example())
    first = _search(client, "Observation", patient="voorbeeld-els", _count="3")
    assert len(first["entry"]) == 3
    assert any(link["relation"] == "next" for link in first["link"])
    assert_outcome(client.get("/fhir/Goal", params={"status": "active"}), 400, "invalid", "'status'")
    assert_outcome(client.get("/fhir/Goal/onbekend"), 404, "not-found", "Goal/onbekend bestaat niet")
