"""The legal clock of re-integration: every date as a table row with the rule and source it comes from.

The expected dates are worked out by hand from the rule in the row (not with the code's helpers).
Convention (docs/reintegratie.md): the first day of incapacity is day 1 of week 1; "uiterlijk in week
n" = the last day of week n = first day + 7n - 1; "na n weken" = first day + 7n; "binnen n
kalenderdagen na" = event + n; "binnen n maanden" = same day number n months on, or that month's
last day.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from fhir_werk.reintegratie import (
    GRONDSLAGEN,
    Antwoorden,
    Mijlpaal,
    OngeldigeInvoerError,
    mijlpalen,
    plus_maanden,
)

D = dt.date.fromisoformat
FAR_PAST = D("2000-01-01")


def _datum(found: list[Mijlpaal], code: str) -> dt.date:
    (match,) = [m for m in found if m.code == code]
    return match.datum


def _vanaf(found: list[Mijlpaal], code: str) -> dt.date | None:
    (match,) = [m for m in found if m.code == code]
    return match.vanaf


NL = [
    # (first sick day, code, expected date, source of the rule)
    # Probleemanalyse uiterlijk in week 6 (Regeling procesgang art. 2; uwv.nl): + 41 days.
    ("2024-01-01", "nl-probleemanalyse", "2024-02-11", "Regeling procesgang art. 2: week 6"),
    (
        "2024-02-29",
        "nl-probleemanalyse",
        "2024-04-10",
        "Regeling procesgang art. 2: week 6, from 29 February",
    ),
    (
        "2023-12-31",
        "nl-probleemanalyse",
        "2024-02-10",
        "Regeling procesgang art. 2: week 6 across the year end",
    ),
    # Plan van aanpak uiterlijk in week 8 without a probleemanalyse date (Regeling art. 4): + 55 days.
    ("2024-01-01", "nl-plan-van-aanpak", "2024-02-25", "Regeling procesgang art. 4: week 8"),
    ("2023-01-31", "nl-plan-van-aanpak", "2023-03-27", "Regeling procesgang art. 4: week 8 from a month end"),
    # 42e-weeksmelding: uiterlijk de eerste werkdag na de 42e ziekteweek (uwv.nl): + 294 days.
    ("2024-01-01", "nl-42e-weeksmelding", "2024-10-21", "uwv.nl: first working day after week 42 (a Monday)"),
    ("2024-02-29", "nl-42e-weeksmelding", "2024-12-19", "uwv.nl: week 42 from 29 February (a Thursday)"),
    ("2024-01-06", "nl-42e-weeksmelding", "2024-10-28", "uwv.nl: + 294 is a Saturday, so the Monday after"),
    ("2024-01-07", "nl-42e-weeksmelding", "2024-10-28", "uwv.nl: + 294 is a Sunday, so the Monday after"),
    # Eerstejaarsevaluatie by the end of week 52 (uwv.nl): + 363 days; period from week 46 (+ 315).
    ("2024-01-01", "nl-eerstejaarsevaluatie", "2024-12-29", "uwv.nl: end of week 52 in a leap year"),
    ("2023-03-01", "nl-eerstejaarsevaluatie", "2024-02-27", "uwv.nl: end of week 52 across 29 February"),
    # WIA letter in week 88 (uwv.nl): last day + 615.
    ("2024-01-01", "nl-wia-brief", "2025-09-07", "uwv.nl 'Bijna 2 jaar ziek': week 88"),
    # Actueel oordeel two weeks before the last WIA day: end of week 91 (+ 636, poortwachtersloket.nl).
    ("2024-01-01", "nl-actueel-oordeel", "2025-09-28", "poortwachtersloket.nl: week 91"),
    # WIA application before the end of week 93 (uwv.nl; poortwachtersloket.nl): + 650 days.
    ("2024-01-01", "nl-wia-aanvraag", "2025-10-12", "poortwachtersloket.nl: 'voor het einde van week 93'"),
    ("2022-12-31", "nl-wia-aanvraag", "2024-10-11", "week 93 across 29 February 2024"),
    # Wage payment ends after 104 weeks (BW 7:629 lid 1): the last day is + 727.
    ("2024-01-01", "nl-einde-loondoorbetaling", "2025-12-28", "BW art. 7:629 lid 1: 104 weeks"),
    (
        "2024-02-29",
        "nl-einde-loondoorbetaling",
        "2026-02-25",
        "BW art. 7:629 lid 1: 104 weeks from 29 February",
    ),
]


@pytest.mark.parametrize(("eerste", "code", "verwacht", "bron"), NL)
def test_nl_employee_dates(eerste: str, code: str, verwacht: str, bron: str) -> None:
    found = mijlpalen(Antwoorden("nl", D(eerste)), FAR_PAST)
    assert _datum(found, code) == D(verwacht), bron


def test_nl_periods_start_where_the_rule_says() -> None:
    found = mijlpalen(Antwoorden("nl", D("2024-01-01")), FAR_PAST)
    assert _vanaf(found, "nl-eerstejaarsevaluatie") == D("2024-11-11")  # week 46 begins at + 315
    assert _vanaf(found, "nl-wia-brief") == D("2025-09-01")  # week 88 begins at + 609
    assert _vanaf(found, "nl-probleemanalyse") is None


def test_the_plan_van_aanpak_is_due_two_weeks_after_the_probleemanalyse() -> None:
    # Regeling procesgang art. 4: within two weeks of the analysis, which moves the week-8 default.
    early = mijlpalen(Antwoorden("nl", D("2024-01-01"), probleemanalyse_op=D("2024-01-20")), FAR_PAST)
    late = mijlpalen(Antwoorden("nl", D("2024-01-01"), probleemanalyse_op=D("2024-02-20")), FAR_PAST)
    assert _datum(early, "nl-plan-van-aanpak") == D("2024-02-03")
    assert _datum(late, "nl-plan-van-aanpak") == D("2024-03-05")
    assert {m.status for m in early if m.code == "nl-probleemanalyse"} == {"gedaan"}


ZW = [
    # Ziektewet without an employer (Regeling procesgang vangnetters; uwv.nl), weeks as above.
    ("2024-01-01", "zw-eerste-beoordeling", "2024-02-11", "week 6: + 41"),
    ("2024-01-01", "zw-spreekuur-verzekeringsarts", "2024-03-31", "week 13: + 90, across 29 February"),
    ("2024-01-01", "zw-re-integratieplan", "2024-04-14", "week 15: + 104"),
    ("2024-01-01", "zw-eerstejaarsbeoordeling", "2024-12-29", "end of week 52: + 363"),
    ("2024-01-01", "nl-wia-aanvraag", "2025-10-12", "week 93: + 650"),
    ("2024-01-01", "zw-einde", "2025-12-28", "104 weeks: + 727"),
]


@pytest.mark.parametrize(("eerste", "code", "verwacht", "bron"), ZW)
def test_nl_ziektewet_dates(eerste: str, code: str, verwacht: str, bron: str) -> None:
    found = mijlpalen(Antwoorden("nl", D(eerste), situatie="ziektewet"), FAR_PAST)
    assert _datum(found, code) == D(verwacht), bron
    assert not any(m.code.startswith("nl-probleem") or m.code == "nl-42e-weeksmelding" for m in found)


def _be(**kwargs: object) -> list[Mijlpaal]:
    return mijlpalen(Antwoorden("be", **kwargs), FAR_PAST)  # type: ignore[arg-type]


BE = [
    # (answers, code, expected date, source of the rule)
    # The arbeidsarts informs after 4 weeks (KB 11-09-2022): + 28 days.
    (
        {"eerste_ziektedag": D("2024-02-10")},
        "be-informatie-arbeidsarts",
        "2024-03-09",
        "KB 2022: after 4 weeks",
    ),
    # The employer may start after 3 months (KB 2022): same day 3 months on, or the month's last day.
    ({"eerste_ziektedag": D("2024-01-15")}, "be-start-door-werkgever", "2024-04-15", "KB 2022: 3 months"),
    (
        {"eerste_ziektedag": D("2023-11-30")},
        "be-start-door-werkgever",
        "2024-02-29",
        "KB 2022: 3 months to 29 Feb",
    ),
    (
        {"eerste_ziektedag": D("2024-11-30")},
        "be-start-door-werkgever",
        "2025-02-28",
        "KB 2022: 3 months, no 29 Feb",
    ),
    # Decision within 49 calendar days of the start (KB 2022; mensura.be: counted from the day after).
    (
        {"eerste_ziektedag": D("2023-12-01"), "start_traject": D("2024-01-31")},
        "be-re-integratiebeoordeling",
        "2024-03-20",
        "KB 2022: 49 days across 29 February",
    ),
    (
        {"eerste_ziektedag": D("2023-01-01"), "start_traject": D("2023-01-31")},
        "be-re-integratiebeoordeling",
        "2023-03-21",
        "KB 2022: 49 days in a common year",
    ),
    # Plan within 63 calendar days after decision A (KB 2022).
    (
        {"eerste_ziektedag": D("2024-09-01"), "beslissing": "A", "beslissingsdatum": D("2024-12-31")},
        "be-plan-a",
        "2025-03-04",
        "KB 2022: 63 days after A, common year",
    ),
    (
        {"eerste_ziektedag": D("2023-09-01"), "beslissing": "A", "beslissingsdatum": D("2023-12-31")},
        "be-plan-a",
        "2024-03-03",
        "KB 2022: 63 days after A, leap year",
    ),
    # Plan within 6 months after decision B (KB 2022): month ends and 29 February.
    (
        {"eerste_ziektedag": D("2023-03-01"), "beslissing": "B", "beslissingsdatum": D("2023-08-31")},
        "be-plan-b",
        "2024-02-29",
        "KB 2022: 6 months after B, to 29 February",
    ),
    (
        {"eerste_ziektedag": D("2024-03-01"), "beslissing": "B", "beslissingsdatum": D("2024-08-31")},
        "be-plan-b",
        "2025-02-28",
        "KB 2022: 6 months after B, to 28 February",
    ),
    (
        {"eerste_ziektedag": D("2023-10-01"), "beslissing": "B", "beslissingsdatum": D("2024-03-31")},
        "be-plan-b",
        "2024-09-30",
        "KB 2022: 6 months after B, to a 30-day month",
    ),
    (
        {"eerste_ziektedag": D("2023-10-01"), "beslissing": "B", "beslissingsdatum": D("2024-02-29")},
        "be-plan-b",
        "2024-08-29",
        "KB 2022: 6 months after B from 29 February",
    ),
    # Appeal within 21 calendar days after decision B (KB 2022).
    (
        {"eerste_ziektedag": D("2023-10-01"), "beslissing": "B", "beslissingsdatum": D("2024-02-20")},
        "be-beroep",
        "2024-03-12",
        "KB 2022: 21 days across 29 February",
    ),
    # Medical force majeure not before 9 months (art. 34 Arbeidsovereenkomstenwet).
    (
        {"eerste_ziektedag": D("2024-05-31")},
        "be-medische-overmacht",
        "2025-02-28",
        "art. 34: 9 months to a month end",
    ),
    # Terug Naar Werk: questionnaire after 10 weeks, back within 2 weeks (+ 84); first estimate in month 4.
    ({"eerste_ziektedag": D("2024-01-01")}, "be-tnw-vragenlijst", "2024-03-25", "TNW: + 70 + 14"),
    (
        {"eerste_ziektedag": D("2024-01-01")},
        "be-tnw-eerste-inschatting",
        "2024-04-30",
        "TNW: the 4th month ends",
    ),
]


@pytest.mark.parametrize(("antwoorden", "code", "verwacht", "bron"), BE)
def test_be_dates(antwoorden: dict[str, object], code: str, verwacht: str, bron: str) -> None:
    assert _datum(_be(**antwoorden), code) == D(verwacht), bron


def test_be_decisions_start_their_own_deadline_only() -> None:
    start = {"eerste_ziektedag": D("2024-01-01"), "start_traject": D("2024-02-01")}
    codes = {
        letter: {m.code for m in _be(**start, beslissing=letter, beslissingsdatum=D("2024-03-01"))}
        for letter in "ABC"
    }
    assert "be-plan-a" in codes["A"]
    assert "be-plan-b" not in codes["A"]
    assert {"be-plan-b", "be-beroep"} <= codes["B"]
    assert "be-plan-a" not in codes["B"]
    assert not codes["C"] & {"be-plan-a", "be-plan-b", "be-beroep"}
    assert "be-re-integratiebeoordeling" not in {m.code for m in _be(eerste_ziektedag=D("2024-01-01"))}


def test_be_job_seeker_has_only_the_health_fund_clock() -> None:
    found = mijlpalen(Antwoorden("be", D("2024-01-01"), situatie="werkzoekende"), FAR_PAST)
    assert {m.code for m in found} == {"be-tnw-vragenlijst", "be-tnw-eerste-inschatting"}


@pytest.mark.parametrize(
    ("land", "situatie"), [("nl", "bijstand"), ("nl", "zelfstandige"), ("be", "zelfstandige")]
)
def test_no_legal_clock_is_an_empty_list(land: str, situatie: str) -> None:
    assert mijlpalen(Antwoorden(land, D("2024-01-01"), situatie=situatie), FAR_PAST) == []  # type: ignore[arg-type]


def test_plus_maanden_keeps_the_day_or_takes_the_months_last() -> None:
    assert plus_maanden(D("2024-01-31"), 1) == D("2024-02-29")
    assert plus_maanden(D("2023-01-31"), 1) == D("2023-02-28")
    assert plus_maanden(D("2024-10-15"), 6) == D("2025-04-15")
    assert plus_maanden(D("2024-12-31"), 12) == D("2025-12-31")


# --- States: gepland / nu aan de orde / te laat / gedaan ------------------------------------------


def _status(found: list[Mijlpaal], code: str) -> str:
    (match,) = [m for m in found if m.code == code]
    return match.status


def test_states_follow_the_day() -> None:
    answers = Antwoorden("nl", D("2024-01-01"))
    assert _status(mijlpalen(answers, D("2024-01-10")), "nl-probleemanalyse") == "gepland"
    assert (
        _status(mijlpalen(answers, D("2024-01-28")), "nl-probleemanalyse") == "nu aan de orde"
    )  # 14 days before
    assert (
        _status(mijlpalen(answers, D("2024-02-11")), "nl-probleemanalyse") == "nu aan de orde"
    )  # the day itself
    assert _status(mijlpalen(answers, D("2024-02-12")), "nl-probleemanalyse") == "te laat"
    assert (
        _status(mijlpalen(answers, D("2024-11-11")), "nl-eerstejaarsevaluatie") == "nu aan de orde"
    )  # week 46


def test_a_milestone_marked_done_stays_done_when_the_dates_move() -> None:
    marked = frozenset({"nl-probleemanalyse"})
    first = mijlpalen(Antwoorden("nl", D("2024-01-01"), gedaan=marked), D("2024-06-01"))
    corrected = mijlpalen(Antwoorden("nl", D("2024-01-15"), gedaan=marked), D("2024-06-01"))
    assert _status(first, "nl-probleemanalyse") == _status(corrected, "nl-probleemanalyse") == "gedaan"
    assert _datum(corrected, "nl-42e-weeksmelding") == D("2024-11-04")  # every date moved by 14 days
    assert _status(corrected, "nl-plan-van-aanpak") == "te laat"


def test_a_vanaf_milestone_is_never_late() -> None:
    found = _be(eerste_ziektedag=D("2024-01-01"))
    later = mijlpalen(Antwoorden("be", D("2024-01-01")), D("2025-01-01"))
    assert _status(found, "be-start-door-werkgever") == "gepland"
    assert _status(later, "be-start-door-werkgever") == "nu aan de orde"


def test_milestones_come_in_date_order_and_each_cites_a_known_basis() -> None:
    found = mijlpalen(Antwoorden("nl", D("2024-01-01")), D("2024-01-01"))
    assert [m.datum for m in found] == sorted(m.datum for m in found)
    known = {basis.code: basis for basis in GRONDSLAGEN}
    assert all(m.bron == known[m.code].bron and m.bron for m in found)
    assert all(basis.bron in basis.definitie for basis in GRONDSLAGEN)


# --- Answers that do not fit -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "waar", "woord"),
    [
        (Antwoorden("nl", D("2024-01-01"), start_traject=D("2024-02-01")), "start-traject", "België"),
        (
            Antwoorden("nl", D("2024-01-01"), beslissing="A", beslissingsdatum=D("2024-02-01")),
            "beslissing",
            "België",
        ),
        (Antwoorden("be", D("2024-01-01"), beslissing="B"), "beslissingsdatum", "datum"),
        (Antwoorden("be", D("2024-01-01"), beslissingsdatum=D("2024-03-01")), "beslissing", "beslissing"),
        (
            Antwoorden("be", D("2024-01-01"), probleemanalyse_op=D("2024-02-01")),
            "probleemanalyse",
            "Nederland",
        ),
        (Antwoorden("be", D("2024-01-01"), situatie="bijstand"), "situatie", "werkzoekende"),
        (Antwoorden("nl", D("2024-01-01"), situatie="werkzoekende"), "situatie", "ziektewet"),
        (
            Antwoorden("be", D("2024-01-01"), situatie="werkzoekende", start_traject=D("2024-02-01")),
            "situatie",
            "werkgever",
        ),
        (Antwoorden("be", D("2024-03-01"), start_traject=D("2024-02-01")), "start-traject", "vóór"),
        (
            Antwoorden(
                "be",
                D("2024-01-01"),
                start_traject=D("2024-03-01"),
                beslissing="A",
                beslissingsdatum=D("2024-02-01"),
            ),
            "beslissingsdatum",
            "vóór",
        ),
    ],
)
def test_answers_that_do_not_fit_name_the_answer(answers: Antwoorden, waar: str, woord: str) -> None:
    with pytest.raises(OngeldigeInvoerError) as caught:
        mijlpalen(answers, FAR_PAST)
    assert caught.value.waar == waar
    assert woord in caught.value.melding


def test_the_published_code_system_holds_every_legal_basis_with_its_source() -> None:
    # The CodeSystem is generated from the clock's own table (fhir-werk generate): one source.
    path = Path(__file__).resolve().parents[1] / "questionnaires/fhir/CodeSystem-re-integratie-grondslag.json"
    published = json.loads(path.read_text(encoding="utf-8"))
    concepts = {c["code"]: c for c in published["concept"]}
    assert set(concepts) == {b.code for b in GRONDSLAGEN}
    assert published["count"] == len(GRONDSLAGEN)
    for basis in GRONDSLAGEN:
        assert concepts[basis.code]["definition"] == basis.definitie
        assert f"Bron: {basis.bron}." in concepts[basis.code]["definition"]


def test_the_end_date_of_the_incapacity_is_a_prompt_to_talk_about_work_in_both_countries() -> None:
    # Seed 000 (VDAB/GTB tip sheet): bring up recovery and work again at the end date of the incapacity.
    for land in ("nl", "be"):
        found = mijlpalen(
            Antwoorden(land, D("2024-01-01"), einddatum_ongeschiktheid=D("2024-03-31")),
            D("2024-03-20"),
        )
        assert _datum(found, "gesprek-einddatum") == D("2024-03-31")
        assert _status(found, "gesprek-einddatum") == "nu aan de orde"
    with pytest.raises(OngeldigeInvoerError):
        mijlpalen(Antwoorden("nl", D("2024-01-01"), einddatum_ongeschiktheid=D("2023-12-31")), FAR_PAST)
