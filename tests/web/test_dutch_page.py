"""No English for a Dutch user (issue 20, item 10: "Disability case manager", aria-labels
"Open"/"Close", "Aan het dossier (file)").

A first conversation with every theme chosen, each step looked at: every visible text and every
accessible name, title and placeholder (what a screen reader says too) is searched for English
words; the role once called "Disability case manager" is offered in Dutch.
"""

from __future__ import annotations

import re

import pytest

from .conftest import Service, Watched
from .kit import item, settled, shot

pytestmark = pytest.mark.browser

ENGLISH = re.compile(
    r"\b(the|and|with|manager|case|file|close|clear|add|remove|item|loading|select|yes|please|"
    r"required|mandatory|next|previous|submit|save|cancel|error|unable|something|went|wrong)\b",
    re.IGNORECASE,
)
# Links that are addresses, not words (www.…, https://…): what they say is the address.
ADDRESS = re.compile(r"^(https?://|www\.)|\.(nl|info|pdf)(/|$)")

TEXTS = """() => { const out = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const text = node.textContent.trim();
    if (text && node.parentElement?.offsetParent !== null) out.add(text);
  }
  for (const e of document.querySelectorAll('[aria-label], [title], [placeholder], [aria-valuetext]')) {
    for (const a of ['aria-label', 'title', 'placeholder', 'aria-valuetext']) {
      if (e.getAttribute(a)) out.add(e.getAttribute(a));
    }
  }
  return [...out]; }"""


def _english(texts: list[str]) -> list[str]:
    return [t for t in texts if not ADDRESS.search(t) and ENGLISH.search(t)]


def test_every_step_of_a_first_conversation_is_dutch(watched: Watched, service: Service) -> None:
    page = watched.page
    page.goto(f"{service.base}/")
    page.locator("#patient").fill("nederlands-1")
    page.keyboard.press("Enter")
    seen: set[str] = set(page.evaluate(TEXTS))
    page.get_by_role("button", name="Nieuw gesprek beginnen").click()
    themes = item(page, "stap-1-themas")
    themes.wait_for()
    for box in themes.get_by_role("checkbox").all():
        box.click()
    settled(page)
    seen |= set(page.evaluate(TEXTS))
    steps = page.get_by_role("navigation", name="Stappen van het gesprek")
    for step in ("Stap 2: De thema’s", "Stap 3 en 4: Afspraken"):
        steps.get_by_role("button", name=step).click()
        page.locator("#formulier-kop", has_text=step).wait_for()
        settled(page)
        seen |= set(page.evaluate(TEXTS))
    # The lists of a drop-down (who does an agreed step) show only when opened.
    for box in page.locator('#form [role="combobox"]').all():
        box.click()
        page.get_by_role("listbox").first.wait_for()
        seen |= set(page.evaluate(TEXTS))
        page.keyboard.press("Escape")
    shot(page, "90-nederlands-stap-3-4")
    assert "Casemanager re-integratie (ziekenfonds)" in seen
    assert _english(sorted(seen)) == []
