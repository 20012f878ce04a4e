"""``fhir-werk validate QR.json``: check a QuestionnaireResponse and print the OperationOutcome.

Exit codes: 0 no errors (warnings allowed), 1 the response has errors, 2 a file could not be
read or is not the resource expected.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from fhir_werk.cli._app import EXIT_INVALID, EXIT_OK, EXIT_USAGE, app
from fhir_werk.publishing import published
from fhir_werk.shared import FhirWerkError, InvalidInputError, Resource, has_errors, issue, outcome
from fhir_werk.validation import resolve_questionnaire, validate_response


def read_resource(path: Path, resource_type: str) -> Resource:
    """Read a JSON file holding one ``resource_type``; InvalidInputError with an outcome otherwise."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problem = (f"Bestand '{path}' bestaat niet.", f"File '{path}' does not exist.")
    except (OSError, UnicodeDecodeError) as exc:
        problem = (f"Bestand '{path}' is niet leesbaar ({exc}).", f"File '{path}' cannot be read ({exc}).")
    except json.JSONDecodeError as exc:
        problem = (
            f"Bestand '{path}' is geen geldige JSON (regel {exc.lineno}, kolom {exc.colno}).",
            f"File '{path}' is not valid JSON (line {exc.lineno}, column {exc.colno}).",
        )
    else:
        found = data.get("resourceType") if isinstance(data, dict) else None
        if found == resource_type:
            resource: Resource = data
            return resource
        problem = (
            f"Bestand '{path}' bevat geen {resource_type} maar {found or 'iets anders'}.",
            f"File '{path}' holds no {resource_type} but {found or 'something else'}.",
        )
    raise InvalidInputError(outcome([issue("error", "invalid", *problem)]))


def summary(result: Resource) -> str:
    """A one-line Dutch count of errors and warnings, e.g. ``3 fouten, 1 waarschuwing``."""
    severities = [i.get("severity") for i in result.get("issue", [])]
    errors = sum(s in ("error", "fatal") for s in severities)
    warnings = severities.count("warning")
    return (
        f"{errors} {'fout' if errors == 1 else 'fouten'}, "
        f"{warnings} {'waarschuwing' if warnings == 1 else 'waarschuwingen'}"
    )


def _report(result: Resource, code: int) -> NoReturn:
    typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
    typer.echo(summary(result), err=True)
    raise typer.Exit(code)


@app.command("validate")
def validate(
    response_file: Annotated[
        Path,
        typer.Argument(
            metavar="QR.json",
            help="De ingevulde vragenlijst (QuestionnaireResponse, JSON).",
            show_default=False,
        ),
    ],
    questionnaire_file: Annotated[
        Path | None,
        typer.Option(
            "--questionnaire",
            "-q",
            metavar="Q.json",
            help="De vragenlijst (Questionnaire, JSON) om tegen te controleren. Zonder deze optie: de "
            "gepubliceerde vragenlijst die het antwoord noemt.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Controleer een ingevulde vragenlijst (QuestionnaireResponse) tegen de vragenlijst.

    Drukt een OperationOutcome (JSON) af met per probleem de plaats (linkId-pad) en een
    Nederlandse uitleg; op stderr staat het aantal fouten en waarschuwingen. Afsluitcode 0:
    geen fouten; 1: fouten in het antwoord; 2: een bestand is onleesbaar of van de verkeerde soort.
    """
    try:
        response = read_resource(response_file, "QuestionnaireResponse")
        questionnaire = read_resource(questionnaire_file, "Questionnaire") if questionnaire_file else None
    except FhirWerkError as exc:
        _report(exc.outcome, EXIT_USAGE)
    artifacts = published()
    if questionnaire is None:
        try:
            questionnaire = resolve_questionnaire(response, artifacts)
        except FhirWerkError as exc:
            _report(exc.outcome, EXIT_INVALID)
    result = validate_response(response, questionnaire, artifacts=artifacts)
    _report(result, EXIT_INVALID if has_errors(result) else EXIT_OK)
