"""Commands for the published artifacts: generate them from the sources, package them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fhir_werk.cli._app import EXIT_INVALID, app
from fhir_werk.cli._io import OutputError, os_problem, write_atomic
from fhir_werk.cli._output import echo
from fhir_werk.publishing import build_package, published
from fhir_werk.shared import PACKAGE_NAME, VERSION, issue, outcome


@app.command()
def generate(
    check: Annotated[
        bool,
        typer.Option("--check", help="Alleen controleren of de JSON-bestanden actueel zijn; schrijft niets."),
    ] = False,
) -> None:
    """Maak de FHIR-bestanden in questionnaires/fhir/ opnieuw uit de bronnen in questionnaires/bron/.

    Afsluitcodes: 0 gelukt (of actueel); 1 met --check: de bestanden zijn verouderd; 3 een bestand
    kan niet worden geschreven; 4 interne fout.
    """
    from fhir_werk import authoring  # the YAML sources and the generator: only this command needs them
    from fhir_werk.followup import check_followups, write_followups

    if check:
        problems = authoring.check()
        # The follow-up examples are populate's output on the examples: checked after those.
        problems += check_followups() if not problems else []
        for problem in problems:
            echo(problem, err=True)
        if problems:
            echo("De gepubliceerde bestanden zijn niet actueel: draai 'fhir-werk generate'.", err=True)
            raise typer.Exit(EXIT_INVALID)
        echo("De gepubliceerde bestanden zijn actueel.", err=True)
        return
    names = authoring.write() + write_followups()
    echo(f"{len(names)} bestanden geschreven.", err=True)


@app.command()
def package(
    out: Annotated[
        Path,
        typer.Option(
            "--out", metavar="MAP", help="Map waarin het pakket (.tgz) komt; wordt zo nodig gemaakt."
        ),
    ] = Path("dist"),
) -> None:
    """Bouw het FHIR NPM-pakket (.tgz) met alle vragenlijsten, codelijsten en extensies.

    Het pakket wordt via een tijdelijk bestand geschreven: bij een fout blijft een bestaand pakket
    zoals het was. Afsluitcodes: 0 gelukt; 2 --out is een bestand; 3 de map of het pakket kan niet
    worden geschreven; 4 interne fout.
    """
    resources = published().resources
    data = build_package(resources)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        pass  # a file named like the folder: write_atomic below says so (wrong use, exit 2)
    except OSError as exc:
        nl, en = os_problem(exc)
        raise OutputError(
            outcome(
                [
                    issue(
                        "error",
                        "exception",
                        f"De map '{out}' kan niet worden gemaakt: {nl}.",
                        f"The directory '{out}' cannot be created: {en}.",
                        "--out",
                    )
                ]
            ),
            500,
        ) from exc
    target = out / f"{PACKAGE_NAME}-{VERSION}.tgz"
    write_atomic(target, data, "--out")
    echo(f"{len(resources)} resources verpakt.", err=True)
    echo(str(target))
