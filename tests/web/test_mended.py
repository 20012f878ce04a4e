"""The smaller things a patient met (issue 20, items 7 and 10): a double click sends once, a
follow-up without an earlier conversation says why, the print names patient and date, the review
is legible, the focus on a check box is visible. Asserted as a person sees it, screenshots kept."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from .conftest import ROOT, Service, Watched
from .kit import axe, choose, item, shot

pytestmark = pytest.mark.browser

FHIR = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
EXAMPLE = ROOT / "questionnaires" / "voorbeelden" / "QuestionnaireResponse-sanne-werkt-met-klachten.json"


def _store(service: Service, patient: str, status: str) -> None:
    response = json.loads(EXAMPLE.read_text("utf-8"))
    response.pop("id")
    response.pop("identifier")
    response["subject"] = {"reference": f"Patient/{patient}"}
    response["status"] = status
    stored = httpx.post(
        f"{service.base}/fhir/QuestionnaireResponse", content=json.dumps(response), headers=FHIR
    )
    assert stored.status_code == 201, stored.text[:500]


def _stored(service: Service, patient: str) -> list[dict[str, Any]]:
    found = httpx.get(
        f"{service.base}/fhir/QuestionnaireResponse?subject=Patient/{patient}", headers=FHIR
    ).json()
    return [e["resource"] for e in found.get("entry", [])]


def _open(page: Any, service: Service, patient: str) -> None:
    page.goto(f"{service.base}/")
    page.locator("#patient").fill(patient)
    page.keyboard.press("Enter")
    page.locator("#gesprekken h3").wait_for()


def test_a_double_click_on_send_sends_once_without_a_false_conflict(
    watched: Watched, service: Service
) -> None:
    page = watched.page
    _store(service, "dubbel-1", "in-progress")
    _open(page, service, "dubbel-1")
    page.get_by_role("button", name="Verder invullen").click()
    item(page, "stap-1-themas").wait_for()
    page.get_by_role("navigation", name="Stappen van het gesprek").get_by_role(
        "button", name="Stap 3 en 4: Afspraken"
    ).click()
    page.get_by_role("button", name="Afronden en versturen").dblclick()
    page.locator("#plan-kop").wait_for()
    page.wait_for_load_state("networkidle")
    assert page.locator("#melding .fout").count() == 0, page.locator("#melding").inner_text()
    assert [r["status"] for r in _stored(service, "dubbel-1")] == ["completed"]

    # The print carries who and when, and the delivery is in Dutch.
    plan = page.locator(".plan").inner_text()
    assert "(file)" not in plan
    assert "Aan het dossier (bestand)" in plan
    page.emulate_media(media="print")
    header = page.locator(".afdruk .wie-wanneer")
    assert header.is_visible()
    assert re.fullmatch(r"Patiëntnummer dubbel-1 · gesprek van \d{2}-\d{2}-\d{4}", header.inner_text())
    shot(page, "50-afdruk-met-naam-en-datum")
    page.emulate_media(media="screen")


def test_a_follow_up_without_an_earlier_conversation_says_why(watched: Watched, service: Service) -> None:
    page = watched.page
    _open(page, service, "geen-eerder-1")
    page.get_by_role("button", name="Vervolggesprek beginnen").click()
    alert = page.locator("#melding .fout")
    alert.wait_for()
    assert "nog geen afgerond gesprek" in alert.inner_text()
    assert page.locator("#formulier").is_hidden()
    assert "null" not in page.locator("#scherm").inner_text()
    axe(page, "51-geen-eerder-gesprek")
    shot(page, "51-geen-eerder-gesprek")


def test_the_focus_on_a_check_box_is_visible_and_the_review_is_legible(
    watched: Watched, service: Service
) -> None:
    page = watched.page
    _store(service, "focus-1", "completed")
    _open(page, service, "focus-1")
    page.get_by_role("button", name="Vervolggesprek beginnen").click()
    item(page, "terugblik").wait_for()
    # The earlier agreement, read-only: dark text, not MUI's disabled grey (#9e9e9e, 2.7:1).
    agreement = page.locator(
        '#form [data-linkid="terugblik-afspraak-wat"] textarea:not([aria-hidden="true"])'
    ).first
    colour = agreement.evaluate("(e) => getComputedStyle(e).webkitTextFillColor || getComputedStyle(e).color")
    assert colour in ("rgb(51, 51, 51)", "rgb(26, 26, 26)"), colour
    page.get_by_role("button", name="Volgende stap").click()
    box = choose(page, "stap-1-themas", "Wat kan ik?")
    box.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    outline = box.evaluate("(e) => getComputedStyle(e.closest('.MuiButtonBase-root')).outlineStyle")
    assert outline == "solid"
    shot(page, "52-focus-op-vakje")
    axe(page, "52-focus-op-vakje")
