"""Read and search the local copies of the plan (CarePlan, Goals, Observations …) by patient."""

from __future__ import annotations

import json
from typing import Any

from fhir_werk.extraction import extract

from .kit import EXAMPLES, FHIR, TestClient, assert_outcome, body, example, post


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


def _goal_ids(response: dict[str, Any]) -> list[str]:
    return [
        e["resource"]["identifier"][0]["value"]
        for e in extract(response)["entry"]
        if e["resource"]["resourceType"] == "Goal"
    ]


def _sanne_twice(client: TestClient, patient: str) -> None:
    """Sanne's first conversation and her follow-up for ``patient``; the follow-up reviews the
    goals the first one made (the example's goal identifiers mapped to the stored ones)."""
    first = example("sanne-werkt-met-klachten", subject={"reference": f"Patient/{patient}"})
    first.pop("id")
    first["identifier"] = {"system": first["identifier"]["system"], "value": f"levend-{patient}"}
    made, shipped = _goal_ids(first), _goal_ids(example("sanne-werkt-met-klachten"))
    text = (EXAMPLES / "vervolg" / "QuestionnaireResponse-sanne-vervolggesprek.json").read_text("utf-8")
    for old, new in zip(shipped, made, strict=True):
        text = text.replace(old, new)
    second = json.loads(text) | {"subject": {"reference": f"Patient/{patient}"}}
    second.pop("id")
    second.pop("identifier", None)
    for response in (first, second):
        assert post(client, response).status_code == 201


def test_a_follow_up_updates_the_goals_it_reviews_instead_of_adding_copies(client: TestClient) -> None:
    _sanne_twice(client, "levend-1")
    goals = {e["resource"]["id"]: e["resource"] for e in _search(client, "Goal", patient="levend-1")["entry"]}
    # Three goals, not the first conversation's three "proposed" ones beside the reviewed three.
    assert len(goals) == 3
    assert sorted((g["lifecycleStatus"], g["meta"]["versionId"]) for g in goals.values()) == [
        ("active", "2"),
        ("active", "2"),
        ("completed", "2"),
    ]
    (plan,) = [e["resource"] for e in _search(client, "CarePlan", patient="levend-1")["entry"]]
    assert {g["reference"] for g in plan["goal"]} == {f"Goal/{i}" for i in goals}
    assert {a["detail"]["description"]: a["detail"]["status"] for a in plan["activity"]} == {
        "Rooster bespreken met de praktijkhouder.": "completed",
        "Spreekuur bij de bedrijfsarts over telefoondiensten.": "in-progress",
        "Telefoonvrije ochtenden na drie maanden evalueren met de praktijkhouder.": "not-started",
        "Vervolggesprek over werk": "scheduled",
    }
