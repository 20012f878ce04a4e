"""``fhir-werk tijdlijn``: the legal clock of re-integration without the form, for a quick look.

The same computation as the Werk plan (:func:`fhir_werk.reintegratie.mijlpalen`); conventions and
sources in docs/reintegratie.md.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Final, Literal, cast

import typer

from fhir_werk.cli._app import app
from fhir_werk.cli._output import echo, echo_json
from fhir_werk.cli._usage import WrongUsageError
from fhir_werk.reintegratie import GRONDSLAGEN, Antwoorden, Land, Mijlpaal, OngeldigeInvoerError, mijlpalen
from fhir_werk.shared import bad_request

_DATUM: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def _fout(nl: str, en: str, optie: str) -> WrongUsageError:
    return WrongUsageError(bad_request(nl, en, f"--{optie}"))


def _datum(waarde: str | None, optie: str) -> dt.date | None:
    if waarde is None:
        return None
    try:
        if not _DATUM.fullmatch(waarde):
            raise ValueError(waarde)
        return dt.date.fromisoformat(waarde)
    except ValueError:
        raise _fout(
            f"--{optie} '{waarde}' is geen bestaande datum; schrijf JJJJ-MM-DD (bijvoorbeeld 2024-02-29).",
            f"--{optie} '{waarde}' is not an existing date; write YYYY-MM-DD.",
            optie,
        ) from None


def _gedaan(codes: list[str]) -> frozenset[str]:
    known = {basis.code for basis in GRONDSLAGEN}
    for code in codes:
        if code not in known:
            raise _fout(
                f"--gedaan '{code}' is geen code van een mijlpaal; zie docs/reintegratie.md.",
                f"--gedaan '{code}' is not a milestone code.",
                "gedaan",
            )
    return frozenset(codes)


def _tabel(gevonden: list[Mijlpaal], vandaag: dt.date) -> str:
    if not gevonden:
        return (
            "Geen wettelijke termijnen voor deze situatie (bijstand en zelfstandigen hebben geen "
            "re-integratieklok); leg afspraken vast in het plan Werk.\n"
        )
    regels = [f"Tijdlijn re-integratie (stand op {vandaag.isoformat()})", ""]
    for m in gevonden:
        wanneer = f"vanaf {m.datum.isoformat()}" if m.soort == "vanaf" else f"uiterlijk {m.datum.isoformat()}"
        if m.vanaf is not None:
            wanneer = f"{m.vanaf.isoformat()} t/m {m.datum.isoformat()}"
        regels.append(f"{wanneer:<26} {m.status:<15} {m.wat} — {m.wie}")
        regels.append(f"{'':<26} {'':<15} {m.telling} Bron: {m.bron}.")
    return "\n".join(regels) + "\n"


@app.command("tijdlijn")
def tijdlijn_command(
    land: Annotated[str, typer.Option("--land", help="nl of be.")],
    eerste_ziektedag: Annotated[
        str, typer.Option("--eerste-ziektedag", help="JJJJ-MM-DD, dag 1 van week 1.")
    ],
    situatie: Annotated[
        str | None,
        typer.Option(
            "--situatie",
            help="NL: met-werkgever (standaard), ziektewet, bijstand, zelfstandige. "
            "BE: werknemer (standaard), werkzoekende, zelfstandige.",
        ),
    ] = None,
    start_traject: Annotated[
        str | None,
        typer.Option("--start-traject", help="BE: start van het re-integratietraject (JJJJ-MM-DD)."),
    ] = None,
    beslissing: Annotated[
        str | None, typer.Option("--beslissing", help="BE: beslissing van de arbeidsarts, A, B of C.")
    ] = None,
    beslissingsdatum: Annotated[
        str | None, typer.Option("--beslissingsdatum", help="BE: datum van de beslissing (JJJJ-MM-DD).")
    ] = None,
    probleemanalyse: Annotated[
        str | None, typer.Option("--probleemanalyse", help="NL: datum van de probleemanalyse, als die er is.")
    ] = None,
    plan_van_aanpak: Annotated[
        str | None,
        typer.Option("--plan-van-aanpak", help="NL: datum van het plan van aanpak, als dat er is."),
    ] = None,
    einddatum: Annotated[
        str | None,
        typer.Option("--einddatum", help="Einddatum van het attest van arbeidsongeschiktheid (JJJJ-MM-DD)."),
    ] = None,
    gedaan: Annotated[
        list[str] | None,
        typer.Option(
            "--gedaan", help="Code van een mijlpaal die al gedaan is (mag vaker), bv. nl-probleemanalyse."
        ),
    ] = None,
    vandaag: Annotated[
        str | None,
        typer.Option("--vandaag", help="De dag waarop de stand wordt bepaald (standaard vandaag)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Druk de mijlpalen af als JSON-lijst.")] = False,
) -> None:
    """Toon de wettelijke mijlpalen van re-integratie (NL: Wet verbetering poortwachter; BE: codex 2022).

    Elke mijlpaal met de datum waarop of waarvóór hij valt, wie aan zet is, de stand en de
    wettelijke grondslag. Afsluitcodes: 0 gelukt; 2 verkeerd gebruik (een datum die niet bestaat,
    een beslissing zonder datum, een Belgische optie voor NL).
    """
    if land.lower() not in ("nl", "be"):
        raise _fout(
            f"--land '{land}' is onbekend; kies nl of be.", f"Unknown --land '{land}'; use nl or be.", "land"
        )
    letter = beslissing.upper() if beslissing is not None else None
    if letter is not None and letter not in ("A", "B", "C"):
        raise _fout(
            f"--beslissing '{beslissing}' is onbekend; kies A, B of C "
            "(de beslissingen sinds 1 oktober 2022).",
            f"Unknown --beslissing '{beslissing}'; use A, B or C.",
            "beslissing",
        )
    antwoorden = Antwoorden(
        land=cast(Land, land.lower()),
        eerste_ziektedag=cast(dt.date, _datum(eerste_ziektedag, "eerste-ziektedag")),
        situatie=situatie.lower() if situatie is not None else None,
        start_traject=_datum(start_traject, "start-traject"),
        beslissing=cast(Literal["A", "B", "C"] | None, letter),
        beslissingsdatum=_datum(beslissingsdatum, "beslissingsdatum"),
        probleemanalyse_op=_datum(probleemanalyse, "probleemanalyse"),
        plan_van_aanpak_op=_datum(plan_van_aanpak, "plan-van-aanpak"),
        einddatum_ongeschiktheid=_datum(einddatum, "einddatum"),
        gedaan=_gedaan(gedaan or []),
    )
    dag = _datum(vandaag, "vandaag") or dt.date.today()
    try:
        gevonden = mijlpalen(antwoorden, dag)
    except OngeldigeInvoerError as exc:
        raise _fout(exc.melding, exc.en, exc.waar) from None
    if as_json:
        echo_json([m.as_json() for m in gevonden])
    else:
        echo(_tabel(gevonden, dag), nl=False)
