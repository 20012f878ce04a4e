"""``fhir-werk validate``: output, summary line and exit codes, through typer's CliRunner."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import fhir_werk.cli._validate  # noqa: F401  (registers the command on the app)
from fhir_werk.cli._app import app

FIXTURES = Path(__file__).parent / "fixtures" / "validate"
RESPONSE = FIXTURES / "response-basis-valid.json"
QUESTIONNAIRE = FIXTURES / "questionnaire-basis.json"
runner = CliRunner()


def write(tmp_path: Path, resource: Any, name: str = "qr.json") -> Path:
    path = tmp_path / name
    path.write_text(resource if isinstance(resource, str) else json.dumps(resource), encoding="utf-8")
    return path


def valid_response() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(RESPONSE.read_text(encoding="utf-8"))
    return data


def issues(stdout: str) -> list[tuple[str, str, str]]:
    result = json.loads(stdout)
    assert result["resourceType"] == "OperationOutcome"
    return [(i["severity"], i["code"], i["details"]["text"]) for i in result["issue"]]


def test_valid_response_exits_0_with_a_warning_for_the_unpublished_value_set() -> None:
    result = runner.invoke(app, ["validate", str(RESPONSE), "--questionnaire", str(QUESTIONNAIRE)])
    assert result.exit_code == 0
    assert result.stderr == "0 fouten, 1 waarschuwing\n"
    assert result.stdout.startswith('{\n  "resourceType": "OperationOutcome",\n  "issue": [\n')
    assert [(s, c) for s, c, _ in issues(result.stdout)] == [("warning", "not-found")]


def test_invalid_response_exits_1_and_counts_errors(tmp_path: Path) -> None:
    qr = valid_response()
    del qr["subject"]
    qr["item"] = [i for i in qr["item"] if i["linkId"] != "naam"]
    qr["item"][1]["answer"] = [{"valueInteger": 99}]  # leeftijd above its maximum 70
    result = runner.invoke(app, ["validate", str(write(tmp_path, qr)), "-q", str(QUESTIONNAIRE)])
    assert result.exit_code == 1
    assert result.stderr == "3 fouten, 1 waarschuwing\n"
    assert [i for i in issues(result.stdout) if i[0] == "error"] == [
        ("error", "required", "Het antwoord is aan geen patiënt gekoppeld (subject ontbreekt)."),
        ("error", "value", "Antwoord op vraag 'leeftijd' (99) ligt boven het maximum 70."),
        ("error", "required", "Vraag 'naam' is verplicht maar niet beantwoord."),
    ]


def test_only_warnings_exit_0(tmp_path: Path) -> None:
    qr = valid_response()
    qr["status"] = "in-progress"
    qr["item"] = [i for i in qr["item"] if i["linkId"] != "naam"]
    result = runner.invoke(app, ["validate", str(write(tmp_path, qr)), "-q", str(QUESTIONNAIRE)])
    assert result.exit_code == 0
    assert result.stderr == "0 fouten, 2 waarschuwingen\n"


@pytest.mark.parametrize(
    ("content", "code", "text"),
    [
        (
            '{"resourceType": "QuestionnaireResponse",',
            "structure",
            "is geen geldige JSON (regel 1, kolom 42).",
        ),
        ("[1, 2]", "structure", "is geen FHIR-resource (QuestionnaireResponse) maar een lijst."),
        ('{"resourceType": "Patient"}', "invalid", "is geen QuestionnaireResponse maar een Patient."),
    ],
)
def test_unusable_response_file_exits_2(tmp_path: Path, content: str, code: str, text: str) -> None:
    path = write(tmp_path, content)
    result = runner.invoke(app, ["validate", str(path), "-q", str(QUESTIONNAIRE)])
    assert result.exit_code == 2
    assert issues(result.stdout) == [("error", code, f"Bestand '{path}' {text}")]
    assert result.stderr.startswith(f"fout: Bestand '{path}' {text}")


def test_missing_file_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "weg.json"
    result = runner.invoke(app, ["validate", str(missing)])
    assert result.exit_code == 2
    assert issues(result.stdout) == [("error", "not-found", f"Bestand '{missing}' bestaat niet.")]
    assert result.stderr == f"fout: Bestand '{missing}' bestaat niet.\n"


def test_questionnaire_option_must_hold_a_questionnaire() -> None:
    result = runner.invoke(app, ["validate", str(RESPONSE), "--questionnaire", str(RESPONSE)])
    assert result.exit_code == 2
    assert issues(result.stdout) == [
        ("error", "invalid", f"Bestand '{RESPONSE}' is geen Questionnaire maar een QuestionnaireResponse.")
    ]


def test_without_option_an_unpublished_questionnaire_is_not_found_and_exits_1() -> None:
    result = runner.invoke(app, ["validate", str(RESPONSE)])
    assert result.exit_code == 1
    named = valid_response()["questionnaire"]
    assert issues(result.stdout) == [("error", "not-found", f"Vragenlijst '{named}' is onbekend.")]
    assert result.stderr == (
        f"fout: Vragenlijst '{named}' is onbekend. [QuestionnaireResponse.questionnaire]\n"
    )


def test_without_option_the_published_questionnaire_is_used(tmp_path: Path) -> None:
    from fhir_werk.publishing._artifacts import published

    forms = [q for q in published().of_type("Questionnaire") if q.get("url") and q.get("version")]
    if not forms:
        pytest.fail("Er zijn geen gepubliceerde vragenlijsten om tegen te controleren.")
    form = forms[0]
    qr = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{form['url']}|{form['version']}",
        "status": "in-progress",
        "subject": {"reference": "Patient/p1"},
        "item": [{"linkId": "bestaat-niet", "answer": [{"valueString": "x"}]}],
    }
    result = runner.invoke(app, ["validate", str(write(tmp_path, copy.deepcopy(qr)))])
    assert result.exit_code == 1
    assert issues(result.stdout)[0] == (
        "error",
        "structure",
        "Onbekende vraag 'bestaat-niet': die staat niet in de vragenlijst.",
    )


def test_help_is_dutch() -> None:
    result = runner.invoke(app, ["validate", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "Controleer een ingevulde vragenlijst (QuestionnaireResponse) tegen de vragenlijst." in text
    assert "Afsluitcode 0: geen fouten; 1: fouten in het antwoord; 2: een bestand is onleesbaar" in text
    assert "De ingevulde vragenlijst (QuestionnaireResponse, JSON)." in text
    assert "De vragenlijst (Questionnaire, JSON) om tegen te controleren." in text
