"""A follow-up that adds nothing new keeps the plan whole, as the patient reads it (issue 20, item 2).

The review is filled in (the first agreement done, the second still going), steps 3 and 4 are left
as they come: the earlier consent and a follow-up date still ahead are carried over and shown, and
after sending, the plan lists both agreements with their new status, the consent and the date; not
"Er zijn geen afspraken vastgelegd".
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from .conftest import ROOT, Service, Watched
from .kit import axe, choose, field, item, settled, shot

pytestmark = pytest.mark.browser

FHIR = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
EXAMPLE = ROOT / "questionnaires" / "voorbeelden" / "QuestionnaireResponse-sanne-werkt-met-klachten.json"
AHEAD = date.today() + timedelta(days=40)


def _first_conversation(service: Service, patient: str) -> None:
    response = json.loads(EXAMPLE.read_text("utf-8"))
    response.pop("id")
    response.pop("identifier")
    response["subject"] = {"reference": f"Patient/{patient}"}
    for group in response["item"]:
        for child in group.get("item", []):
            if child["linkId"] == "vervolggesprek":
                child["answer"] = [{"valueDate": AHEAD.isoformat()}]
    stored = httpx.post(
        f"{service.base}/fhir/QuestionnaireResponse", content=json.dumps(response), headers=FHIR
    )
    assert stored.status_code == 201, stored.text[:500]


def _plan_after_follow_up(page: Any, service: Service, patient: str) -> str:
    page.goto(f"{service.base}/")
    page.locator("#patient").fill(patient)
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Vervolggesprek beginnen").click()
    item(page, "terugblik").wait_for()
    stands = page.locator('#form [data-linkid="terugblik-afspraak-stand"]')
    stands.nth(0).get_by_label("Gedaan").click()
    stands.nth(1).get_by_label("Loopt nog").click()
    goals = page.locator('#form [data-linkid="terugblik-doel-stand"]')
    for n in range(goals.count()):
        goals.nth(n).get_by_label("Op weg").click()
    settled(page)
    shot(page, "30-heel-terugblik")

    page.get_by_role("navigation", name="Stappen van het gesprek").get_by_role(
        "button", name="Stap 3 en 4: Afspraken"
    ).click()
    # Nothing new here; what was agreed before is shown, filled in.
    assert choose(page, "delen-toestemming", "Ja").is_checked()
    assert choose(page, "delen-met", "Bedrijfsarts").is_checked()
    assert field(page, "vervolggesprek").input_value() == AHEAD.strftime("%d-%m-%Y")
    axe(page, "31-heel-stap-3-4")
    shot(page, "31-heel-stap-3-4")
    page.get_by_role("button", name="Afronden en versturen").click()
    page.locator("#plan-kop, #melding .fout").first.wait_for()
    assert page.locator("#melding .fout").count() == 0, page.locator("#melding").inner_text()
    axe(page, "32-heel-plan")
    shot(page, "32-heel-plan")
    return str(page.locator(".plan").inner_text())


def test_a_follow_up_that_adds_nothing_keeps_agreements_consent_and_date(
    watched: Watched, service: Service
) -> None:
    _first_conversation(service, "heel-1")
    page = watched.page
    plan = _plan_after_follow_up(page, service, "heel-1")
    assert "Er zijn geen afspraken vastgelegd" not in plan
    assert "Er is niets vastgelegd over het delen" not in plan
    rows = page.locator(".afspraken tbody tr")
    assert "gedaan" in rows.filter(has_text="Rooster bespreken met de praktijkhouder.").inner_text()
    assert "loopt nog" in rows.filter(has_text="Spreekuur bij de bedrijfsarts").inner_text()
    assert "toestemming om uw doelen en afspraken over werk te delen met: Bedrijfsarts" in plan
    assert f"Het vervolggesprek is op {AHEAD.strftime('%d-%m-%Y')}." in plan
