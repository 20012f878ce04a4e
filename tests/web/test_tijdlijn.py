"""Re-integratie on the page: the form filled in as a person would, and the Tijdlijn they then see.

An NL employee seven weeks after the first sick day (the probleemanalyse of week 6 is late, the
plan van aanpak of week 8 is due now) and a BE worker with decision B ten days ago (the appeal's
21 days run now), against a real ``fhir-werk serve``: the milestones' texts and Dutch dates,
"Vandaag" between what lies behind and what lies ahead, the state as words, at 360 px, on paper
and by keyboard alone; axe-core and a screenshot per step (tests/web/artifacts/ri-*).

The service's clock and the browser's are the real date: every date here is computed from
today in Europe/Amsterdam (the users' and the service's day) when the test runs, a few from the
law by hand, the full list by the pure clock
(``fhir_werk.reintegratie.mijlpalen`` with the early-start prompts, as the plan makes its Tasks),
which the page must show as the service stored it.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from fhir_werk.reintegratie import Antwoorden, Mijlpaal, mijlpalen, plus_maanden

from .conftest import ROOT, Service, Watched, new_context, users_today
from .kit import axe, field, item, keyboard_type, settled, shot

pytestmark = pytest.mark.browser

FHIR = {"Accept": "application/fhir+json"}


def d(day: date) -> str:
    """A date as the page writes it."""
    return day.strftime("%d-%m-%Y")


def _start(page: Any, service: Service, patient: str) -> None:
    page.goto(f"{service.base}/")
    page.locator("#patient").fill(patient)
    page.keyboard.press("Enter")
    page.locator("#reintegratie").wait_for()


def _pick(page: Any, link_id: str, option: str, index: int = 0) -> None:
    """An option of a drop-down choice (the renderer's autocomplete for a long list)."""
    item(page, link_id, index).get_by_role("combobox").click()
    page.get_by_role("option", name=option).click()


def _belgian_worker(page: Any, first: date, start: date, beslissing: str, decided: date) -> None:
    """The re-integratie form's answers of a Belgian worker: sick since ``first``, trajectory
    started ``start``, the decision (its option's text) taken on ``decided``."""
    item(page, "ri-land").wait_for()
    _pick(page, "ri-land", "België")
    _pick(page, "ri-situatie-be", "Werknemer met arbeidsovereenkomst")
    keyboard_type(page, field(page, "ri-eerste-ziektedag"), d(first))
    keyboard_type(page, field(page, "ri-start-traject"), d(start))
    _pick(page, "ri-beslissing", beslissing)
    field(page, "ri-beslissingsdatum").wait_for()
    keyboard_type(page, field(page, "ri-beslissingsdatum"), d(decided))


def _submit(page: Any) -> None:
    # By keyboard: at 360 px a mouse click at the button's place sometimes landed beside it while
    # the renderer's drop-down was still closing (nothing was sent, no message).
    page.get_by_role("button", name="Afronden en versturen").focus()
    page.keyboard.press("Enter")
    # Storing the response makes its Tasks too: on a loaded machine that can take a while.
    try:
        page.locator("#tijdlijn-kop, #melding .fout").first.wait_for(timeout=90_000)
    finally:
        shot(page, f"ri-verstuurd-{page.viewport_size['width']}")
    assert page.locator("#melding .fout").count() == 0, page.locator("#melding").inner_text()


def _shown(page: Any) -> list[dict[str, str]]:
    """The Tijdlijn as a person reads it, top to bottom: each milestone's words, and Vandaag."""
    result: list[dict[str, str]] = page.evaluate(
        """() => [...document.querySelectorAll('.tijdlijn .lijn > li')].map((li) => ({
            vandaag: li.classList.contains('vandaag') ? li.innerText : '',
            wat: li.querySelector('h3')?.innerText || '',
            wanneer: li.querySelector('.wanneer')?.innerText || '',
            wie: li.querySelector('.wie')?.innerText || '',
            stand: li.querySelector('.stand')?.innerText || '',
            dag: li.dataset.dag || '',
        }))"""
    )
    return result


def _expected_when(m: Mijlpaal) -> str:
    if m.soort == "vanaf":
        return f"vanaf {d(m.datum)}"
    if m.vanaf is not None:
        return f"van {d(m.vanaf)} tot en met {d(m.datum)}"
    return f"uiterlijk {d(m.datum)}"


def _check_against_clock(rows: list[dict[str, str]], expected: list[Mijlpaal], today: date) -> None:
    """Every milestone of the clock is shown with its words, date and state, and Vandaag sits
    after every one whose day is past and before every one on or after today."""
    marks = [n for n, row in enumerate(rows) if row["vandaag"]]
    assert len(marks) == 1, rows
    assert f"Vandaag, {d(today)}" in rows[marks[0]]["vandaag"]
    milestones = [row for row in rows if not row["vandaag"]]
    assert len(milestones) == len(expected), (milestones, expected)
    for m in expected:
        row = next((r for r in milestones if r["wat"] == m.wat), None)
        assert row is not None, f"{m.wat!r} staat niet op de tijdlijn: {[r['wat'] for r in milestones]}"
        assert _expected_when(m) in row["wanneer"], (m, row)
        assert row["stand"].startswith("Stand:"), row
        assert row["stand"].endswith(m.status), (m, row)
        assert m.wie.split(" ")[0].lower() in row["wie"].lower(), (m, row)
    for n, row in enumerate(rows):
        if not row["vandaag"]:
            assert (row["dag"] < today.isoformat()) == (n < marks[0]), (n, row, today)


def _keyboard_reaches_every_milestone(page: Any) -> None:
    page.locator("#tijdlijn-kop").focus()
    count = page.locator(".tijdlijn .mijlpaal").count()
    reached: list[int] = []
    for _ in range(count * 3 + 10):
        page.keyboard.press("Tab")
        at = page.evaluate(
            "() => [...document.querySelectorAll('.tijdlijn .mijlpaal')]"
            ".findIndex((li) => li.contains(document.activeElement))"
        )
        if at < 0:
            break
        if at not in reached:
            reached.append(at)
            # The focus is visible: a yellow outline, not the browser's default or none.
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline not in ("none", ""), outline
    assert reached == list(range(count)), reached
    # Enter opens the explanation of the milestone that has the focus: its legal basis.
    page.locator(".tijdlijn .mijlpaal summary").first.focus()
    page.keyboard.press("Enter")
    assert "Bron" in page.locator(".tijdlijn .mijlpaal details").first.inner_text()


def _print_view(page: Any, patient: str, today: date, name: str) -> None:
    page.emulate_media(media="print")
    try:
        assert page.locator(".tijdlijn").is_visible()
        header = page.locator(".tijdlijn .wie-wanneer").inner_text()
        assert f"Patiëntnummer {patient}" in header
        assert d(today) in header
        assert page.locator(".tijdlijn .vandaag").is_visible()
        for hidden in ("nav", "#knop-afdrukken", "footer"):
            assert not page.locator(hidden).first.is_visible(), hidden
        # The line is a border (printed without background graphics), and every text is black.
        line = page.evaluate(
            "() => { const s = getComputedStyle(document.querySelector('.tijdlijn .lijn'), '::before');"
            " return [s.borderLeftStyle, s.borderLeftWidth, s.borderLeftColor]; }"
        )
        assert line[0] == "solid", line
        assert line[1] != "0px", line
        assert line[2] == "rgb(0, 0, 0)", line
        for row in page.locator(".tijdlijn .mijlpaal").all():
            assert row.locator("h3").is_visible()
            assert row.locator(".wanneer").is_visible()
            assert row.locator(".stand").is_visible()
        shot(page, name)
        pdf = page.pdf(format="A4", print_background=False)
        assert pdf.startswith(b"%PDF")
    finally:
        page.emulate_media(media="screen")


def test_an_nl_employee_fills_in_re_integratie_and_sees_the_tijdlijn(
    watched: Watched, service: Service
) -> None:
    page = watched.page
    today = users_today()
    first = today - timedelta(weeks=7)
    patient = "ri-nl-1"

    _start(page, service, patient)
    section = page.locator("#reintegratie")
    assert "Re-integratie: de weg terug naar werk" in section.inner_text()
    assert "nog niet ingevuld" in section.inner_text()
    axe(page, "ri-01-start")
    shot(page, "ri-01-start")

    page.get_by_role("button", name="Re-integratie invullen").click()
    item(page, "ri-land").wait_for()
    assert page.locator("#formulier-kop").inner_text() == "Re-integratie: uw situatie"
    # Sent with nothing filled in: the page says in Dutch what is missing, and sends nothing.
    page.get_by_role("button", name="Afronden en versturen").click()
    alert = page.locator("#melding .fout")
    alert.wait_for()
    assert "Er ontbreken nog antwoorden" in alert.inner_text()
    assert "Nog niet beantwoord: ‘Wat was uw eerste ziektedag" in alert.inner_text()
    shot(page, "ri-02-nl-ontbreekt")

    _pick(page, "ri-land", "Nederland")
    _pick(page, "ri-situatie-nl", "Werknemer met werkgever")
    keyboard_type(page, field(page, "ri-eerste-ziektedag"), d(first))
    _pick(page, "ri-betrokkene-rol", "Bedrijfsarts")
    keyboard_type(page, field(page, "ri-betrokkene-naam"), "Dr. Visser")
    keyboard_type(page, field(page, "ri-betrokkene-contact"), "arbo@voorbeeld.nl")
    # The Belgian trajectory is not asked of a Dutch employee.
    assert (
        page.locator('#form [data-linkid="ri-beslissing"]').count() == 0
        or not item(page, "ri-beslissing").is_visible()
    )
    axe(page, "ri-03-nl-formulier")
    shot(page, "ri-03-nl-formulier")

    _submit(page)
    rows = _shown(page)
    expected = mijlpalen(
        Antwoorden(land="nl", eerste_ziektedag=first, situatie="met-werkgever"), today, aanzetten=True
    )
    _check_against_clock(rows, expected, today)
    text = page.locator(".tijdlijn").inner_text()
    # By hand, from the law: the probleemanalyse by the end of week 6 (day 42, now a week late),
    # the plan van aanpak by the end of week 8 (day 56, six days ahead: due now).
    analysis = next(r for r in rows if r["wat"] == "Probleemanalyse door de bedrijfsarts")
    assert f"uiterlijk {d(first + timedelta(days=41))}" in analysis["wanneer"]
    assert "te laat" in analysis["stand"]
    assert "Dr. Visser" in analysis["wie"]
    assert "arbo@voorbeeld.nl" in analysis["wie"]
    plan = next(r for r in rows if r["wat"] == "Plan van aanpak en casemanager")
    assert f"uiterlijk {d(first + timedelta(days=55))}" in plan["wanneer"]
    assert "nu aan de orde" in plan["stand"]
    assert "Ziekmelding bij UWV (42e-weeksmelding)" in text
    assert f"eerste ziektedag, {d(first)}" in text
    assert "re-integratie in Nederland" in text
    # For a screen reader: one ordered list, a heading per milestone, today marked as the date.
    line = page.get_by_role("list", name="Mijlpalen op volgorde van datum")
    assert line.get_by_role("listitem").count() == len(expected) + 1
    assert line.get_by_role("heading", level=3).count() == len(expected)
    assert page.locator('.tijdlijn [aria-current="date"]').inner_text().strip() == f"Vandaag, {d(today)}"
    # Not by colour alone: each state has its own shape beside its word.
    shapes = {
        state: page.locator(f'.tijdlijn .mijlpaal[data-stand="{state}"] .punt').first.inner_text()
        for state in ("te laat", "nu aan de orde", "gepland")
    }
    assert shapes == {"te laat": "!", "nu aan de orde": "▶", "gepland": "○"}, shapes
    axe(page, "ri-04-nl-tijdlijn")
    shot(page, "ri-04-nl-tijdlijn")

    _keyboard_reaches_every_milestone(page)
    shot(page, "ri-05-nl-toetsenbord")
    _print_view(page, patient, today, "ri-06-nl-afdruk")

    # Back at the start: the section says it was filled in, and the Tijdlijn is one click away.
    page.get_by_role("button", name="Terug naar start").click()
    page.get_by_role("button", name="Tijdlijn bekijken").wait_for()
    assert f"Ingevuld op {d(today)}" in page.locator("#reintegratie").inner_text()
    # The conversations' list is about the conversations: the re-integratie response is not one.
    assert "nog geen gesprekken" in page.locator("#gesprekken").inner_text()


def test_a_be_worker_with_decision_b_sees_the_appeal_due_at_360_px(browser: Any, service: Service) -> None:
    today = users_today()
    first = plus_maanden(today, -8)
    start = plus_maanden(first, 3) + timedelta(days=7)
    decided = today - timedelta(days=10)
    patient = "ri-be-1"
    context = new_context(browser, 360, 740)
    page = context.new_page()
    page.set_default_timeout(30_000)
    watched = Watched(page, service.base)
    try:
        _start(page, service, patient)
        page.get_by_role("button", name="Re-integratie invullen").click()
        _belgian_worker(page, first, start, "B: definitief ongeschikt", decided)
        _pick(page, "ri-betrokkene-rol", "Preventieadviseur-arbeidsarts")
        keyboard_type(page, field(page, "ri-betrokkene-naam"), "Dr. Peeters")
        # The Dutch Poortwachter questions are not asked in Belgium.
        assert (
            page.locator('#form [data-linkid="ri-probleemanalyse-op"]').count() == 0
            or not item(page, "ri-probleemanalyse-op").is_visible()
        )
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        axe(page, "ri-11-be-formulier")
        shot(page, "ri-11-be-formulier")

        _submit(page)
        rows = _shown(page)
        expected = mijlpalen(
            Antwoorden(
                land="be",
                eerste_ziektedag=first,
                situatie="werknemer",
                start_traject=start,
                beslissing="B",
                beslissingsdatum=decided,
            ),
            today,
            aanzetten=True,
        )
        _check_against_clock(rows, expected, today)
        # By hand: the appeal within 21 days of decision B (eleven days left: due now), the plan
        # within six months of it, and the decision itself done.
        appeal = next(r for r in rows if r["wat"] == "Beroep tegen de beslissing definitief ongeschikt")
        assert f"uiterlijk {d(decided + timedelta(days=21))}" in appeal["wanneer"]
        assert "nu aan de orde" in appeal["stand"]
        plan_b = next(r for r in rows if r["wat"].startswith("Re-integratieplan (of verslag"))
        assert f"uiterlijk {d(plus_maanden(decided, 6))}" in plan_b["wanneer"]
        assert "gepland" in plan_b["stand"]
        decision = next(r for r in rows if r["wat"].startswith("Re-integratiebeoordeling"))
        assert "gedaan" in decision["stand"]
        assert "re-integratie in België" in page.locator(".tijdlijn").inner_text()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        axe(page, "ri-12-be-tijdlijn-360")
        shot(page, "ri-12-be-tijdlijn-360")
        _keyboard_reaches_every_milestone(page)
        _print_view(page, patient, today, "ri-13-be-afdruk")
    finally:
        context.close()
    assert watched.foreign == [], watched.foreign
    assert watched.errors == [], watched.errors


def test_a_draft_and_an_empty_tijdlijn_say_what_to_do(watched: Watched, service: Service) -> None:
    page = watched.page
    patient = "ri-concept-1"
    _start(page, service, patient)
    page.get_by_role("button", name="Re-integratie invullen").click()
    item(page, "ri-land").wait_for()
    _pick(page, "ri-land", "Nederland")
    page.get_by_role("button", name="Concept opslaan").click()
    page.locator("#melding .gelukt").wait_for()
    stored = httpx.get(f"{service.base}/fhir/QuestionnaireResponse?subject=Patient/{patient}", headers=FHIR)
    assert [e["resource"]["status"] for e in stored.json()["entry"]] == ["in-progress"]
    _start(page, service, patient)
    section = page.locator("#reintegratie").inner_text()
    assert "U hebt een concept van" in section
    assert "verstuur het" in section
    assert page.get_by_role("button", name="Tijdlijn bekijken").count() == 0
    page.get_by_role("button", name="Re-integratie verder invullen").click()
    item(page, "ri-land").wait_for()
    assert "Nederland" in item(page, "ri-land").inner_text()
    settled(page)
    shot(page, "ri-21-concept")


def test_a_sent_response_shows_its_tijdlijn_from_the_start_page(watched: Watched, service: Service) -> None:
    """Sent by another client (the EPD): the page finds the response and its milestones."""
    today = users_today()
    first = today - timedelta(weeks=20)
    response = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": "https://fhir-werk.nl/fhir/Questionnaire/re-integratie|0.1.0",
        "status": "completed",
        "subject": {"reference": "Patient/ri-nl-2"},
        "authored": f"{today.isoformat()}T09:00:00+01:00",
        "item": [
            {
                "linkId": "ri-land",
                "answer": [
                    {
                        "valueCoding": {
                            "system": "https://fhir-werk.nl/fhir/CodeSystem/re-integratie-land",
                            "code": "nl",
                        }
                    }
                ],
            },
            {"linkId": "ri-eerste-ziektedag", "answer": [{"valueDate": first.isoformat()}]},
            {
                "linkId": "ri-gebeurd",
                "item": [
                    {
                        "linkId": "ri-probleemanalyse-op",
                        "answer": [{"valueDate": (first + timedelta(days=38)).isoformat()}],
                    }
                ],
            },
        ],
    }
    sent = httpx.post(
        f"{service.base}/fhir/QuestionnaireResponse",
        content=json.dumps(response),
        headers=FHIR | {"Content-Type": "application/fhir+json"},
    )
    assert sent.status_code == 201, sent.text[:500]
    page = watched.page
    _start(page, service, "ri-nl-2")
    page.get_by_role("button", name="Tijdlijn bekijken").click()
    page.locator("#tijdlijn-kop").wait_for()
    rows = _shown(page)
    analysis = next(r for r in rows if r["wat"] == "Probleemanalyse door de bedrijfsarts")
    # Done, so no "te laat" though its date has passed, and no "weken geleden" beside it.
    assert "gedaan" in analysis["stand"]
    assert "geleden" not in analysis["wanneer"]
    _check_against_clock(
        rows,
        mijlpalen(
            Antwoorden(land="nl", eerste_ziektedag=first, probleemanalyse_op=first + timedelta(days=38)),
            today,
            aanzetten=True,
        ),
        today,
    )
    axe(page, "ri-31-tijdlijn-van-start")
    shot(page, "ri-31-tijdlijn-van-start")
    # A corrected first sick day (a week earlier): every date moves along, what was done stays done.
    page.get_by_role("button", name="Terug naar start").click()
    page.locator("#reintegratie").wait_for()
    shot(page, "ri-32-start-na-tijdlijn")
    page.get_by_role("button", name="Gegevens wijzigen").click()
    field(page, "ri-eerste-ziektedag").wait_for()
    assert field(page, "ri-eerste-ziektedag").input_value() == d(first)
    earlier = first - timedelta(days=7)
    field(page, "ri-eerste-ziektedag").fill(d(earlier))
    page.wait_for_timeout(450)
    _submit(page)
    rows = _shown(page)
    _check_against_clock(
        rows,
        mijlpalen(
            Antwoorden(land="nl", eerste_ziektedag=earlier, probleemanalyse_op=first + timedelta(days=38)),
            today,
            aanzetten=True,
        ),
        today,
    )
    assert f"eerste ziektedag, {d(earlier)}" in page.locator(".tijdlijn").inner_text()
    shot(page, "ri-33-tijdlijn-gecorrigeerd")


def test_a_decision_before_the_trajectory_is_refused_in_dutch_at_its_question(
    watched: Watched, service: Service
) -> None:
    today = users_today()
    first = plus_maanden(today, -8)
    start = plus_maanden(first, 4)
    patient = "ri-fout-1"
    page = watched.page
    _start(page, service, patient)
    page.get_by_role("button", name="Re-integratie invullen").click()
    _belgian_worker(page, first, start, "A: kan het overeengekomen werk", start - timedelta(days=3))
    page.get_by_role("button", name="Afronden en versturen").click()
    alert = page.locator("#melding .fout")
    alert.wait_for()
    text = alert.inner_text()
    # The question by its words, the dates as the person typed them, and no code names.
    assert "Bij ‘Op welke datum?’ klopt iets niet" in text, text
    assert d(start - timedelta(days=3)) in text, text
    assert d(start) in text, text
    assert "Traceback" not in text
    assert "beslissingsdatum" not in text.split("Details")[0]
    # The link goes to the question.
    alert.get_by_role("link", name="Bij ‘Op welke datum?’").click()
    assert page.evaluate("() => document.activeElement.id") == field(
        page, "ri-beslissingsdatum"
    ).get_attribute("id")
    stored = httpx.get(f"{service.base}/fhir/QuestionnaireResponse?subject=Patient/{patient}", headers=FHIR)
    assert stored.json().get("entry", []) == []
    axe(page, "ri-41-be-fout")
    shot(page, "ri-41-be-fout")


def test_the_plan_werk_lists_no_milestone_as_an_agreement(watched: Watched, service: Service) -> None:
    """A patient with a conversation and a re-integratie response: the service's plan Werk lists
    the milestone Tasks among its activities. They showed as empty "Verwijzing" rows in the table
    of agreements; they belong on the Tijdlijn, and the plan says so."""
    patient = "ri-beide-1"
    conversation = json.loads(
        (ROOT / "questionnaires/voorbeelden/QuestionnaireResponse-mohamed-ziek-met-contract.json").read_text(
            "utf-8"
        )
    )
    conversation.pop("id")
    conversation.pop("identifier")
    conversation["subject"] = {"reference": f"Patient/{patient}"}
    today = users_today()
    clock = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": "https://fhir-werk.nl/fhir/Questionnaire/re-integratie|0.1.0",
        "status": "completed",
        "subject": {"reference": f"Patient/{patient}"},
        "authored": f"{today.isoformat()}T09:00:00+01:00",
        "item": [
            {
                "linkId": "ri-land",
                "answer": [
                    {
                        "valueCoding": {
                            "system": "https://fhir-werk.nl/fhir/CodeSystem/re-integratie-land",
                            "code": "nl",
                        }
                    }
                ],
            },
            {
                "linkId": "ri-eerste-ziektedag",
                "answer": [{"valueDate": (today - timedelta(weeks=3)).isoformat()}],
            },
        ],
    }
    for response in (conversation, clock):
        sent = httpx.post(
            f"{service.base}/fhir/QuestionnaireResponse",
            content=json.dumps(response),
            headers=FHIR | {"Content-Type": "application/fhir+json"},
        )
        assert sent.status_code == 201, sent.text[:500]
    page = watched.page
    _start(page, service, patient)
    page.get_by_role("button", name="Plan bekijken").click()
    page.locator("#plan-kop").wait_for()
    rows = page.locator(".afspraken tbody tr").all_inner_texts()
    assert any("Opbouwschema opstellen." in row for row in rows), rows
    assert not any(row.split("\t")[0].strip() == "Verwijzing" for row in rows), rows
    count = len(
        mijlpalen(Antwoorden(land="nl", eerste_ziektedag=today - timedelta(weeks=3)), today, aanzetten=True)
    )
    assert (
        f"De {count} wettelijke termijnen van uw re-integratie staan op de Tijdlijn"
        in page.locator(".plan").inner_text()
    )
    axe(page, "ri-51-plan-met-termijnen")
    shot(page, "ri-51-plan-met-termijnen")


def test_a_drop_down_shows_one_frame_and_a_date_field_keeps_its_own(
    watched: Watched, service: Service
) -> None:
    # Seen in the screenshots: the page's border for its own text fields was drawn on the
    # renderer's input too, a second empty box inside every drop-down beside the chosen option.
    page = watched.page
    _start(page, service, "ri-kader-1")
    page.get_by_role("button", name="Re-integratie invullen").click()
    item(page, "ri-land").wait_for()
    _pick(page, "ri-land", "België")
    shot(page, "ri-61-keuzelijst-een-kader")
    land = item(page, "ri-land")
    assert land.locator("input[role='combobox']").evaluate("e => getComputedStyle(e).borderTopWidth") == "0px"
    assert land.locator("fieldset").evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"
    assert "België" in land.inner_text()
    date_field = field(page, "ri-eerste-ziektedag")
    assert date_field.evaluate("e => getComputedStyle(e).borderTopWidth") == "1px"
