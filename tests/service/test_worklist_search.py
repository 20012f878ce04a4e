"""The clinician's worklist: ``GET /Task`` by owner, performer, status, business-status, period
and code across patients, combined and paged; every odd parameter a 400 OperationOutcome."""

from __future__ import annotations

from typing import Any

import pytest

from .kit import TestClient, assert_outcome, fix_today, post, reintegratie

DAAN = "Patient/voorbeeld-daan"
ACTOR = "https://fhir-werk.nl/fhir/CodeSystem/re-integratie-actor"


@pytest.fixture
def worklist(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """Daan (NL, week 12 on 2026-12-07) and Fatima (Ziektewet) stored; today 2027-08-01."""
    for name in ("daan-nl-week-10", "fatima-ziektewet"):
        assert post(client, reintegratie(name)).status_code == 201
    fix_today(monkeypatch, "2027-08-01")
    return client


def codes(client: TestClient, params: Any) -> list[str]:
    answer = client.get("/fhir/Task", params=params)
    assert answer.status_code == 200, answer.text[:300]
    return [e["resource"]["code"]["coding"][0]["code"] for e in answer.json().get("entry", [])]


def test_owner_is_a_role_code_or_a_reference(worklist: TestClient) -> None:
    daan = [("patient", DAAN)]
    # The employer (contained Organization, role werkgever) owns the 42-week report and the end of pay.
    assert codes(worklist, [*daan, ("owner", "werkgever")]) == [
        "nl-42e-weeksmelding",
        "nl-einde-loondoorbetaling",
    ]
    assert codes(worklist, [*daan, ("owner", f"{ACTOR}|werkgever")]) == codes(
        worklist, [*daan, ("owner", "werkgever")]
    )
    assert codes(worklist, [*daan, ("owner", "http://elders|werkgever")]) == []
    assert codes(worklist, [("owner", DAAN)]) == ["nl-wia-aanvraag"]  # the patient acts
    # No verzekeringsarts is named: the role that acts (performerType) is what owner matches.
    assert codes(worklist, [*daan, ("owner", "verzekeringsarts")]) == ["nl-wia-brief"]
    assert codes(worklist, [*daan, ("performer", "casemanager")]) == [
        "nl-plan-van-aanpak",
        "nl-evaluatie",
        "nl-eerstejaarsevaluatie",
    ]
    assert codes(worklist, [*daan, ("owner", "werkgever,bedrijfsarts")]) == [
        "nl-probleemanalyse",
        "nl-42e-weeksmelding",
        "nl-actueel-oordeel",
        "nl-einde-loondoorbetaling",
    ]


def test_status_and_business_status_are_as_of_today(worklist: TestClient) -> None:
    daan = [("patient", DAAN)]
    assert codes(worklist, [*daan, ("business-status", "te laat")]) == [
        "gesprek-eerste-contacten",
        "nl-evaluatie",
        "nl-42e-weeksmelding",
    ]
    assert codes(worklist, [*daan, ("business-status", "nu aan de orde")]) == ["nl-eerstejaarsevaluatie"]
    ready = codes(worklist, [*daan, ("status", "ready")])
    assert ready == [
        "gesprek-eerste-contacten",
        "nl-evaluatie",
        "nl-42e-weeksmelding",
        "nl-eerstejaarsevaluatie",
    ]
    done = codes(worklist, [*daan, ("status", "ready,completed")])
    assert done == ["nl-probleemanalyse", "nl-plan-van-aanpak", *ready]
    # Repeated: both must hold.
    assert codes(worklist, [*daan, ("status", "ready,completed"), ("status", "completed")]) == done[:2]
    assert codes(worklist, [*daan, ("status", "ready"), ("status", "completed")]) == []


def test_period_compares_the_milestones_dates_with_fhir_prefixes(worklist: TestClient) -> None:
    daan = [("patient", DAAN)]
    july = [*daan, ("period", "ge2027-07-01"), ("period", "le2027-07-31")]
    # The first-year evaluation (2027-07-26 .. 2027-09-12) overlaps July; the report is in it.
    assert codes(worklist, july) == ["nl-42e-weeksmelding", "nl-eerstejaarsevaluatie"]
    assert codes(worklist, [*daan, ("period", "2027-07")]) == ["nl-42e-weeksmelding"]  # within July
    assert codes(worklist, [*daan, ("period", "eq2027-07-05")]) == ["nl-42e-weeksmelding"]
    assert codes(worklist, [*daan, ("period", "lt2026-10-26")]) == [
        "nl-probleemanalyse",
        "gesprek-eerste-contacten",
    ]
    assert codes(worklist, [*daan, ("period", "gt2028-06-25")]) == ["nl-einde-loondoorbetaling"]
    assert len(codes(worklist, [*daan, ("period", "2028")])) == 4


def test_the_worklist_across_patients_combines_and_pages(worklist: TestClient) -> None:
    every = worklist.get("/fhir/Task", params={"status": "ready", "_count": "100"}).json()
    patients = {e["resource"]["for"]["reference"] for e in every["entry"]}
    assert patients == {DAAN, "Patient/voorbeeld-fatima"}
    dates = [e["resource"]["executionPeriod"].get("end") for e in every["entry"]]
    assert dates == sorted(dates)
    first = worklist.get("/fhir/Task", params={"status": "ready", "_count": "2"}).json()
    assert first["total"] == every["total"]
    assert [e["resource"]["id"] for e in first["entry"]] == [e["resource"]["id"] for e in every["entry"][:2]]
    (after,) = [link["url"] for link in first["link"] if link["relation"] == "next"]
    assert "_offset=2" in after
    second = worklist.get("/fhir/Task", params={"status": "ready", "_count": "2", "_offset": "2"}).json()
    assert [e["resource"]["id"] for e in second["entry"]] == [
        e["resource"]["id"] for e in every["entry"][2:4]
    ]
    counted = worklist.get("/fhir/Task", params={"status": "ready", "_summary": "count"}).json()
    assert counted["total"] == every["total"]
    assert not counted.get("entry")
    combined = [("owner", "werkgever"), ("status", "ready"), ("period", "le2027-12-31")]
    assert codes(worklist, combined) == ["nl-42e-weeksmelding"]
    assert codes(worklist, [("code", "nl-42e-weeksmelding")]) == ["nl-42e-weeksmelding"]


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"onbekend": "x"}, "onbekend"),
        ({"status:not": "ready"}, "status:not"),
        ({"owner:identifier": "x|y"}, "owner:identifier"),
        ({"owner": ""}, "owner"),
        ({"status": " , "}, "status"),
        ({"period": "sa2027-01-01"}, "period"),
        ({"period": "ge2027-13-01"}, "period"),
        ({"period": "2027-02-30"}, "period"),
        ({"period": "ge2027-07-05T10:00:00Z"}, "period"),
        ({"period": "ge２０２７"}, "period"),
        ({"period": "ge"}, "period"),
        ({"_sort": "period"}, "_sort"),
        ({"_count": "-1"}, "_count"),
        ({"_summary": "true"}, "_summary"),
        ({"businessStatus": "gepland"}, "businessStatus"),
    ],
)
def test_an_odd_parameter_is_a_400_outcome(worklist: TestClient, params: dict[str, str], where: str) -> None:
    result = assert_outcome(worklist.get("/fhir/Task", params=params), 400, "invalid")
    assert result["issue"][0]["expression"] == [where]


def test_the_capability_statement_names_the_task_search(client: TestClient) -> None:
    statement = client.get("/fhir/metadata").json()
    (task,) = [r for r in statement["rest"][0]["resource"] if r["type"] == "Task"]
    assert {i["code"] for i in task["interaction"]} == {"read", "search-type"}
    names = {p["name"]: p["type"] for p in task["searchParam"]}
    assert names == {
        "patient": "reference",
        "subject": "reference",
        "owner": "reference",
        "performer": "token",
        "status": "token",
        "business-status": "token",
        "period": "date",
        "code": "token",
    }


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/fhir/Task/onbekend", 404, "not-found"),
        ("GET", "/fhir/Task/a%20b", 400, "invalid"),
        ("GET", "/fhir/Task/" + "x" * 100, 400, "invalid"),
        ("PUT", "/fhir/Task/abc", 405, "not-supported"),  # the milestones change only through a response
        ("POST", "/fhir/Task", 405, "not-supported"),
        ("DELETE", "/fhir/Task/abc", 405, "not-supported"),
    ],
)
def test_a_task_is_read_only_and_its_id_checked(
    client: TestClient, method: str, path: str, status: int, code: str
) -> None:
    assert_outcome(client.request(method, path), status, code)
