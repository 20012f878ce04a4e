"""A ``re-integratie`` response through the service: stored, its milestones Tasks in the store and
queued for delivery, and ``GET /Task?patient=`` with the state as of today (issue 22)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from fhir_werk.extraction import extract
from fhir_werk.service import ServiceSettings, Worker

from .kit import FHIR, TestClient, assert_outcome, body, example, fix_today, post, reintegratie

DAAN = "Patient/voorbeeld-daan"
STATES = {"gepland", "nu aan de orde", "te laat", "gedaan"}


def tasks(client: TestClient, **params: str) -> list[dict[str, Any]]:
    answer = client.get("/fhir/Task", params=params)
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-type"].startswith("application/fhir+json")
    bundle: dict[str, Any] = answer.json()
    assert (bundle["resourceType"], bundle["type"]) == ("Bundle", "searchset")
    return [entry["resource"] for entry in bundle.get("entry", [])]


def by_code(found: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {task["code"]["coding"][0]["code"]: task for task in found}


def _moved(response: dict[str, Any], link_id: str, value: str | None) -> dict[str, Any]:
    """``response`` with the date answer at ``link_id`` set to ``value`` (None: the item gone,
    and a group left empty with it)."""

    def walk(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        kept = []
        for item in items:
            if item["linkId"] == link_id:
                if value is None:
                    continue
                item["answer"] = [{"valueDate": value}]
            if "item" in item:
                item["item"] = walk(item["item"])
                if not item["item"]:
                    continue
            kept.append(item)
        return kept

    changed = copy.deepcopy(response)
    changed["item"] = walk(changed["item"])
    return changed


def test_the_milestones_of_a_stored_response_are_the_patients_tasks(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    fix_today(monkeypatch, "2026-12-07")
    response = reintegratie()
    assert post(client, response).status_code == 201
    found = tasks(client, patient=DAAN)
    # The ids are those of `fhir-werk extract`: the EPD and the service name each Task alike.
    extracted = [e["resource"] for e in extract(response)["entry"] if e["resource"]["resourceType"] == "Task"]
    assert {t["id"] for t in found} == {t["id"] for t in extracted}
    assert len(found) == 10
    dates = [t["executionPeriod"].get("end", t["executionPeriod"].get("start")) for t in found]
    assert dates == sorted(dates)
    for task in found:
        assert task["for"] == {"reference": DAAN}
        assert task["code"]["coding"][0]["system"].endswith("/CodeSystem/re-integratie-grondslag")
        assert task["description"].startswith(task["code"]["text"])
        assert task["businessStatus"]["text"] in STATES
    state = {code: (t["status"], t["businessStatus"]["text"]) for code, t in by_code(found).items()}
    assert state["nl-probleemanalyse"] == ("completed", "gedaan")  # done, from the answers
    assert state["nl-evaluatie"] == ("ready", "nu aan de orde")  # due 2026-12-14, a week away
    assert state["nl-42e-weeksmelding"] == ("requested", "gepland")
    owners = by_code(found)
    assert owners["nl-probleemanalyse"]["owner"]["display"] == "Dr. A. Bakker"
    assert owners["nl-probleemanalyse"]["contained"][0]["code"][0]["coding"][0]["code"] == "bedrijfsarts"
    assert owners["nl-wia-aanvraag"]["owner"] == {"reference": DAAN}
    one = client.get(f"/fhir/Task/{owners['nl-evaluatie']['id']}")
    assert one.headers["etag"] == 'W/"1"'
    assert one.json()["businessStatus"] == {"text": "nu aan de orde"}


def test_the_state_is_as_of_today_not_as_of_the_authored_day(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    post(client, reintegratie())  # authored 2026-11-20
    fix_today(monkeypatch, "2027-08-01")
    state = {code: t["businessStatus"]["text"] for code, t in by_code(tasks(client, patient=DAAN)).items()}
    assert state["nl-42e-weeksmelding"] == "te laat"  # by 2027-07-05
    assert state["nl-eerstejaarsevaluatie"] == "nu aan de orde"  # 2027-07-26 .. 2027-09-12
    assert state["nl-wia-brief"] == "gepland"
    assert state["nl-probleemanalyse"] == "gedaan"
    fix_today(monkeypatch, "2027-09-13")
    late = by_code(tasks(client, patient=DAAN))["nl-eerstejaarsevaluatie"]
    assert (late["status"], late["businessStatus"]["text"]) == ("ready", "te laat")


def test_a_corrected_sick_day_moves_the_dates_keeps_the_ids_and_what_was_done(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    fix_today(monkeypatch, "2026-12-07")
    stored = post(client, reintegratie()).json()
    before = by_code(tasks(client, patient=DAAN))
    # The first sick day was a week later, and the problem analysis is no longer in the answers:
    # it was done (the service holds its Task as completed), so it stays done.
    corrected = _moved(_moved(stored, "ri-eerste-ziektedag", "2026-09-21"), "ri-probleemanalyse-op", None)
    answer = client.put(f"/fhir/QuestionnaireResponse/{stored['id']}", content=body(corrected), headers=FHIR)
    assert answer.status_code == 200, answer.text[:300]
    after = by_code(tasks(client, patient=DAAN))
    assert {t["id"] for t in after.values()} == {t["id"] for t in before.values()}
    week = dt.timedelta(days=7)
    for code in ("nl-42e-weeksmelding", "nl-wia-aanvraag", "nl-einde-loondoorbetaling"):
        old, new = (dt.date.fromisoformat(t[code]["executionPeriod"]["end"]) for t in (before, after))
        assert new - old == week, code
        assert after[code]["meta"]["versionId"] == "2"
    assert after["nl-probleemanalyse"]["businessStatus"]["text"] == "gedaan"


def test_the_tasks_are_queued_for_delivery_with_the_response(
    client: TestClient, worker: Worker, settings: ServiceSettings
) -> None:
    stored = post(client, reintegratie()).json()
    assert worker.deliver_one() is not None
    (file,) = settings.delivery_directory.glob("*.json")
    delivered = json.loads(file.read_text())
    puts = [e["request"]["url"] for e in delivered["entry"] if e["resource"]["resourceType"] == "Task"]
    assert sorted(puts) == sorted(f"Task/{t['id']}" for t in tasks(client, patient=DAAN))
    assert stored["id"] in file.read_text()


def test_an_invalid_response_is_a_dutch_422_at_its_link_id(client: TestClient) -> None:
    wrong = _moved(reintegratie(), "ri-eerste-ziektedag", None)
    result = assert_outcome(post(client, wrong), 422, "required")
    assert any("ri-eerste-ziektedag" in e for i in result["issue"] for e in i.get("expression", []))
    assert tasks(client, patient=DAAN) == []


def test_another_patients_tasks_are_not_in_the_search(client: TestClient) -> None:
    post(client, reintegratie())
    post(client, reintegratie("fatima-ziektewet"))
    fatima = reintegratie("fatima-ziektewet")["subject"]["reference"]
    daans, fatimas = tasks(client, patient=DAAN), tasks(client, patient=fatima)
    assert daans
    assert fatimas
    assert {t["for"]["reference"] for t in daans} == {DAAN}
    assert not {t["id"] for t in daans} & {t["id"] for t in fatimas}
    assert tasks(client, patient="voorbeeld-niemand") == []


def test_the_werk_plan_lists_the_milestones_as_activities_without_a_new_version(client: TestClient) -> None:
    els = "Patient/voorbeeld-els"
    post(client, example())
    (alone,) = client.get("/fhir/CarePlan", params={"patient": els}).json()["entry"]
    own = alone["resource"]["activity"]
    assert not [a for a in own if "reference" in a]
    stored = post(client, reintegratie(subject={"reference": els})).json()
    plans = {
        e["resource"]["title"]: e["resource"]
        for e in client.get("/fhir/CarePlan", params={"patient": els}).json()["entry"]
    }
    werk = plans["Werk (Arbeid als medicijn)"]
    assert werk["meta"]["versionId"] == "1"  # a view: the stored plan is untouched
    assert werk["activity"][: len(own)] == own  # the conversation's own activities come first
    milestones = [a["reference"]["reference"] for a in werk["activity"][len(own) :]]
    assert milestones == [f"Task/{t['id']}" for t in tasks(client, patient=els)]
    for reference in milestones:
        assert client.get(f"/fhir/{reference}").json()["for"] == {"reference": els}
    assert client.get(f"/fhir/CarePlan/{werk['id']}").json()["activity"] == werk["activity"]
    # The re-integratie plan (what the EPD gets) lists the same Tasks.
    ri = plans["Re-integratie: de wettelijke klok"]["activity"]
    assert {a["reference"]["reference"] for a in ri} == set(milestones)
    corrected = _moved(stored, "ri-eerste-ziektedag", "2026-09-21")
    client.put(f"/fhir/QuestionnaireResponse/{stored['id']}", content=body(corrected), headers=FHIR)
    again = client.get(f"/fhir/CarePlan/{werk['id']}").json()
    assert again["meta"]["versionId"] == "1"
    moved = [a["reference"]["reference"] for a in again["activity"][len(own) :]]
    assert sorted(moved) == sorted(milestones)  # the same Tasks, by their new dates
    assert moved == [f"Task/{t['id']}" for t in tasks(client, patient=els)]


def _decision(response: dict[str, Any], code: str) -> dict[str, Any]:
    changed = copy.deepcopy(response)
    for group in changed["item"]:
        for item in group.get("item", []):
            if item["linkId"] == "ri-beslissing":
                item["answer"][0]["valueCoding"] |= {"code": code, "display": f"Beslissing {code}"}
    return changed


def test_a_milestone_that_no_longer_applies_is_cancelled_not_left_on_the_worklist(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    fix_today(monkeypatch, "2026-12-07")
    jonas = "Patient/voorbeeld-jonas"
    stored = post(client, reintegratie("jonas-belgie-beslissing-a")).json()
    before = by_code(tasks(client, patient=jonas))
    assert "be-plan-a" in before
    # Decision B instead of A: a plan within six months and an appeal, no 63-day plan any more.
    answer = client.put(
        f"/fhir/QuestionnaireResponse/{stored['id']}", content=body(_decision(stored, "B")), headers=FHIR
    )
    assert answer.status_code == 200, answer.text[:300]
    after = by_code(tasks(client, patient=jonas))
    assert "be-plan-a" not in after
    assert {"be-plan-b", "be-beroep"} <= set(after)
    (gone,) = tasks(client, patient=jonas, status="cancelled")
    assert gone["id"] == before["be-plan-a"]["id"]
    assert gone["businessStatus"] == {"text": "vervallen"}
    assert tasks(client, patient=jonas, **{"business-status": "vervallen"}) == []  # hidden without status
    # Back to A: the same Task is planned again, not a second one.
    again = client.put(
        f"/fhir/QuestionnaireResponse/{stored['id']}", content=body(_decision(stored, "A")), headers=FHIR
    )
    assert again.status_code == 200, again.text[:300]
    revived = by_code(tasks(client, patient=jonas))
    assert revived["be-plan-a"]["id"] == before["be-plan-a"]["id"]
    assert revived["be-plan-a"]["status"] != "cancelled"
    assert [t["code"]["coding"][0]["code"] for t in tasks(client, patient=jonas, status="cancelled")] == [
        "be-beroep",
        "be-plan-b",
    ]


def test_a_withdrawn_response_takes_its_milestones_off_the_worklist(client: TestClient) -> None:
    stored = post(client, reintegratie()).json()
    assert tasks(client, patient=DAAN)
    deleted = client.delete(f"/fhir/QuestionnaireResponse/{stored['id']}")
    assert deleted.status_code in (200, 204), deleted.text[:300]
    assert tasks(client, patient=DAAN) == []
    withdrawn = tasks(client, patient=DAAN, status="entered-in-error")
    assert len(withdrawn) == 10


def test_an_absolute_subject_names_the_same_patient_and_the_same_tasks(client: TestClient) -> None:
    relative = post(client, reintegratie()).json()
    ids = {t["id"] for t in tasks(client, patient=DAAN)}
    absolute = reintegratie(
        subject={"reference": f"https://epd.example.org/fhir/{DAAN}"},
        identifier={"system": "https://fhir-werk.nl/fhir/NamingSystem/test", "value": "absoluut"},
    )
    assert post(client, absolute).status_code == 201
    # Found under Patient/x, as the same Tasks (no second set), and the response by its patient too.
    assert {t["id"] for t in tasks(client, patient=DAAN)} == ids
    found = client.get("/fhir/QuestionnaireResponse", params={"patient": DAAN}).json()
    assert found["total"] == 2
    assert relative["id"] in {e["resource"]["id"] for e in found["entry"]}
