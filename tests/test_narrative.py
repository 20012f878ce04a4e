"""Narratives (issue 24): every resource fhir-werk writes or publishes says in Dutch, within
FHIR's XHTML rules, what a clinician needs; contained templates carry none."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from fhir_werk.extraction import extract
from fhir_werk.narrative import narrated, narrated_bundle
from fhir_werk.publishing._artifacts import published

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "questionnaires" / "voorbeelden").glob("QuestionnaireResponse-*.json"))
XHTML = "{http://www.w3.org/1999/xhtml}"
# What the narratives use; all within FHIR's basic HTML (txt-1).
ALLOWED = {"div", "p", "b", "ul", "li", "table", "tr", "th", "td"}


def _bundle(name: str) -> dict[str, Any]:
    path = ROOT / "questionnaires" / "voorbeelden" / f"QuestionnaireResponse-{name}.json"
    bundle: dict[str, Any] = extract(json.loads(path.read_text(encoding="utf-8")))
    return bundle


def _of(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _written() -> list[dict[str, Any]]:
    extracted = [e["resource"] for p in EXAMPLES for e in extract(json.loads(p.read_text("utf-8")))["entry"]]
    return extracted + list(published().resources)


def _check_xhtml(div: str) -> str:
    root = ET.fromstring(div)
    assert root.tag == f"{XHTML}div"
    for element in root.iter():
        assert element.tag.startswith(XHTML), element.tag
        assert element.tag.removeprefix(XHTML) in ALLOWED, element.tag
        attributes = set(element.attrib) - {"lang", "{http://www.w3.org/XML/1998/namespace}lang"}
        assert attributes == set(), element.attrib
    text = "".join(root.itertext()).strip()
    assert text, "txt-2: a narrative must say something"
    return text


@pytest.mark.parametrize("resource", _written(), ids=lambda r: f"{r['resourceType']}-{r.get('id', '')}")
def test_every_written_and_published_resource_has_a_generated_dutch_narrative(
    resource: dict[str, Any],
) -> None:
    assert resource["text"]["status"] == "generated"
    _check_xhtml(resource["text"]["div"])
    for contained in resource.get("contained", []):
        assert "text" not in contained, "dom-1: a contained resource has no narrative"


def test_goal_says_the_goal_its_status_and_its_target_on_the_scale() -> None:
    goals = _of(_bundle("sanne-werkt-met-klachten"), "Goal")
    texts = [_check_xhtml(g["text"]["div"]) for g in goals]
    assert any("Mijn 28 uur volhouden zonder ziekmelding." in t and "Status: voorgesteld" in t for t in texts)
    assert any("streefwaarde 7 (schaal 0–10)" in t for t in texts), texts


def test_careplan_says_who_does_what_and_when() -> None:
    (plan,) = _of(_bundle("sanne-werkt-met-klachten"), "CarePlan")
    text = _check_xhtml(plan["text"]["div"])
    assert "Spreekuur bij de bedrijfsarts over telefoondiensten." in text
    assert "wie: Bedrijfsarts: Dr. De Vries" in text
    assert "uiterlijk 30-11-2026" in text
    assert "Vervolggesprek over werk — op 14-12-2026 — gepland" in text


def test_score_says_the_score_and_its_scale() -> None:
    scores = [o for o in _of(_bundle("sanne-werkt-met-klachten"), "Observation") if "valueInteger" in o]
    text = _check_xhtml(scores[0]["text"]["div"])
    assert f"Score: {scores[0]['valueInteger']} op een schaal van 0 tot 10" in text


def test_consent_says_with_whom_what_and_that_nothing_else_is_shared() -> None:
    (shared,) = _of(_bundle("sanne-werkt-met-klachten"), "Consent")
    (refused,) = _of(_bundle("pieter-deelt-niets"), "Consent")
    assert "met Bedrijfsarts: het behandelplan en de doelen" in _check_xhtml(shared["text"]["div"])
    assert "de patiënt gaf geen toestemming om te delen" in _check_xhtml(refused["text"]["div"])


def test_referral_shows_the_dutch_words_and_keeps_the_snomed_display() -> None:
    bundles = [_bundle(p.stem.removeprefix("QuestionnaireResponse-")) for p in EXAMPLES]
    referrals = [r for b in bundles for r in _of(b, "ServiceRequest")]
    assert referrals
    for referral in referrals:
        text = _check_xhtml(referral["text"]["div"])
        assert text.startswith("Verwijzing naar "), text
        assert "Referral" not in text
        assert any(c.get("display", "").startswith("Referral to") for c in referral["code"]["coding"])


def test_the_response_goes_into_the_bundle_as_it_came() -> None:
    response = json.loads(EXAMPLES[0].read_text("utf-8"))
    del response["text"]
    assert "text" not in extract(response)["entry"][0]["resource"]


def test_text_from_an_answer_is_escaped_not_markup() -> None:
    goal = narrated(
        {"resourceType": "Goal", "lifecycleStatus": "active", "description": {"text": "<b>x</b> & y"}}
    )
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in goal["text"]["div"]
    assert "<b>x</b> & y" in _check_xhtml(goal["text"]["div"])


def test_a_narrative_a_person_wrote_is_kept_and_a_generated_one_is_made_again() -> None:
    written = {"status": "additional", "div": '<div xmlns="http://www.w3.org/1999/xhtml">Eigen tekst</div>'}
    assert narrated({"resourceType": "Goal", "text": written})["text"] == written
    stale = {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">Status: actief</div>'}
    again = narrated({"resourceType": "Goal", "lifecycleStatus": "cancelled", "text": stale})
    assert "Status: geannuleerd" in again["text"]["div"]


def test_narrated_bundle_adds_only_the_text_and_leaves_its_input_alone() -> None:
    bundle = _bundle("els-uitkering")
    plain = {
        **bundle,
        "entry": [
            {**e, "resource": {k: v for k, v in e["resource"].items() if k != "text"}}
            for e in bundle["entry"]
        ],
    }
    before = json.dumps(plain, sort_keys=True)
    again = narrated_bundle(plain)
    assert json.dumps(plain, sort_keys=True) == before
    assert again["entry"][1:] == bundle["entry"][1:]
    assert "text" not in again["entry"][0]["resource"]
    assert all(
        list(e["resource"])[1:3] == ["id", "text"] for e in again["entry"][1:] if "id" in e["resource"]
    )
