"""``fhir-werk extract``: a filled-in leidraad becomes the transaction Bundle with the section Werk."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fhir_werk.cli._app import app
from fhir_werk.cli._io import check_output, read_resource, write_atomic
from fhir_werk.cli._output import echo, to_json
from fhir_werk.extraction import extract as extract_bundle


@app.command()
def extract(
    response: Annotated[
        Path,
        typer.Argument(
            metavar="QR.json", help="De ingevulde leidraad (QuestionnaireResponse, JSON).", show_default=False
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            metavar="BESTAND",
            help="Schrijf de bundel naar dit bestand in plaats van naar stdout (via een tijdelijk "
            "bestand: bij een fout blijft een bestaand bestand zoals het was).",
        ),
    ] = None,
    questionnaire: Annotated[
        Path | None,
        typer.Option(
            "--questionnaire",
            metavar="Q.json",
            help="Gebruik deze vragenlijst (Questionnaire, JSON) in plaats van de gepubliceerde.",
        ),
    ] = None,
) -> None:
    """Maak van een ingevulde leidraad een transactiebundel met de behandelplansectie Werk.

    Afsluitcodes: 0 gelukt; 1 ongeldige ingevulde leidraad (OperationOutcome op stdout); 2 onleesbare
    invoer, of -o in een map die niet bestaat of naar een map; 3 het bestand van -o kan niet worden
    geschreven; 4 interne fout.
    """
    if output is not None:
        check_output(output)
    data = read_resource(response, "QuestionnaireResponse")
    form = read_resource(questionnaire, "Questionnaire") if questionnaire else None
    bundle = extract_bundle(data, form)
    text = to_json(bundle)
    if output is None:
        echo(text, nl=False)
    else:
        write_atomic(output, text.encode("utf-8"))
    counts: dict[str, int] = {}
    for entry in bundle["entry"]:
        kind = entry["resource"]["resourceType"]
        counts[kind] = counts.get(kind, 0) + 1
    echo("Bundel: " + ", ".join(f"{n} {k}" for k, n in counts.items()), err=True)
