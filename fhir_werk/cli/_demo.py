"""``fhir-werk demo``: the whole chain on a shipped example, without an EPD or a server."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Annotated

import typer

from fhir_werk.cli._app import EXIT_USAGE, app
from fhir_werk.extraction import extract, render_werk_section

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
    """Extraheer een meegeleverde ingevulde leidraad en toon de behandelplansectie Werk."""
    if voorbeeld not in _names():
        typer.echo(f"Onbekend voorbeeld '{voorbeeld}'. Kies uit: {', '.join(_names())}", err=True)
        raise typer.Exit(EXIT_USAGE)
    response = json.loads(
        _EXAMPLES.joinpath(f"QuestionnaireResponse-{voorbeeld}.json").read_text(encoding="utf-8")
    )
    bundle = extract(response)
    typer.echo(render_werk_section(bundle), nl=False)
    if bundel:
        typer.echo(json.dumps(bundle, ensure_ascii=False, indent=2))
