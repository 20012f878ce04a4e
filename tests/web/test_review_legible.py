"""The follow-up's review is legible (issue 20, item 8): the questions of the earlier agreements and
goals ("Wat zou er gebeuren?", "Wie zou het doen?", "Het doel") were labels in #9e9e9e (2.7:1), as
the renderer draws a read-only item's label. axe-core does not count a disabled control's label,
so the contrast is measured here: every label in the review at least 4.5:1 on white."""

from __future__ import annotations

import re

import pytest

from .conftest import Service, Watched
from .kit import axe, item, settled, shot, two_conversations
from .test_previous_score import _luminance

pytestmark = pytest.mark.browser


def test_every_question_of_the_review_is_legible(watched: Watched, service: Service) -> None:
    page = watched.page
    two_conversations(service, "leesbaar-1")
    page.goto(f"{service.base}/")
    page.locator("#patient").fill("leesbaar-1")
    page.keyboard.press("Enter")
    page.locator("#gesprekken li").first.wait_for()
    page.get_by_role("button", name="Vervolggesprek beginnen").click()
    item(page, "terugblik").wait_for()
    settled(page)
    labels = page.locator('#form [data-linkid="terugblik"] label')
    texts = [t.strip() for t in labels.all_inner_texts()]
    assert "Wat zou er gebeuren?" in texts, texts
    assert "Het doel" in texts, texts
    faint = []
    for n in range(labels.count()):
        colour = labels.nth(n).evaluate("e => getComputedStyle(e).color")
        rgb = tuple(int(c) for c in re.findall(r"\d+", colour)[:3])
        ratio = 1.05 / (_luminance(rgb) + 0.05)  # on the form's white
        if ratio < 4.5:
            faint.append((texts[n], colour, round(ratio, 1)))
    assert faint == []
    axe(page, "85-terugblik-leesbaar")
    shot(page, "85-terugblik-leesbaar")
