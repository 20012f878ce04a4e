"""The follow-up shows the last conversation's score beside each slider, "vorige keer: N" (issue 20,
item 8), legible (contrast at least 4.5:1). Asserted as a person sees it, screenshot kept."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from .conftest import ROOT, Service, Watched
from .kit import axe, item, shot

pytestmark = pytest.mark.browser

FHIR = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
EXAMPLE = ROOT / "questionnaires" / "voorbeelden" / "QuestionnaireResponse-sanne-werkt-met-klachten.json"
# The example's scores, as the first conversation gave them.
EARLIER = {"t1-invloed-gezondheid": 4, "t1-bijdrage-herstel": 7, "t1-omgeving": 5, "t2-tevreden": 6}


def _luminance(rgb: tuple[int, ...]) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_each_slider_says_its_score_of_last_time(watched: Watched, service: Service) -> None:
    page = watched.page
    response = json.loads(EXAMPLE.read_text("utf-8"))
    response.pop("id")
    response.pop("identifier")
    response["subject"] = {"reference": "Patient/vorige-1"}
    stored = httpx.post(
        f"{service.base}/fhir/QuestionnaireResponse", content=json.dumps(response), headers=FHIR
    )
    assert stored.status_code == 201, stored.text[:500]
    page.goto(f"{service.base}/")
    page.locator("#patient").fill("vorige-1")
    page.keyboard.press("Enter")
    page.locator("#gesprekken li").first.wait_for()
    page.get_by_role("button", name="Vervolggesprek beginnen").click()
    item(page, "terugblik").wait_for()
    page.get_by_role("button", name="Volgende stap").click()
    item(page, "situatie").wait_for()
    page.get_by_role("button", name="Volgende stap").click()
    item(page, "t2-tevreden").wait_for()

    for link_id, score in EARLIER.items():
        note = item(page, link_id).locator(".vorige-keer")
        assert note.is_visible(), link_id
        assert note.inner_text() == f"vorige keer: {score}", link_id
        colour = note.evaluate("e => getComputedStyle(e).color")
        rgb = tuple(int(n) for n in re.findall(r"\d+", colour)[:3])
        ratio = (1.05) / (_luminance(rgb) + 0.05)  # on the form's white
        assert ratio >= 4.5, (link_id, colour, ratio)
    # One note per slider, even after the renderer redraws it.
    assert item(page, "t1-omgeving").locator(".vorige-keer").count() == 1
    axe(page, "vorige-keer")
    shot(page, "vorige-keer")
