"""``trend``: every 0–10 scale across the conversations with its change, and the goals' status."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fhir_werk.adapters.fhir import FhirAdapter, FhirAdapterSettings  # type: ignore[import-not-found]
from fhir_werk.cli import app
from fhir_werk.client import FhirClient
from fhir_werk.delivery import AuditLog, PushContext
from fhir_werk.extraction import extract
from fhir_werk.followup import render_trend, resources_in_folder, trend
from fhir_werk.shared import Resource, UnreadableInputError

EXAMPLES = Path(__file__).parents[1] / "questionnaires" / "voorbeelden"


def mohamed() -> Resource:
    found: Resource = json.loads(
        (EXAMPLES / "QuestionnaireResponse-mohamed-ziek-met-contract.json").read_text("utf-8")
    )
    return found


def answer(response: Resource, link_id: str, value: Resource) -> None:
    def walk(items: list[Resource]) -> bool:
        for item in items:
            if item.get("linkId") == link_id:
                item["answer"] = [value]
                return True
            if walk(item.get("item", [])) or any(walk(a.get("item", [])) for a in item.get("answer", [])):
                return True
        return False

    assert walk(response["item"]), link_id


def three_months_later() -> Resource:
    """A second conversation of the same person: another response, later, other scores."""
    later = copy.deepcopy(mohamed())
    later["id"] = "mohamed-vervolg"
    later["identifier"] = {**later["identifier"], "value": "mohamed-vervolg"}
    later["authored"] = "2027-02-05T14:00:00+01:00"
    answer(later, "t1-invloed-gezondheid", {"valueInteger": 6})
    answer(later, "t2-tevreden", {"valueInteger": 3})
    return later


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name, response in [("eerste", mohamed()), ("tweede", three_months_later())]:
        (tmp_path / f"{name}.json").write_text(json.dumps(extract(response)), encoding="utf-8")
    return tmp_path


def test_two_conversations_give_two_points_per_scale_with_the_change(folder: Path) -> None:
    found = trend(resources_in_folder(folder, "voorbeeld-mohamed"))
    by_code = {s.code: s for s in found.scales}
    health = by_code["invloed-werk-op-gezondheid"]
    assert [(p.when[:10], p.value) for p in health.points] == [("2026-11-05", 3), ("2027-02-05", 6)]
    assert health.change == 3
    assert by_code["wat-doe-ik-tevredenheid"].change == 0
    assert all(len(s.points) == 2 for s in found.scales)
    assert {g.category for g in found.goals} == {"punt-hoger", "behandeldoel"}


def test_the_same_conversation_twice_counts_once(folder: Path) -> None:
    (folder / "nogmaals.json").write_text(json.dumps(extract(mohamed())), encoding="utf-8")
    found = trend(resources_in_folder(folder))
    assert all(len(s.points) == 2 for s in found.scales)


def test_the_trend_in_dutch_with_dates_as_people_write_them(folder: Path) -> None:
    text = render_trend(trend(resources_in_folder(folder)))
    assert "Schalen (0–10) over de gesprekken" in text
    assert "    05-11-2026   3\n    05-02-2027   6  (+3)" in text
    assert "  - Binnen drie maanden twintig uur per week werken.  [voorgesteld]" in text


def test_cli_reads_a_folder_and_refuses_an_unclear_question(folder: Path) -> None:
    result = CliRunner().invoke(app, ["trend", "--from", str(folder)])
    assert result.exit_code == 0, result.output
    assert "verandering +3" in result.stdout
    as_json = CliRunner().invoke(app, ["trend", "--from", str(folder), "--json"])
    assert json.loads(as_json.stdout)["scales"][0]["points"]
    unclear = CliRunner().invoke(app, ["trend", "--patient", "x"])
    assert unclear.exit_code == 2
    assert json.loads(unclear.stdout)["issue"][0]["details"]["text"].startswith("Geef --base URL")


def test_a_folder_that_is_not_there_or_holds_no_bundle_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableInputError):
        list(resources_in_folder(tmp_path / "weg"))
    (tmp_path / "kapot.json").write_text("{", encoding="utf-8")
    with pytest.raises(UnreadableInputError):
        list(resources_in_folder(tmp_path))
    result = CliRunner().invoke(app, ["trend", "--from", str(tmp_path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


@pytest.mark.hapi
def test_trend_from_the_server_after_two_conversations(
    fhir_server_url: str, client: FhirClient, patient: str, tmp_path: Path
) -> None:
    client.update({"resourceType": "Practitioner", "id": "voorbeeld-behandelaar", "name": [{"family": "V"}]})
    settings = FhirAdapterSettings(base_url=fhir_server_url, timeout=60)
    with FhirAdapter(settings, audit=AuditLog(tmp_path / "a.sqlite3")) as adapter:
        for number, response in enumerate((mohamed(), three_months_later()), start=1):
            response.pop("id")
            response["identifier"] = {**response["identifier"], "value": f"{patient}-gesprek-{number}"}
            response["subject"] = {"reference": f"Patient/{patient}"}
            adapter.push(extract(response), PushContext())
    result = CliRunner().invoke(app, ["trend", "--base", fhir_server_url, "--patient", patient, "--json"])
    assert result.exit_code == 0, result.output
    scales = {s["code"]: s for s in json.loads(result.stdout)["scales"]}
    assert [p["value"] for p in scales["invloed-werk-op-gezondheid"]["points"]] == [3, 6]
    assert all(len(s["points"]) == 2 for s in scales.values())
