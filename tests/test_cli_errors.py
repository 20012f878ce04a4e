"""The CLI's one error boundary: every failure an OperationOutcome and an exit code from one table.

0 ok, 1 invalid input, 2 unreadable input or wrong use, 3 refused or target error, 4 internal
error (``code: exception``, the exception type only); a traceback only with ``--debug``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from fhir_werk.cli import app
from fhir_werk.cli._app import EXIT_CODES, exit_code
from fhir_werk.shared import (
    ConflictError,
    ConsentRefusedError,
    FhirWerkError,
    InputTooLargeError,
    InvalidInputError,
    NotFoundError,
    RemoteUnavailableError,
    UnreadableInputError,
    bad_request,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "questionnaires" / "voorbeelden" / "QuestionnaireResponse-mohamed-ziek-met-contract.json"
SECRET = "geheim patiëntgegeven"
runner = CliRunner()
COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
"""Every registered command, as the unknown-command message lists them."""
assert {"demo", "extract", "push", "validate"} <= set(COMMANDS)


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("FHIR_WERK_FILE_DIRECTORY", str(tmp_path / "epd"))
    monkeypatch.setenv("FHIR_WERK_ACTOR", "j.jansen")
    monkeypatch.setenv("FHIR_WERK_AUDIT_PATH", str(tmp_path / "audit.sqlite3"))
    monkeypatch.setenv("FHIR_WERK_LEDGER_PATH", str(tmp_path / "ledger.sqlite3"))
    monkeypatch.delenv("FHIR_WERK_DEBUG", raising=False)
    return tmp_path


def args(command: str, source: Path, tmp_path: Path) -> list[str]:
    if command == "validate":
        return ["validate", str(source)]
    if command == "extract":
        return ["extract", str(source), "-o", str(tmp_path / "bundel.json")]
    return ["push", str(source), "--target", "file"]


def the_outcome(result: Result) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(result.stdout)
    assert found["resourceType"] == "OperationOutcome"
    return found


def first_issue(result: Result) -> dict[str, Any]:
    issue: dict[str, Any] = the_outcome(result)["issue"][0]
    return issue


def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return data


# --- the table -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (InvalidInputError, 1),
        (NotFoundError, 1),
        (FhirWerkError, 1),
        (UnreadableInputError, 2),
        (InputTooLargeError, 2),
        (ConsentRefusedError, 3),
        (ConflictError, 3),
        (RemoteUnavailableError, 3),
    ],
)
def test_every_fhir_werk_error_has_its_code_in_the_one_table(error: type[FhirWerkError], code: int) -> None:
    assert exit_code(error(bad_request("x", "x"))) == code
    assert EXIT_CODES[-1] == (FhirWerkError, 1)


# --- same input, same code, for validate, extract and push --------------------------------------


def not_json(folder: Path) -> Path:
    path = folder / "kapot.json"
    path.write_text('{"resourceType": "QuestionnaireResponse",', encoding="utf-8")
    return path


def a_directory(folder: Path) -> Path:
    path = folder / "map.json"
    path.mkdir()
    return path


def unknown_questionnaire(folder: Path) -> Path:
    response = example()
    response["questionnaire"] = "https://example.org/fhir/Questionnaire/onbekend|9"
    path = folder / "onbekend.json"
    path.write_text(json.dumps(response), encoding="utf-8")
    return path


def unknown_question(folder: Path) -> Path:
    response = copy.deepcopy(example())
    response["item"].append({"linkId": "bestaat-niet", "answer": [{"valueString": "x"}]})
    path = folder / "onbekende-vraag.json"
    path.write_text(json.dumps(response), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("make", "code", "issue_code"),
    [
        (lambda folder: folder / "bestaat-niet.json", 2, "not-found"),
        (a_directory, 2, "invalid"),
        (not_json, 2, "structure"),
        (unknown_questionnaire, 1, "not-found"),
        (unknown_question, 1, "structure"),
    ],
    ids=["missing-file", "directory", "not-json", "unknown-questionnaire", "unknown-question"],
)
@pytest.mark.parametrize("command", ["validate", "extract", "push"])
def test_the_same_input_gives_the_same_code_in_every_command(
    command: str, make: Callable[[Path], Path], code: int, issue_code: str, tmp_path: Path
) -> None:
    result = runner.invoke(app, args(command, make(tmp_path), tmp_path))
    assert result.exit_code == code, result.output
    errors = [i for i in the_outcome(result)["issue"] if i["severity"] == "error"]
    assert errors[0]["code"] == issue_code
    assert len(result.stderr.splitlines()) == 1  # validate: its count; the others: the first error
    assert result.stderr.startswith(
        "1 fout, " if code == 1 and issue_code == "structure" and command == "validate" else "fout: "
    )
    assert not (tmp_path / "bundel.json").exists()
    assert not (tmp_path / "epd").exists() or not any((tmp_path / "epd").glob("*.json"))


@pytest.mark.parametrize("command", ["validate", "extract", "push"])
def test_too_large_input_is_refused_with_413_style_outcome_exit_2(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FHIR_WERK_MAX_INPUT_BYTES", "1000")
    result = runner.invoke(app, args(command, EXAMPLE, tmp_path))
    assert result.exit_code == 2
    issue = first_issue(result)
    size = EXAMPLE.stat().st_size
    assert (issue["code"], issue["details"]["text"]) == (
        "too-costly",
        f"Bestand '{EXAMPLE}' is te groot ({size} bytes; de grens is 1000).",
    )


# --- unexpected exceptions: exit 4, no patient data, a traceback only when asked -------------------


def raising(error: BaseException) -> Callable[..., Any]:
    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise error

    return fail


STAGES = {
    "validate": "fhir_werk.cli._validate.validate_response",
    "extract": "fhir_werk.cli._extract.extract_bundle",
    "push": "fhir_werk.cli._push.get_adapter",
}


@pytest.mark.parametrize(
    "error",
    [
        TypeError(SECRET),
        RecursionError(SECRET),
        UnicodeEncodeError("utf-8", SECRET, 0, 1, SECRET),
        MemoryError(SECRET),
        KeyError(SECRET),
    ],
    ids=lambda e: type(e).__name__,
)
@pytest.mark.parametrize("command", ["validate", "extract", "push"])
def test_an_unexpected_error_is_exit_4_with_its_type_only(
    command: str, error: BaseException, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(STAGES[command], raising(error))
    result = runner.invoke(app, args(command, EXAMPLE, tmp_path))
    assert result.exit_code == 4
    assert isinstance(result.exception, SystemExit)
    kind = type(error).__name__
    issue = first_issue(result)
    assert (issue["severity"], issue["code"]) == ("error", "exception")
    assert issue["details"]["text"] == (
        f"Interne fout in fhir-werk ({kind}). Draai opnieuw met 'fhir-werk --debug …' voor de details "
        "en meld het probleem."
    )
    assert issue["diagnostics"].startswith(f"Internal error in fhir-werk ({kind}).")
    assert "geheim" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr == f"fout: {issue['details']['text']}\n"
    assert not (tmp_path / "bundel.json").exists()


@pytest.mark.parametrize("how", ["--debug", "FHIR_WERK_DEBUG"])
def test_the_traceback_goes_to_stderr_only_when_asked(
    how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(STAGES["extract"], raising(TypeError(SECRET)))
    given = args("extract", EXAMPLE, tmp_path)
    if how == "--debug":
        result = runner.invoke(app, ["--debug", *given])
    else:
        result = runner.invoke(app, given, env={"FHIR_WERK_DEBUG": "1"})
    assert result.exit_code == 4
    assert "Traceback (most recent call last)" in result.stderr
    assert f"TypeError: {SECRET}" in result.stderr
    assert SECRET not in result.stdout
    assert first_issue(result)["code"] == "exception"


def test_debug_after_the_command_name_is_no_global_option(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(EXAMPLE), "--debug"])
    assert result.exit_code == 2
    assert first_issue(result)["details"]["text"].startswith("Onbekende optie '--debug'.")


def test_an_os_error_while_writing_is_exit_3_with_the_path_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(STAGES["extract"], raising(PermissionError(13, SECRET, "/epd/uit/bundel.json")))
    result = runner.invoke(app, args("extract", EXAMPLE, tmp_path))
    assert result.exit_code == 3
    issue = first_issue(result)
    assert (issue["code"], issue["details"]["text"]) == (
        "exception",
        "Kan '/epd/uit/bundel.json' niet gebruiken: geen toegang (rechten).",
    )
    assert "geheim" not in result.stdout + result.stderr


def test_an_audit_database_that_cannot_be_opened_is_exit_3(tmp_path: Path) -> None:
    audit = tmp_path / "geen-map" / "audit.sqlite3"
    result = runner.invoke(app, ["push", str(EXAMPLE), "--target", "file", "--audit-db", str(audit)])
    assert result.exit_code == 3
    issue = first_issue(result)
    assert (issue["code"], issue["expression"]) == ("exception", ["--audit-db"])
    assert issue["details"]["text"] == (
        f"Het auditlog '{audit}' kan niet worden geopend of geschreven; er is niets verstuurd."
    )
    assert not (tmp_path / "epd").exists()


def test_a_lone_surrogate_in_the_output_is_printed_as_a_json_escape(monkeypatch: pytest.MonkeyPatch) -> None:
    found = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "warning", "code": "value", "details": {"text": "Moe \ud800"}}],
    }
    monkeypatch.setattr(STAGES["validate"], lambda *_a, **_k: found)
    result = runner.invoke(app, ["validate", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert '"text": "Moe \\ud800"' in result.stdout
    assert json.loads(result.stdout) == found


# --- usage errors: an OperationOutcome, exit 2, no click box ----------------------------------------


@pytest.mark.parametrize(
    ("given", "text", "where"),
    [
        (
            ["validate"],
            "Het verplichte argument QR.json ontbreekt. Zie 'fhir-werk validate --help'.",
            "QR.json",
        ),
        (
            ["push", str(EXAMPLE)],
            "De verplichte optie --target ontbreekt. Zie 'fhir-werk push --help'.",
            "--target",
        ),
        (
            ["extract", str(EXAMPLE), "--uitvoer", "x"],
            "Onbekende optie '--uitvoer'. Zie 'fhir-werk extract --help'.",
            "--uitvoer",
        ),
        (
            ["push", str(EXAMPLE), "--target", "file", "--timeout", "lang"],
            "Ongeldige waarde voor --timeout. Zie 'fhir-werk push --help'.",
            "--timeout",
        ),
        (
            ["valideer", str(EXAMPLE)],
            f"Onbekend commando 'valideer'. Bekend zijn: {', '.join(COMMANDS)}.",
            "valideer",
        ),
        (
            ["push", str(EXAMPLE), "--target", "onbekend-epd"],
            None,
            None,
        ),
        (["demo", "niemand"], None, "VOORBEELD"),
    ],
    ids=[
        "missing-argument",
        "missing-option",
        "unknown-option",
        "bad-value",
        "unknown-command",
        "unknown-target",
        "unknown-example",
    ],
)
def test_wrong_use_is_an_outcome_with_exit_2(given: list[str], text: str | None, where: str | None) -> None:
    result = runner.invoke(app, given)
    assert result.exit_code == 2, result.output
    issue = first_issue(result)
    assert issue["severity"] == "error"
    assert issue["code"] in ("invalid", "not-found")
    if text is not None:
        assert issue["details"]["text"] == text
    if where is not None:
        assert issue["expression"] == [where]
    assert "Usage:" not in result.output
    assert "╭" not in result.output


def test_no_command_is_an_outcome_that_points_to_the_help() -> None:
    result = runner.invoke(app, [])
    assert result.exit_code == 2
    assert first_issue(result)["details"]["text"] == "Geef een commando. Zie 'fhir-werk --help'."
    debug_only = runner.invoke(app, ["--debug"])
    assert debug_only.exit_code == 2
    assert first_issue(debug_only)["details"]["text"] == "Geef een commando. Zie 'fhir-werk --help'."


@pytest.mark.parametrize(
    "command", [[], ["validate"], ["extract"], ["push"], ["interop"], ["demo"], ["generate"], ["package"]]
)
def test_help_works_on_every_command_and_names_the_exit_codes(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "Afsluitcode" in text
