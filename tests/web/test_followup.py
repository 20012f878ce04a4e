"""The follow-up conversation in the browser: pre-filled by ``$populate`` from the first one.

The first conversation (the shipped example of Sanne, for a patient of this test) goes in through
the API; the follow-up is held in the page: the review of each earlier agreement and goal, the
same scales scored again, submitted, and the chart then has two points for every scale of the
first conversation, with the goal's target marked.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from .conftest import ROOT, Service, Watched
from .kit import axe, choose, field, item, keyboard_type, settled, shot

pytestmark = pytest.mark.browser

FHIR = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
EXAMPLE = ROOT / "questionnaires" / "voorbeelden" / "QuestionnaireResponse-sanne-werkt-met-klachten.json"


def _first_conversation(service: Service, patient: str) -> set[str]:
    """Stores the example for ``patient``; returns the codes of the scales it scored."""
    response = json.loads(EXAMPLE.read_text("utf-8"))
    response.pop("id")
    response.pop("identifier")
    response["subject"] = {"reference": f"Patient/{patient}"}
    stored = httpx.post(
        f"{service.base}/fhir/QuestionnaireResponse", content=json.dumps(response), headers=FHIR
    )
    assert stored.status_code == 201, stored.text[:500]
    bundle = httpx.post(
        f"{service.base}/fhir/QuestionnaireResponse/$extract", content=json.dumps(response), headers=FHIR
    ).json()
    return {
        coding["code"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "Observation" and "valueInteger" in entry["resource"]
        for coding in entry["resource"]["code"]["coding"]
        if coding["system"].endswith("/CodeSystem/schaal")
    }


def _slide_to(page: Any, slider: Any, value: int) -> None:
    """Keyboard only: End to 10, then left arrow down to ``value`` (focus again after each key:
    the renderer redraws a slider once it has an answer)."""
    for key, until in (("End", "10"), ("ArrowLeft", str(value))):
        for _ in range(12):
            if slider.input_value() == until and slider.get_attribute("aria-valuenow") == until:
                break
            slider.focus()
            page.keyboard.press(key)
            page.wait_for_timeout(200)
    assert slider.input_value() == str(value)


def test_the_follow_up_starts_from_the_first_and_the_chart_has_two_points_per_scale(
    watched: Watched, service: Service
) -> None:
    page = watched.page
    scales = _first_conversation(service, "vervolg-1")
    assert len(scales) >= 3
    page.goto(f"{service.base}/")
    page.locator("#patient").fill("vervolg-1")
    page.keyboard.press("Enter")
    page.locator("#gesprekken li").first.wait_for()
    assert "Eerste gesprek van 02-11-2026 — afgerond" in page.locator("#gesprekken").inner_text()
    page.get_by_role("button", name="Vervolggesprek beginnen").click()

    # The review: the earlier agreements and goals, read-only, each with its status to choose.
    item(page, "terugblik").wait_for()
    assert page.locator("#formulier-kop").inner_text() == "Terugblik"
    agreements = page.locator(
        '#form [data-linkid="terugblik-afspraak-wat"] textarea:not([aria-hidden="true"])'
    )
    assert agreements.count() == 2
    assert agreements.first.input_value() == "Rooster bespreken met de praktijkhouder."
    assert not agreements.first.is_editable()
    assert field(page, "terugblik-afspraak-wanneer").input_value() == "16-11-2026"
    stands = page.locator('#form [data-linkid="terugblik-afspraak-stand"]')
    for n in range(stands.count()):
        stands.nth(n).get_by_label("Gedaan").click()
    goals = page.locator('#form [data-linkid="terugblik-doel-stand"]')
    for n in range(goals.count()):
        if goals.nth(n).is_visible():
            goals.nth(n).get_by_label("Op weg").click()
    settled(page)
    axe(page, "10-vervolg-terugblik")
    shot(page, "10-vervolg-terugblik")

    # Stap 1 is pre-filled from the first conversation.
    page.get_by_role("button", name="Volgende stap").click()
    item(page, "situatie").wait_for()
    assert choose(page, "situatie", "Ik ben op dit moment aan het werk").is_checked()
    for theme in ("Mijn verhaal", "Wat doe ik?", "Wat wil ik?", "Wie helpt mij?"):
        assert choose(page, "stap-1-themas", theme).is_checked(), theme
    assert not choose(page, "stap-1-themas", "Wat kan ik?").is_checked()
    axe(page, "11-vervolg-stap-1")

    # Every scale of the first conversation scored again, with the keyboard.
    page.get_by_role("button", name="Volgende stap").click()
    item(page, "t2-tevreden").wait_for()
    for code_item in page.locator("#form input[type='range']").all():
        if code_item.is_visible():
            _slide_to(page, code_item, 7)
    axe(page, "12-vervolg-themas")
    shot(page, "12-vervolg-themas")

    page.get_by_role("button", name="Volgende stap").click()
    field(page, "behandeldoel-tekst").wait_for()
    keyboard_type(page, field(page, "behandeldoel-tekst"), "Elke week één telefoonvrije middag.")
    keyboard_type(page, field(page, "afspraak-wat"), "Rooster opnieuw bespreken.")
    item(page, "afspraak-wie").get_by_role("combobox").click()
    page.get_by_role("option", name="Patiënt (ikzelf)").click()
    keyboard_type(page, field(page, "afspraak-wanneer"), "01-02-2027")
    choose(page, "delen-toestemming", "Nee").click()
    # The date still ahead from the first conversation is carried over: replaced by a new one.
    field(page, "vervolggesprek").fill("")
    keyboard_type(page, field(page, "vervolggesprek"), "01-04-2027")
    page.get_by_role("button", name="Afronden en versturen").click()
    page.locator("#plan-kop, #melding .fout").first.wait_for()
    assert page.locator("#melding .fout").count() == 0, page.locator("#melding").inner_text()
    plan = page.locator(".plan").inner_text()
    assert "Rooster bespreken met de praktijkhouder." in plan
    assert (
        "gedaan" in page.locator(".afspraken tbody tr").filter(has_text="Rooster bespreken met").inner_text()
    )
    assert "Elke week één telefoonvrije middag." in plan
    for code in scales:
        points = page.locator(f'svg.grafiek g.schaal[data-schaal="{code}"] .punt')
        assert points.count() == 2, code
    # The first conversation's "one point higher" goal on a scale: its target is marked.
    assert page.locator("svg.grafiek line.doellijn").count() >= 1
    axe(page, "13-vervolg-plan")
    shot(page, "13-vervolg-plan")


def test_a_service_without_populate_says_so_in_dutch(watched: Watched, service: Service) -> None:
    page = watched.page
    _first_conversation(service, "zonder-populate")
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "not-found", "details": {"text": "Onbekende operatie."}}],
    }
    page.route(
        "**/$populate",
        lambda route: route.fulfill(
            status=404, content_type="application/fhir+json", body=json.dumps(outcome)
        ),
    )
    page.goto(f"{service.base}/")
    page.locator("#patient").fill("zonder-populate")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Vervolggesprek beginnen").click()
    alert = page.locator("#melding .fout")
    alert.wait_for()
    assert "kent de bewerking $populate (nog) niet" in alert.inner_text()
    assert page.locator("#formulier").is_hidden()
