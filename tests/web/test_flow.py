"""The first conversation in the browser, as a sick-listed employee would hold it.

Keyboard and mouse against a real ``fhir-werk serve`` (local mode, SQLite, the file adapter):
the start page, step 1 (themes and what must be discussed), the chosen themes with enableWhen and
a slider, steps 3 and 4, a draft saved and resumed after a reload, submitted, and the plan Werk
with the goals, steps, follow-up date, consent and delivery state that were entered; axe-core on
every page and a screenshot of each in tests/web/artifacts/.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from .conftest import ROOT, Service, Watched, new_context
from .kit import axe, choose, field, item, keyboard_type, shot

pytestmark = pytest.mark.browser

GOAL = "Over drie maanden weer twee dagen per week werken."
STEP = "Gesprek met de bedrijfsarts over het opbouwen van de uren."


def _start(page: Any, service: Service, patient: str) -> None:
    page.goto(f"{service.base}/")
    page.locator("#patient").wait_for()
    # The keyboard only: tab to the field, type, Enter submits.
    page.locator("#patient").focus()
    page.keyboard.type(patient)
    page.keyboard.press("Enter")
    page.locator("#gesprekken h3").wait_for()


def test_a_sick_listed_employee_fills_in_the_leidraad_and_sees_the_plan(
    watched: Watched, service: Service
) -> None:
    page = watched.page
    page.goto(f"{service.base}/")
    page.locator("#patient").wait_for()
    assert page.locator("#banner").is_visible()
    assert "Lokale demonstratie" in page.locator("#banner").inner_text()
    assert "Werken kan bijdragen aan uw herstel" in page.locator("#scherm").inner_text()
    assert page.locator(".vier-stappen li").count() == 4
    axe(page, "01-start")
    shot(page, "01-start")

    _start(page, service, "ziek-1")
    assert "nog geen gesprekken" in page.locator("#gesprekken").inner_text()
    page.get_by_role("button", name="Nieuw gesprek beginnen").click()

    # Stap 1: two themes with the mouse, what must be discussed and the situation with the keyboard.
    item(page, "stap-1-themas").wait_for()
    assert page.locator("#formulier-kop").inner_text() == "Stap 1: Voorbereiding"
    choose(page, "stap-1-themas", "Mijn verhaal").click()
    choose(page, "stap-1-themas", "Wie helpt mij?").click()
    choose(page, "stap-1-absoluut", "Wie helpt mij?").focus()
    page.keyboard.press("Space")
    choose(page, "situatie", "Ik heb wel een baan").focus()
    page.keyboard.press("Space")
    assert choose(page, "situatie", "Ik heb wel een baan").is_checked()
    axe(page, "02-stap-1")
    shot(page, "02-stap-1")

    # The chosen themes: theme 1's section C (enableWhen on the situation) and theme 6.
    page.get_by_role("button", name="Volgende stap").click()
    item(page, "t1-c-wel-doen").wait_for()
    assert not item(page, "t1-b").is_visible() if page.locator('#form [data-linkid="t1-b"]').count() else True
    assert (
        page.locator('#form [data-linkid="keuze-thema-2"]').count() == 0
        or not item(page, "keuze-thema-2").is_visible()
    )
    keyboard_type(page, field(page, "t1-klachten"), "Ik slaap slecht en ben snel moe.")
    keyboard_type(page, field(page, "t1-c-wel-doen"), "Korte wandelingen, boodschappen.")
    slider = item(page, "t1-invloed-gezondheid").locator("input[type='range']")
    # Untouched, a slider has no answer, and says so (not "0").
    assert slider.get_attribute("aria-valuetext") == "nog geen antwoord"
    assert item(page, "t1-invloed-gezondheid").locator(".MuiSlider-root[data-leeg]").count() == 1
    # Key by key, focus first: the renderer redraws the slider once it has an answer, and the
    # first key on an untouched slider may only give it its first value (0).
    for _ in range(6):
        if slider.input_value() == "3" and slider.get_attribute("aria-valuenow") == "3":
            break
        slider.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(300)
    assert slider.input_value() == "3"
    assert slider.get_attribute("aria-valuetext") != "nog geen antwoord"
    assert item(page, "t1-invloed-gezondheid").locator(".MuiSlider-root[data-leeg]").count() == 0
    choose(page, "t6-arbo-nodig", "Ja").click()
    # "Ja" opens the referral, whose "Naar wie" is required: the page would list it as missing.
    item(page, "t6-verwijzing-naar").get_by_role("combobox").click()
    page.get_by_role("option").first.click()
    axe(page, "03-themas")
    shot(page, "03-themas")

    # Stap 3 en 4: a goal, an agreed step (what, who, by when), sharing, the follow-up date.
    page.get_by_role("button", name="Volgende stap").click()
    field(page, "behandeldoel-tekst").wait_for()
    keyboard_type(page, field(page, "behandeldoel-tekst"), GOAL)
    keyboard_type(page, field(page, "afspraak-wat"), STEP)
    who = item(page, "afspraak-wie").get_by_role("combobox")
    who.click()
    page.get_by_role("option", name="Bedrijfsarts").click()
    keyboard_type(page, field(page, "afspraak-wie-naam"), "Dr. Jansen")
    keyboard_type(page, field(page, "afspraak-wanneer"), "15-01-2027")
    choose(page, "delen-toestemming", "Ja").click()
    choose(page, "delen-met", "Bedrijfsarts").click()
    keyboard_type(page, field(page, "vervolggesprek"), "01-03-2027")
    axe(page, "04-stap-3-4")
    shot(page, "04-stap-3-4")

    # A draft on the server, resumed after a reload.
    page.get_by_role("button", name="Concept opslaan").click()
    saved = page.locator("#melding .bericht")
    saved.wait_for()
    assert "gelukt" in (saved.get_attribute("class") or ""), saved.inner_text()
    drafts = httpx.get(
        f"{service.base}/fhir/QuestionnaireResponse?subject=Patient/ziek-1",
        headers={"Accept": "application/fhir+json"},
    ).json()
    assert [e["resource"]["status"] for e in drafts["entry"]] == ["in-progress"]
    page.reload()
    _start(page, service, "ziek-1")
    assert "concept" in page.locator("#gesprekken").inner_text()
    page.get_by_role("button", name="Verder invullen").click()
    item(page, "stap-1-themas").wait_for()
    assert choose(page, "situatie", "Ik heb wel een baan").is_checked()
    # The steps in the header are buttons now: straight to Stap 3 en 4.
    page.get_by_role("navigation", name="Stappen van het gesprek").get_by_role(
        "button", name="Stap 3 en 4: Afspraken"
    ).click()
    assert page.locator("#formulier-kop").inner_text() == "Stap 3 en 4: Afspraken"
    assert field(page, "behandeldoel-tekst").input_value() == GOAL
    assert field(page, "afspraak-wanneer").input_value() == "15-01-2027"

    # Submit: the plan Werk shows what was entered.
    page.get_by_role("button", name="Afronden en versturen").click()
    page.locator("#plan-kop, #melding .fout").first.wait_for()
    assert page.locator("#melding .fout").count() == 0, page.locator("#melding").inner_text()
    plan = page.locator(".plan").inner_text()
    assert GOAL in plan
    assert STEP in plan
    row = page.locator(".afspraken tbody tr").filter(has_text=STEP)
    assert "Dr. Jansen" in row.inner_text()
    assert "15-01-2027" in row.inner_text()
    assert "Het vervolggesprek is op 01-03-2027." in plan
    assert "toestemming om uw doelen en afspraken over werk te delen met: Bedrijfsarts" in plan
    assert "Aan het dossier (bestand):" in plan
    assert page.locator("svg.grafiek g.schaal").count() >= 1
    axe(page, "05-plan")
    shot(page, "05-plan")
    stored = httpx.get(
        f"{service.base}/fhir/QuestionnaireResponse?subject=Patient/ziek-1",
        headers={"Accept": "application/fhir+json"},
    ).json()
    assert [e["resource"]["status"] for e in stored["entry"]] == ["completed"]

    # The print view: the agreements and the chart with its legend, black on white, one A4.
    page.emulate_media(media="print")
    assert page.locator(".afdruk").is_visible()
    for hidden in ("nav", "#banner", ".niet-afdrukken >> nth=0", "footer"):
        assert not page.locator(hidden).first.is_visible(), hidden
    shot(page, "06-afdruk")
    pdf = page.pdf(format="A4", print_background=False)
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type /Page/") == 1
    page.emulate_media(media="screen")


def test_the_page_fits_a_phone(browser: Any, service: Service) -> None:
    context = new_context(browser, 360, 740)
    page = context.new_page()
    try:
        page.goto(f"{service.base}/")
        page.locator("#patient").wait_for()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        axe(page, "07-telefoon-start")
        shot(page, "07-telefoon-start")
        _start(page, service, "telefoon-1")
        page.get_by_role("button", name="Nieuw gesprek beginnen").click()
        item(page, "stap-1-themas").wait_for()
        choose(page, "stap-1-themas", "Mijn verhaal").click()
        page.get_by_role("button", name="Volgende stap").click()
        item(page, "t1-klachten").wait_for()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        axe(page, "08-telefoon-thema")
        shot(page, "08-telefoon-thema")
    finally:
        context.close()


def test_an_error_of_the_api_is_explained_in_dutch(watched: Watched, service: Service) -> None:
    page = watched.page
    _start(page, service, "fout-1")
    page.get_by_role("button", name="Nieuw gesprek beginnen").click()
    item(page, "stap-1-themas").wait_for()
    page.get_by_role("button", name="Volgende stap").click()
    page.get_by_role("button", name="Volgende stap").click()
    # Submitting with nothing filled in: the page says in Dutch what is missing and sends nothing
    # (tests/web/test_required.py has the whole of it).
    page.get_by_role("button", name="Afronden en versturen").click()
    alert = page.locator("#melding .fout")
    alert.wait_for()
    text = alert.inner_text()
    assert "Er ontbreken nog antwoorden" in text, text
    assert "Traceback" not in text
    axe(page, "09-fout")
    shot(page, "09-fout")


def test_an_invalid_patient_number_is_refused_before_any_request(watched: Watched, service: Service) -> None:
    page = watched.page
    page.goto(f"{service.base}/")
    page.locator("#patient").fill("<script>")
    page.get_by_role("button", name="Mijn gesprekken tonen").click()
    assert "Vul een geldig patiëntnummer in" in page.locator("#melding").inner_text()
    assert page.locator("#patient").get_attribute("aria-invalid") == "true"


def _tab_to(page: Any, name: str, limit: int = 400) -> None:
    """Press Tab until the focused element is the button or field named ``name``."""
    for _ in range(limit):
        focused = page.evaluate(
            "() => { const e = document.activeElement; return (e.innerText || e.labels?.[0]?.innerText"
            " || e.getAttribute('aria-label') || '').trim(); }"
        )
        if focused.startswith(name):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{name!r} is met Tab niet te bereiken")


def test_the_keyboard_alone_reaches_every_step(watched: Watched, service: Service) -> None:
    page = watched.page
    page.goto(f"{service.base}/")
    page.locator("#patient").wait_for()
    _tab_to(page, "Naar de inhoud")
    _tab_to(page, "Patiëntnummer")
    page.keyboard.type("toetsenbord-1")
    page.keyboard.press("Enter")
    page.locator("#gesprekken h3").wait_for()
    _tab_to(page, "Nieuw gesprek beginnen")
    page.keyboard.press("Enter")
    item(page, "stap-1-themas").wait_for()
    # The step's heading has the focus, so a screen reader says where one is.
    assert page.evaluate("() => document.activeElement.id") == "formulier-kop"
    _tab_to(page, "Wie helpt mij?")
    page.keyboard.press("Space")
    _tab_to(page, "Volgende stap")
    page.keyboard.press("Enter")
    item(page, "t6-betrokken").wait_for()
    _tab_to(page, "Volgende stap")
    page.keyboard.press("Enter")
    field(page, "behandeldoel-tekst").wait_for()
    _tab_to(page, "Concept opslaan")
    page.keyboard.press("Enter")
    saved = page.locator("#melding .bericht")
    saved.wait_for()
    assert "opgeslagen" in saved.inner_text()


def test_the_plan_fits_a_phone(browser: Any, service: Service) -> None:
    example = (
        ROOT / "questionnaires/voorbeelden/QuestionnaireResponse-mohamed-ziek-met-contract.json"
    ).read_text()
    response = json.loads(example)
    response.pop("id")
    response.pop("identifier")
    response["subject"] = {"reference": "Patient/telefoon-2"}
    stored = httpx.post(
        f"{service.base}/fhir/QuestionnaireResponse",
        content=json.dumps(response),
        headers={"Content-Type": "application/fhir+json"},
    )
    assert stored.status_code == 201, stored.text[:300]
    context = new_context(browser, 360, 740)
    page = context.new_page()
    try:
        _start(page, service, "telefoon-2")
        page.get_by_role("button", name="Plan bekijken").click()
        page.locator("#plan-kop").wait_for()
        assert "Opbouwschema opstellen." in page.locator(".plan").inner_text()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        axe(page, "14-telefoon-plan")
        shot(page, "14-telefoon-plan")
    finally:
        context.close()
