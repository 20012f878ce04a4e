"""Helpers of the web page's tests: axe-core, screenshots, and the Smart Forms controls."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from fhir_werk.extraction import extract

from .conftest import ARTIFACTS, ROOT, Service

SERIOUS = ("serious", "critical")
FHIR = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
EXAMPLES = ROOT / "questionnaires" / "voorbeelden"
FIRST = EXAMPLES / "QuestionnaireResponse-sanne-werkt-met-klachten.json"
SECOND = EXAMPLES / "vervolg" / "QuestionnaireResponse-sanne-vervolggesprek.json"


def settled(page: Any) -> None:
    """Wait until no finite CSS animation or transition runs: the renderer fades its cards in,
    and half-faded text fails axe's contrast check and looks grey on a screenshot (an endless
    one, a spinner or a focus ring, never ends and is not waited for)."""
    page.wait_for_function(
        "() => document.getAnimations().every((a) => a.playState !== 'running'"
        " || a.effect?.getTiming().iterations === Infinity)",
        timeout=10_000,
    )


def axe(page: Any, name: str) -> list[dict[str, Any]]:
    """Run axe-core on the page; fail on a serious or critical violation. The full result is kept
    as ``artifacts/NAME.axe.json``; returns the lesser ones. axe comes from tests/js/node_modules
    as an init script of the context (:func:`new_context`): the page's CSP forbids injected
    script tags, as it should."""
    settled(page)
    result = page.evaluate("async () => await window.axe.run(document, {resultTypes: ['violations']})")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.axe.json").write_text(json.dumps(result["violations"], indent=2), "utf-8")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]
    assert bad == [], f"axe-core op {name}:\n" + "\n".join(bad)
    return [v for v in result["violations"] if v["impact"] not in SERIOUS]


def shot(page: Any, name: str) -> None:
    """A full-page screenshot as ``artifacts/NAME.png``."""
    settled(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def item(page: Any, link_id: str, index: int = 0) -> Any:
    """The drawn item with this linkId (the ``index``-th repetition)."""
    return page.locator(f'#form [data-linkid="{link_id}"]').nth(index)


def field(page: Any, link_id: str, index: int = 0) -> Any:
    """The text field of a string, text or date item (not the renderer's hidden autosize copy)."""
    return item(page, link_id, index).locator("textarea:not([aria-hidden='true']), input[type='text']").first


def choose(page: Any, link_id: str, label: str) -> Any:
    """The check box or radio button with this label in an item."""
    return item(page, link_id).get_by_label(re.compile(f"^{re.escape(label)}"))


def keyboard_type(page: Any, locator: Any, text: str) -> None:
    """Focus with the mouse, then type with the keyboard, key by key, and pause as a person would.

    Renderer 1.4.0 stores a text answer 300 ms after the last key (debounced), into the group as
    it was at that key: an answer given elsewhere in the same group within those 300 ms is then
    overwritten (seen: the consent answer lost after a fast name and date). The pause keeps the
    test about the page, not about that race.
    """
    locator.click()
    page.keyboard.type(text, delay=15)
    page.wait_for_timeout(450)


def _goal_ids(response: dict[str, Any]) -> list[str]:
    bundle = extract(response)
    return [
        e["resource"]["identifier"][0]["value"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Goal"
    ]


def _as(response: dict[str, Any], patient: str) -> dict[str, Any]:
    mine: dict[str, Any] = json.loads(json.dumps(response))
    mine["subject"] = {"reference": f"Patient/{patient}"}
    if "identifier" in mine:
        mine["identifier"] = {"system": mine["identifier"]["system"], "value": f"grafiek-{patient}"}
    return mine


def two_conversations(service: Service, patient: str) -> None:
    """Sanne's two conversations (02-11-2026 and the follow-up of 01-02-2027) for ``patient``,
    through the API: the first under an identifier of its own, the follow-up reviewing the goals
    that first conversation made (the service refuses a review of goals outside the patient's own
    plan, so the example's goal ids are mapped to the new ones)."""
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
