"""``fhir-werk populate``: the follow-up conversation, pre-filled from the earlier one (SDC $populate)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fhir_werk.cli._app import app
from fhir_werk.cli._io import check_output, read_resource, write_atomic
from fhir_werk.cli._output import echo, to_json
from fhir_werk.cli._usage import WrongUsageError
from fhir_werk.shared import Resource, bad_request


def _summary(response: Resource) -> str:
    review: Resource = next((i for i in response.get("item", []) if i.get("linkId") == "terugblik"), {})
    kinds = [i.get("linkId") for i in review.get("item", [])]
    return (
        f"Vervolggesprek vooraf ingevuld: {kinds.count('terugblik-afspraak')} eerdere afspraken, "
        f"{kinds.count('terugblik-doel')} eerdere doelen (status in-progress)."
    )


@app.command("populate")
def populate_command(
    previous: Annotated[
        Path | None,
        typer.Option(
            "--from",
            metavar="VORIGE.json",
            help="Het vorige gesprek: de ingevulde leidraad (QuestionnaireResponse) of de bundel "
            "die extract of push ervan maakte.",
        ),
    ] = None,
    base: Annotated[
        str | None, typer.Option("--base", help="FHIR-basis-URL om het dossier te lezen.")
    ] = None,
    patient: Annotated[
        str | None, typer.Option("--patient", help="Id van de patiënt (Patient/ID zonder 'Patient/').")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            metavar="NIEUW.json",
            help="Schrijf het antwoord naar dit bestand (anders stdout).",
        ),
    ] = None,
    authored: Annotated[
        str | None,
        typer.Option(
            "--authored", metavar="DATUMTIJD", help="authored van het nieuwe antwoord (standaard: nu)."
        ),
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconden per aanroep.")] = 30.0,
) -> None:
    """Maak het vervolggesprek: een nieuwe ingevulde leidraad (in-progress), vooraf ingevuld met de
    eerdere afspraken en doelen, de situatie en de thema's; de scores blijven leeg.

    Uit een bestand (--from VORIGE.json) of van een FHIR-server (--base URL --patient ID), met de
    regels die in de vragenlijst zelf staan (SDC $populate). Afsluitcodes: 0 gelukt; 1 ongeldig
    vorig gesprek; 2 verkeerd gebruik of onleesbare invoer; 3 server-fout of -o niet schrijfbaar;
    4 interne fout.
    """
    if (base is None) == (previous is None) or (base is not None and not patient):
        raise WrongUsageError(
            bad_request(
                "Geef --from VORIGE.json, of --base URL met --patient ID.",
                "Give --from PREVIOUS.json, or --base URL with --patient ID.",
                "--from/--base",
            )
        )
    if output is not None:
        check_output(output)
    # Imported here: extraction and the HTTP client cost time that --help does not need to pay.
    from fhir_werk.followup import ServerRecord, populate_followup, populate_from

    if previous is not None:
        earlier = read_resource(previous, ("QuestionnaireResponse", "Bundle"))
        response = populate_from(earlier, patient=patient, authored=authored)
    else:
        from fhir_werk.client import FhirClient, make_http_client

        assert base is not None
        assert patient is not None
        with make_http_client(base, timeout=timeout) as http:
            response = populate_followup(ServerRecord(FhirClient(http)), patient=patient, authored=authored)
    text = to_json(response)
    if output is None:
        echo(text, nl=False)
    else:
        write_atomic(output, text.encode("utf-8"))
    echo(_summary(response), err=True)
