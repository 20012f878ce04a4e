"""Required answers and impossible dates, as a patient meets them (issue 20, items 3 and 4).

Nothing is saved or sent while a date cannot be (31-02-2026) or a required answer is missing: the
page lists what is missing per step, in plain Dutch, each a link to its question. A refusal of the
service reads in plain Dutch too; its linkId and FHIRPath stay folded under "Details".
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from .conftest import Service, Watched
from .kit import axe, field, item, shot

pytestmark = pytest.mark.browser


def _stored(service: Service, patient: str) -> list[dict[str, Any]]:
    found = httpx.get(
        f"{service.base}/fhir/QuestionnaireResponse?subject=Patient/{patient}",
        headers={"Accept": "application/fhir+json"},
    ).json()
    return [e["resource"] for e in found.get("entry", [])]


def _new_conversation(page: Any, service: Service, patient: str) -> None:
    page.goto(f"{service.base}/")
    page.locator("#patient").fill(patient)
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Nieuw gesprek beginnen").click()
    item(page, "stap-1-themas").wait_for()
    page.get_by_role("navigation", name="Stappen van het gesprek").get_by_role(
        "button", name="Stap 3 en 4: Afspraken"
    ).click()


def test_an_impossible_date_blocks_saving_and_sending_at_the_field(
    watched: Watched, service: Service
) -> None:
    page = watched.page
    _new_conversation(page, service, "datum-1")
    date = field(page, "vervolggesprek")
    date.click()
    page.keyboard.type("31-02-2026", delay=15)
    page.get_by_role("button", name="Concept opslaan").click()
    alert = page.locator("#melding .fout")
    alert.wait_for()
    assert "Een datum klopt niet" in alert.inner_text()
    assert "er is nog niets opgeslagen" in alert.inner_text()
    assert date.get_attribute("aria-invalid") == "true"
    assert "Dit is geen geldige datum" in item(page, "vervolggesprek").inner_text()
    assert _stored(service, "datum-1") == []
    shot(page, "40-datum-bestaat-niet")
    axe(page, "40-datum-bestaat-niet")

    page.get_by_role("button", name="Afronden en versturen").click()
    assert "Deze datum bestaat niet: ‘Wanneer is het vervolggesprek?’" in alert.inner_text()
    assert _stored(service, "datum-1") == []
    # The link leads to the field.
    alert.get_by_role("link", name="Deze datum bestaat niet").click()
    assert page.evaluate("() => document.activeElement.id") == date.get_attribute("id")


def test_missing_answers_are_listed_per_step_with_links_and_nothing_is_sent(
    watched: Watched, service: Service
) -> None:
    page = watched.page
    _new_conversation(page, service, "verplicht-1")
    page.get_by_role("button", name="Afronden en versturen").click()
    alert = page.locator("#melding .fout")
    alert.wait_for()
    text = alert.inner_text()
    assert "Er ontbreken nog antwoorden" in text
    steps = alert.locator(".ontbreekt h3").all_inner_texts()
    assert steps == ["Stap 1: Voorbereiding", "Stap 3 en 4: Afspraken"]
    assert "Nog niet beantwoord: ‘Waar wilt u het over hebben?’" in text
    assert "Nog niet beantwoord: ‘Wat is uw situatie? (maak een keuze)’" in text
    assert "Nog niet beantwoord: ‘Geeft u toestemming om uw doelen" in text
    for jargon in ("linkId", "QuestionnaireResponse", "stap-1-themas", "verplicht maar"):
        assert jargon not in text, jargon
    assert _stored(service, "verplicht-1") == []
    shot(page, "41-ontbreekt")
    axe(page, "41-ontbreekt")

    alert.get_by_role("link", name="Nog niet beantwoord: ‘Waar wilt u het over hebben?’").click()
    assert page.locator("#formulier-kop").inner_text() == "Stap 1: Voorbereiding"
    focused = page.evaluate("() => document.activeElement.closest('[data-linkid]')?.dataset.linkid")
    assert focused == "stap-1-themas"
    shot(page, "42-naar-de-vraag")


def test_a_refusal_of_the_service_reads_in_plain_dutch_with_details_for_the_clinician(
    watched: Watched, service: Service
) -> None:
    page = watched.page
    where = "QuestionnaireResponse.item.where(linkId='situatie')"
    refusal = {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": "required",
                "details": {"text": "Vraag 'situatie' is verplicht maar niet beantwoord."},
                "expression": [where],
            }
        ],
    }
    page.route(
        "**/fhir/QuestionnaireResponse",
        lambda route: (
            route.fulfill(status=422, content_type="application/fhir+json", body=json.dumps(refusal))
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    _new_conversation(page, service, "weigering-1")
    page.get_by_role("button", name="Concept opslaan").click()
    alert = page.locator("#melding .fout")
    alert.wait_for()
    shown = alert.inner_text()
    assert "Nog niet beantwoord: ‘Wat is uw situatie? (maak een keuze)’" in shown
    assert "linkId" not in shown
    details = alert.locator("details")
    assert details.locator("summary").inner_text() == "Details voor de hulpverlener"
    assert not details.locator("li").first.is_visible()
    details.locator("summary").click()
    assert where in details.inner_text()
    shot(page, "43-weigering")
    axe(page, "43-weigering")
