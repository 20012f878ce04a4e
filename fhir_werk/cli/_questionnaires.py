"""Commands for the published artifacts: generate them from the sources, package them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fhir_werk import authoring
from fhir_werk.cli._app import EXIT_INVALID, app
from fhir_werk.publishing import published, write_package


@app.command()
def generate(
    check: Annotated[
        bool,
        typer.Option("--check", help="Alleen controleren of de JSON-bestanden actueel zijn; schrijft niets."),
    ] = False,
) -> None:
    """Maak de FHIR-bestanden in questionnaires/fhir/ opnieuw uit de bronnen in questionnaires/bron/."""
    if check:
        problems = authoring.check()
        for problem in problems:
            typer.echo(problem, err=True)
        if problems:
            typer.echo("De gepubliceerde bestanden zijn niet actueel: draai 'fhir-werk generate'.", err=True)
            raise typer.Exit(EXIT_INVALID)
        typer.echo("De gepubliceerde bestanden zijn actueel.", err=True)
        return
    names = authoring.write()
    typer.echo(f"{len(names)} bestanden geschreven.", err=True)


@app.command()
def package(
    out: Annotated[Path, typer.Option("--out", help="Map waarin het pakket (.tgz) komt.")] = Path("dist"),
) -> None:
    """Bouw het FHIR NPM-pakket (.tgz) met alle vragenlijsten, codelijsten en extensies."""
    target = write_package(published().resources, out)
    typer.echo(f"{len(published().resources)} resources verpakt.", err=True)
    typer.echo(str(target))
