"""``fhir-werk trend``: every 0–10 scale of a patient across the conversations, and the goals."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from fhir_werk.cli._app import app
from fhir_werk.cli._output import echo, echo_json
from fhir_werk.cli._usage import WrongUsageError
from fhir_werk.shared import bad_request


@app.command("trend")
def trend_command(
    patient: Annotated[
        str | None, typer.Option("--patient", help="Id van de patiënt (Patient/ID zonder 'Patient/').")
    ] = None,
    base: Annotated[str | None, typer.Option("--base", help="FHIR-basis-URL om te lezen.")] = None,
    folder: Annotated[
        Path | None,
        typer.Option("--from", help="Een map met bundels (wat extract -o of de file-adapter schreef)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Druk de trend af als JSON.")] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconden per aanroep.")] = 30.0,
) -> None:
    """Toon elke schaal (0–10) over de gesprekken, met datum en verandering, en de doelen met hun status.

    Lees van een FHIR-server (--base URL --patient ID) of uit een map met bundels (--from MAP,
    --patient is dan een filter). Afsluitcodes: 0 gelukt; 2 verkeerd gebruik of onleesbare map;
    3 server-fout; 4 interne fout.
    """
    # Imported here: the HTTP client (httpx, joserfc) costs ~0.2 s that other commands do not pay.
    from fhir_werk.client import FhirClient, make_http_client
    from fhir_werk.followup import render_trend, resources_in_folder, resources_on_server, trend

    if (base is None) == (folder is None) or (base is not None and not patient):
        raise WrongUsageError(
            bad_request(
                "Geef --base URL met --patient ID, of --from MAP.",
                "Give --base URL with --patient ID, or --from FOLDER.",
                "--base/--from",
            )
        )
    if folder is not None:
        found = trend(resources_in_folder(folder, patient))
    else:
        assert base is not None
        assert patient is not None
        with make_http_client(base, timeout=timeout) as http:
            found = trend(resources_on_server(FhirClient(http), patient))
    if as_json:
        echo_json(dataclasses.asdict(found))
    else:
        echo(render_trend(found), nl=False)
