"""The legal clock: from a person's answers to every milestone that applies, each with its date.

A plain function without I/O (:func:`mijlpalen`): the CLI (``fhir-werk tijdlijn``) and the Werk plan
call the same one. Week and month counting is in :mod:`._telling`; the legal bases in
:mod:`._grondslag`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Final, Literal

from fhir_werk.reintegratie._grondslag import grondslag
from fhir_werk.reintegratie._telling import (
    eerste_werkdag_vanaf,
    na_weken,
    plus_maanden,
    week_begin,
    week_einde,
)

__all__ = [
    "SITUATIES",
    "Antwoorden",
    "Land",
    "Mijlpaal",
    "OngeldigeInvoerError",
    "Soort",
    "Status",
    "mijlpalen",
    "situatie_code",
]

Land = Literal["nl", "be"]
Status = Literal["gepland", "nu aan de orde", "te laat", "gedaan"]
Soort = Literal["uiterlijk", "vanaf"]
"""How to read a milestone's date: due on or by it (``uiterlijk``), or possible from it (``vanaf``)."""

SITUATIES: Final[dict[str, tuple[str, ...]]] = {
    "nl": ("met-werkgever", "ziektewet", "bijstand", "zelfstandige"),
    "be": ("werknemer", "werkzoekende", "zelfstandige"),
}
"""The work status per country; the first of each is the default."""

_ALIASSEN: Final[dict[str, dict[str, str]]] = {
    "nl": {"werknemer": "met-werkgever", "zonder-werkgever": "ziektewet", "vangnetter": "ziektewet"},
    "be": {"met-werkgever": "werknemer"},
}

BIJNA: Final = dt.timedelta(days=14)
"""A deadline without a period is "nu aan de orde" from two weeks before it."""


class OngeldigeInvoerError(ValueError):
    """Answers the clock cannot use; ``waar`` names the answer (an option or a linkId)."""

    def __init__(self, melding: str, waar: str) -> None:
        super().__init__(melding)
        self.melding = melding
        self.waar = waar
        self.en = f"The answer '{waar}' does not fit the re-integration clock."


@dataclass(frozen=True)
class Antwoorden:
    """What the clock needs to know. Dates that are ``None`` are not known (yet)."""

    land: Land
    eerste_ziektedag: dt.date
    situatie: str | None = None
    start_traject: dt.date | None = None
    beslissing: Literal["A", "B", "C"] | None = None
    beslissingsdatum: dt.date | None = None
    probleemanalyse_op: dt.date | None = None
    plan_van_aanpak_op: dt.date | None = None
    einddatum_ongeschiktheid: dt.date | None = None
    """The end date on the current certificate of incapacity: a moment to talk about work (seed 000)."""
    gedaan: frozenset[str] = field(default_factory=frozenset)
    """Codes of milestones marked done: they stay done whatever the dates say."""


@dataclass(frozen=True)
class Mijlpaal:
    """One milestone: on or by ``datum`` (or from ``datum`` when ``soort`` is ``vanaf``)."""

    code: str
    datum: dt.date
    wat: str
    wie: str
    bron: str
    telling: str
    soort: Soort = "uiterlijk"
    vanaf: dt.date | None = None
    """The first day of the period in which it falls, when the law gives a period."""
    status: Status = "gepland"

    def as_json(self) -> dict[str, str | None]:
        """The milestone as the CLI prints it (dates as YYYY-MM-DD)."""
        return {
            "datum": self.datum.isoformat(),
            "vanaf": self.vanaf.isoformat() if self.vanaf else None,
            "soort": self.soort,
            "wat": self.wat,
            "wie": self.wie,
            "code": self.code,
            "bron": self.bron,
            "telling": self.telling,
            "status": self.status,
        }


def situatie_code(land: Land, situatie: str | None) -> str:
    """The work status code, the country's default when ``situatie`` is ``None``."""
    if situatie is None:
        return SITUATIES[land][0]
    code = _ALIASSEN[land].get(situatie, situatie)
    if code not in SITUATIES[land]:
        raise OngeldigeInvoerError(
            f"Onbekende situatie '{situatie}' voor {land.upper()}; kies uit {', '.join(SITUATIES[land])}.",
            "situatie",
        )
    return code


def _mijlpaal(
    code: str,
    datum: dt.date,
    *,
    vanaf: dt.date | None = None,
    soort: Soort = "uiterlijk",
    wat: str | None = None,
) -> Mijlpaal:
    basis = grondslag(code)
    return Mijlpaal(code, datum, wat or basis.display, basis.wie, basis.bron, basis.termijn, soort, vanaf)


def _nl_werknemer(a: Antwoorden, vandaag: dt.date) -> list[Mijlpaal]:
    d0 = a.eerste_ziektedag
    plan = a.probleemanalyse_op + dt.timedelta(days=14) if a.probleemanalyse_op else week_einde(d0, 8)
    found = [
        _mijlpaal("nl-probleemanalyse", week_einde(d0, 6)),
        _mijlpaal("nl-plan-van-aanpak", plan),
        _mijlpaal("nl-42e-weeksmelding", eerste_werkdag_vanaf(na_weken(d0, 42))),
        _mijlpaal("nl-eerstejaarsevaluatie", week_einde(d0, 52), vanaf=week_begin(d0, 46)),
        _mijlpaal("nl-wia-brief", week_einde(d0, 88), vanaf=week_begin(d0, 88)),
        _mijlpaal("nl-actueel-oordeel", week_einde(d0, 91), vanaf=week_begin(d0, 88)),
        _mijlpaal("nl-wia-aanvraag", week_einde(d0, 93), vanaf=week_begin(d0, 88)),
        _mijlpaal("nl-einde-loondoorbetaling", week_einde(d0, 104)),
    ]
    volgende = _volgende_evaluatie(a.plan_van_aanpak_op or plan, vandaag, week_einde(d0, 104))
    if volgende is not None:
        found.append(_mijlpaal("nl-evaluatie", volgende, wat="Volgende evaluatie van het plan van aanpak"))
    return found


def _volgende_evaluatie(plan: dt.date, vandaag: dt.date, einde: dt.date) -> dt.date | None:
    # Only the next one: a list of past practice dates would read as missed legal deadlines.
    datum = plan + dt.timedelta(days=42)
    while datum < vandaag:
        datum += dt.timedelta(days=42)
    return datum if datum <= einde else None


def _nl_ziektewet(a: Antwoorden) -> list[Mijlpaal]:
    d0 = a.eerste_ziektedag
    return [
        _mijlpaal("zw-eerste-beoordeling", week_einde(d0, 6)),
        _mijlpaal("zw-spreekuur-verzekeringsarts", week_einde(d0, 13)),
        _mijlpaal("zw-re-integratieplan", week_einde(d0, 15)),
        _mijlpaal("zw-eerstejaarsbeoordeling", week_einde(d0, 52), vanaf=week_begin(d0, 44)),
        _mijlpaal("nl-wia-brief", week_einde(d0, 88), vanaf=week_begin(d0, 88)),
        _mijlpaal("nl-wia-aanvraag", week_einde(d0, 93), vanaf=week_begin(d0, 88)),
        _mijlpaal("zw-einde", week_einde(d0, 104)),
    ]


def _be_ziekenfonds(d0: dt.date) -> list[Mijlpaal]:
    return [
        _mijlpaal("be-tnw-vragenlijst", d0 + dt.timedelta(days=84), vanaf=na_weken(d0, 10)),
        _mijlpaal(
            "be-tnw-eerste-inschatting",
            plus_maanden(d0, 4) - dt.timedelta(days=1),
            vanaf=plus_maanden(d0, 3),
        ),
    ]


def _be_werknemer(a: Antwoorden) -> list[Mijlpaal]:
    d0 = a.eerste_ziektedag
    found = [
        _mijlpaal("be-informatie-arbeidsarts", na_weken(d0, 4), soort="vanaf"),
        _mijlpaal("be-start-door-werkgever", plus_maanden(d0, 3), soort="vanaf"),
        _mijlpaal("be-medische-overmacht", plus_maanden(d0, 9), soort="vanaf"),
        *_be_ziekenfonds(d0),
    ]
    if a.start_traject is not None:
        found.append(_mijlpaal("be-re-integratiebeoordeling", a.start_traject + dt.timedelta(days=49)))
    if a.beslissing == "A" and a.beslissingsdatum is not None:
        found.append(_mijlpaal("be-plan-a", a.beslissingsdatum + dt.timedelta(days=63)))
    if a.beslissing == "B" and a.beslissingsdatum is not None:
        found.append(_mijlpaal("be-beroep", a.beslissingsdatum + dt.timedelta(days=21)))
        found.append(_mijlpaal("be-plan-b", plus_maanden(a.beslissingsdatum, 6)))
    return found


def _gedaan(a: Antwoorden) -> frozenset[str]:
    done = set(a.gedaan)
    if a.probleemanalyse_op is not None:
        done.update({"nl-probleemanalyse"})
    if a.plan_van_aanpak_op is not None:
        done.update({"nl-plan-van-aanpak"})
    if a.start_traject is not None:
        # The trajectory runs: whether the employer may start one no longer matters.
        done.update({"be-start-door-werkgever"})
    if a.beslissing is not None:
        done.update({"be-re-integratiebeoordeling"})
    return frozenset(done)


def _status(mijlpaal: Mijlpaal, vandaag: dt.date, gedaan: frozenset[str]) -> Status:
    if mijlpaal.code in gedaan:
        return "gedaan"
    if mijlpaal.soort == "vanaf":
        return "nu aan de orde" if vandaag >= mijlpaal.datum else "gepland"
    if vandaag > mijlpaal.datum:
        return "te laat"
    begin = mijlpaal.vanaf or mijlpaal.datum - BIJNA
    return "nu aan de orde" if vandaag >= begin else "gepland"


def _controleer(a: Antwoorden, situatie: str) -> None:
    if a.land == "nl" and (a.start_traject or a.beslissing or a.beslissingsdatum):
        waar = "start-traject" if a.start_traject else "beslissing"
        raise OngeldigeInvoerError(
            "Een re-integratietraject met beslissing A/B/C bestaat alleen in België (--land be).", waar
        )
    if a.land == "be" and (a.probleemanalyse_op or a.plan_van_aanpak_op):
        raise OngeldigeInvoerError(
            "Probleemanalyse en plan van aanpak (Wet verbetering poortwachter) bestaan alleen in Nederland.",
            "probleemanalyse" if a.probleemanalyse_op else "plan-van-aanpak",
        )
    if (a.beslissing is None) != (a.beslissingsdatum is None):
        raise OngeldigeInvoerError(
            "Geef een beslissing (A, B of C) altijd samen met haar datum (--beslissingsdatum)."
            if a.beslissing
            else "Een beslissingsdatum zonder beslissing: geef ook --beslissing A, B of C.",
            "beslissingsdatum" if a.beslissing else "beslissing",
        )
    if a.beslissing is not None and a.beslissing not in ("A", "B", "C"):
        raise OngeldigeInvoerError(f"Onbekende beslissing '{a.beslissing}'; kies A, B of C.", "beslissing")
    if (a.start_traject or a.beslissing) and situatie != "werknemer":
        raise OngeldigeInvoerError(
            "Een re-integratietraject bij de arbeidsarts is er alleen voor een werknemer met een werkgever.",
            "situatie",
        )
    _op_volgorde(a)


def _op_volgorde(a: Antwoorden) -> None:
    for naam, datum, na in (
        ("start-traject", a.start_traject, a.eerste_ziektedag),
        ("probleemanalyse", a.probleemanalyse_op, a.eerste_ziektedag),
        ("plan-van-aanpak", a.plan_van_aanpak_op, a.eerste_ziektedag),
        ("einddatum", a.einddatum_ongeschiktheid, a.eerste_ziektedag),
        ("beslissingsdatum", a.beslissingsdatum, a.start_traject or a.eerste_ziektedag),
    ):
        if datum is not None and datum < na:
            raise OngeldigeInvoerError(
                f"De datum bij {naam} ({datum.isoformat()}) ligt vóór {na.isoformat()}, "
                "de eerste ziektedag of de start van het traject.",
                naam,
            )


def mijlpalen(antwoorden: Antwoorden, vandaag: dt.date, *, aanzetten: bool = False) -> list[Mijlpaal]:
    """Every milestone that applies to ``antwoorden``, by date, each with its state on ``vandaag``.

    ``aanzetten``: also seed 000's prompt to talk about work from the first contacts (no law; the
    worklist's Tasks carry it, ``fhir-werk tijdlijn`` shows the legal clock only).

    Raises :class:`OngeldigeInvoerError` for answers that do not fit together (a Belgian decision for
    the Netherlands, a decision without its date, a date before the first day of incapacity).
    NL bijstand and the self-employed in either country have no legal clock: an empty list.
    """
    situatie = situatie_code(antwoorden.land, antwoorden.situatie)
    _controleer(antwoorden, situatie)
    found: list[Mijlpaal] = []
    if antwoorden.land == "nl" and situatie == "met-werkgever":
        found = _nl_werknemer(antwoorden, vandaag)
    elif antwoorden.land == "nl" and situatie == "ziektewet":
        found = _nl_ziektewet(antwoorden)
    elif antwoorden.land == "be" and situatie == "werknemer":
        found = _be_werknemer(antwoorden)
    elif antwoorden.land == "be" and situatie == "werkzoekende":
        found = _be_ziekenfonds(antwoorden.eerste_ziektedag)
    if antwoorden.einddatum_ongeschiktheid is not None:
        found.append(_mijlpaal("gesprek-einddatum", antwoorden.einddatum_ongeschiktheid))
    if aanzetten:
        # From the first sick day, within the three months after which the chance of a return
        # drops by half (seeds 000 and 004): late after that, so an early start that did not happen shows.
        eerste = antwoorden.eerste_ziektedag
        found.append(_mijlpaal("gesprek-eerste-contacten", plus_maanden(eerste, 3), vanaf=eerste))
    gedaan = _gedaan(antwoorden)
    placed = [dataclasses.replace(m, status=_status(m, vandaag, gedaan)) for m in found]
    return sorted(placed, key=lambda m: (m.datum, m.code))
