"""$extract: the five example people give their hand-checked bundles; stable and self-contained."""

from __future__ import annotations

import copy
import difflib
import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from typer.testing import CliRunner

from fhir_werk.cli import app
from fhir_werk.extraction._extract import extract
from fhir_werk.shared._outcomes import InvalidInputError

from published import references

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "questionnaires" / "voorbeelden").glob("QuestionnaireResponse-*.json"))
GOLDEN = ROOT / "tests" / "golden"


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _text(bundle: dict[str, Any]) -> str:
    return json.dumps(bundle, ensure_ascii=False, indent=2) + "\n"


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_five_example_people_are_shipped() -> None:
    assert [p.stem.removeprefix("QuestionnaireResponse-") for p in EXAMPLES] == [
        "els-uitkering",
        "lotte-belgie-beslissing-b",
        "mohamed-ziek-met-contract",
        "pieter-deelt-niets",
        "sanne-werkt-met-klachten",
    ]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_bundle_equals_the_hand_checked_golden_file(path: Path) -> None:
    golden = GOLDEN / f"{path.stem.removeprefix('QuestionnaireResponse-')}.bundle.json"
    actual = _text(extract(_load(path)))
    expected = golden.read_text(encoding="utf-8")
    diff = "".join(
        difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), "golden", "actual", n=2)
    )
    assert actual == expected, diff


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_extracting_twice_gives_the_same_bytes_and_every_reference_resolves(path: Path) -> None:
    response = _load(path)
    first, second = _text(extract(response)), _text(extract(copy.deepcopy(response)))
    assert first == second
    bundle = json.loads(first)
    urls = {e["fullUrl"] for e in bundle["entry"]}
    internal = [r for r in references(bundle) if r.startswith("urn:uuid:")]
    assert internal
    assert set(internal) <= urls
    for entry in bundle["entry"]:
        assert entry["request"]["method"] in ("POST", "PUT")
        if entry["request"]["method"] == "POST":
            assert entry["request"]["ifNoneExist"]
    get_fhir_model_class("Bundle").model_validate(bundle)


def test_sick_listed_person_gets_a_referral_to_the_occupational_physician() -> None:
    bundle = extract(
        _load(ROOT / "questionnaires/voorbeelden/QuestionnaireResponse-mohamed-ziek-met-contract.json")
    )
    (referral,) = _resources(bundle, "ServiceRequest")
    assert referral["code"]["coding"][0]["code"] == "306298002"
    (plan,) = _resources(bundle, "CarePlan")
    referral_url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is referral)
    assert {"reference": {"reference": referral_url}} in plan["activity"]
    assert plan["title"] == "Werk (Arbeid als medicijn)"
    assert plan["category"][0]["coding"][0]["code"] == "werk"


def test_plus_one_goal_targets_the_scale_score_plus_one() -> None:
    bundle = extract(
        _load(ROOT / "questionnaires/voorbeelden/QuestionnaireResponse-sanne-werkt-met-klachten.json")
    )
    targets = {
        g["target"][0]["measure"]["coding"][0]["code"]: g["target"][0]["detailInteger"]
        for g in _resources(bundle, "Goal")
        if "target" in g
    }
    scores: dict[str, int] = {
        o["code"]["coding"][0]["code"]: o["valueInteger"]
        for o in _resources(bundle, "Observation")
        if "valueInteger" in o
    }
    assert targets == {
        "wat-doe-ik-tevredenheid": scores["wat-doe-ik-tevredenheid"] + 1,
        "tevredenheid-werk": scores["tevredenheid-werk"] + 1,
    }


def test_person_who_shares_nothing_gets_a_consent_that_permits_nobody() -> None:
    bundle = extract(_load(ROOT / "questionnaires/voorbeelden/QuestionnaireResponse-pieter-deelt-niets.json"))
    (consent,) = _resources(bundle, "Consent")
    assert consent["provision"]["type"] == "deny"
    assert "provision" not in consent["provision"]


def test_invalid_response_gives_the_outcome_and_no_bundle() -> None:
    response = _load(EXAMPLES[0])
    response["item"].append({"linkId": "bestaat-niet", "answer": [{"valueString": "x"}]})
    with pytest.raises(InvalidInputError) as caught:
        extract(response)
    issues = caught.value.outcome["issue"]
    assert any(i["severity"] == "error" and "bestaat-niet" in json.dumps(i) for i in issues)


def test_cli_extract_writes_the_bundle_and_exits_1_on_invalid_input(tmp_path: Path) -> None:
    out = tmp_path / "bundle.json"
    result = CliRunner().invoke(app, ["extract", str(EXAMPLES[0]), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["type"] == "transaction"
    broken = tmp_path / "qr.json"
    response = _load(EXAMPLES[0])
    del response["subject"]
    broken.write_text(json.dumps(response), encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", str(broken)])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["resourceType"] == "OperationOutcome"


def _scramble(value: Any) -> None:
    """Change every object and list of ``value`` in place."""
    if isinstance(value, dict):
        for key in list(value):
            _scramble(value[key])
            value[key] = "gewijzigd" if not isinstance(value[key], dict | list) else value[key]
        value["gewijzigd"] = True
    elif isinstance(value, list):
        for entry in value:
            _scramble(entry)
        value.append("gewijzigd")


@pytest.mark.parametrize(
    "path",
    [*EXAMPLES, ROOT / "bench" / "fixtures" / "full.json"],
    ids=lambda p: p.stem,
)
def test_a_bundle_shares_no_object_with_its_inputs_or_the_next_bundle(path: Path) -> None:
    # The bundle is built without a final deep copy: the mapping copies what it takes from the
    # response and the Questionnaire. Changing a bundle in place must change nothing else.
    response = _load(path)
    pristine = copy.deepcopy(response)
    expected = _text(extract(copy.deepcopy(response)))
    _scramble(extract(response))
    assert response == pristine
    assert _text(extract(response)) == expected
