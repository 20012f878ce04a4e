"""Observation-based extraction (SDC 4.0.0, https://build.fhir.org/ig/HL7/sdc/extraction.html#observation-extract):
one Observation per answer of an item with a code whose ``observationExtract`` is true (on the
item, inherited from the nearest ancestor or the Questionnaire root that says it).

Observation: basedOn and partOf as the response's, status final, category from the nearest
``observation-extract-category``, code from the item's codes (those flagged true on the code,
if any is), subject, encounter, effectiveDateTime and issued = authored, performer = author, the
answer's value (a Coding as a CodeableConcept, a date as a dateTime, a number with
``questionnaire-unit`` as a Quantity) and derivedFrom the response. Panels (a group with a code
over coded children: components or hasMember) are not extracted; that is a warning.
"""

from __future__ import annotations

from typing import Any, Final

from fhir_werk.extraction.sdc._json import json_copy
from fhir_werk.extraction.sdc._urls import OBSERVATION_CATEGORY, OBSERVATION_EXTRACT
from fhir_werk.shared import Resource, issue

UNIT: Final = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"
_AS_IS: Final = frozenset(
    {"valueString", "valueBoolean", "valueInteger", "valueDateTime", "valueTime", "valueQuantity"}
)


def _flag(element: Resource) -> bool | None:
    for extension in element.get("extension", ()):
        if isinstance(extension, dict) and extension.get("url") == OBSERVATION_EXTRACT:
            value = extension.get("valueBoolean")
            return bool(value) if value is not None else True
    return None


def inherited(element: Resource, parent: bool) -> bool:
    """Whether observation extraction applies to ``element``: its own flag, else its parent's."""
    own = _flag(element)
    return parent if own is None else own


def category(element: Resource, parent: list[Any]) -> list[Any]:
    found = [
        e["valueCodeableConcept"]
        for e in element.get("extension", ())
        if isinstance(e, dict) and e.get("url") == OBSERVATION_CATEGORY and "valueCodeableConcept" in e
    ]
    return found or parent


def _codes(item: Resource) -> list[Any]:
    codes = [c for c in item.get("code", ()) if isinstance(c, dict)]
    flagged = [c for c in codes if _flag(c)]
    chosen = flagged or [c for c in codes if _flag(c) is not False]
    return [{k: v for k, v in c.items() if k != "extension"} for c in chosen]


def _value(item: Resource, answer: Resource) -> tuple[str, Any] | None:
    key = next((k for k in answer if k.startswith("value")), None)
    if key is None:
        return None
    value = json_copy(answer[key])
    unit = next((e.get("valueCoding") for e in item.get("extension", ()) if e.get("url") == UNIT), None)
    if key in ("valueDecimal", "valueInteger") and isinstance(unit, dict):
        quantity = {"value": value, "unit": unit.get("display", unit.get("code"))}
        quantity |= {k: unit[k] for k in ("system", "code") if k in unit}
        return "valueQuantity", quantity
    if key == "valueDecimal":
        return "valueQuantity", {"value": value}
    if key == "valueCoding":
        return "valueCodeableConcept", {"coding": [value]}
    if key == "valueDate":
        return "valueDateTime", value
    if key in _AS_IS:
        return key, value
    return None


def observations(
    item: Resource, r_item: Resource, response: Resource, categories: list[Any], where: str
) -> tuple[list[Resource], list[Resource]]:
    """The Observations of one response item, and the issues (a value Observation cannot hold)."""
    codes = _codes(item)
    issues: list[Resource] = []
    if not codes:
        return [], issues
    if item.get("type") == "group":
        issues.append(
            issue(
                "warning",
                "not-supported",
                "Een groep met een code (panel: component of hasMember) wordt niet als Observation "
                "geëxtraheerd.",
                "A group with a code (a panel: component or hasMember) is not extracted as an Observation.",
                where,
            )
        )
        return [], issues
    found = []
    for answer in r_item.get("answer", ()):
        value = _value(item, answer) if isinstance(answer, dict) else None
        if value is None:
            if isinstance(answer, dict) and any(k.startswith("value") for k in answer):
                issues.append(
                    issue(
                        "warning",
                        "not-supported",
                        "Dit soort antwoord past niet in Observation.value; het is niet geëxtraheerd.",
                        "This kind of answer does not fit Observation.value; it was not extracted.",
                        where,
                    )
                )
            continue
        found.append(_observation(response, categories, codes, value))
    return found, issues


def _observation(
    response: Resource, categories: list[Any], codes: list[Any], value: tuple[str, Any]
) -> Resource:
    observation: Resource = {"resourceType": "Observation"}
    for name in ("basedOn", "partOf"):
        if response.get(name):
            observation[name] = json_copy(response[name])
    observation["status"] = "final"
    if categories:
        observation["category"] = json_copy(categories)
    observation["code"] = {"coding": json_copy(codes)}
    for name in ("subject", "encounter"):
        if response.get(name):
            observation[name] = json_copy(response[name])
    if response.get("authored"):
        observation["effectiveDateTime"] = response["authored"]
        observation["issued"] = response["authored"]
    if response.get("author"):
        observation["performer"] = [json_copy(response["author"])]
    observation[value[0]] = value[1]
    if response.get("id"):
        observation["derivedFrom"] = [{"reference": f"QuestionnaireResponse/{response['id']}"}]
    return observation
