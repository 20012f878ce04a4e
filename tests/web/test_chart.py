"""The chart of the scores can be read (issue 20, item 6): a legend that ties each line to its
scale by colour, dash and marker (not by colour alone, WCAG 1.4.1), goal lines labelled and unlike
any scale's line, equal scores that do not hide each other, 12-px labels at 360 px, and the same
figures as a table."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from fhir_werk.extraction import extract

from .conftest import ROOT, Service, new_context
from .kit import axe, shot

pytestmark = pytest.mark.browser

FHIR = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
EXAMPLES = ROOT / "questionnaires" / "voorbeelden"
FIRST = EXAMPLES / "QuestionnaireResponse-sanne-werkt-met-klachten.json"
SECOND = EXAMPLES / "vervolg" / "QuestionnaireResponse-sanne-vervolggesprek.json"


def _goal_ids(response: dict[str, Any]) -> list[str]:
    bundle = extract(response)
    return [
        e["resource"]["identifier"][0]["value"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Goal"
    ]


def _store(service: Service, patient: str) -> None:
    """Sanne's two conversations for ``patient``: the first under an identifier of its own, the
    follow-up reviewing the goals that first conversation made (the service refuses a review of
    goals outside the patient's own plan, so the example's goal ids are mapped to the new ones)."""
    first = json.loads(FIRST.read_text("utf-8"))
    second_text = SECOND.read_text("utf-8")
    for old, new in zip(_goal_ids(first), _goal_ids(_as(first, patient)), strict=True):
        second_text = second_text.replace(old, new)
    second = json.loads(second_text)
    second.pop("identifier", None)
    for response in (_as(first, patient), _as(second, patient)):
        response.pop("id", None)
        url = f"{service.base}/fhir/QuestionnaireResponse"
        stored = httpx.post(url, content=json.dumps(response), headers=FHIR)
        assert stored.status_code == 201, stored.text[:500]


def _as(response: dict[str, Any], patient: str) -> dict[str, Any]:
    mine: dict[str, Any] = json.loads(json.dumps(response))
    mine["subject"] = {"reference": f"Patient/{patient}"}
    if "identifier" in mine:
        mine["identifier"] = {"system": mine["identifier"]["system"], "value": f"grafiek-{patient}"}
    return mine


def _plan(page: Any, service: Service, patient: str) -> None:
    page.goto(f"{service.base}/")
    page.locator("#patient").fill(patient)
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Plan bekijken").first.click()
    page.locator("svg.grafiek").wait_for()


@pytest.mark.parametrize("width", [1280, 360])
def test_the_chart_has_a_legend_labelled_goals_visible_points_and_a_table(
    browser: Any, service: Service, width: int
) -> None:
    patient = f"grafiek-{width}"
    _store(service, patient)
    context = new_context(browser, width, 800)
    page = context.new_page()
    try:
        _plan(page, service, patient)
        scales = page.locator("svg.grafiek g.schaal")
        legend = page.locator(".legenda li")
        assert legend.count() == scales.count() >= 3
        # Each legend entry draws its scale's own dash and colour.
        for n in range(scales.count()):
            line = scales.nth(n).locator("polyline")
            sample = legend.nth(n).locator("svg.staal line")
            assert sample.get_attribute("stroke") == line.get_attribute("stroke")
            assert (sample.get_attribute("stroke-dasharray") or "") == (
                line.get_attribute("stroke-dasharray") or ""
            )
        dashes = [
            scales.nth(n).locator("polyline").get_attribute("stroke-dasharray") for n in range(scales.count())
        ]
        assert len(set(dashes)) == len(dashes)
        # Goals: labelled, and dashed unlike every scale.
        goals = page.locator("svg.grafiek line.doellijn")
        assert goals.count() >= 1
        assert goals.first.get_attribute("stroke-dasharray") not in dashes
        assert (page.locator("svg.grafiek text.doel-label").first.text_content() or "").startswith("doel ")
        # No two points of different scales on the same spot.
        spots = page.evaluate(
            "() => [...document.querySelectorAll('svg.grafiek .punt')].map((p) => {"
            " const b = p.getBoundingClientRect(); return `${Math.round(b.x)},${Math.round(b.y)}`; })"
        )
        assert len(spots) == len(set(spots))
        # Axis labels as large on a phone as on a desktop.
        height = page.evaluate(
            "() => document.querySelector('svg.grafiek text.as').getBoundingClientRect().height"
        )
        assert height >= 11, height
        # The same figures as a table.
        page.get_by_text("De scores als tabel").click()
        table = page.locator("table.scores")
        assert table.locator("tbody tr").count() == scales.count()
        assert table.locator("thead th").count() == 4  # schaal, two conversations, doel
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        axe(page, f"60-grafiek-{width}")
        shot(page, f"60-grafiek-{width}")
    finally:
        context.close()
