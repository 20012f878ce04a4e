"""``fhir-werk extract``: a filled-in leidraad becomes the transaction Bundle with the section Werk;
with ``--questionnaire`` of any other Questionnaire, the general SDC engine extracts it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fhir_werk.cli._app import app
from fhir_werk.cli._io import check_output, read_resource, write_atomic
from fhir_werk.cli._output import echo, to_json
from fhir_werk.extraction import extract as extract_bundle
from fhir_werk.extraction.sdc import extract as sdc_extract
from fhir_werk.shared import BASE, Resource, has_errors

EXIT_ENGINE_ERRORS = 1


def _is_werk(questionnaire: Resource | None) -> bool:
    """The leidraad's own Questionnaires (or none given: the published one) go through the Werk
    layer; any other through the general engine."""
    return questionnaire is None or str(questionnaire.get("url", "")).startswith(f"{BASE}/")


def _report(result: Resource) -> None:
    for found in result.get("issue", []):
        if found.get("severity") == "information":
            continue
        where = ", ".join(found.get("expression", []))
        text = found.get("details", {}).get("text", "")
        echo(f"{found.get('severity')}: {text}" + (f" ({where})" if where else ""), err=True)


def _tasks(path: Path | None) -> list[Resource]:
    if path is None:
        return []
    found = read_resource(path, ("Bundle", "Task"))
    if found["resourceType"] == "Task":
        return [found]
    resources = (entry.get("resource") or {} for entry in found.get("entry", []))
    return [r for r in resources if r.get("resourceType") == "Task"]


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
            help="Gebruik deze vragenlijst (Questionnaire, JSON) in plaats van de gepubliceerde. Een "
            "andere dan die van de leidraad wordt met de algemene SDC-extractie uitgevoerd.",
        ),
    ] = None,
    comparison_source: Annotated[
        Path | None,
        typer.Option(
            "--comparison-source",
            metavar="EERDER.json",
            help="Alleen wat veranderde sinds deze eerdere ingevulde lijst (algemene SDC-extractie).",
        ),
    ] = None,
    earlier_tasks: Annotated[
        Path | None,
        typer.Option(
            "--taken",
            metavar="TAKEN.json",
            help="Re-integratie: de taken van een eerdere berekening uit het EPD (een Bundle of één "
            "Task); een mijlpaal die daar afgerond is, blijft gedaan.",
        ),
    ] = None,
) -> None:
    """Maak van een ingevulde leidraad een transactiebundel met de behandelplansectie Werk.

    Met een andere vragenlijst dan die van de leidraad: de bundel op stdout, wat niet ondersteund
    werd of misging op stderr (afsluitcode 1 bij een fout, de bundel staat er dan toch).

    Afsluitcodes: 0 gelukt; 1 ongeldige ingevulde leidraad (OperationOutcome op stdout); 2 onleesbare
    invoer, of -o in een map die niet bestaat of naar een map; 3 het bestand van -o kan niet worden
    geschreven; 4 interne fout.
    """
    if output is not None:
        check_output(output)
    data = read_resource(response, "QuestionnaireResponse")
    form = read_resource(questionnaire, "Questionnaire") if questionnaire else None
    earlier = read_resource(comparison_source, "QuestionnaireResponse") if comparison_source else None
    result: Resource | None = None
    if form is not None and (earlier is not None or not _is_werk(form)):
        bundle, result = sdc_extract(data, form, comparison_source=earlier)
    else:
        bundle = extract_bundle(data, form, earlier_tasks=_tasks(earlier_tasks))
    text = to_json(bundle)
    if output is None:
        echo(text, nl=False)
    else:
        write_atomic(output, text.encode("utf-8"))
    counts: dict[str, int] = {}
    for entry in bundle.get("entry", []):
        kind = str((entry.get("resource") or {}).get("resourceType"))
        counts[kind] = counts.get(kind, 0) + 1
    echo("Bundel: " + (", ".join(f"{n} {k}" for k, n in counts.items()) or "leeg"), err=True)
    if result is not None:
        _report(result)
        if has_errors(result):
            raise typer.Exit(EXIT_ENGINE_ERRORS)
