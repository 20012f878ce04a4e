"""Cross-check: two independent SDC populators pre-fill the same follow-up from the same record.

Each shipped example person is extracted (the first conversation) and a follow-up is pre-filled
from that bundle twice: by fhir-werk (``fhir_werk.followup``) and by CSIRO's
``@aehrc/sdc-populate`` (Node), both reading the population rules that the published follow-up
Questionnaire declares (launchContext, x-fhir-query variables, itemPopulationContext,
initialExpression). Both see identical search results: fhir-werk's searches on the record are
recorded and handed to CSIRO's fetchResourceCallback, which answers from them only; CSIRO must
ask exactly the same queries. The pre-filled responses must be equal, except for the differences
listed in KNOWN below, each with its reason. Every listed difference must still occur, so the
list stays true when a tool changes.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest

from fhir_werk.extraction import extract
from fhir_werk.followup import BundleRecord, followup_questionnaire, populate
from fhir_werk.shared import ITEM_POPULATION_CONTEXT

from jstools import CsiroPopulateResult, csiro_populate, js_tools  # noqa: F401  (js_tools: session fixture)

pytestmark = [pytest.mark.node, pytest.mark.usefixtures("js_tools")]

ROOT: Final = Path(__file__).resolve().parents[1]
EXAMPLES: Final = sorted((ROOT / "questionnaires" / "voorbeelden").glob("QuestionnaireResponse-*.json"))
# The shipped follow-ups (a second conversation of an example person).
FOLLOW_UPS: Final = sorted(
    (ROOT / "questionnaires" / "voorbeelden" / "vervolg").glob("QuestionnaireResponse-*.json")
)
Resource = dict[str, Any]


# The assembled Questionnaire a follow-up is filled in with, population rules and all.
FORM: Final = followup_questionnaire()
AUTHORED: Final = "2027-03-01T10:00:00+01:00"
# The filler's own bookkeeping, not pre-fill: the response's id and meta (CSIRO: meta.source).
_IGNORED: Final = ("id", "meta")


def _walk(items: list[Resource]) -> Iterator[Resource]:
    for item in items:
        yield item
        yield from _walk(item.get("item", []))


# Definition order of every linkId: answers are compared in the Questionnaire's order (repetitions
# of one group keep their own order, the order of the search results).
_ORDER: Final = {item["linkId"]: n for n, item in enumerate(_walk(FORM["item"]))}


def _has(item: Resource, url: str) -> bool:
    return any(e.get("url") == url for e in item.get("extension", []))


# The groups populated per itemPopulationContext result, and the groups nested in them (none).
_CONTEXT_GROUPS: Final = frozenset(
    item["linkId"] for item in _walk(FORM["item"]) if _has(item, ITEM_POPULATION_CONTEXT)
)
_NESTED_IN_CONTEXT: Final = frozenset(
    child["linkId"]
    for item in _walk(FORM["item"])
    if _has(item, ITEM_POPULATION_CONTEXT)
    for child in item.get("item", [])
    if child["type"] == "group" and not _has(child, ITEM_POPULATION_CONTEXT)
)


class RecordingRecord:
    """A record that keeps every search it answered, to hand the same answers to CSIRO."""

    def __init__(self, record: BundleRecord) -> None:
        self.record = record
        self.searches: dict[str, Resource] = {}

    def search(self, query: str) -> Resource:
        self.searches[query] = self.record.search(query)
        return copy.deepcopy(self.searches[query])


def _items(items: list[Resource]) -> list[Resource]:
    """Items without the ``text`` CSIRO copies from the Questionnaire, in definition order."""
    kept = [{k: (_items(v) if k == "item" else v) for k, v in item.items() if k != "text"} for item in items]
    return sorted(kept, key=lambda item: _ORDER.get(item["linkId"], -1))


def _normalised(response: Resource | None) -> Resource:
    assert response is not None
    normal = {k: v for k, v in response.items() if k not in _IGNORED}
    if "item" in normal:
        normal["item"] = _items(normal["item"])
    return normal


def _map_items(response: Resource, change: Callable[[Resource], Resource | None]) -> Resource:
    """A copy with ``change`` applied to every item (None removes it), depth first."""

    def apply(items: list[Resource]) -> list[Resource]:
        done = []
        for item in items:
            item = {**item, "item": apply(item["item"])} if "item" in item else dict(item)
            changed = change(item)
            if changed is not None:
                done.append(changed)
        return done

    copied = copy.deepcopy(response)
    if "item" in copied:
        copied["item"] = apply(copied["item"])
    return copied


def _reference_as_value_reference(item: Resource) -> Resource:
    for answer in item.get("answer", []):
        if isinstance(answer.get("valueString"), dict):
            answer["valueReference"] = answer.pop("valueString")
    return item


def _subject_reference_only(response: Resource) -> Resource:
    return {**response, "subject": {"reference": response["subject"]["reference"]}}


def _without_authored(response: Resource) -> Resource:
    return {k: v for k, v in response.items() if k != "authored"}


@dataclass(frozen=True)
class Difference:
    """A known difference between fhir-werk and CSIRO, applied to both sides before comparing."""

    name: str
    reason: str
    ours: Callable[[Resource], Resource] = lambda r: r
    theirs: Callable[[Resource], Resource] = lambda r: r


KNOWN: Final = (
    Difference(
        "reference answer as valueString",
        "@aehrc/sdc-populate 4.7.1 writes the answer of a reference item (terugblik-gesprek) as "
        "valueString holding the Reference object, which FHIR does not allow; the Reference is the "
        "same. A defect of the tool: a reference item's answer is valueReference",
        theirs=lambda r: _map_items(r, _reference_as_value_reference),
    ),
    Difference(
        "subject type and display",
        "@aehrc/sdc-populate 4.7.1 adds subject.type and a subject.display made from Patient.name "
        "(the text 'null' for a launch Patient without a name); fhir-werk's launch context is the "
        "Patient's id, and the reference is the same",
        theirs=_subject_reference_only,
    ),
    Difference(
        "empty item list",
        '@aehrc/sdc-populate 4.7.1 writes "item": [] when nothing is pre-filled (a first '
        "conversation); FHIR JSON does not allow an empty array, fhir-werk leaves item out",
        theirs=lambda r: {k: v for k, v in r.items() if (k, v) != ("item", [])},
    ),
    Difference(
        "authored",
        "@aehrc/sdc-populate 4.7.1 leaves authored to the form filler; fhir-werk sets it to the "
        "time of the pre-fill (QuestionnaireResponse.authored is optional in SDC $populate)",
        ours=_without_authored,
    ),
)


@dataclass(frozen=True)
class Case:
    """One pre-fill: the patient and the bundles of the earlier conversations."""

    name: str
    patient: str
    bundles: list[Resource]


def _load(path: Path) -> Resource:
    data: Resource = json.loads(path.read_text(encoding="utf-8"))
    return data


def _patient(response: Resource) -> str:
    return str(response["subject"]["reference"]).rsplit("/", 1)[-1]


def _reviewed(bundle: Resource) -> Resource:
    """The bundle as after a follow-up: agreements done / not done, goals with their achievement,
    so the review's choice items (terugblik-afspraak-stand, terugblik-doel-stand) get answers."""
    bundle = copy.deepcopy(bundle)
    statuses = iter(["completed", "stopped", "in-progress", "cancelled"])
    achievements = iter(["achieved", "in-progress", "not-achieved"])
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "CarePlan":
            for activity in resource.get("activity", []):
                if "detail" in activity and "kind" not in activity["detail"]:
                    activity["detail"]["status"] = next(statuses)
        elif resource["resourceType"] == "Goal":
            code = next(achievements)
            system = "http://terminology.hl7.org/CodeSystem/goal-achievement"
            resource["achievementStatus"] = {"coding": [{"system": system, "code": code}]}
    return bundle


def _cases() -> list[Case]:
    cases = []
    for path in EXAMPLES:
        response = _load(path)
        cases.append(
            Case(path.stem.removeprefix("QuestionnaireResponse-"), _patient(response), [extract(response)])
        )
    for path in FOLLOW_UPS:
        # The conversation after the follow-up: the record holds both earlier conversations.
        response = _load(path)
        first = next(c for c in cases if c.patient == _patient(response))
        cases.append(
            Case(
                f"{path.stem.removeprefix('QuestionnaireResponse-')}-daarna",
                first.patient,
                [*first.bundles, extract(response)],
            )
        )
    sanne = next(c for c in cases if c.patient == "voorbeeld-sanne")
    cases.append(Case("sanne-na-terugblik", sanne.patient, [_reviewed(b) for b in sanne.bundles]))
    cases.append(Case("eerste-gesprek", "voorbeeld-nieuw", []))
    return cases


CASES: Final = _cases()


def _key(response: Resource) -> str:
    return json.dumps(response, sort_keys=True, ensure_ascii=False, indent=1)


def _prefill(case: Case) -> tuple[Resource, CsiroPopulateResult, dict[str, Resource]]:
    record = RecordingRecord(BundleRecord(case.bundles))
    ours = populate(FORM, record, patient=case.patient, authored=AUTHORED)
    theirs = csiro_populate(FORM, {"resourceType": "Patient", "id": case.patient}, record.searches)
    return ours, theirs, record.searches


@pytest.fixture(scope="module")
def prefilled() -> dict[str, tuple[Resource, CsiroPopulateResult, dict[str, Resource]]]:
    return {case.name: _prefill(case) for case in CASES}


def test_the_examples_have_a_record_to_review() -> None:
    assert EXAMPLES, "questionnaires/voorbeelden bevat geen voorbeelden"
    assert FOLLOW_UPS, "questionnaires/voorbeelden/vervolg bevat geen vervolggesprekken"
    # No group inside a populated repeat: @aehrc/sdc-populate 4.7.1 fills only the direct children
    # of a group with itemPopulationContext, so the score items of a goal are not grouped.
    assert frozenset() == _NESTED_IN_CONTEXT


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_csiro_asks_the_same_queries(
    case: Case, prefilled: dict[str, tuple[Resource, CsiroPopulateResult, dict[str, Resource]]]
) -> None:
    _, theirs, searches = prefilled[case.name]
    assert theirs["ok"], theirs["issues"]
    assert theirs["unanswered"] == []
    assert sorted(theirs["asked"]) == sorted(searches)


def test_csiro_prefills_the_same_answers(
    prefilled: dict[str, tuple[Resource, CsiroPopulateResult, dict[str, Resource]]],
) -> None:
    used: set[str] = set()
    for case in CASES:
        ours, theirs, _ = prefilled[case.name]
        a, b = _normalised(ours), _normalised(theirs["response"])
        for difference in KNOWN:
            changed = difference.ours(a), difference.theirs(b)
            if changed != (a, b):
                used.add(difference.name)
            a, b = changed
        assert _key(a) == _key(b), case.name
    assert used == {d.name for d in KNOWN}


def test_the_review_is_prefilled(
    prefilled: dict[str, tuple[Resource, CsiroPopulateResult, dict[str, Resource]]],
) -> None:
    """The comparison compares something: the reviewed case fills the status choices (a goal
    without a score from its achievementStatus), the first conversation nothing."""
    ours, theirs, _ = prefilled["sanne-na-terugblik"]
    for response in (ours, _normalised(theirs["response"])):
        stands = [
            (i["linkId"], i["answer"][0]["valueCoding"]["code"])
            for i in _walk(response["item"])
            if i["linkId"].endswith("-stand")
        ]
        assert [code for link_id, code in stands if link_id == "terugblik-afspraak-stand"] == [
            "gedaan",
            "niet-gelukt",
        ]
        assert "niet-bereikt" in [code for link_id, code in stands if link_id == "terugblik-doel-stand"]
    first, _, searches = prefilled["eerste-gesprek"]
    assert "item" not in first
    assert all(bundle.get("entry") == [] for bundle in searches.values())
