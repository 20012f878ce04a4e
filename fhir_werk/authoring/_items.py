"""Source items become Questionnaire items: texts with translations, answer options from the
code lists, enableWhen, 0–10 scales, help texts and hyperlinks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fhir_werk.authoring._fhir import coding, item_control, text_pair, xhtml
from fhir_werk.authoring._source import SourceCodes, SourceConcept, SourceItem
from fhir_werk.shared import (
    HIDDEN,
    INITIAL_EXPRESSION,
    ITEM_POPULATION_CONTEXT,
    MAX_VALUE,
    MIN_VALUE,
    OBSERVATION_EXTRACT,
    RENDERING_XHTML,
    SLIDER_STEP,
    STANDALONE_ONLY,
    code_system,
)

_ANCHORS = {
    "positief": (("0 = heel negatief", "0 = very negative"), ("10 = heel positief", "10 = very positive")),
    "invloed": (("0 = geen invloed", "0 = no influence"), ("10 = grote invloed", "10 = great influence")),
}
_PLAIN_TYPES = {"text", "string", "boolean", "integer", "date", "reference"}


@dataclass(frozen=True)
class CodeLists:
    """The code lists by id, and which code list each value set draws from."""

    concepts: Mapping[str, list[SourceConcept]]
    value_set_system: Mapping[str, str]
    value_set_codes: Mapping[str, list[str]]

    @classmethod
    def from_source(cls, codes: SourceCodes) -> CodeLists:
        """Index ``codes.yaml``; every code list is also a value set of all its codes."""
        concepts = {cs.id: cs.concepts for cs in codes.code_systems}
        systems = {cs.id: cs.id for cs in codes.code_systems} | {vs.id: vs.system for vs in codes.value_sets}
        members = {cs.id: [c.code for c in cs.concepts] for cs in codes.code_systems}
        members |= {vs.id: vs.codes for vs in codes.value_sets}
        return cls(concepts, systems, members)

    def coding(self, system_id: str, code: str) -> dict[str, Any]:
        """The Coding of one code, with its Dutch display and English translation."""
        for concept in self.concepts[system_id]:
            if concept.code == code:
                return coding(code_system(system_id), code, concept.display, concept.en)
        raise ValueError(f"code {code!r} is not in code list {system_id!r}")

    def options(self, value_set_id: str) -> list[dict[str, Any]]:
        """answerOption entries for a value set, inline so renderers need no terminology server."""
        system = self.value_set_system[value_set_id]
        return [{"valueCoding": self.coding(system, code)} for code in self.value_set_codes[value_set_id]]


class ItemBuilder:
    """Builds the FHIR items of one Questionnaire; knows which value set each question uses."""

    def __init__(self, codes: CodeLists, value_set_of: Mapping[str, str], *, followup: bool = False) -> None:
        self.codes = codes
        self.value_set_of = value_set_of
        self.followup = followup
        """Building the follow-up's Questionnaire: the review part and the population rules."""

    def enable_when(self, when: Mapping[str, str | list[str] | bool]) -> dict[str, Any]:
        """enableWhen conditions; several codes for one question mean 'any of them';
        ``exists`` / ``missing`` ask whether the question has an answer at all."""
        conditions: list[dict[str, Any]] = []
        for question, answer in when.items():
            if isinstance(answer, str):
                exists = {"question": question, "operator": "exists", "answerBoolean": answer == "exists"}
                conditions.append(exists)
                continue
            if isinstance(answer, bool):
                conditions.append({"question": question, "operator": "=", "answerBoolean": answer})
                continue
            system = self.codes.value_set_system[self.value_set_of[question]]
            for code in answer:
                coded = self.codes.coding(system, code)
                conditions.append(
                    {
                        "question": question,
                        "operator": "=",
                        "answerCoding": {k: coded[k] for k in ("system", "code")},
                    }
                )
        result: dict[str, Any] = {"enableWhen": conditions}
        if len(conditions) > 1:
            result["enableBehavior"] = "any"
        return result

    def item(self, source: SourceItem) -> dict[str, Any]:
        """One source item as a Questionnaire item (with its children)."""
        kind = source.kind
        item: dict[str, Any] = {"linkId": source.key}
        if source.text is not None:
            item |= text_pair(source.text, source.en or "")
        extensions: list[dict[str, Any]] = []
        children = [self.item(child) for child in source.items if self.followup or not child.followup]
        if kind in ("group", "display"):
            item["type"] = kind
        elif kind == "help":
            item["type"] = "display"
            extensions.append(item_control("help"))
        elif kind == "links":
            item["type"] = "display"
            item["_text"]["extension"].append(
                {"url": RENDERING_XHTML, "valueString": xhtml(source.text or "")}
            )
        elif kind == "choice":
            item["type"] = "choice"
            item["answerOption"] = self.codes.options(source.value_set or "")
        elif kind == "scale":
            item["type"] = "integer"
            item["code"] = [self.codes.coding("schaal", source.code or "")]
            extensions += [
                {"url": MIN_VALUE, "valueInteger": 0},
                {"url": MAX_VALUE, "valueInteger": 10},
                item_control("slider"),
                {"url": SLIDER_STEP, "valueInteger": 1},
                {"url": OBSERVATION_EXTRACT, "valueBoolean": True},
            ]
            children += self._anchors(source)
        elif kind in _PLAIN_TYPES:
            item["type"] = kind
        if source.control:
            extensions.append(item_control(source.control))
        if self.followup:
            extensions += _population(source)
        if source.when:
            item |= self.enable_when(source.when)
        if source.required:
            item["required"] = True
        if source.repeats:
            item["repeats"] = True
        if source.read_only:
            item["readOnly"] = True
        if extensions:
            item["extension"] = extensions
        if children:
            item["item"] = children
        return item

    def _anchors(self, source: SourceItem) -> list[dict[str, Any]]:
        (low, low_en), (high, high_en) = _ANCHORS[source.anchors or "positief"]
        return [
            {
                "linkId": f"{source.key}-laag",
                "type": "display",
                **text_pair(low, low_en),
                "extension": [item_control("lower")],
            },
            {
                "linkId": f"{source.key}-hoog",
                "type": "display",
                **text_pair(high, high_en),
                "extension": [item_control("upper")],
            },
        ]


def _fhirpath(expression: str, name: str | None = None) -> dict[str, Any]:
    value: dict[str, Any] = {"language": "text/fhirpath", "expression": expression}
    return {"name": name, **value} if name else value


def _population(source: SourceItem) -> list[dict[str, Any]]:
    """SDC ``$populate`` declarations: where a repeating group's repetitions come from, an
    item's initial value, and whether the item is shown at all."""
    found: list[dict[str, Any]] = []
    if source.context is not None:
        found.append(
            {
                "url": ITEM_POPULATION_CONTEXT,
                "valueExpression": _fhirpath(source.context.expression, source.context.name),
            }
        )
    if source.initial is not None:
        found.append({"url": INITIAL_EXPRESSION, "valueExpression": _fhirpath(source.initial)})
    if source.hidden:
        found.append({"url": HIDDEN, "valueBoolean": True})
    return found


SITUATION_TEXT = ("Wat is uw situatie? (maak een keuze)", "What is your situation? (make a choice)")
BENEFIT_TEXT = ("Welke uitkering hebt u?", "Which benefit do you receive?")


def situation_items(builder: ItemBuilder, *, standalone_only: bool) -> list[dict[str, Any]]:
    """The situation question a–d and the kind of benefit for d.

    A theme asks it when used on its own; in the whole leidraad it is asked once, and the
    theme's copy (marked ``alleen-zelfstandig``) is left out on assembly.
    """
    situation = SourceItem.model_validate(
        {
            "linkId": "situatie",
            "type": "choice",
            "valueSet": "werksituatie",
            "required": True,
            "control": "radio-button",
            "text": SITUATION_TEXT[0],
            "en": SITUATION_TEXT[1],
        }
    )
    benefit = SourceItem.model_validate(
        {
            "linkId": "situatie-uitkering",
            "type": "string",
            "when": {"situatie": ["uitkering"]},
            "text": BENEFIT_TEXT[0],
            "en": BENEFIT_TEXT[1],
        }
    )
    items = [builder.item(situation), builder.item(benefit)]
    items[0]["code"] = [
        {"system": "http://snomed.info/sct", "code": "364703007", "display": "Employment detail"},
    ]
    if standalone_only:
        for item in items:
            item.setdefault("extension", []).append({"url": STANDALONE_ONLY, "valueBoolean": True})
    return items
