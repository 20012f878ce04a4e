"""The chart of the scores can be read (issue 20, item 6): a legend that ties each line to its
scale by colour, dash and marker (not by colour alone, WCAG 1.4.1), goal lines labelled and unlike
any scale's line, equal scores that do not hide each other, 12-px labels at 360 px, and the same
figures as a table."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Service, new_context
from .kit import axe, shot, two_conversations

pytestmark = pytest.mark.browser


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
    two_conversations(service, patient)
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


def _boxes(page: Any, selector: str) -> list[dict[str, float]]:
    boxes: list[dict[str, float]] = page.evaluate(
        f"() => [...document.querySelectorAll({selector!r})].map((e) => {{"
        " const b = e.getBoundingClientRect(); return {x: b.x, y: b.y, w: b.width, h: b.height}; })"
    )
    return boxes


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    )


def test_the_chart_and_its_legend_are_printed_legibly(browser: Any, service: Service) -> None:
    two_conversations(service, "grafiek-afdruk")
    context = new_context(browser, 1280, 900)
    page = context.new_page()
    try:
        _plan(page, service, "grafiek-afdruk")
        # Two goals share the target 7: their labels are stacked, not drawn over each other.
        labels = _boxes(page, "svg.grafiek text.doel-label")
        assert len(labels) >= 2
        assert not any(_overlap(a, b) for n, a in enumerate(labels) for b in labels[n + 1 :]), labels
        page.emulate_media(media="print")
        chart = page.locator("svg.grafiek")
        assert chart.is_visible()
        assert chart.bounding_box()["width"] >= 300
        legend = page.locator(".legenda li")
        assert legend.count() == page.locator("svg.grafiek g.schaal").count() >= 3
        for n in range(legend.count()):
            assert legend.nth(n).is_visible()
            assert legend.nth(n).locator("svg.staal").is_visible()
        assert (
            "Tevredenheid over wat u doet (thema 2): 6 → 7 (doel: 7)" in page.locator(".legenda").inner_text()
        )
        # Legible on paper: the legend at 9 pt or more, its text black; the table stays on screen.
        size, colour = page.evaluate(
            "() => { const s = getComputedStyle(document.querySelector('.legenda li'));"
            " return [parseFloat(s.fontSize), s.color]; }"
        )
        assert size >= 12, size  # px: 9 pt
        assert colour == "rgb(0, 0, 0)"
        assert not page.locator(".cijfers").is_visible()
        assert not page.locator("#aflevering-kop").is_visible()
        shot(page, "61-grafiek-afdruk")
        page.emulate_media(media="screen")
    finally:
        context.close()
