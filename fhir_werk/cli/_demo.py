"""``fhir-werk demo``: the whole chain on a shipped example, without an EPD or a server."""

from __future__ import annotations

import json
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Annotated

import typer

from fhir_werk.cli._app import app
from fhir_werk.cli._output import echo, echo_json
from fhir_werk.cli._usage import WrongUsageError
from fhir_werk.extraction import extract, render_werk_section
from fhir_werk.shared import bad_request

_EXAMPLES = files("fhir_werk.questionnaires").joinpath("voorbeelden")


_FOLLOW_UPS = _EXAMPLES.joinpath("vervolg")


def _examples() -> dict[str, Traversable]:
    """Every shipped response by name: the first conversations and the follow-ups."""
    found = {}
    for folder in (_EXAMPLES, _FOLLOW_UPS):
        for entry in folder.iterdir():
            if entry.name.endswith(".json"):
                found[entry.name.removeprefix("QuestionnaireResponse-").removesuffix(".json")] = entry
    return dict(sorted(found.items()))


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
    examples = _examples()
    known = list(examples)
    if voorbeeld not in known:
        raise WrongUsageError(
            bad_request(
                f"Onbekend voorbeeld '{voorbeeld}'. Kies uit: {', '.join(known)}.",
                f"Unknown example '{voorbeeld}'. Choose from: {', '.join(known)}.",
                "VOORBEELD",
            )
        )
    response = json.loads(examples[voorbeeld].read_text(encoding="utf-8"))
    bundle = extract(response)
    echo(render_werk_section(bundle), nl=False)
    if bundel:
        echo_json(bundle)
