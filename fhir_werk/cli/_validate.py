"""``fhir-werk validate QR.json``: check a QuestionnaireResponse and print the OperationOutcome.

Exit codes (the table in :mod:`fhir_werk.cli._app`): 0 no errors (warnings allowed), 1 the
response has errors, 2 a file could not be read or is not the resource expected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from fhir_werk.cli._app import EXIT_INVALID, EXIT_OK, app
from fhir_werk.cli._io import read_resource
from fhir_werk.cli._output import echo, echo_json
from fhir_werk.publishing import published
from fhir_werk.shared import Resource, has_errors
from fhir_werk.validation import resolve_questionnaire, validate_response


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
    echo_json(result)
    echo(summary(result), err=True)
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
    response = read_resource(response_file, "QuestionnaireResponse")
    questionnaire = read_resource(questionnaire_file, "Questionnaire") if questionnaire_file else None
    artifacts = published()
    if questionnaire is None:
        questionnaire = resolve_questionnaire(response, artifacts)
    result = validate_response(response, questionnaire, artifacts=artifacts)
    _report(result, EXIT_INVALID if has_errors(result) else EXIT_OK)
