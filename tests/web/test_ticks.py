"""Every check box shows its tick the moment it is clicked, and loses it on the second click.

Renderer 1.4.0 stored the answer of a clicked box but compared it, for the tick, with the option's
whole coding (its English ``_display`` included): the box stayed empty, and the natural second
click took the answer away (issue 20, item 1). Asserted as a person sees it: the box drawn ticked
(``Mui-checked``, the tick icon) and the input checked, then the saved draft holding exactly the
ticked answers.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import Service, Watched
from .kit import axe, choose, item, shot

pytestmark = pytest.mark.browser

TICK = "M19 3H5"  # the start of MUI's CheckBox icon; the empty box's path starts "M19 5v14"


def ticked(box: Any) -> bool:
    """Whether the box is drawn ticked; fails when the drawing and the input disagree."""
    drawn = box.evaluate(
        "(input, tick) => { const box = input.closest('.MuiCheckbox-root');"
        " return box.classList.contains('Mui-checked')"
        " && box.querySelector('svg path').getAttribute('d').startsWith(tick); }",
        TICK,
    )
    assert drawn == box.is_checked(), "het vinkje op het scherm en het vakje zijn het oneens"
    return bool(drawn)


def test_every_check_box_shows_its_tick_and_loses_it_on_the_second_click(
    watched: Watched, service: Service
) -> None:
    page = watched.page
    page.goto(f"{service.base}/")
    page.locator("#patient").fill("vinkjes-1")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Nieuw gesprek beginnen").click()
    item(page, "stap-1-themas").wait_for()

    for link_id in ("stap-1-themas", "stap-1-absoluut"):
        story = choose(page, link_id, "Mijn verhaal")
        assert not ticked(story)
        story.click()
        assert ticked(story), f"{link_id}: na één klik geen vinkje"
        story.click()
        assert not ticked(story), f"{link_id}: na de tweede klik nog een vinkje"
        # With the keyboard too, and two boxes at once stay ticked.
        helps = choose(page, link_id, "Wie helpt mij?")
        helps.focus()
        page.keyboard.press("Space")
        story.click()
        assert ticked(helps), link_id
        assert ticked(story), link_id
    shot(page, "20-vinkjes-stap-1")
    axe(page, "20-vinkjes-stap-1")

    page.get_by_role("navigation", name="Stappen van het gesprek").get_by_role(
        "button", name="Stap 3 en 4: Afspraken"
    ).click()
    choose(page, "delen-toestemming", "Ja").click()
    employer = choose(page, "delen-met", "Werkgever")
    doctor = choose(page, "delen-met", "Bedrijfsarts")
    employer.click()
    assert ticked(employer), "toestemming: na één klik geen vinkje"
    employer.click()
    assert not ticked(employer), "toestemming: na de tweede klik nog een vinkje"
    doctor.click()
    assert ticked(doctor)
    assert not ticked(employer)
    shot(page, "21-vinkjes-toestemming")
    axe(page, "21-vinkjes-toestemming")

    page.get_by_role("button", name="Concept opslaan").click()
    page.locator("#melding .gelukt").wait_for()
    stored = httpx.get(
        f"{service.base}/fhir/QuestionnaireResponse?subject=Patient/vinkjes-1",
        headers={"Accept": "application/fhir+json"},
    ).json()["entry"][0]["resource"]

    def codes(items: list[dict[str, Any]], link_id: str) -> list[str]:
        found = []
        for entry in items:
            if entry["linkId"] == link_id:
                found += [a["valueCoding"]["code"] for a in entry.get("answer", [])]
            found += codes(entry.get("item", []), link_id)
        return found

    assert sorted(codes(stored["item"], "stap-1-themas")) == ["thema-1", "thema-6"]
    assert sorted(codes(stored["item"], "stap-1-absoluut")) == ["thema-1", "thema-6"]
    assert codes(stored["item"], "delen-met") == ["bedrijfsarts"]
