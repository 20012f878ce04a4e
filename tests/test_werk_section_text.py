"""The plan summary that `fhir-werk extract` prints is Dutch: a referral says where to in Dutch,
not SNOMED's English display (issue 24, item 3: "Verwijzing: Referral to occupational health
physician")."""

from __future__ import annotations

import json
from pathlib import Path

from fhir_werk.extraction import extract, render_werk_section
from fhir_werk.shared import Resource

MOHAMED = Path(__file__).parents[1] / "questionnaires" / "voorbeelden"
MOHAMED /= "QuestionnaireResponse-mohamed-ziek-met-contract.json"


def _summary() -> tuple[Resource, str]:
    bundle = extract(json.loads(MOHAMED.read_text("utf-8")))
    return bundle, render_werk_section(bundle)


def test_a_referral_is_named_in_dutch_and_snomed_keeps_its_own_display() -> None:
    bundle, text = _summary()
    assert "  - Verwijzing: Bedrijfsarts" in text.splitlines()
    assert "Referral to" not in text
    (request,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "ServiceRequest"]
    snomed = [c for c in request["code"]["coding"] if c["system"] == "http://snomed.info/sct"]
    assert snomed == [
        {
            "system": "http://snomed.info/sct",
            "code": "306298002",
            "display": "Referral to occupational health physician",
        }
    ]
