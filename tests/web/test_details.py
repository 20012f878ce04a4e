"""Smaller promises of the page: a wrong date is refused in Dutch, an unreachable service is
explained, and the print view is black on white."""

from __future__ import annotations

import pytest

from .conftest import Service, Watched
from .kit import axe, field, item, keyboard_type, shot
from .test_flow import _start

pytestmark = pytest.mark.browser


def test_a_date_that_does_not_exist_is_refused_in_dutch(watched: Watched, service: Service) -> None:
    page = watched.page
    _start(page, service, "datum-1")
    page.get_by_role("button", name="Nieuw gesprek beginnen").click()
    item(page, "stap-1-themas").wait_for()
    page.get_by_role("button", name="Volgende stap").click()
    page.get_by_role("button", name="Volgende stap").click()
    date = field(page, "vervolggesprek")
    keyboard_type(page, date, "31-02-2027")
    page.keyboard.press("Tab")
    assert date.get_attribute("aria-invalid") == "true"
    hint = page.locator(f"#{date.get_attribute('aria-describedby')}")
    assert "Dit is geen geldige datum" in hint.inner_text()
    axe(page, "15-datum-fout")
    shot(page, "15-datum-fout")
    date.fill("")
    keyboard_type(page, date, "28-02-2027")
    page.keyboard.press("Tab")
    assert date.get_attribute("aria-invalid") == "false"
    assert hint.inner_text() == "Als DD-MM-JJJJ"


def test_an_unreachable_service_is_explained(watched: Watched, service: Service) -> None:
    page = watched.page
    page.goto(f"{service.base}/")
    page.locator("#patient").wait_for()
    page.route("**/fhir/**", lambda route: route.abort())
    page.locator("#patient").fill("weg-1")
    page.keyboard.press("Enter")
    alert = page.locator("#melding .fout")
    alert.wait_for()
    assert "De dienst is niet bereikbaar" in alert.inner_text()


def test_the_print_view_is_black_on_white(watched: Watched, service: Service) -> None:
    page = watched.page
    page.goto(f"{service.base}/")
    page.locator("#patient").wait_for()
    page.emulate_media(media="print")
    colours = page.evaluate(
        "() => [document.body, document.querySelector('h1')].map((e) => getComputedStyle(e).color)"
    )
    assert colours == ["rgb(0, 0, 0)", "rgb(0, 0, 0)"]
    assert not page.locator("#banner").is_visible()
