"""The Werk layer takes any resource type a (vendor's adapted) template gives: no fixed list of
types, no identifier on a type that has none, and a template's own derivedFrom kept."""

from __future__ import annotations

from typing import Any

from fhir_werk.extraction._identity import IDENTIFIER_SYSTEM, Extracted, build_bundle

RESPONSE = {
    "resourceType": "QuestionnaireResponse",
    "id": "qr-1",
    "status": "completed",
    "subject": {"reference": "Patient/p1"},
    "authored": "2026-01-02",
}


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return build_bundle(RESPONSE, [Extracted(r, f"t{n}@x") for n, r in enumerate(resources)])


def test_any_type_is_taken_after_the_leidraad_types() -> None:
    bundle = _bundle(
        {"resourceType": "AllergyIntolerance", "patient": {"reference": "Patient/p1"}},
        {"resourceType": "Goal", "description": {"text": "werk"}},
    )
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds == ["QuestionnaireResponse", "Goal", "AllergyIntolerance", "Provenance"]
    allergy = bundle["entry"][2]
    assert allergy["resource"]["identifier"][0]["system"] == IDENTIFIER_SYSTEM
    assert allergy["request"]["ifNoneExist"].startswith(f"identifier={IDENTIFIER_SYSTEM}|")


def test_a_type_without_identifier_gets_none_and_a_plain_create() -> None:
    bundle = _bundle({"resourceType": "Parameters", "parameter": [{"name": "x", "valueString": "y"}]})
    entry = bundle["entry"][1]
    assert entry["resource"] == {
        "resourceType": "Parameters",
        "parameter": [{"name": "x", "valueString": "y"}],
    }
    assert entry["request"] == {"method": "POST", "url": "Parameters"}


def test_a_template_s_own_derived_from_is_kept() -> None:
    own = [{"reference": "DocumentReference/d1"}]
    bundle = _bundle(
        {"resourceType": "Observation", "status": "final", "derivedFrom": own},
        {"resourceType": "Observation", "status": "final"},
    )
    first, second = bundle["entry"][1:3]
    assert first["resource"]["derivedFrom"] == own
    assert second["resource"]["derivedFrom"] == [{"reference": bundle["entry"][0]["fullUrl"]}]
