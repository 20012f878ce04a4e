"""The response's status decides what is extracted (completed, amended), what is refused (drafts,
stopped) and what is retracted (entered-in-error); each version gets its own Provenance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from fhir_werk.extraction import extract
from fhir_werk.shared import InvalidInputError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "questionnaires" / "voorbeelden").glob("QuestionnaireResponse-*.json"))
SYSTEM = "https://fhir-werk.nl/fhir/NamingSystem/extractie"
TAG_SYSTEM = "https://fhir-werk.nl/fhir/CodeSystem/extractie"
DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
STATUS_ELEMENT = {
    "Goal": "lifecycleStatus",
    "CarePlan": "status",
    "Observation": "status",
    "ServiceRequest": "status",
    "Consent": "status",
}
Resource = dict[str, Any]


def _load(path: Path, status: str | None = None) -> Resource:
    data: Resource = json.loads(path.read_text(encoding="utf-8"))
    if status is not None:
        data["status"] = status
    return data


def _identities(bundle: Resource) -> list[tuple[str, str, str]]:
    """(fullUrl, resourceType, ifNoneExist) of every entry but the Provenance."""
    return [
        (e["fullUrl"], e["resource"]["resourceType"], e["request"].get("ifNoneExist", ""))
        for e in bundle["entry"][:-1]
    ]


def _provenance(bundle: Resource) -> Resource:
    entry: Resource = bundle["entry"][-1]
    assert entry["resource"]["resourceType"] == "Provenance"
    return entry


def _activity(bundle: Resource) -> list[Resource]:
    coding: list[Resource] = _provenance(bundle)["resource"]["activity"]["coding"]
    return coding


@pytest.mark.parametrize(
    ("status", "nl"),
    [
        (
            "in-progress",
            "Dit antwoord is een concept (status 'in-progress'): een concept wordt niet geëxtraheerd",
        ),
        ("stopped", "Dit antwoord is afgebroken (status 'stopped'): een afgebroken vragenlijst wordt niet"),
    ],
)
def test_a_draft_or_stopped_response_is_refused_with_one_business_rule_issue(status: str, nl: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        extract(_load(EXAMPLES[0], status))
    assert caught.value.status == 422
    (issue,) = caught.value.outcome["issue"]
    assert (issue["severity"], issue["code"], issue["expression"]) == (
        "error",
        "business-rule",
        ["QuestionnaireResponse.status"],
    )
    assert issue["details"]["text"].startswith(nl)
    assert f"status '{status}'" in issue["diagnostics"]


@pytest.mark.parametrize(("status", "code"), [("completed", "CREATE"), ("amended", "UPDATE")])
def test_provenance_activity_follows_the_status(status: str, code: str) -> None:
    bundle = extract(_load(EXAMPLES[2], status))
    assert _activity(bundle) == [{"system": DATA_OPERATION, "code": code}]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_an_amended_response_keeps_every_identity_and_gets_its_own_provenance(path: Path) -> None:
    completed, amended = extract(_load(path)), extract(_load(path, "amended"))
    assert _identities(amended) == _identities(completed)
    assert [e["resource"] for e in amended["entry"][1:-1]] == [
        e["resource"] for e in completed["entry"][1:-1]
    ]
    first, second = _provenance(completed), _provenance(amended)
    assert first["fullUrl"] != second["fullUrl"]
    assert first["request"]["ifNoneExist"] != second["request"]["ifNoneExist"]
    assert first["resource"]["target"] == second["resource"]["target"]


def test_a_changed_answer_changes_the_provenance_but_no_identity() -> None:
    response = _load(EXAMPLES[2], "amended")
    again = extract(json.loads(json.dumps(response)))
    assert _provenance(extract(response)) == _provenance(again)
    stap_4 = next(i for i in response["item"] if i["linkId"] == "stap-4")
    afspraak = next(i for i in stap_4["item"] if i["linkId"] == "afspraak")
    wat = next(i for i in afspraak["item"] if i["linkId"] == "afspraak-wat")
    wat["answer"] = [{"valueString": "Een ander opbouwschema."}]
    changed = extract(response)
    assert _identities(changed) == _identities(again)
    tag = _provenance(changed)["resource"]["meta"]["tag"]
    assert tag != _provenance(again)["resource"]["meta"]["tag"]
    (code,) = (t["code"] for t in tag if t["system"] == TAG_SYSTEM)
    # The response part of the tag stays: both Provenances are of the same response.
    assert code.split("-")[0] == _provenance(again)["resource"]["meta"]["tag"][0]["code"].split("-")[0]
    assert _provenance(changed)["request"] == {
        "method": "POST",
        "url": "Provenance",
        "ifNoneExist": f"_tag={TAG_SYSTEM}|{code}",
    }


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_entered_in_error_retracts_the_same_entries(path: Path) -> None:
    completed, retraction = extract(_load(path)), extract(_load(path, "entered-in-error"))
    assert _identities(retraction) == _identities(completed)
    assert retraction["entry"][0]["resource"]["status"] == "entered-in-error"
    for before, after in zip(completed["entry"][1:-1], retraction["entry"][1:-1], strict=True):
        kind = after["resource"]["resourceType"]
        element = STATUS_ELEMENT[kind]
        assert after["resource"][element] == "entered-in-error", kind
        # The narrative is made from the retracted resource, so it says so too.
        assert "foutief ingevoerd" in after["resource"]["text"]["div"], kind
        unchanged = {k: v for k, v in before["resource"].items() if k != "text"}
        assert {k: v for k, v in after["resource"].items() if k != "text"} == unchanged | {
            element: "entered-in-error"
        }
        assert after["request"] == before["request"]
    provenance = _provenance(retraction)["resource"]
    assert _activity(retraction) == [{"system": DATA_OPERATION, "code": "NULLIFY"}]
    assert provenance["entity"] == [
        {"role": "source", "what": {"reference": retraction["entry"][0]["fullUrl"]}}
    ]
    assert provenance["target"] == _provenance(completed)["resource"]["target"]
    get_fhir_model_class("Bundle").model_validate(retraction)
