"""No empty card above the first theme (issue 20, item 10).

The assembled leidraad wraps each theme in a group without a text of its own (``keuze-thema-N``,
shown only when the theme was chosen); the renderer drew that group as a card of its own, an empty
frame above the theme's card. What a person sees: on step 2 every card starts with its own text
(nothing blank at its top), and the card after the step's explanation is the first theme's.
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Service, Watched, new_context
from .kit import axe, choose, item, settled, shot

pytestmark = pytest.mark.browser

# The cards a person sees: the renderer's papers that draw a frame (shadow, background, padding),
# with how far below its top edge the card's first text begins.
CARDS = """() => [...document.querySelectorAll('#form .MuiPaper-root')]
  .filter((card) => card.offsetParent !== null)
  .filter((card) => { const s = getComputedStyle(card);
    return s.boxShadow !== 'none' || parseFloat(s.paddingTop) > 0
      || !/rgba\\(0, 0, 0, 0\\)|transparent/.test(s.backgroundColor); })
  .map((card) => {
    const walker = document.createTreeWalker(card, NodeFilter.SHOW_TEXT,
      { acceptNode: (n) => n.textContent.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP });
    const first = walker.nextNode();
    const range = document.createRange();
    if (first) range.selectNodeContents(first);
    return { text: first ? first.textContent.trim() : '',
             gap: first ? range.getBoundingClientRect().top - card.getBoundingClientRect().top : 9999 };
  })"""


def _themes_step(page: Any, service: Service, patient: str) -> list[dict[str, Any]]:
    page.goto(f"{service.base}/")
    page.locator("#patient").fill(patient)
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Nieuw gesprek beginnen").click()
    item(page, "stap-1-themas").wait_for()
    choose(page, "stap-1-themas", "Mijn verhaal").click()
    choose(page, "stap-1-themas", "Wat doe ik?").click()
    page.get_by_role("button", name="Volgende stap").click()
    item(page, "t1").wait_for()
    settled(page)
    cards: list[dict[str, Any]] = page.evaluate(CARDS)
    return cards


def _assert_no_empty_card(cards: list[dict[str, Any]]) -> None:
    assert [c["text"] for c in cards[:2]] == ["Stap 2 - In gesprek gaan", "Thema 1: Mijn verhaal"], cards[:3]
    blank = [c for c in cards if c["gap"] > 40]
    assert blank == [], blank
    assert "Thema 2: Wat doe ik?" in [c["text"] for c in cards]


def test_the_first_card_on_the_themes_step_is_the_first_theme(watched: Watched, service: Service) -> None:
    page = watched.page
    _assert_no_empty_card(_themes_step(page, service, "kaart-1"))
    axe(page, "80-geen-lege-kaart")
    shot(page, "80-geen-lege-kaart")


def test_no_empty_card_on_a_phone(browser: Any, service: Service) -> None:
    context = new_context(browser, 360, 800)
    page = context.new_page()
    try:
        _assert_no_empty_card(_themes_step(page, service, "kaart-2"))
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        shot(page, "81-geen-lege-kaart-360")
    finally:
        context.close()
