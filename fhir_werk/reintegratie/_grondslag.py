"""The legal bases of the milestones: one code each, what it asks, of whom, and where the law says so.

This table is the one source of the CodeSystem ``re-integratie-grondslag`` (its ``definition`` is
:attr:`Grondslag.definitie`, which cites :attr:`Grondslag.bron`) and of every milestone's ``code``
and ``bron``. docs/reintegratie.md says which of these sources were checked and what could not be.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["GRONDSLAGEN", "Grondslag", "grondslag"]


@dataclass(frozen=True)
class Grondslag:
    """One legal basis: a code of the CodeSystem ``re-integratie-grondslag``."""

    code: str
    display: str
    en: str
    wie: str
    """The role that acts, in Dutch."""
    bron: str
    """The source: the article of law or regulation first, then the guidance page."""
    termijn: str
    """The rule of the deadline in words, with its counting convention."""

    @property
    def definitie(self) -> str:
        """The CodeSystem definition: the rule and the source it comes from."""
        return f"{self.termijn} Wie: {self.wie}. Bron: {self.bron}."


_UWV_POORTWACHTER = "uwv.nl 'Werknemer is ziek' (stappenplan Wet verbetering poortwachter)"
_REGELING = "Regeling procesgang eerste en tweede ziektejaar (Stcrt. 2002, 60)"
_VANGNET = (
    "Regeling procesgang eerste en tweede ziektejaar voor vangnetters zonder werkgever (Stcrt. 2007, 140)"
)
_KB_2022 = (
    "Codex over het welzijn op het werk, boek I titel 4 hoofdstuk VI, zoals gewijzigd bij KB 11-09-2022 "
    "(BS 20-09-2022, in werking 01-10-2022)"
)
_TNW = (
    "KB 3 juli 1996 (uitvoering GVU-wet), titel III hoofdstuk III afdeling VIquater (Terug Naar Werk); "
    "riziv.fgov.be"
)

GRONDSLAGEN: Final[tuple[Grondslag, ...]] = (
    # Both countries: a recommendation, not law (seed 000, the VDAB/GTB tip sheet for GPs).
    Grondslag(
        "gesprek-einddatum",
        "Werk bespreken bij de einddatum van de arbeidsongeschiktheid",
        "Talk about work at the end date of the incapacity",
        "huisarts of behandelaar",
        "VDAB/GTB-tipsheet 'Hoe en waarom praat ik met mijn patiënt over werk?' (aanbeveling, geen wet)",
        "Op de einddatum van het attest van arbeidsongeschiktheid: "
        "herstel en werk opnieuw ter sprake brengen.",
    ),
    Grondslag(
        "gesprek-eerste-contacten",
        "Werk bespreken vanaf de eerste contacten",
        "Talk about work from the first contacts",
        "huisarts of behandelaar",
        "VDAB/GTB-tipsheet 'Hoe en waarom praat ik met mijn patiënt over werk?' (aanbeveling, geen wet); "
        "de daling van de kans op herintrede na drie tot zes maanden afwezigheid: dezelfde tipsheet",
        "Vanaf de eerste ziektedag, in de eerste drie maanden (eerste ziektedag + 3 maanden, zelfde "
        "dagnummer): werk en de betekenis ervan ter sprake brengen; daarna te laat voor een vroege start.",
    ),
    # Netherlands, an employee with an employer (Wet verbetering poortwachter).
    Grondslag(
        "nl-probleemanalyse",
        "Probleemanalyse door de bedrijfsarts",
        "Problem analysis by the occupational physician",
        "bedrijfsarts of arbodienst",
        f"{_REGELING}, art. 2; {_UWV_POORTWACHTER}",
        "Uiterlijk in week 6 na de eerste ziektedag (laatste dag van week 6 = eerste ziektedag + 41 dagen).",
    ),
    Grondslag(
        "nl-plan-van-aanpak",
        "Plan van aanpak en casemanager",
        "Plan of action and case manager",
        "werkgever en werknemer",
        f"{_REGELING}, art. 4; {_UWV_POORTWACHTER}",
        "Binnen 2 weken na de probleemanalyse (probleemanalyse + 14 dagen), en zonder datum van de "
        "probleemanalyse uiterlijk in week 8 (eerste ziektedag + 55 dagen).",
    ),
    Grondslag(
        "nl-evaluatie",
        "Evaluatie en bijstelling van het plan van aanpak",
        "Review of the plan of action",
        "werkgever en werknemer (casemanager)",
        f"{_REGELING} ('periodiek'); arboportaal.nl (praktijk: elke 6 weken)",
        "Praktijk, geen wettelijke termijn: elke 6 weken (42 dagen) na het plan van aanpak, tot week 104.",
    ),
    Grondslag(
        "nl-42e-weeksmelding",
        "Ziekmelding bij UWV (42e-weeksmelding)",
        "Notification of long-term sickness to UWV",
        "werkgever",
        "Ziektewet art. 38; uwv.nl 'Ziek melden bij UWV'",
        "Uiterlijk de eerste werkdag na de 42e ziekteweek (eerste ziektedag + 294 dagen, of de maandag erna "
        "als dat een zaterdag of zondag is).",
    ),
    Grondslag(
        "nl-eerstejaarsevaluatie",
        "Eerstejaarsevaluatie",
        "First-year evaluation",
        "werkgever en werknemer",
        f"{_REGELING}; {_UWV_POORTWACHTER}",
        "Aan het eind van het eerste ziektejaar, in de praktijk week 46 tot en met 52 "
        "(eerste ziektedag + 315 tot + 363 dagen).",
    ),
    Grondslag(
        "nl-wia-brief",
        "UWV stuurt de WIA-aanvraag",
        "UWV sends the WIA application",
        "UWV",
        "uwv.nl 'Bijna 2 jaar ziek'; poortwachtersloket.nl",
        "In week 88 (eerste ziektedag + 609 tot + 615 dagen).",
    ),
    Grondslag(
        "nl-actueel-oordeel",
        "Actueel oordeel, eindevaluatie en re-integratieverslag",
        "Current assessment, final evaluation and reintegration report",
        "bedrijfsarts en werkgever",
        "uwv.nl 'Bijna 2 jaar ziek'; poortwachtersloket.nl (twee weken voor de WIA-aanvraag)",
        "Twee weken voor de uiterste WIA-aanvraag: uiterlijk in week 91 (eerste ziektedag + 636 dagen).",
    ),
    Grondslag(
        "nl-wia-aanvraag",
        "WIA-aanvraag",
        "Application for WIA benefit",
        "werknemer",
        "Wet WIA (aanvraag vóór het eind van de wachttijd); uwv.nl 'Bijna 2 jaar ziek'",
        "Voor het einde van week 93 (eerste ziektedag + 650 dagen), na de brief van week 88.",
    ),
    Grondslag(
        "nl-einde-loondoorbetaling",
        "Einde loondoorbetaling bij ziekte (104 weken)",
        "End of continued wage payment during sickness (104 weeks)",
        "werkgever",
        "Burgerlijk Wetboek art. 7:629 lid 1 (104 weken, ten minste 70 %); Kamerstukken 35589 nr. 3",
        "De laatste dag van week 104 (eerste ziektedag + 727 dagen); de WIA kan de dag erna ingaan.",
    ),
    # Netherlands, no employer (Ziektewet, "vangnetter"): UWV is the actor.
    Grondslag(
        "zw-eerste-beoordeling",
        "Eerste beoordeling door UWV (Ziektewet)",
        "First assessment by UWV (Sickness Benefits Act)",
        "UWV",
        f"{_VANGNET}; uwv.nl 'Ziektewet-uitkering'",
        "Uiterlijk in week 6 na de eerste ziektedag (eerste ziektedag + 41 dagen).",
    ),
    Grondslag(
        "zw-spreekuur-verzekeringsarts",
        "Gesprek met de verzekeringsarts",
        "Meeting with the insurance physician",
        "verzekeringsarts (UWV)",
        f"{_VANGNET}; uwv.nl 'Ziektewet-uitkering'",
        "Uiterlijk in week 13 (eerste ziektedag + 90 dagen).",
    ),
    Grondslag(
        "zw-re-integratieplan",
        "Re-integratieplan met de re-integratiebegeleider",
        "Reintegration plan with the UWV counsellor",
        "re-integratiebegeleider (UWV) en de zieke",
        f"{_VANGNET}; uwv.nl 'Ziektewet-uitkering'",
        "Uiterlijk in week 15 (eerste ziektedag + 104 dagen).",
    ),
    Grondslag(
        "zw-eerstejaarsbeoordeling",
        "Eerstejaars Ziektewet-beoordeling (EZWb)",
        "First-year Sickness Benefits Act assessment",
        "UWV",
        "Ziektewet art. 19aa; uwv.nl 'Eerstejaars Ziektewet-beoordeling'",
        "Vanaf ongeveer week 44, vóór het eind van het eerste ziektejaar "
        "(eerste ziektedag + 301 tot + 363 dagen).",
    ),
    Grondslag(
        "zw-einde",
        "Einde Ziektewet-uitkering (104 weken)",
        "End of sickness benefit (104 weeks)",
        "UWV",
        "Ziektewet art. 29 (ten hoogste 104 weken); uwv.nl",
        "De laatste dag van week 104 (eerste ziektedag + 727 dagen).",
    ),
    # Belgium, a worker with an employer: the re-integration trajectory since 1 October 2022.
    Grondslag(
        "be-informatie-arbeidsarts",
        "De arbeidsarts informeert over werkhervatting",
        "The occupational physician informs about return to work",
        "preventieadviseur-arbeidsarts",
        f"{_KB_2022}; prato.be, mensura.be",
        "Na 4 weken arbeidsongeschiktheid (vanaf eerste ziektedag + 28 dagen), zo snel mogelijk.",
    ),
    Grondslag(
        "be-start-door-werkgever",
        "De werkgever kan een re-integratietraject starten",
        "The employer may start a reintegration trajectory",
        "werkgever",
        f"{_KB_2022}; mensura.be, sodibe.be",
        "Na 3 maanden ononderbroken arbeidsongeschiktheid (vanaf eerste ziektedag + 3 maanden); de "
        "werknemer en de behandelend arts op elk moment.",
    ),
    Grondslag(
        "be-re-integratiebeoordeling",
        "Re-integratiebeoordeling (beslissing A, B of C)",
        "Reintegration assessment (decision A, B or C)",
        "preventieadviseur-arbeidsarts",
        f"{_KB_2022}; mensura.be, lexgo.be",
        "Binnen 49 kalenderdagen na de start van het traject (ontvangst van het verzoek + 49 dagen).",
    ),
    Grondslag(
        "be-plan-a",
        "Re-integratieplan na beslissing A",
        "Reintegration plan after decision A",
        "werkgever, in overleg met werknemer en arbeidsarts",
        f"{_KB_2022}; mensura.be",
        "Binnen 63 kalenderdagen na de beslissing A (beslissing + 63 dagen).",
    ),
    Grondslag(
        "be-plan-b",
        "Re-integratieplan (of verslag dat het niet kan) na beslissing B",
        "Reintegration plan (or a report that none is possible) after decision B",
        "werkgever, in overleg met werknemer en arbeidsarts",
        f"{_KB_2022}; mensura.be",
        "Binnen 6 maanden na de beslissing B (beslissing + 6 maanden).",
    ),
    Grondslag(
        "be-beroep",
        "Beroep tegen de beslissing definitief ongeschikt",
        "Appeal against the decision of definitive unfitness",
        "werknemer",
        f"{_KB_2022}; cohezio.be, securex.be",
        "Binnen 21 kalenderdagen na de beslissing B (beslissing + 21 dagen).",
    ),
    Grondslag(
        "be-medische-overmacht",
        "Ten vroegste: procedure medische overmacht",
        "At the earliest: medical force majeure procedure",
        "werkgever of werknemer",
        "Arbeidsovereenkomstenwet 3 juli 1978, art. 34 (sinds 28-11-2022); bbtk.org",
        "Niet vóór 9 maanden arbeidsongeschiktheid (vanaf eerste ziektedag + 9 maanden); "
        "los van het traject.",
    ),
    Grondslag(
        "be-tnw-vragenlijst",
        "Vragenlijst van het ziekenfonds (Terug Naar Werk)",
        "Questionnaire of the health insurance fund",
        "werknemer (aan de adviserend arts)",
        _TNW,
        "Na 10 weken (vanaf eerste ziektedag + 70 dagen), "
        "terug binnen 2 weken (eerste ziektedag + 84 dagen).",
    ),
    Grondslag(
        "be-tnw-eerste-inschatting",
        "Eerste inschatting van de resterende mogelijkheden",
        "First estimate of the remaining capacities",
        "adviserend arts (ziekenfonds)",
        _TNW,
        "In de vierde maand (eerste ziektedag + 3 maanden tot de dag voor + 4 maanden); "
        "kan verwijzen naar de TNW-coördinator.",
    ),
)

_BY_CODE: Final = {basis.code: basis for basis in GRONDSLAGEN}


def grondslag(code: str) -> Grondslag:
    """The legal basis with ``code``."""
    return _BY_CODE[code]
