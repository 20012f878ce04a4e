"""Primitive extensions (``_x`` siblings, https://hl7.org/fhir/R4/json.html#primitive) in a response:
extraction reads the values as if they were not there, and keeps them where they belong."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fhir_werk.extraction import extract
from fhir_werk.extraction.sdc import template_resources
from fhir_werk.extraction.sdc._fastpath import PlainView, Tagged

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "questionnaires" / "voorbeelden").glob("QuestionnaireResponse-*.json"))
RENDERERS = ROOT / "tests" / "fixtures" / "renderers"
SMART_FORMS = sorted(RENDERERS.glob("smartforms-1.4.0-*.json"))
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
EN_OCCUPATIONAL = "Occupational physician (NL)"
Resource = dict[str, Any]


def _load(path: Path) -> Resource:
    data: Resource = json.loads(path.read_text(encoding="utf-8"))
    return data


def _stripped(value: Any) -> Any:
    """The value without any ``_x`` sibling, at any depth."""
    if isinstance(value, dict):
        return {k: _stripped(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [_stripped(v) for v in value]
    return value


def _comparable(bundle: Resource) -> Resource:
    """The bundle without primitive extensions and without the Provenance's version identity
    (its tag and fullUrl hold a digest of the response content, extensions included)."""
    plain: Resource = _stripped(bundle)
    provenance = plain["entry"][-1]
    assert provenance["resource"]["resourceType"] == "Provenance"
    provenance["fullUrl"] = provenance["resource"]["meta"]["tag"][0]["code"] = "version"
    provenance["request"]["ifNoneExist"] = "version"
    return plain


def _by_type(bundle: Resource, kind: str) -> list[Resource]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


# Element names whose ``_x`` sibling FHIR JSON does not allow: resourceType and the string
# attributes Element.id and Extension.url.
_NOT_PRIMITIVE_ELEMENTS = {"resourceType", "id", "url"}


def _primitive_spots(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every object key that holds a primitive (answers, texts, codings, dates ...), and
    to the text of an item without one (an extension alone is a legal primitive too)."""
    spots: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        if "linkId" in value and "text" not in value and "_text" not in value:
            spots.append((*path, "text"))
        for key, item in value.items():
            if key.startswith("_") or key in _NOT_PRIMITIVE_ELEMENTS:
                continue
            if isinstance(item, (str, int, bool)) and f"_{key}" not in value:
                spots.append((*path, key))
            else:
                spots += _primitive_spots(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            spots += _primitive_spots(item, (*path, index))
    return spots


EXTENSIONS = st.one_of(
    st.builds(
        lambda text: {
            "url": TRANSLATION,
            "extension": [{"url": "lang", "valueCode": "en"}, {"url": "content", "valueString": text}],
        },
        st.text("abcdefgh ", min_size=1, max_size=12).filter(str.strip),
    ),
    st.builds(
        lambda text: {"url": "http://example.org/ext", "valueString": text},
        st.text("xyz", min_size=1, max_size=5),
    ),
)
COMPANIONS = st.builds(
    lambda extensions, element_id: (
        {"id": element_id, "extension": extensions} if element_id else {"extension": extensions}
    ),
    st.lists(EXTENSIONS, min_size=1, max_size=2),
    st.one_of(st.none(), st.sampled_from(["p1", "p-2"])),
)


@st.composite
def extended_responses(draw: st.DrawFn) -> tuple[Resource, Resource]:
    """An example response, and the same with primitive extensions on random primitives."""
    original = _load(draw(st.sampled_from(EXAMPLES)))
    spots = _primitive_spots(original)
    chosen = draw(st.lists(st.sampled_from(spots), min_size=1, max_size=25, unique=True))
    extended = copy.deepcopy(original)
    for spot in chosen:
        parent = extended
        for step in spot[:-1]:
            parent = parent[step]
        parent[f"_{spot[-1]}"] = draw(COMPANIONS)
    return original, extended


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extended_responses())
def test_primitive_extensions_change_nothing_but_themselves(pair: tuple[Resource, Resource]) -> None:
    original, extended = pair
    plain, with_extensions = extract(original), extract(extended)
    assert _comparable(with_extensions) == _comparable(plain)
    # The response goes into the bundle exactly as it came, every extension in its place.
    assert with_extensions["entry"][0]["resource"] == extended


def test_every_primitive_kind_of_the_examples_is_a_spot() -> None:
    spots = {spot[-1] for path in EXAMPLES for spot in _primitive_spots(_load(path))}
    assert {"authored", "linkId", "text", "valueString", "valueInteger", "valueBoolean", "valueDate"} <= spots
    assert {"code", "display", "system", "reference"} <= spots


def _item(response: Resource, link_id: str) -> Resource:
    stack = list(response["item"])
    while stack:
        item = stack.pop(0)
        if item["linkId"] == link_id:
            found: Resource = item
            return found
        stack += item.get("item", [])
    raise KeyError(link_id)


def _with_translated_referral(response: Resource) -> Resource:
    """The answer to t6-verwijzing-naar with a ``_display`` and a ``_code`` extension."""
    coding = _item(response, "t6-verwijzing-naar")["answer"][0]["valueCoding"]
    coding["_display"] = {"extension": [{"url": "http://example.org/ext", "valueString": "d"}]}
    coding["_code"] = {"id": "c1"}
    return response


def test_a_coding_copied_from_an_answer_keeps_its_extensions() -> None:
    response = _with_translated_referral(_load(EXAMPLES[2]))
    (referral,) = _by_type(extract(response), "ServiceRequest")
    ours = [c for c in referral["code"]["coding"] if c["code"] == "bedrijfsarts"]
    assert ours == [
        {
            "system": "https://fhir-werk.nl/fhir/CodeSystem/verwijzing",
            "code": "bedrijfsarts",
            "display": "Bedrijfsarts",
            "_display": {"extension": [{"url": "http://example.org/ext", "valueString": "d"}]},
            "_code": {"id": "c1"},
        }
    ]


def test_an_observation_value_copied_from_an_answer_keeps_its_sibling() -> None:
    response = _load(EXAMPLES[4])
    companion = {"extension": [{"url": "http://example.org/ext", "valueString": "z"}]}
    scale = _item(response, "t1-invloed-gezondheid")
    scale["answer"][0]["_valueInteger"] = companion
    response["_authored"] = companion
    scores = {o["code"]["coding"][0]["code"]: o for o in _by_type(extract(response), "Observation")}
    score = scores["invloed-werk-op-gezondheid"]
    assert (score["valueInteger"], score["_valueInteger"]) == (scale["answer"][0]["valueInteger"], companion)
    assert score["_effectiveDateTime"] == companion
    assert "_valueInteger" not in scores["werk-draagt-bij-aan-herstel"]


def test_a_string_computed_from_the_data_carries_no_extension_but_a_copied_one_does() -> None:
    view = PlainView()
    item = {"linkId": "a", "answer": [{"valueString": "x", "_valueString": {"id": "s"}}]}
    seen = view.of(item)
    assert seen == {"linkId": "a", "answer": [{"valueString": "x"}]}
    assert isinstance(seen["answer"][0]["valueString"], Tagged)
    assert view.original(seen["answer"][0]) == item["answer"][0]
    expression = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-templateExtractValue"
    template = {
        "resourceType": "Goal",
        "id": "doel",
        "note": [
            {"_text": {"extension": [{"url": expression, "valueString": "answer.value"}]}},
            {"_text": {"extension": [{"url": expression, "valueString": "answer.value + '!'"}]}},
        ],
    }
    extract = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-templateExtract"
    questionnaire = {
        "resourceType": "Questionnaire",
        "contained": [template],
        "item": [
            {
                "linkId": "a",
                "type": "string",
                "extension": [
                    {
                        "url": extract,
                        "extension": [{"url": "template", "valueReference": {"reference": "#doel"}}],
                    }
                ],
            }
        ],
    }
    response = {"resourceType": "QuestionnaireResponse", "item": [item]}
    made, issues = template_resources(response, questionnaire)
    assert issues == []
    assert [m.resource["note"] for m in made] == [[{"text": "x", "_text": {"id": "s"}}, {"text": "x!"}]]


def test_the_smart_forms_fixtures_are_there() -> None:
    assert [p.name for p in SMART_FORMS] == [
        "smartforms-1.4.0-mohamed-ziek-met-contract-clicked.json",
        "smartforms-1.4.0-mohamed-ziek-met-contract.json",
        "smartforms-1.4.0-sanne-werkt-met-klachten.json",
    ]


@pytest.mark.parametrize("path", SMART_FORMS, ids=lambda p: p.stem)
def test_a_response_as_smart_forms_returns_it_extracts_like_the_example_it_came_from(path: Path) -> None:
    persona = path.stem.removeprefix("smartforms-1.4.0-").removesuffix("-clicked")
    example = extract(_load(ROOT / f"questionnaires/voorbeelden/QuestionnaireResponse-{persona}.json"))
    bundle = extract(_load(path))
    # Smart Forms adds item texts and (clicked) _display and another answer order in stap-1, none
    # of which the mapping uses: the extracted resources and their identities are the same.
    assert [e["resource"] for e in _comparable(bundle)["entry"][1:]] == [
        e["resource"] for e in _comparable(example)["entry"][1:]
    ]


def test_the_clicked_smart_forms_response_keeps_the_translation_of_the_bedrijfsarts() -> None:
    bundle = extract(_load(RENDERERS / "smartforms-1.4.0-mohamed-ziek-met-contract-clicked.json"))
    translation = {
        "extension": [
            {
                "url": TRANSLATION,
                "extension": [
                    {"url": "lang", "valueCode": "en"},
                    {"url": "content", "valueString": EN_OCCUPATIONAL},
                ],
            }
        ]
    }
    (referral,) = _by_type(bundle, "ServiceRequest")
    assert [c.get("_display") for c in referral["code"]["coding"]] == [None, translation]
    assert referral["code"]["coding"][0]["code"] == "306298002"
    (plan,) = _by_type(bundle, "CarePlan")
    details = [a["detail"] for a in plan["activity"] if "detail" in a and "performer" in a["detail"]]
    first, second = (d["performer"][0] for d in details[:2])
    assert first["display"] == "Bedrijfsarts"
    assert first["extension"][0]["valueCoding"] == {
        "system": "https://fhir-werk.nl/fhir/CodeSystem/actorrol",
        "code": "bedrijfsarts",
        "display": "Bedrijfsarts",
        "_display": translation,
    }
    assert details[0]["description"] == "Opbouwschema opstellen."
    assert "_display" not in second["extension"][0]["valueCoding"]
    assert second["display"] == "Werkgever of leidinggevende: Mevrouw Jansen"
