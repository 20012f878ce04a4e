"""``fhir-werk demo``: the whole chain on a shipped example, without an EPD or a server."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Annotated

import typer

from fhir_werk.cli._app import app
from fhir_werk.cli._output import echo, echo_json
from fhir_werk.cli._usage import WrongUsageError
from fhir_werk.extraction import extract, render_werk_section
from fhir_werk.shared import bad_request

_EXAMPLES = files("fhir_werk.questionnaires").joinpath("voorbeelden")


def _names() -> list[str]:
    return sorted(
        e.name.removeprefix("QuestionnaireResponse-").removesuffix(".json")
        for e in _EXAMPLES.iterdir()
        if e.name.endswith(".json")
    )


@app.command()
def demo(
    voorbeeld: Annotated[
        str, typer.Argument(help="Naam van een meegeleverd voorbeeld.")
    ] = "mohamed-ziek-met-contract",
    bundel: Annotated[bool, typer.Option("--bundel", help="Druk ook de volledige FHIR-bundel af.")] = False,
) -> None:
    """Extraheer een meegeleverde ingevulde leidraad en toon de behandelplansectie Werk.

    Afsluitcodes: 0 gelukt; 2 onbekend voorbeeld; 4 interne fout.
    """
    known = _names()
    if voorbeeld not in known:
        raise WrongUsageError(
            bad_request(
                f"Onbekend voorbeeld '{voorbeeld}'. Kies uit: {', '.join(known)}.",
                f"Unknown example '{voorbeeld}'. Choose from: {', '.join(known)}.",
                "VOORBEELD",
            )
        )
    response = json.loads(
        _EXAMPLES.joinpath(f"QuestionnaireResponse-{voorbeeld}.json").read_text(encoding="utf-8")
    )
    bundle = extract(response)
    echo(render_werk_section(bundle), nl=False)
    if bundel:
        echo_json(bundle)
