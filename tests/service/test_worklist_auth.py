"""The milestone Tasks behind the bearer guard: a patient token reaches its own Tasks only, a
clinician's token every patient's; an attacker's tricks end in a 403 OperationOutcome."""

from __future__ import annotations

from typing import Any

from .auth_kit import bearer, idp, post_as, secured, token
from .kit import TestClient, assert_outcome, reintegratie

__all__ = ["idp", "secured"]  # the fixtures, imported for pytest

DAAN, FATIMA = "Patient/voorbeeld-daan", "Patient/voorbeeld-fatima"


def daan() -> dict[str, str]:
    """Daan's own patient token, made when the test runs (a token lives five minutes)."""
    return bearer(token("patient/*.cruds", patient="voorbeeld-daan", sub="daan-zelf"))


def clinician() -> dict[str, str]:
    return bearer(token("user/*.cruds", fhirUser="Practitioner/voorbeeld-behandelaar"))


def _forbidden(answer: Any) -> None:
    assert_outcome(answer, 403, "forbidden", "eigen patiënt")


def _store_both(secured: TestClient) -> None:
    for name in ("daan-nl-week-10", "fatima-ziektewet"):
        response = reintegratie(name)
        assert response["subject"]["reference"] in (DAAN, FATIMA)
        assert post_as(secured, response, token()).status_code == 201


def test_a_patient_token_sees_its_own_tasks_only(secured: TestClient) -> None:
    _store_both(secured)
    own = secured.get("/fhir/Task", headers=daan()).json()
    assert own["total"] == 10
    assert {e["resource"]["for"]["reference"] for e in own["entry"]} == {DAAN}
    assert secured.get("/fhir/Task", params={"patient": DAAN}, headers=daan()).json()["total"] == 10
    # Naming another patient, in any spelling, is refused; so is a read of one of their Tasks.
    for other in ("voorbeeld-fatima", FATIMA, f"https://elders.example/fhir/{FATIMA}", f"{DAAN},{FATIMA}"):
        _forbidden(secured.get("/fhir/Task", params={"patient": other}, headers=daan()))
        _forbidden(secured.get("/fhir/Task", params={"subject": other}, headers=daan()))
    _forbidden(secured.get("/fhir/Task", params=[("patient", DAAN), ("patient", FATIMA)], headers=daan()))
    fatimas = secured.get("/fhir/Task", params={"patient": FATIMA}, headers=clinician()).json()
    _forbidden(secured.get(f"/fhir/Task/{fatimas['entry'][0]['resource']['id']}", headers=daan()))
    # A search by owner cannot reach past the patient either: it is narrowed to Daan.
    werkgever = secured.get("/fhir/Task", params={"owner": "werkgever"}, headers=daan()).json()
    assert {e["resource"]["for"]["reference"] for e in werkgever["entry"]} == {DAAN}


def test_a_patient_cannot_write_a_response_about_another_patient(secured: TestClient) -> None:
    theirs = reintegratie("fatima-ziektewet")
    daans_token = token("patient/*.cruds", patient="voorbeeld-daan", sub="daan-zelf")
    _forbidden(post_as(secured, theirs, daans_token))
    assert secured.get("/fhir/Task", params={"patient": FATIMA}, headers=clinician()).json()["total"] == 0


def test_a_clinician_sees_the_worklist_across_patients(secured: TestClient) -> None:
    _store_both(secured)
    every = secured.get("/fhir/Task", params={"_count": "100"}, headers=clinician()).json()
    assert {e["resource"]["for"]["reference"] for e in every["entry"]} == {DAAN, FATIMA}
    assert_outcome(secured.get("/fhir/Task"), 401, "login")


def test_reading_the_tasks_is_audited_with_their_patient(secured: TestClient) -> None:
    _store_both(secured)
    fatimas = secured.get("/fhir/Task", params={"patient": FATIMA}, headers=clinician()).json()
    assert fatimas["total"] > 0
    secured.get(f"/fhir/Task/{fatimas['entry'][0]['resource']['id']}", headers=clinician())
    events = secured.get("/fhir/AuditEvent", params={"patient": FATIMA, "_count": "100"}, headers=clinician())
    read = [
        e["resource"]
        for e in events.json()["entry"]
        if any(
            str(x.get("what", {}).get("reference", "")).startswith("Task/") for x in e["resource"]["entity"]
        )
    ]
    assert len(read) == 2  # the search and the read, each naming Fatima as the patient
    for event in read:
        patients = [x["what"]["reference"] for x in event["entity"] if x["role"]["code"] == "1"]
        assert set(patients) == {FATIMA}
