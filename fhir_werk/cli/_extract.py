"""``fhir-werk extract``: a filled-in leidraad becomes the transaction Bundle with the section Werk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from fhir_werk.cli._app import EXIT_INVALID, EXIT_USAGE, app
from fhir_werk.extraction import extract as extract_bundle
from fhir_werk.shared import FhirWerkError, bad_request


def read_json(path: Path) -> dict[str, object]:
    """Read a JSON resource; unreadable input becomes an OperationOutcome (exit code 2)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        outcome = bad_request(
            f"Bestand '{path}' is geen leesbare JSON: {exc}", f"File '{path}' is not readable JSON: {exc}"
        )
        typer.echo(json.dumps(outcome, ensure_ascii=False, indent=2))
        raise typer.Exit(EXIT_USAGE) from exc
    if not isinstance(data, dict):
        outcome = bad_request(
            f"Bestand '{path}' bevat geen FHIR-resource.", f"File '{path}' holds no FHIR resource."
        )
        typer.echo(json.dumps(outcome, ensure_ascii=False, indent=2))
        raise typer.Exit(EXIT_USAGE)
    return data


@app.command()
def extract(
    response: Annotated[Path, typer.Argument(help="De ingevulde leidraad (QuestionnaireResponse, JSON).")],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Schrijf de bundel naar dit bestand in plaats van naar stdout."),
    ] = None,
    questionnaire: Annotated[
        Path | None,
        typer.Option("--questionnaire", help="Gebruik deze vragenlijst in plaats van de gepubliceerde."),
    ] = None,
) -> None:
    """Maak van een ingevulde leidraad een transactiebundel met de behandelplansectie Werk.

    Exitcodes: 0 gelukt, 1 ongeldige vragenlijst-respons (OperationOutcome op stdout), 2 onleesbare invoer.
    """
    data = read_json(response)
    form = read_json(questionnaire) if questionnaire else None
    try:
        bundle = extract_bundle(data, form)
    except FhirWerkError as exc:
        typer.echo(json.dumps(exc.outcome, ensure_ascii=False, indent=2))
        raise typer.Exit(EXIT_INVALID) from exc
    text = json.dumps(bundle, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
    counts: dict[str, int] = {}
    for entry in bundle["entry"]:
        kind = entry["resource"]["resourceType"]
        counts[kind] = counts.get(kind, 0) + 1
    typer.echo("Bundel: " + ", ".join(f"{n} {k}" for k, n in counts.items()), err=True)
