"""The companion Questionnaire ``re-integratie``, its examples, and the clock in the Werk plan (Tasks)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from fhir_werk.reintegratie import OngeldigeInvoerError, activiteiten, antwoorden_uit, taken
from fhir_werk.validation import validate_response

from hapi_kit import HapiCleanup

ROOT = Path(__file__).resolve().parents[1]
QUESTIONNAIRE = json.loads((ROOT / "questionnaires/fhir/Questionnaire-re-integratie.json").read_text("utf-8"))
EXAMPLES = ROOT / "questionnaires/voorbeelden/re-integratie"
D = dt.date.fromisoformat
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"


def _example(name: str) -> dict[str, Any]:
    path = EXAMPLES / f"QuestionnaireResponse-re-integratie-{name}.json"
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _items(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for item in items:
        found[item["linkId"]] = item
        found |= _items(item.get("item", []))
    return found


def _by_code(tasks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {t["code"]["coding"][0]["code"]: t for t in tasks}


# --- The Questionnaire ---------------------------------------------------------------------------

ITEMS = _items(QUESTIONNAIRE["item"])


def test_the_questionnaire_asks_what_the_clock_needs_in_dutch_and_english() -> None:
    assert {
        "ri-land",
        "ri-situatie-nl",
        "ri-situatie-be",
        "ri-eerste-ziektedag",
        "ri-start-traject",
        "ri-beslissing",
        "ri-beslissingsdatum",
        "ri-probleemanalyse-op",
        "ri-plan-van-aanpak-op",
        "ri-betrokkene-rol",
        "ri-betrokkene-naam",
        "ri-betrokkene-contact",
    } <= set(ITEMS)
    for item in ITEMS.values():
        english = item["_text"]["extension"][0]
        assert english["url"] == TRANSLATION
        assert english["extension"][1]["valueString"]
    assert ITEMS["ri-eerste-ziektedag"]["type"] == "date"
    assert ITEMS["ri-betrokkene"]["repeats"] is True
    get_fhir_model_class("Questionnaire").model_validate(QUESTIONNAIRE)


def test_belgian_questions_show_only_for_belgium_and_the_decisions_are_the_2022_ones() -> None:
    when = ITEMS["ri-traject"]["enableWhen"]
    assert [c["answerCoding"]["code"] for c in when] == ["be"]
    assert [c["answerCoding"]["code"] for c in ITEMS["ri-gebeurd"]["enableWhen"]] == ["nl"]
    options = {
        o["valueCoding"]["code"]: o["valueCoding"]["display"] for o in ITEMS["ri-beslissing"]["answerOption"]
    }
    assert list(options) == ["A", "B", "C"]
    assert options["B"].startswith("B: definitief ongeschikt voor het overeengekomen werk")
    assert options["C"] == "C: om medische redenen (nog) geen beoordeling mogelijk"
    roles = {o["valueCoding"]["code"] for o in ITEMS["ri-betrokkene-rol"]["answerOption"]}
    assert {
        "bedrijfsarts",
        "preventieadviseur-arbeidsarts",
        "casemanager",
        "tnw-coordinator",
        "vdab-gtb",
        "re-integratiebureau",
        "gemeente",
        "werkgever",
        "huisarts",
    } <= roles


# --- The examples --------------------------------------------------------------------------------


def test_four_examples_one_per_clock() -> None:
    assert sorted(p.stem for p in EXAMPLES.glob("*.json")) == [
        "QuestionnaireResponse-re-integratie-daan-nl-week-10",
        "QuestionnaireResponse-re-integratie-fatima-ziektewet",
        "QuestionnaireResponse-re-integratie-jonas-belgie-beslissing-a",
        "QuestionnaireResponse-re-integratie-lotte-belgie-beslissing-b",
    ]


def test_daan_in_week_10_has_his_analysis_and_plan_done_and_the_next_review_due() -> None:
    tasks = _by_code(taken(_example("daan-nl-week-10"), D("2026-11-20")))
    assert (D("2026-11-20") - D("2026-09-14")).days // 7 + 1 == 10  # week 10
    assert tasks["nl-probleemanalyse"]["status"] == "completed"
    assert tasks["nl-plan-van-aanpak"]["businessStatus"]["text"] == "gedaan"
    assert tasks["nl-evaluatie"]["restriction"]["period"]["end"] == "2026-12-14"  # 2 November + 42
    assert tasks["nl-42e-weeksmelding"]["restriction"]["period"]["end"] == "2027-07-05"  # + 294, a Monday


def test_fatima_on_ziektewet_has_uwv_milestones_and_no_employer_ones() -> None:
    tasks = _by_code(taken(_example("fatima-ziektewet"), D("2026-11-18")))
    assert "nl-42e-weeksmelding" not in tasks
    assert tasks["zw-spreekuur-verzekeringsarts"]["restriction"]["period"]["end"] == "2026-11-01"  # + 90
    assert tasks["zw-spreekuur-verzekeringsarts"]["businessStatus"]["text"] == "te laat"
    assert tasks["zw-re-integratieplan"]["restriction"]["period"]["end"] == "2026-11-15"  # + 104


def test_jonas_decision_a_starts_the_63_days() -> None:
    tasks = _by_code(taken(_example("jonas-belgie-beslissing-a"), D("2026-11-10")))
    assert tasks["be-plan-a"]["restriction"]["period"]["end"] == "2026-12-08"  # 6 October + 63
    assert tasks["be-plan-a"]["businessStatus"]["text"] == "gepland"
    assert tasks["be-re-integratiebeoordeling"]["status"] == "completed"
    assert "be-plan-b" not in tasks


def test_lotte_follows_the_2022_model_decision_b_plan_within_six_months() -> None:
    tasks = _by_code(taken(_example("lotte-belgie-beslissing-b"), D("2026-11-12")))
    assert tasks["be-plan-b"]["restriction"]["period"]["end"] == "2027-03-28"  # 28 September + 6 months
    assert tasks["be-beroep"]["restriction"]["period"]["end"] == "2026-10-19"  # + 21
    assert tasks["be-re-integratiebeoordeling"]["restriction"]["period"]["end"] == "2026-10-05"  # 17 Aug + 49
    leidraad = json.loads(
        (ROOT / "questionnaires/voorbeelden/QuestionnaireResponse-lotte-belgie-beslissing-b.json").read_text(
            "utf-8"
        )
    )
    text = json.dumps(leidraad, ensure_ascii=False)
    assert "beslissing B" in text
    assert "advies C" not in text
    assert "2027-03-28" in text


# --- The Tasks -----------------------------------------------------------------------------------


def test_every_task_is_valid_fhir_with_code_role_period_and_a_stable_identity() -> None:
    response = _example("lotte-belgie-beslissing-b")
    plan = {"reference": "CarePlan/werk-lotte"}
    first = taken(response, D("2026-11-12"), plan=plan)
    again = taken(copy.deepcopy(response), D("2026-11-12"), plan=plan)
    assert first == again
    for task in first:
        get_fhir_model_class("Task").model_validate(task)
        assert (
            task["code"]["coding"][0]["system"]
            == "https://fhir-werk.nl/fhir/CodeSystem/re-integratie-grondslag"
        )
        assert task["performerType"][0]["text"]
        assert task["for"] == {"reference": "Patient/voorbeeld-lotte"}
        assert task["basedOn"] == [plan]
    assert len({t["id"] for t in first}) == len(first)
    assert [a["reference"]["reference"] for a in activiteiten(first)] == [f"Task/{t['id']}" for t in first]


def test_a_corrected_first_sick_day_moves_every_date_but_keeps_identity_and_done_stays_done() -> None:
    response = _example("daan-nl-week-10")
    before = taken(response, D("2026-11-20"))
    corrected = copy.deepcopy(response)
    for item in corrected["item"]:
        if item["linkId"] == "ri-eerste-ziektedag":
            item["answer"] = [{"valueDate": "2026-09-21"}]
    marked = [
        dict(t, status="completed") if t["code"]["coding"][0]["code"] == "nl-42e-weeksmelding" else t
        for t in before
    ]
    after = _by_code(taken(corrected, D("2026-11-20"), eerdere=marked))
    old = _by_code(before)
    assert set(after) == set(old)
    assert {code: after[code]["id"] for code in after} == {code: old[code]["id"] for code in old}
    assert old["nl-42e-weeksmelding"]["restriction"]["period"]["end"] == "2027-07-05"
    assert after["nl-42e-weeksmelding"]["restriction"]["period"]["end"] == "2027-07-12"  # one week later
    assert after["nl-42e-weeksmelding"]["status"] == "completed"  # marked done, stays done
    assert after["nl-einde-loondoorbetaling"]["restriction"]["period"]["end"] == "2028-09-17"


def test_a_belgian_decision_given_later_adds_its_own_deadline() -> None:
    response = _example("jonas-belgie-beslissing-a")
    without = copy.deepcopy(response)
    without["item"] = [i for i in without["item"] if i["linkId"] != "ri-traject"]
    codes_without = set(_by_code(taken(without, D("2026-11-10"))))
    assert "be-plan-a" not in codes_without
    assert "be-plan-a" in _by_code(taken(response, D("2026-11-10")))


@pytest.mark.parametrize(
    ("change", "link_id"),
    [
        (lambda r: r["item"].pop(0), "ri-land"),
        (
            lambda r: next(i for i in r["item"] if i["linkId"] == "ri-eerste-ziektedag").update(answer=[]),
            "ri-eerste-ziektedag",
        ),
        (
            lambda r: next(i for i in r["item"] if i["linkId"] == "ri-eerste-ziektedag").update(
                answer=[{"valueDate": "2026-09"}]
            ),
            "ri-eerste-ziektedag",
        ),
    ],
)
def test_a_response_the_clock_cannot_use_names_the_link_id(change: Any, link_id: str) -> None:
    response = _example("daan-nl-week-10")
    change(response)
    with pytest.raises(OngeldigeInvoerError) as caught:
        antwoorden_uit(response)
    assert caught.value.waar == link_id


@pytest.mark.hapi
def test_the_milestone_tasks_go_to_hapi_and_a_recomputation_updates_them_in_place(
    fhir_server_url: str, hapi_cleanup: HapiCleanup
) -> None:
    import httpx

    response = _example("jonas-belgie-beslissing-a")
    response["subject"] = {"reference": f"Patient/tijdlijn-{uuid.uuid4().hex[:12]}"}
    hapi_cleanup.add(response["subject"]["reference"])  # with its Tasks, after the test
    headers = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
    # HAPI checks the codes against the CodeSystem this checkout publishes, which the server holds
    # before any test runs (conftest's fhir_server_url).
    with httpx.Client(base_url=fhir_server_url, headers=headers, timeout=60) as http:
        patient = response["subject"]["reference"].split("/")[1]
        assert (
            http.put(f"/Patient/{patient}", json={"resourceType": "Patient", "id": patient}).status_code
            == 201
        )
        first = taken(response, D("2026-11-10"))
        for task in first:
            put = http.put(f"/Task/{task['id']}", json=task)
            assert put.status_code == 201, put.text[:500]
        later = taken(response, D("2026-12-09"), eerdere=first)  # the plan after decision A is now late
        for task in later:
            assert http.put(f"/Task/{task['id']}", json=task).status_code == 200
        search = {"patient": response["subject"]["reference"], "_count": "100"}
        stored = http.get("/Task", params=search).json()
        assert stored["total"] == len(first)
        plan_a = http.get(
            "/Task",
            params={
                **search,
                "code": "https://fhir-werk.nl/fhir/CodeSystem/re-integratie-grondslag|be-plan-a",
            },
        ).json()["entry"][0]["resource"]
        assert plan_a["businessStatus"]["text"] == "te laat"
        assert plan_a["meta"]["versionId"] == "2"
        done = http.get("/Task", params={**search, "status": "completed"}).json()
        # The decision was taken; with the trajectory running, the employer's right to start one is moot.
        assert sorted(e["resource"]["code"]["coding"][0]["code"] for e in done["entry"]) == [
            "be-re-integratiebeoordeling",
            "be-start-door-werkgever",
        ]


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_every_example_is_a_valid_response_to_the_questionnaire(path: Path) -> None:
    outcome = validate_response(json.loads(path.read_text(encoding="utf-8")), QUESTIONNAIRE)
    assert [i for i in outcome["issue"] if i["severity"] in ("error", "fatal")] == []


def test_a_decision_without_its_date_is_a_validation_error_on_its_link_id() -> None:
    response = _example("jonas-belgie-beslissing-a")
    traject = next(i for i in response["item"] if i["linkId"] == "ri-traject")
    traject["item"] = [i for i in traject["item"] if i["linkId"] != "ri-beslissingsdatum"]
    errors = [i for i in validate_response(response, QUESTIONNAIRE)["issue"] if i["severity"] == "error"]
    assert len(errors) == 1
    assert "ri-beslissingsdatum" in errors[0]["expression"][0]


def test_jonas_end_date_of_incapacity_becomes_a_task_for_the_clinician() -> None:
    tasks = _by_code(taken(_example("jonas-belgie-beslissing-a"), D("2026-11-10")))
    assert tasks["gesprek-einddatum"]["restriction"]["period"]["end"] == "2026-12-31"
    assert tasks["gesprek-einddatum"]["performerType"][0]["text"] == "huisarts of behandelaar"
