"""Identity follows meaning, not position: the slot of an extracted resource is its template and
the linkId path of its item, each step numbered among siblings with the same linkId."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fhir_werk.extraction import extract
from fhir_werk.extraction._extract import (
    _observation_resources,
    _template_resources,
    _walk,
    usable_questionnaire,
)
from fhir_werk.publishing import published
from fhir_werk.validation import resolve_questionnaire

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "questionnaires" / "voorbeelden").glob("QuestionnaireResponse-*.json"))
SYSTEM = "https://fhir-werk.nl/fhir/NamingSystem/extractie"
Resource = dict[str, Any]


def _load(path: Path) -> Resource:
    data: Resource = json.loads(path.read_text(encoding="utf-8"))
    return data


def _identities(bundle: Resource) -> set[tuple[str, str, str]]:
    """(resourceType, extraction identifier, fullUrl) of every extracted resource."""
    return {
        (r["resourceType"], i["value"], e["fullUrl"])
        for e in bundle["entry"][1:-1]
        for r in [e["resource"]]
        for i in r["identifier"]
        if i["system"] == SYSTEM
    }


def _extracted(bundle: Resource) -> list[Resource]:
    """The entries the response yields, without the response itself and its Provenance."""
    entries: list[Resource] = bundle["entry"][1:-1]
    return entries


def _groups_reversed(items: list[Resource]) -> list[Resource]:
    """Siblings in reverse order of their linkIds; repetitions of one linkId keep their order."""
    order: dict[str, list[Resource]] = {}
    for item in items:
        order.setdefault(item["linkId"], []).append(item)
    result = []
    for link_id in reversed(order):
        for item in order[link_id]:
            result.append(item | {"item": _groups_reversed(item["item"])} if "item" in item else item)
    return result


def _slots(response: Resource) -> list[tuple[str, str]]:
    form = usable_questionnaire(resolve_questionnaire(response, published()))
    found = _observation_resources(response, form) + _template_resources(response, form)
    return [(e.resource["resourceType"], e.slot) for e in found]


def test_the_slot_is_the_linkid_path_with_repetitions() -> None:
    slots = _slots(
        _load(ROOT / "questionnaires/voorbeelden/QuestionnaireResponse-mohamed-ziek-met-contract.json")
    )
    assert ("Goal", "tpl-behandeldoel@stap-3/behandeldoel") in slots
    assert ("Goal", "tpl-behandeldoel@stap-3/behandeldoel#2") in slots
    assert ("CarePlan", "tpl-careplan@stap-4") in slots
    assert ("Consent", "tpl-toestemming@stap-4/delen") in slots
    assert ("Observation", "observation@keuze-thema-1/t1/t1-schalen/t1-invloed-gezondheid") in slots
    assert not any("[" in slot for _, slot in slots)


def test_walk_numbers_repetitions_and_answers() -> None:
    items: list[Resource] = [
        {"linkId": "a", "item": [{"linkId": "b"}, {"linkId": "c"}, {"linkId": "b"}]},
        {"linkId": "a", "answer": [{"valueString": "x"}, {"valueString": "y", "item": [{"linkId": "d"}]}]},
    ]
    assert [slot for _, slot, _ in _walk(items, "", (), {})] == [
        "a",
        "a/b",
        "a/c",
        "a/b#2",
        "a#2",
        "a#2/answer#2/d",
    ]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_reordering_items_changes_no_identity_and_no_resource(path: Path) -> None:
    response = _load(path)
    expected = extract(response)
    top_reversed = response | {"item": list(reversed(response["item"]))}
    everywhere = response | {"item": _groups_reversed(response["item"])}
    for reordered in (top_reversed, everywhere):
        assert reordered != response
        bundle = extract(reordered)
        assert _identities(bundle) == _identities(expected)
        # Entries come by type and Questionnaire order, so even the order is the same.
        assert _extracted(bundle) == _extracted(expected)
        assert bundle["entry"][-1]["resource"]["target"] == expected["entry"][-1]["resource"]["target"]


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(EXAMPLES), st.randoms(use_true_random=False))
def test_any_order_of_the_top_level_items_gives_the_same_resources(path: Path, random: Any) -> None:
    response = _load(path)
    shuffled = copy.deepcopy(response)
    random.shuffle(shuffled["item"])
    assert _extracted(extract(shuffled)) == _extracted(extract(response))


def test_two_repetitions_of_one_item_get_distinct_identities() -> None:
    response = _load(ROOT / "questionnaires/voorbeelden/QuestionnaireResponse-mohamed-ziek-met-contract.json")
    goals = [e for e in _extracted(extract(response)) if e["resource"]["resourceType"] == "Goal"]
    texts = {e["resource"]["description"]["text"]: e["fullUrl"] for e in goals}
    assert len(set(texts.values())) == len(goals) == len(texts)
    stap_3 = next(i for i in response["item"] if i["linkId"] == "stap-3")
    repeated = [i for i in stap_3["item"] if i["linkId"] == "behandeldoel"]
    assert len(repeated) == 2
    # The same two goals, the other way round: each repetition number keeps its identity.
    stap_3["item"] = [i for i in stap_3["item"] if i["linkId"] != "behandeldoel"] + repeated[::-1]
    swapped = [e for e in _extracted(extract(response)) if e["resource"]["resourceType"] == "Goal"]
    assert {e["fullUrl"] for e in swapped} == {e["fullUrl"] for e in goals}
    assert {e["resource"]["description"]["text"]: e["fullUrl"] for e in swapped} != texts
