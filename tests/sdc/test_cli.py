"""``fhir-werk extract --questionnaire Q.json QR.json`` runs any Questionnaire through the general
engine (the leidraad's own through the Werk layer, as before)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fhir_werk.cli import app

from sdc_cases import ROOT, Case, cases, differences

runner = CliRunner()
CASES = cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_conformance_case_through_the_command(case: Case, tmp_path: Path) -> None:
    folder = ROOT / case.name
    args = ["extract", "--questionnaire", str(folder / "questionnaire.json"), str(folder / "response.json")]
    if case.comparison_source is not None:
        args += ["--comparison-source", str(folder / "comparison-source.json")]
    result = runner.invoke(app, [*args, "-o", str(tmp_path / "bundle.json")])
    assert result.exit_code == 0, result.output
    bundle = json.loads((tmp_path / "bundle.json").read_text(encoding="utf-8"))
    assert differences(bundle, case.expected, case.name) == []


def test_warnings_go_to_stderr_with_their_item(tmp_path: Path) -> None:
    folder = ROOT / "own-medication-list"
    questionnaire = json.loads((folder / "questionnaire.json").read_text(encoding="utf-8"))
    questionnaire["item"][0]["item"][1]["extension"] = [  # the older form of definition-based extraction
        {
            "url": "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-itemExtractionContext",
            "valueExpression": {"language": "text/fhirpath", "expression": "%resource"},
        }
    ]
    warned = tmp_path / "q.json"
    warned.write_text(json.dumps(questionnaire), encoding="utf-8")
    result = runner.invoke(app, ["extract", "--questionnaire", str(warned), str(folder / "response.json")])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["resourceType"] == "Bundle"
    assert "warning: itemExtractionContext met een expressie" in result.stderr
    assert "(med/med.dose)" in result.stderr


def test_an_engine_error_exits_1_with_the_bundle_still_written(tmp_path: Path) -> None:
    folder = ROOT / "own-medication-list"
    questionnaire = json.loads((folder / "questionnaire.json").read_text(encoding="utf-8"))
    questionnaire["contained"] = [
        c for c in questionnaire["contained"] if c["resourceType"] != "MedicationStatement"
    ]
    broken = tmp_path / "q.json"
    broken.write_text(json.dumps(questionnaire), encoding="utf-8")
    result = runner.invoke(app, ["extract", "--questionnaire", str(broken), str(folder / "response.json")])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"resourceType": "Bundle", "type": "transaction"}
    assert "error: Het sjabloon '#medTemplate' staat niet in Questionnaire.contained" in result.stderr
