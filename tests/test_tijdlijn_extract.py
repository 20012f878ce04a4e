"""The legal clock reaches the EPD: ``extract`` of a ``re-integratie`` response is a transaction of
Tasks (PUT by stable id) and a CarePlan with one activity per milestone."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from typer.testing import CliRunner

from fhir_werk.cli import app
from fhir_werk.extraction import extract
from fhir_werk.shared import InvalidInputError

from hapi_kit import HapiCleanup

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "questionnaires/voorbeelden/re-integratie"
GRONDSLAG = "https://fhir-werk.nl/fhir/CodeSystem/re-integratie-grondslag"


def _example(name: str) -> dict[str, Any]:
    path = EXAMPLES / f"QuestionnaireResponse-re-integratie-{name}.json"
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _of(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _by_code(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["code"]["coding"][0]["code"]: t for t in _of(bundle, "Task")}


def _with_first_sick_day(response: dict[str, Any], day: str) -> dict[str, Any]:
    corrected = copy.deepcopy(response)
    first_day = next(i for i in corrected["item"] if i["linkId"] == "ri-eerste-ziektedag")
    first_day["answer"] = [{"valueDate": day}]
    return corrected


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_each_example_extracts_to_a_valid_transaction_of_tasks_and_a_plan(path: Path) -> None:
    response = json.loads(path.read_text(encoding="utf-8"))
    bundle = extract(response)
    get_fhir_model_class("Bundle").model_validate(bundle)  # structurally valid R4B, every entry
    tasks, plans = _of(bundle, "Task"), _of(bundle, "CarePlan")
    assert tasks
    assert len(plans) == 1
    assert bundle["entry"][0]["resource"]["resourceType"] == "QuestionnaireResponse"
    assert bundle["entry"][-1]["resource"]["resourceType"] == "Provenance"
    for entry in bundle["entry"][1:-1]:
        resource = entry["resource"]
        assert entry["request"] == {"method": "PUT", "url": f"{resource['resourceType']}/{resource['id']}"}
    plan = plans[0]
    assert [a["reference"]["reference"] for a in plan["activity"]] == [f"Task/{t['id']}" for t in tasks]
    assert plan["subject"] == response["subject"]
    for task in tasks:
        assert task["for"] == response["subject"]
        assert task["basedOn"] == [{"reference": f"CarePlan/{plan['id']}"}]
        period = task["executionPeriod"]
        assert period.get("end") or period.get("start")
        state = task["businessStatus"]["text"]
        assert state in ("gepland", "nu aan de orde", "te laat", "gedaan")
        assert task["status"] == {"gepland": "requested", "gedaan": "completed"}.get(state, "ready")
    targets = {r["reference"] for r in bundle["entry"][-1]["resource"]["target"]}
    assert targets == {e["fullUrl"] for e in bundle["entry"][1:-1]}
    assert extract(response) == bundle  # the same response, the same bundle


def test_the_owner_is_the_named_actor_contained_with_how_to_reach_them() -> None:
    response = _example("daan-nl-week-10")
    tasks = _by_code(extract(response))
    analysis = tasks["nl-probleemanalyse"]
    names = {
        i["linkId"]: i["answer"][0]
        for g in response["item"]
        if g["linkId"] == "ri-betrokkene"
        for i in g["item"]
    }
    assert names  # the example names its bedrijfsarts
    assert analysis["owner"]["reference"] == "#eigenaar"
    assert analysis["owner"]["type"] == "PractitionerRole"
    (role,) = analysis["contained"]
    assert role["code"][0]["coding"][0]["code"] == "bedrijfsarts"
    assert role["practitioner"]["display"] == analysis["owner"]["display"]
    assert analysis["performerType"][0]["coding"][0]["code"] == "bedrijfsarts"
    # The patient files the WIA application: the owner is the patient.
    assert tasks["nl-wia-aanvraag"]["owner"] == response["subject"]


def test_a_role_the_response_does_not_name_has_a_performer_type_but_no_owner() -> None:
    response = _example("daan-nl-week-10")
    response["item"] = [i for i in response["item"] if i["linkId"] != "ri-betrokkene"]
    analysis = _by_code(extract(response))["nl-probleemanalyse"]
    assert "owner" not in analysis
    assert "contained" not in analysis
    assert analysis["performerType"][0]["coding"][0]["code"] == "bedrijfsarts"


def test_the_period_of_a_milestone_with_a_period_runs_from_its_start_to_its_due_date() -> None:
    tasks = _by_code(extract(_example("daan-nl-week-10")))  # first sick day 2026-09-14
    assert tasks["nl-eerstejaarsevaluatie"]["executionPeriod"] == {"start": "2027-07-26", "end": "2027-09-12"}
    assert tasks["nl-probleemanalyse"]["executionPeriod"] == {"end": "2026-10-25"}  # + 41


def test_a_corrected_first_sick_day_moves_every_date_in_place_and_done_stays_done() -> None:
    response = _example("daan-nl-week-10")
    before = extract(response)
    marked = [
        t | {"status": "completed"} if t["code"]["coding"][0]["code"] == "nl-42e-weeksmelding" else t
        for t in _of(before, "Task")
    ]
    after = extract(_with_first_sick_day(response, "2026-09-21"), earlier_tasks=marked)
    old, new = _by_code(before), _by_code(after)
    assert {c: t["id"] for c, t in new.items()} == {c: t["id"] for c, t in old.items()}
    # The same PUTs (the order is by date, and a prompt three months on may pass a milestone).
    requests = [
        sorted((e["request"]["url"], e["request"]["method"]) for e in b["entry"][1:-1])
        for b in (after, before)
    ]
    assert requests[0] == requests[1]
    assert old["nl-einde-loondoorbetaling"]["executionPeriod"]["end"] == "2028-09-10"
    assert new["nl-einde-loondoorbetaling"]["executionPeriod"]["end"] == "2028-09-17"  # one week later
    assert new["nl-42e-weeksmelding"]["status"] == "completed"  # done in the EPD, stays done
    assert new["nl-probleemanalyse"]["status"] == "completed"  # done by the answers
    assert _of(after, "CarePlan")[0]["id"] == _of(before, "CarePlan")[0]["id"]


def test_a_retracted_response_marks_its_tasks_and_plan_entered_in_error() -> None:
    response = _example("fatima-ziektewet") | {"status": "entered-in-error"}
    bundle = extract(response)
    assert {r["status"] for r in _of(bundle, "Task") + _of(bundle, "CarePlan")} == {"entered-in-error"}


def test_a_response_the_clock_cannot_use_is_an_operation_outcome_on_its_link_id() -> None:
    response = _example("daan-nl-week-10")
    response["item"] = [i for i in response["item"] if i["linkId"] != "ri-eerste-ziektedag"]
    with pytest.raises(InvalidInputError) as caught:
        extract(response)
    expressions = [e for i in caught.value.outcome["issue"] for e in i.get("expression", [])]
    assert any("ri-eerste-ziektedag" in e for e in expressions)


def test_the_cli_extracts_with_the_earlier_tasks_of_the_epd(tmp_path: Path) -> None:
    source = EXAMPLES / "QuestionnaireResponse-re-integratie-lotte-belgie-beslissing-b.json"
    run = CliRunner().invoke(app, ["extract", str(source)])
    assert run.exit_code == 0, run.output
    first = json.loads(run.stdout)
    tasks = _of(first, "Task")
    done = next(t for t in tasks if t["status"] != "completed") | {"status": "completed"}
    earlier = tmp_path / "taken.json"
    searchset = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": done}]}
    earlier.write_text(json.dumps(searchset), encoding="utf-8")
    run = CliRunner().invoke(app, ["extract", str(source), "--taken", str(earlier)])
    assert run.exit_code == 0, run.output
    again = {t["id"]: t for t in _of(json.loads(run.stdout), "Task")}
    assert again[done["id"]]["status"] == "completed"
    assert "Task" in run.stderr


@pytest.mark.hapi
def test_the_bundle_goes_to_hapi_and_a_corrected_sick_day_updates_in_place(
    fhir_server_url: str, hapi_cleanup: HapiCleanup
) -> None:
    import httpx

    response = _example("daan-nl-week-10")
    response["subject"] = {"reference": f"Patient/klok-{uuid.uuid4().hex[:12]}"}
    response["identifier"] = {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{uuid.uuid4()}"}
    hapi_cleanup.add(response["subject"]["reference"])  # with its Tasks and plan, after the test
    headers = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
    # The server holds the CodeSystems these codes come from (conftest's fhir_server_url).
    with httpx.Client(base_url=fhir_server_url, headers=headers, timeout=120) as http:
        for reference in (response["subject"]["reference"], response["author"]["reference"]):
            kind, key = reference.split("/")
            put = http.put(f"/{kind}/{key}", json={"resourceType": kind, "id": key})
            assert put.status_code in (200, 201)
        first = http.post("/", json=extract(response))
        assert first.status_code == 200, first.text[:800]
        corrected = _with_first_sick_day(response, "2026-09-21")
        second = http.post("/", json=extract(corrected))
        assert second.status_code == 200, second.text[:800]
        search = {"patient": response["subject"]["reference"], "_count": "100"}
        stored = http.get("/Task", params=search).json()
        assert stored["total"] == len(_of(extract(response), "Task"))  # updated in place, no duplicates
        found = http.get("/Task", params={**search, "code": f"{GRONDSLAG}|nl-einde-loondoorbetaling"})
        end = found.json()["entry"][0]["resource"]
        assert (end["executionPeriod"]["end"], end["meta"]["versionId"]) == ("2028-09-17", "2")
        # The period search finds the milestones due in the first half of 2027 (the moved 42nd week).
        due = http.get("/Task", params={**search, "period": ["ge2027-07-01", "le2027-07-31"]}).json()
        codes = {e["resource"]["code"]["coding"][0]["code"] for e in due.get("entry", [])}
        assert "nl-42e-weeksmelding" in codes
        done = http.get("/Task", params={**search, "status": "completed"}).json()
        assert {e["resource"]["code"]["coding"][0]["code"] for e in done["entry"]} == {
            "nl-probleemanalyse",
            "nl-plan-van-aanpak",
        }
        plan = _of(extract(corrected), "CarePlan")[0]
        plans = http.get("/CarePlan", params={"subject": response["subject"]["reference"]}).json()
        assert plans["total"] == 1  # the same plan, not a second one
        stored_plan = plans["entry"][0]["resource"]
        assert stored_plan["id"] == plan["id"]
        assert [a["reference"]["reference"] for a in stored_plan["activity"]] == [
            a["reference"]["reference"] for a in plan["activity"]
        ]


@pytest.mark.hapi
def test_fhir_werk_push_of_a_corrected_response_updates_the_moved_tasks_only(
    fhir_server_url: str, tmp_path: Path, hapi_cleanup: HapiCleanup
) -> None:
    import httpx

    response = _example("jonas-belgie-beslissing-a")  # first sick day 2026-05-04
    response["subject"] = {"reference": f"Patient/push-{uuid.uuid4().hex[:12]}"}
    hapi_cleanup.add(response["subject"]["reference"])
    response["identifier"] = {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{uuid.uuid4()}"}
    headers = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
    with httpx.Client(base_url=fhir_server_url, headers=headers, timeout=120) as http:
        for reference in (response["subject"]["reference"], response["author"]["reference"]):
            kind, key = reference.split("/")
            assert http.put(f"/{kind}/{key}", json={"resourceType": kind, "id": key}).status_code in (
                200,
                201,
            )
    corrected = _with_first_sick_day(response, "2026-05-11")
    corrected["identifier"] = {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{uuid.uuid4()}"}
    summaries = []
    for number, answers in enumerate((response, corrected)):
        path = tmp_path / f"antwoord-{number}.json"
        path.write_text(json.dumps(answers), encoding="utf-8")
        audit = str(tmp_path / "audit.sqlite3")
        result = CliRunner().invoke(
            app, ["push", str(path), "--target", fhir_server_url, "--audit-db", audit]
        )
        assert result.exit_code == 0, result.output
        summaries.append(next(line for line in result.output.splitlines() if line.startswith("Verstuurd")))
    before, after = _by_code(extract(response)), _by_code(extract(corrected))
    assert (
        f"{len(before) + 3} aangemaakt" in summaries[0]
    )  # the response, the Tasks, the plan, the Provenance
    assert "ongewijzigd" in summaries[1]  # the decision's own deadlines do not move with the sick day
    with httpx.Client(base_url=fhir_server_url, headers=headers, timeout=120) as http:
        search = {"patient": response["subject"]["reference"], "_count": "100"}
        stored = {
            e["resource"]["code"]["coding"][0]["code"]: e["resource"]
            for e in http.get("/Task", params=search).json()["entry"]
        }
    assert set(stored) == set(after)  # in place: no second Task for any milestone
    for code, task in stored.items():
        moved = before[code]["executionPeriod"] != after[code]["executionPeriod"]
        assert task["executionPeriod"] == after[code]["executionPeriod"]
        assert task["meta"]["versionId"] == ("2" if moved else "1"), code
    assert any(b["executionPeriod"] != after[c]["executionPeriod"] for c, b in before.items())
