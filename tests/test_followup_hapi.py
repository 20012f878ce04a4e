"""Against the real HAPI server: a first conversation, a follow-up pre-filled from the server,
answered and pushed, and a third one — the patient keeps exactly one current Werk plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fhir_werk.adapters.fhir import FhirAdapter, FhirAdapterSettings  # type: ignore[import-not-found]
from fhir_werk.cli import app
from fhir_werk.client import FhirClient
from fhir_werk.delivery import AuditLog, Ledger, PushContext
from fhir_werk.extraction import extract
from fhir_werk.followup import ServerRecord, answered, conversations, populate_followup
from fhir_werk.shared import Resource

pytestmark = pytest.mark.hapi

ROOT = Path(__file__).parents[1]
FIRST = ROOT / "questionnaires" / "voorbeelden" / "QuestionnaireResponse-sanne-werkt-met-klachten.json"
CARE_PLAN_WERK = "https://fhir-werk.nl/fhir/CodeSystem/careplan-categorie|werk"


def _search(client: FhirClient, kind: str, **params: str) -> list[Resource]:
    found = client.search(kind, {**params, "_count": "100"}, follow_next=True)
    return [
        e["resource"] for e in found.get("entry", []) if e.get("resource", {}).get("resourceType") == kind
    ]


def _first(patient: str) -> Resource:
    response: Resource = json.loads(FIRST.read_text("utf-8"))
    response.pop("id")
    response["identifier"] = {**response["identifier"], "value": f"{patient}-gesprek-1"}
    response["subject"] = {"reference": f"Patient/{patient}"}
    return response


def _followup(client: FhirClient, patient: str, number: int, authored: str, **changes: Any) -> Resource:
    conversation = {**conversations()[0], **changes}
    prefilled = populate_followup(ServerRecord(client), patient=patient, authored=authored)
    response = answered(prefilled, conversation)
    response["status"] = "completed"
    response["identifier"] = {
        "system": "https://fhir-werk.nl/fhir/NamingSystem/test",
        "value": f"{patient}-{number}",
    }
    return response


def test_one_current_werk_plan_across_three_conversations(
    fhir_server_url: str, client: FhirClient, patient: str, tmp_path: Path
) -> None:
    client.update({"resourceType": "Practitioner", "id": "voorbeeld-behandelaar", "name": [{"family": "V"}]})
    settings = FhirAdapterSettings(base_url=fhir_server_url, timeout=60)
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    with FhirAdapter(settings, audit=AuditLog(tmp_path / "audit.sqlite3"), ledger=ledger) as adapter:
        adapter.push(extract(_first(patient)), PushContext())

        second = _followup(client, patient, 2, "2027-02-01T10:15:00+01:00")
        adapter.push(extract(second), PushContext())

        plans = _search(client, "CarePlan", subject=f"Patient/{patient}", category=CARE_PLAN_WERK)
        assert len(plans) == 1
        [plan] = plans
        assert plan["status"] == "active"
        assert plan["meta"]["versionId"] == "2"  # updated in place: the first version is its history
        steps = {a["detail"]["description"]: a["detail"]["status"] for a in plan["activity"]}
        assert steps["Rooster bespreken met de praktijkhouder."] == "completed"
        assert steps["Spreekuur bij de bedrijfsarts over telefoondiensten."] == "in-progress"
        responses = {r["id"] for r in _search(client, "QuestionnaireResponse", subject=f"Patient/{patient}")}
        linked = {
            r["reference"].split("/")[-1]
            for r in plan["supportingInfo"]
            if "QuestionnaireResponse" in r["reference"]
        }
        assert linked == responses
        assert len(responses) == 2

        goals = {g["description"]["text"]: g for g in _search(client, "Goal", subject=f"Patient/{patient}")}
        assert len(goals) == 3  # the same Goals, not new ones
        reached = goals["Minder telefoondiensten achter elkaar en elke dag een pauze buiten."]
        assert reached["achievementStatus"]["coding"][0]["code"] == "achieved"
        assert reached["lifecycleStatus"] == "completed"
        assert reached["meta"]["versionId"] == "2"
        assert {f"Goal/{g['id']}" for g in goals.values()} == {r["reference"] for r in plan["goal"]}

        # A third conversation: the reached goal stays reached, a step is done, the plan stays one.
        third = _followup(
            client,
            patient,
            3,
            "2027-05-03T10:15:00+01:00",
            afspraken={
                "Spreekuur bij de bedrijfsarts over telefoondiensten.": {"stand": "gedaan"},
                "Telefoonvrije ochtenden na drie maanden evalueren met de praktijkhouder.": {
                    "stand": "vervalt"
                },
            },
            doelen={"Mijn 28 uur volhouden zonder ziekmelding.": {"stand": "bereikt"}},
        )
        earlier = next(i for i in third["item"] if i["linkId"] == "terugblik-gesprek")
        assert len(earlier["answer"]) == 2
        adapter.push(extract(third), PushContext())

        # The first conversation corrected afterwards: its own answer is updated, but the plan and
        # the goals the follow-ups took over stay as the latest conversation left them.
        corrected = _first(patient)
        corrected["status"] = "amended"
        corrected["item"][0] = {**corrected["item"][0]}
        adapter.push(extract(corrected), PushContext())

    plans = _search(client, "CarePlan", subject=f"Patient/{patient}", category=CARE_PLAN_WERK)
    assert len(plans) == 1
    assert plans[0]["meta"]["versionId"] == "3"
    assert len([r for r in plans[0]["supportingInfo"] if "QuestionnaireResponse" in r["reference"]]) == 3
    steps = {a["detail"]["description"]: a["detail"]["status"] for a in plans[0]["activity"]}
    assert steps["Spreekuur bij de bedrijfsarts over telefoondiensten."] == "completed"
    assert steps["Rooster bespreken met de praktijkhouder."] == "completed"  # pre-filled from the plan
    # the step agreed in conversation 2 no longer applies; conversation 3 agrees the same text anew
    evaluate = "Telefoonvrije ochtenden na drie maanden evalueren met de praktijkhouder."
    statuses = [a["detail"]["status"] for a in plans[0]["activity"] if a["detail"]["description"] == evaluate]
    assert statuses == ["cancelled", "not-started"]
    goals = {g["description"]["text"]: g for g in _search(client, "Goal", subject=f"Patient/{patient}")}
    assert len(goals) == 3
    assert goals["Mijn 28 uur volhouden zonder ziekmelding."]["lifecycleStatus"] == "completed"
    first = [r for r in _search(client, "QuestionnaireResponse", subject=f"Patient/{patient}")]
    assert sorted(r["status"] for r in first) == ["amended", "completed", "completed"]
    history = client.search(f"CarePlan/{plans[0]['id']}/_history")
    assert history.get("total", len(history.get("entry", []))) == 3


def test_cli_populate_reads_the_patient_from_the_server(
    fhir_server_url: str, client: FhirClient, patient: str, tmp_path: Path
) -> None:
    client.update({"resourceType": "Practitioner", "id": "voorbeeld-behandelaar", "name": [{"family": "V"}]})
    settings = FhirAdapterSettings(base_url=fhir_server_url, timeout=60)
    with FhirAdapter(
        settings, audit=AuditLog(tmp_path / "a.sqlite3"), ledger=Ledger(tmp_path / "l.sqlite3")
    ) as adapter:
        adapter.push(extract(_first(patient)), PushContext())
    out = tmp_path / "vervolg.json"
    result = CliRunner().invoke(
        app, ["populate", "--base", fhir_server_url, "--patient", patient, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "2 eerdere afspraken, 3 eerdere doelen" in result.stderr
    prefilled = json.loads(out.read_text("utf-8"))
    assert prefilled["subject"] == {"reference": f"Patient/{patient}"}
