"""Differential test: the compiled FHIRPath subset gives byte-identical bundles to fhirpathpy.

``extract_with(..., fast=False)`` evaluates every template expression with fhirpathpy (the
reference); the default is the engine's fast path (``sdc._fastpath``). Both must give
the same bytes, key order included, on every shipped example, every renderer fixture, the
benchmark responses and generated responses (with and without primitive extensions).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fhirpathpy import evaluate
from fhirpathpy.models import models
from hypothesis import HealthCheck, given, settings
from test_extract_primitives import _stripped, extended_responses  # type: ignore[import-not-found]
from test_extract_properties import responses  # type: ignore[import-not-found]

from fhir_werk.extraction._extract import extract_with
from fhir_werk.extraction.sdc._fastpath import OutsideSubsetError, ResponseIndex, Scope, compile_subset
from fhir_werk.extraction.sdc._fhirpath import evaluate as engine_evaluate
from fhir_werk.extraction.sdc._fhirpath import to_json
from fhir_werk.shared import TEMPLATE_EXTRACT_CONTEXT, TEMPLATE_EXTRACT_VALUE, InvalidInputError

from published import dicts, questionnaires

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted(
    [
        *(ROOT / "questionnaires" / "voorbeelden").glob("QuestionnaireResponse-*.json"),
        *(ROOT / "tests" / "fixtures" / "renderers").glob("*.json"),
        *(ROOT / "bench" / "fixtures").glob("*.json"),
    ]
)
REVIEW_PREFIXES = (
    "iif(item.where(linkId='terugblik-",
    "iif(code = ",
    "item.where(linkId='terugblik-doel-stand')",
    "where(item.where(linkId='terugblik-doel-schaal')",
)
"""The follow-up's review (iif chains, ``!=``) runs on fhirpathpy too: only follow-up responses
have review items, so a first conversation never evaluates them."""

MODEL = models["r4"]
Resource = dict[str, Any]


def _bytes(response: Resource, *, fast: bool) -> str:
    try:
        bundle = extract_with(copy.deepcopy(response), fast=fast)
    except InvalidInputError as exc:
        return "invalid: " + json.dumps(exc.outcome, ensure_ascii=False)
    return json.dumps(bundle, ensure_ascii=False)


def _same(response: Resource) -> None:
    """The same bytes, for the response without primitive extensions (``_x`` siblings): on them
    the engine's fhirpathpy reference is no reference (fhirpathpy 2 reads a ``_x`` sibling as a
    second value and ``join`` fails on it); the fast path's view of the data keeps them out of the
    way, and test_extract_primitives checks that they land where they belong."""
    plain = _stripped(response)
    assert _bytes(plain, fast=True) == _bytes(plain, fast=False)


def test_the_fixtures_are_there() -> None:
    names = {p.parent.name for p in FILES}
    assert names == {"voorbeelden", "renderers", "fixtures"}
    assert len(FILES) >= 5 + 5 + 7


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fast_and_fhirpathpy_give_the_same_bytes(path: Path) -> None:
    _same(json.loads(path.read_text(encoding="utf-8")))


def test_identical_repetitions_count_once_as_in_fhirpathpy_repeat() -> None:
    # repeat() drops an item equal in content to one it already reached; so does the index.
    response = json.loads((ROOT / "bench" / "fixtures" / "full.json").read_text(encoding="utf-8"))
    stap_4 = next(i for i in response["item"] if i["linkId"] == "stap-4")
    first = next(i for i in stap_4["item"] if i["linkId"] == "afspraak")
    stap_4["item"].insert(stap_4["item"].index(first) + 1, copy.deepcopy(first))
    _same(response)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(responses())
def test_generated_responses_give_the_same_bytes(response: Resource) -> None:
    _same(response)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extended_responses())
def test_responses_with_primitive_extensions_give_the_same_bytes(pair: tuple[Resource, Resource]) -> None:
    _same(pair[1])


def _template_expressions() -> set[str]:
    urls = {TEMPLATE_EXTRACT_CONTEXT, TEMPLATE_EXTRACT_VALUE}
    return {str(d["valueString"]) for q in questionnaires() for d in dicts(q) if d.get("url") in urls}


def test_every_template_expression_of_a_first_conversation_is_compiled() -> None:
    expressions = _template_expressions()
    assert "iif(answer.value + 1 > 10, 10, answer.value + 1)" in expressions
    assert "%resource.authored.toString().substring(0, 10)" in expressions
    outside = {e for e in expressions if compile_subset(e) is None}
    assert {e for e in outside if not e.startswith(REVIEW_PREFIXES)} == set()
    assert all("terugblik" in e or e.startswith("iif(code = ") for e in outside)


def _answered(*answers: Resource) -> Resource:
    return {"linkId": "x", "answer": list(answers)}


@pytest.mark.parametrize(
    ("expression", "focus"),
    [
        ("iif(answer.value + 1 > 10, 10, answer.value + 1)", _answered({"valueInteger": 9})),
        ("iif(answer.value + 1 > 10, 10, answer.value + 1)", _answered({"valueInteger": 10})),
        ("iif(answer.value + 1 > 10, 10, answer.value + 1)", _answered({"valueInteger": -3})),
        ("iif(answer.value + 1 > 10, 10, answer.value + 1)", _answered()),
        ("iif(answer.value >= 3, 'hoog')", _answered({"valueInteger": 2})),
        ("iif(answer.value <= 3, 'laag', 'hoog')", _answered({"valueInteger": 3})),
        ("iif(answer.value < 3, 'laag', 'hoog')", _answered({"valueInteger": 3})),
        ("answer.value.toString().substring(0, 3)", _answered({"valueString": "werkgever"})),
        ("answer.value.substring(4)", _answered({"valueString": "werkgever"})),
        ("answer.value.substring(20, 2)", _answered({"valueString": "werkgever"})),
        ("answer.value.toString()", _answered()),
    ],
)
def test_iif_comparisons_and_substring_agree_with_fhirpathpy(expression: str, focus: Resource) -> None:
    function = compile_subset(expression)
    assert function is not None
    # The reference as the engine runs fhirpathpy (the item typed, so value is value[x]).
    reference = [to_json(v) for v in engine_evaluate(expression, focus, {})]
    assert function(focus, Scope(focus)) == reference


@pytest.mark.parametrize(
    ("expression", "focus"),
    [
        # fhirpathpy's decimal arithmetic, a Boolean that is no number, two answers: not ours.
        ("iif(answer.value + 1 > 10, 10, answer.value + 1)", _answered({"valueDecimal": 2.5})),
        ("answer.value + 1", _answered({"valueBoolean": True})),
        ("answer.value > 1", _answered({"valueInteger": 1}, {"valueInteger": 2})),
        ("iif(answer.value, 'ja')", _answered({"valueString": "ja"})),
        ("answer.value.toString()", _answered({"valueInteger": 3})),
        ("answer.value.substring(1)", _answered({"valueString": "a"}, {"valueString": "b"})),
    ],
)
def test_data_outside_the_new_functions_is_handed_back(expression: str, focus: Resource) -> None:
    function = compile_subset(expression)
    assert function is not None
    with pytest.raises(OutsideSubsetError):
        function(focus, Scope(focus))


@pytest.mark.parametrize(
    "expression",
    ["item.value", "%resource.item.count()", "answer.value = 1", "'a\\'b'", "item.where(linkId != 'x')", ""],
)
def test_outside_the_subset_is_not_compiled(expression: str) -> None:
    assert compile_subset(expression) is None


def test_data_outside_the_subset_is_handed_back() -> None:
    join = compile_subset("item.answer.value.join(', ')")
    assert join is not None
    item = {"linkId": "a", "item": [{"linkId": "b", "answer": [{"valueInteger": 1}]}]}
    with pytest.raises(OutsideSubsetError):
        join(item, Scope(item))


def test_the_index_follows_item_not_answer_item_breadth_first() -> None:
    response = {
        "resourceType": "QuestionnaireResponse",
        "item": [
            {"linkId": "g", "item": [{"linkId": "x", "answer": [{"valueString": "deep"}]}]},
            {"linkId": "x", "answer": [{"valueString": "top", "item": [{"linkId": "x"}]}]},
        ],
    }
    assert [i["answer"][0]["valueString"] for i in ResponseIndex(response).items("x")] == ["top", "deep"]


def test_the_index_drops_what_repeat_drops() -> None:
    # Equal siblings both stay; an equal item under another parent is left out (fhirpathpy 2).
    x: Resource = {"linkId": "x", "answer": [{"valueString": "v"}]}
    response = {
        "resourceType": "QuestionnaireResponse",
        "item": [
            {"linkId": "g", "item": [copy.deepcopy(x)]},
            copy.deepcopy(x),
            copy.deepcopy(x),
            {"linkId": "g2", "item": [{"linkId": "h", "item": [copy.deepcopy(x), {"linkId": "x"}]}]},
        ],
    }
    function = compile_subset("%resource.repeat(item).where(linkId='x')")
    assert function is not None
    fast = function(response, Scope(response))
    reference = evaluate(response, "%resource.repeat(item).where(linkId='x')", {"resource": response}, MODEL)
    assert fast == reference
    assert len(fast) == 3


def test_a_questionnaire_with_a_malformed_url_is_compiled_fresh_not_cached() -> None:
    from fhir_werk.extraction._form import compiled_form

    odd = {"resourceType": "Questionnaire", "url": ["niet", "een", "string"], "version": {"x": 1}, "item": []}
    assert compiled_form(odd).questionnaire is odd
