"""Text is stored as typed (issue 20, item 9). The renderer removed "javascript:", "onclick",
"<script", "alert(", "style=" … from a typed answer while the field kept showing it; the page now
stores the words as typed, and escapes them where it shows them: the plan draws them as text, no
element is injected. Asserted as a person sees it, screenshots kept."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from .conftest import ROOT, Service, Watched
from .kit import field, item, keyboard_type, shot

pytestmark = pytest.mark.browser

FHIR = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
EXAMPLE = ROOT / "questionnaires" / "voorbeelden" / "QuestionnaireResponse-sanne-werkt-met-klachten.json"
TYPED = (
    'Mijn baas zei "<script>alert(1)</script>" en klikte onclick; '
    '<b style="color:red" onmouseover="x()">javascript:void(0)</b> &#60; 100% .css'
)


def _open(page: Any, service: Service, patient: str) -> None:
    page.goto(f"{service.base}/")
    page.locator("#patient").fill(patient)
    page.keyboard.press("Enter")
    page.locator("#gesprekken h3").wait_for()


def _answers(response: dict[str, Any], link_id: str) -> list[str]:
    found: list[str] = []

    def walk(items: list[dict[str, Any]]) -> None:
        for entry in items:
            if entry["linkId"] == link_id:
                found.extend(a["valueString"] for a in entry.get("answer", []) if "valueString" in a)
            walk(entry.get("item", []))
            for answer in entry.get("answer", []):
                walk(answer.get("item", []))

    walk(response.get("item", []))
    return found


def test_typed_text_is_saved_and_shown_as_typed(watched: Watched, service: Service) -> None:
    page = watched.page
    _open(page, service, "getypt-1")
    page.get_by_role("button", name="Nieuw gesprek beginnen").click()
    item(page, "stap-1-themas").wait_for()
    page.get_by_role("navigation", name="Stappen van het gesprek").get_by_role(
        "button", name="Stap 3 en 4: Afspraken"
    ).click()
    keyboard_type(page, field(page, "behandeldoel-tekst"), TYPED)
    assert field(page, "behandeldoel-tekst").input_value() == TYPED
    page.get_by_role("button", name="Concept opslaan").click()
    saved = page.locator("#melding .bericht")
    saved.wait_for()
    assert "gelukt" in (saved.get_attribute("class") or ""), saved.inner_text()
    shot(page, "typed-1-opgeslagen")

    found = httpx.get(
        f"{service.base}/fhir/QuestionnaireResponse?subject=Patient/getypt-1", headers=FHIR
    ).json()
    stored = [e["resource"] for e in found["entry"]]
    assert len(stored) == 1
    assert _answers(stored[0], "behandeldoel-tekst") == [TYPED]

    page.reload()
    _open(page, service, "getypt-1")
    page.get_by_role("button", name="Verder invullen").click()
    item(page, "stap-1-themas").wait_for()
    page.get_by_role("navigation", name="Stappen van het gesprek").get_by_role(
        "button", name="Stap 3 en 4: Afspraken"
    ).click()
    assert field(page, "behandeldoel-tekst").input_value() == TYPED
    shot(page, "typed-2-hervat")


def test_the_plan_shows_typed_markup_as_text(watched: Watched, service: Service) -> None:
    page = watched.page
    response = json.loads(EXAMPLE.read_text("utf-8"))
    response.pop("id")
    response.pop("identifier")
    response["subject"] = {"reference": "Patient/getypt-2"}
    goals = [0]

    def put_goal(items: list[dict[str, Any]]) -> None:
        for entry in items:
            if entry["linkId"] == "behandeldoel-tekst":
                entry["answer"] = [{"valueString": TYPED}]
                goals[0] += 1
            put_goal(entry.get("item", []))

    put_goal(response["item"])
    assert goals[0] >= 1
    stored = httpx.post(
        f"{service.base}/fhir/QuestionnaireResponse", content=json.dumps(response), headers=FHIR
    )
    assert stored.status_code == 201, stored.text[:500]
    assert _answers(stored.json(), "behandeldoel-tekst")[0] == TYPED

    _open(page, service, "getypt-2")
    page.get_by_role("button", name="Plan bekijken").click()
    page.locator("#plan-kop").wait_for()
    plan = page.locator(".plan")
    assert TYPED in plan.inner_text()
    # Shown as text: nothing of it became an element.
    assert plan.locator("script, b, [onmouseover], [style*='color:red']").count() == 0
    assert page.evaluate("() => document.querySelectorAll('.plan script').length") == 0
    shot(page, "typed-3-plan")
