"""Seed 000's prompts as Tasks: talk about work from the first contacts (within three months), and
at the end date of the incapacity; the legal clock (``fhir-werk tijdlijn``) stays the law only."""

from __future__ import annotations

import datetime as dt

import pytest

from fhir_werk.reintegratie import Antwoorden, mijlpalen, op_dag, stand, taken

D = dt.date.fromisoformat


def _response(first_sick_day: str, land: str = "nl") -> dict[str, object]:
    coding = {"system": "https://fhir-werk.nl/fhir/CodeSystem/re-integratie-land", "code": land}
    return {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "item": [
            {"linkId": "ri-land", "answer": [{"valueCoding": coding}]},
            {"linkId": "ri-eerste-ziektedag", "answer": [{"valueDate": first_sick_day}]},
        ],
    }


@pytest.mark.parametrize(
    ("first", "end"),
    [
        ("2024-01-01", "2024-04-01"),
        ("2023-11-30", "2024-02-29"),  # no 30 February: the last day of the month (a leap year)
        ("2026-11-30", "2027-02-28"),
        ("2024-05-31", "2024-08-31"),
    ],
)
def test_the_first_contacts_prompt_runs_from_the_first_sick_day_for_three_months(
    first: str, end: str
) -> None:
    for land in ("nl", "be"):
        (prompt,) = [
            t
            for t in taken(_response(first, land), D(first))
            if t["code"]["coding"][0]["code"] == "gesprek-eerste-contacten"
        ]
        assert prompt["executionPeriod"] == {"start": first, "end": end}
        assert prompt["performerType"][0]["coding"][0]["code"] == "huisarts"
        assert prompt["businessStatus"] == {"text": "nu aan de orde"}
        assert stand(prompt, D(end)) == "nu aan de orde"
        assert stand(prompt, D(end) + dt.timedelta(days=1)) == "te laat"
        assert op_dag(prompt | {"status": "completed"}, D(end) + dt.timedelta(days=9))["businessStatus"] == {
            "text": "gedaan"
        }


def test_the_legal_clock_has_no_prompt_and_a_done_one_stays_done() -> None:
    answers = Antwoorden("nl", D("2024-01-01"))
    assert "gesprek-eerste-contacten" not in {m.code for m in mijlpalen(answers, D("2024-01-02"))}
    assert mijlpalen(Antwoorden("nl", D("2024-01-01"), situatie="bijstand"), D("2024-01-02")) == []
    done = [
        {
            "status": "completed",
            "code": {
                "coding": [
                    {
                        "system": "https://fhir-werk.nl/fhir/CodeSystem/re-integratie-grondslag",
                        "code": "gesprek-eerste-contacten",
                    }
                ]
            },
        }
    ]
    (prompt,) = [
        t
        for t in taken(_response("2024-01-01"), D("2024-06-01"), eerdere=done)
        if t["code"]["coding"][0]["code"] == "gesprek-eerste-contacten"
    ]
    assert (prompt["status"], prompt["businessStatus"]["text"]) == ("completed", "gedaan")


def test_the_state_read_back_from_a_task_is_the_clocks_own() -> None:
    # stand() on the Task gives what mijlpalen() gave on the same day, for every milestone and day.
    response = _response("2024-01-01")
    for day in ("2024-01-01", "2024-02-01", "2024-02-12", "2024-10-01", "2025-09-01", "2026-01-01"):
        for task in taken(response, D(day)):
            assert stand(task, D(day)) == task["businessStatus"]["text"], (
                day,
                task["code"]["coding"][0]["code"],
            )


def test_an_open_milestone_that_no_longer_applies_comes_back_cancelled_for_its_own_patient_only() -> None:
    employee = _response("2024-01-01")
    earlier = taken(employee, D("2024-03-01"))
    (analysis,) = [t for t in earlier if t["code"]["coding"][0]["code"] == "nl-probleemanalyse"]
    # Now ziektewet (no employer): the employee's open milestones are cancelled, the done ones kept out.
    on_ziektewet = _response("2024-01-01")
    on_ziektewet["item"].append(  # type: ignore[attr-defined]
        {
            "linkId": "ri-situatie-nl",
            "answer": [
                {
                    "valueCoding": {
                        "system": "https://fhir-werk.nl/fhir/CodeSystem/re-integratie-situatie",
                        "code": "ziektewet",
                    }
                }
            ],
        }
    )
    # p2 on ziektewet, given p1's Tasks: none of them is p2's to cancel (the ids are p1's).
    other = on_ziektewet | {"subject": {"reference": "Patient/p2"}}
    stranger = taken(other, D("2024-03-01"), eerdere=earlier)
    assert {t["for"]["reference"] for t in stranger} == {"Patient/p2"}
    assert all(t["status"] != "cancelled" for t in stranger)
    done = [t | {"status": "completed"} if t["id"] == analysis["id"] else t for t in earlier]
    after = taken(on_ziektewet, D("2024-03-01"), eerdere=done)
    cancelled = {t["code"]["coding"][0]["code"] for t in after if t["status"] == "cancelled"}
    assert "nl-42e-weeksmelding" in cancelled
    assert "nl-probleemanalyse" not in cancelled  # done is history, not cancelled
    assert all(t["businessStatus"] == {"text": "vervallen"} for t in after if t["status"] == "cancelled")
    assert {t["id"] for t in after if t["status"] == "cancelled"} <= {t["id"] for t in earlier}
