"""One living plan (issue 20, item 5): after a follow-up the plan is the patient's current plan
Werk, whichever conversation one opens it from; the first conversation is history ("vervangen door
het gesprek van 01-02-2027") and no longer shows its goals "voorgesteld" and its agreements "nog
niet begonnen". Goals and agreements keep the statuses the follow-up's review gave them.

Sanne's two conversations go in through the API (02-11-2026 and the follow-up of 01-02-2027:
the first agreement done, the second still going, the first goal reached).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from .conftest import ROOT, Service, Watched, new_context
from .kit import FHIR, axe, shot, two_conversations

pytestmark = pytest.mark.browser

FIRST_ROW = "Eerste gesprek van 02-11-2026 — afgerond, vervangen door het gesprek van 01-02-2027"
SECOND_ROW = "Vervolggesprek van 01-02-2027 — afgerond, het huidige plan"
REINTEGRATIE = ROOT / "questionnaires" / "voorbeelden" / "re-integratie"
REINTEGRATIE /= "QuestionnaireResponse-re-integratie-daan-nl-week-10.json"


def _conversations(page: Any, service: Service, patient: str) -> Any:
    page.goto(f"{service.base}/")
    page.locator("#patient").fill(patient)
    page.keyboard.press("Enter")
    rows = page.locator("#gesprekken li")
    rows.nth(1).wait_for()
    return rows


def _assert_current_plan(page: Any) -> None:
    """The plan as the follow-up left it, as a person reads it."""
    page.locator("#plan-kop").wait_for()
    plan = page.locator(".plan")
    assert "bijgewerkt in het gesprek van 01-02-2027" in plan.inner_text()
    assert "Eerdere gesprekken: 02-11-2026." in plan.inner_text()
    goals = page.locator(".doelen li")
    assert goals.count() == 3
    reached = goals.filter(has_text="Minder telefoondiensten achter elkaar")
    assert "Status: afgerond · stand: bereikt" in reached.inner_text()
    for n in range(goals.count()):
        assert "voorgesteld" not in goals.nth(n).inner_text()
    rows = page.locator(".afspraken tbody tr")
    assert rows.count() == 3
    assert "gedaan" in rows.filter(has_text="Rooster bespreken met de praktijkhouder.").inner_text()
    assert "loopt nog" in rows.filter(has_text="Spreekuur bij de bedrijfsarts").inner_text()
    # Only the agreement the follow-up made is new, and says so.
    assert "nog niet begonnen" in rows.filter(has_text="Telefoonvrije ochtenden na drie maanden").inner_text()
    assert "Het vervolggesprek is op 03-05-2027." in plan.inner_text()
    assert "toestemming om uw doelen en afspraken over werk te delen met: Bedrijfsarts" in plan.inner_text()


def test_the_list_shows_the_first_conversation_as_history_and_both_open_the_current_plan(
    watched: Watched, service: Service
) -> None:
    two_conversations(service, "levend-1")
    page = watched.page
    rows = _conversations(page, service, "levend-1")
    assert rows.count() == 2
    assert rows.nth(0).locator(".gesprek").inner_text().strip() == SECOND_ROW
    assert rows.nth(1).locator(".gesprek").inner_text().strip() == FIRST_ROW
    assert rows.nth(0).get_by_role("button").inner_text() == "Plan bekijken"
    assert rows.nth(1).get_by_role("button").inner_text() == "Huidig plan bekijken"
    axe(page, "70-levend-gesprekken")
    shot(page, "70-levend-gesprekken")

    # The first conversation's button: the current plan, not the first conversation's proposal.
    rows.nth(1).get_by_role("button", name="Huidig plan bekijken").click()
    _assert_current_plan(page)
    axe(page, "71-levend-plan-via-eerste")
    shot(page, "71-levend-plan-via-eerste")
    first_view = page.locator(".afdruk").inner_text()

    page.get_by_role("button", name="Terug naar start").click()
    rows = _conversations(page, service, "levend-1")
    rows.nth(0).get_by_role("button", name="Plan bekijken").click()
    _assert_current_plan(page)
    assert page.locator(".afdruk").inner_text() == first_view
    shot(page, "72-levend-plan-via-vervolg")


def test_the_conversation_list_on_a_phone(browser: Any, service: Service) -> None:
    two_conversations(service, "levend-2")
    context = new_context(browser, 360, 800)
    page = context.new_page()
    try:
        rows = _conversations(page, service, "levend-2")
        assert rows.nth(1).locator(".gesprek").inner_text().strip() == FIRST_ROW
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        axe(page, "73-levend-gesprekken-360")
        shot(page, "73-levend-gesprekken-360")
    finally:
        context.close()


def test_re_integratie_beside_the_conversations_changes_neither_list_nor_agreements(
    watched: Watched, service: Service
) -> None:
    """The service shows a patient's re-integratie milestones in the CarePlan Werk as Task
    activities; they are not agreements of the plan's table (they were drawn as empty
    "Verwijzing" rows), and the re-integratie answer is no row among the conversations (it was
    listed as an "Eerste gesprek", "het huidige plan")."""
    two_conversations(service, "levend-3")
    response = json.loads(REINTEGRATIE.read_text("utf-8"))
    response.pop("id", None)
    response.pop("identifier", None)
    response["subject"] = {"reference": "Patient/levend-3"}
    stored = httpx.post(
        f"{service.base}/fhir/QuestionnaireResponse", content=json.dumps(response), headers=FHIR
    )
    assert stored.status_code == 201, stored.text[:500]
    page = watched.page
    rows = _conversations(page, service, "levend-3")
    # The re-integratie answer has its own section (the Tijdlijn), not a row among the conversations.
    page.locator("#reintegratie-plek").get_by_text("20-11-2026").first.wait_for()
    texts = [t.strip() for t in page.locator("#gesprekken .gesprek").all_inner_texts()]
    assert texts == [SECOND_ROW, FIRST_ROW]
    rows.nth(0).get_by_role("button", name="Plan bekijken").click()
    _assert_current_plan(page)
    assert "Verwijzing" not in page.locator(".afspraken").inner_text()
    axe(page, "74-levend-plan-met-re-integratie")
    shot(page, "74-levend-plan-met-re-integratie")
