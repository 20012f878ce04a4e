"""Property tests: any response valid for the leidraad extracts to a bundle that parses, whose
references all resolve inside the bundle, and that is stable under re-extraction."""

from __future__ import annotations

import json
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fhir_werk.authoring._response_builder import build_response
from fhir_werk.extraction._extract import extract
from fhir_werk.shared._outcomes import has_errors
from fhir_werk.validation._enable_when import without_disabled
from fhir_werk.validation._validate import validate_response

from published import by_id, references, walk

FORM = by_id("leidraad-assembled")
QUESTIONS = [i for i in walk(FORM["item"]) if i["type"] not in ("group", "display")]
REPEATING_GROUPS = {i["linkId"]: i for i in walk(FORM["item"]) if i["type"] == "group" and i.get("repeats")}
IN_GROUPS = {c["linkId"] for g in REPEATING_GROUPS.values() for c in walk(g["item"])}
TEXT = st.text(alphabet="abcdefghij klmnopqrstuvwxyzé’.,?", min_size=1, max_size=40).filter(str.strip)
DATE = st.dates().map(lambda d: d.isoformat())


HEX_ID = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)


def _value(item: dict[str, Any]) -> st.SearchStrategy[Any]:
    kind = item["type"]
    if item["linkId"] == "terugblik-doel-id":
        return HEX_ID  # only identifiers fhir-werk made are carried (others are refused)
    if kind == "choice":
        codes = [o["valueCoding"]["code"] for o in item["answerOption"]]
        if item.get("repeats"):
            return st.lists(st.sampled_from(codes), min_size=1, max_size=3, unique=True)
        return st.sampled_from(codes)
    if kind == "integer":
        return st.integers(0, 10)
    if kind == "boolean":
        return st.booleans()
    if kind == "date":
        return DATE
    if kind == "reference":
        return st.lists(st.sampled_from(["QuestionnaireResponse/a", "QuestionnaireResponse/b"]), min_size=1)
    return TEXT


@st.composite
def responses(draw: st.DrawFn) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for item in QUESTIONS:
        if item["linkId"] in IN_GROUPS:
            continue
        if item.get("required") or draw(st.booleans()):
            answers[item["linkId"]] = draw(_value(item))
    for link_id, group in REPEATING_GROUPS.items():
        # Questions of non-repeating groups inside the repeating one are answered by the same mapping.
        children = [c for c in walk(group["item"]) if c["type"] not in ("display", "group")]
        answers[link_id] = draw(
            st.lists(st.fixed_dictionaries({c["linkId"]: _value(c) for c in children}), max_size=3)
        )
    response = build_response(
        FORM, answers, subject="Patient/eigenschap", authored="2026-11-20T12:00:00+01:00"
    )
    return _without_empty_groups(without_disabled(response, FORM))


def _without_empty_groups(response: dict[str, Any]) -> dict[str, Any]:
    """Leave out groups that hold nothing: FHIR JSON has no empty arrays (``"item": []``)."""

    def kept(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        result = []
        for item in items:
            if "item" in item:
                item = {k: v for k, v in item.items() if k != "item"} | (
                    {"item": children} if (children := kept(item["item"])) else {}
                )
            if "item" in item or "answer" in item:
                result.append(item)
        return result

    return {k: v for k, v in response.items() if k != "item"} | (
        {"item": i} if (i := kept(response["item"])) else {}
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(responses())
def test_any_valid_response_extracts_to_a_self_contained_stable_bundle(response: dict[str, Any]) -> None:
    assert not has_errors(validate_response(response, FORM))
    first = extract(response, FORM)
    again = extract(json.loads(json.dumps(response)), FORM)
    assert json.dumps(first, sort_keys=True) == json.dumps(again, sort_keys=True)
    get_fhir_model_class("Bundle").model_validate(first)
    urls = {e["fullUrl"] for e in first["entry"]}
    for reference in references(first):
        if reference.startswith("urn:uuid:"):
            assert reference in urls
    kinds = [e["resource"]["resourceType"] for e in first["entry"]]
    assert kinds[0] == "QuestionnaireResponse"
    assert kinds[-1] == "Provenance"
    assert kinds.count("CarePlan") == 1
