"""The theme Questionnaires (usable alone and as SDC modules) and the modular root leidraad."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fhir_werk.authoring import _templates
from fhir_werk.authoring._fhir import text_pair
from fhir_werk.authoring._items import CodeLists, ItemBuilder, situation_items
from fhir_werk.authoring._metadata import metadata
from fhir_werk.authoring._source import SourceItem, SourceQuestionnaire, SourceVariable
from fhir_werk.authoring._template_parts import template_extract
from fhir_werk.shared import (
    ASSEMBLE_EXPECTATION,
    INITIAL_EXPRESSION,
    LAUNCH_CONTEXT,
    OBSERVATION_CATEGORY,
    SUB_QUESTIONNAIRE,
    VARIABLE,
    VERSION,
    canonical,
    translated,
)

LAUNCH_CONTEXT_SYSTEM = "http://hl7.org/fhir/uv/sdc/CodeSystem/launchContext"

_SURVEY = {
    "url": OBSERVATION_CATEGORY,
    "valueCodeableConcept": {
        "coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "survey"}]
    },
}


def _walk(items: Iterable[SourceItem]) -> Iterable[SourceItem]:
    for item in items:
        yield item
        yield from _walk(item.items)


def _value_sets(sources: Iterable[SourceQuestionnaire]) -> dict[str, str]:
    found = {"situatie": "werksituatie"}
    for source in sources:
        found |= {i.key: i.value_set for i in _walk(source.items) if i.value_set and (i.link_id or i.group)}
    return found


class _Templates:
    """Collects the contained templates a Questionnaire needs and marks the items that use them."""

    def __init__(self) -> None:
        self.contained: dict[str, dict[str, Any]] = {}

    def attach(self, item: dict[str, Any], template: dict[str, Any]) -> None:
        self.contained.setdefault(template["id"], template)
        item.setdefault("extension", []).append(template_extract(template["id"]))


def _scale_codes(sources: Iterable[SourceQuestionnaire]) -> dict[str, str]:
    return {i.key: i.code for s in sources for i in _walk(s.items) if i.kind == "scale" and i.code}


def _prefilled(situation: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """In the leidraad, the situation is filled in from the last conversation (SDC $populate)."""
    for item in situation:
        answer = f"%vorige.entry.resource.item.where(linkId = '{item['linkId']}').answer.value"
        expression = {"language": "text/fhirpath", "expression": answer}
        item.setdefault("extension", []).append({"url": INITIAL_EXPRESSION, "valueExpression": expression})
    return situation


def _launch(variables: Iterable[SourceVariable]) -> list[dict[str, Any]]:
    """The launch context (the patient) and the x-fhir-query variables ``$populate`` runs."""
    context = {
        "url": LAUNCH_CONTEXT,
        "extension": [
            {"url": "name", "valueCoding": {"system": LAUNCH_CONTEXT_SYSTEM, "code": "patient"}},
            {"url": "type", "valueCode": "Patient"},
        ],
    }
    queries = [
        {
            "url": VARIABLE,
            "valueExpression": {
                "name": v.name,
                "language": "application/x-fhir-query",
                "expression": v.query,
                "description": v.description,
                "_description": translated(v.description, v.en),
            },
        }
        for v in variables
    ]
    return [context, *queries] if queries else []


class QuestionnaireFactory:
    """Turns the sources into Questionnaire resources with one shared ItemBuilder."""

    def __init__(
        self, codes: CodeLists, themes: list[SourceQuestionnaire], root: SourceQuestionnaire
    ) -> None:
        self.codes = codes
        self.themes = themes
        self.root = root
        self.builder = ItemBuilder(codes, _value_sets([*themes, root]))
        self.scales = _scale_codes(themes)

    def _items(self, sources: list[SourceItem], templates: _Templates) -> list[dict[str, Any]]:
        built = []
        for source in sources:
            item = self.builder.item(source)
            self._templates_for(source, item, templates)
            built.append(item)
        return built

    def _templates_for(self, source: SourceItem, item: dict[str, Any], templates: _Templates) -> None:
        """Attach extraction templates to the item and, recursively, to its children."""
        if source.extract or source.plus_one:
            code = self.scales.get(source.plus_one or "")
            display = self.codes.coding("schaal", code)["display"] if code else None
            templates.attach(
                item, _templates.for_item(source.extract or "", source.key, source.plus_one, code, display)
            )
        by_id = {child["linkId"]: child for child in item.get("item", [])}
        for child in source.items:
            if child.key in by_id:  # a follow-up item is not in the leidraad itself
                self._templates_for(child, by_id[child.key], templates)

    def _situation(self, templates: _Templates, *, standalone_only: bool) -> list[dict[str, Any]]:
        items = situation_items(self.builder, standalone_only=standalone_only)
        templates.attach(items[0], _templates.werksituatie())
        return items

    def theme(self, source: SourceQuestionnaire) -> dict[str, Any]:
        """A theme: complete on its own, and an SDC module the leidraad assembles."""
        templates = _Templates()
        group: dict[str, Any] = {
            "linkId": f"t{source.number}",
            "type": "group",
            **text_pair(
                f"Thema {source.number}: {source.title}", f"Theme {source.number}: {source.title_en}"
            ),
            "item": self._items(source.items, templates),
        }
        items = [*self._situation(templates, standalone_only=True), group]
        resource = metadata(
            "Questionnaire",
            source.id,
            source.name,
            (
                f"Arbeid als medicijn – thema {source.number}: {source.title}",
                f"Work as medicine – theme {source.number}: {source.title_en}",
            ),
        )
        return self._finish(resource, templates, items, "assemble-root-or-child")

    def leidraad(self, *, followup: bool = False) -> dict[str, Any]:
        """The whole leidraad: stap 1, the situation, the chosen themes as modules, stap 3 and 4.

        ``followup``: the follow-up conversation's Questionnaire (``vervolggesprek``): the same
        items, with the review of the earlier agreements and goals first and the SDC ``$populate``
        rules that fill it from the patient's record. A separate Questionnaire because a form
        filler runs those rules when it opens the form, and without a FHIR server and a launch
        patient some cannot (LHC-Forms 40 then fails to open it): the leidraad itself opens
        anywhere.
        """
        self.builder.followup = followup
        try:
            templates = _Templates()
            items: list[dict[str, Any]] = []
            for source in self.root.items:
                if source.followup and not followup:
                    continue
                if source.situation:
                    situation = self._situation(templates, standalone_only=False)
                    items += _prefilled(situation) if followup else situation
                elif source.themes:
                    items += [self._theme_slot(n) for n in source.themes]
                else:
                    items += self._items([source], templates)
        finally:
            self.builder.followup = False
        about = self.root.followup if followup else None
        resource = metadata(
            "Questionnaire",
            about.id if about else self.root.id,
            about.name if about else self.root.name,
            (about.title, about.title_en) if about else (self.root.title, self.root.title_en),
            (about.description, about.description_en)
            if about
            else (self.root.description or "", self.root.description_en or ""),
        )
        resource = self._finish(resource, templates, items, "assemble-root")
        if followup:
            resource["extension"] += _launch(self.root.variables)
        return resource

    def _theme_slot(self, number: int) -> dict[str, Any]:
        """A group shown when the patient chose the theme in stap 1; the module replaces its display item."""
        theme = next(t for t in self.themes if t.number == number)
        return {
            "linkId": f"keuze-thema-{number}",
            "type": "group",
            **self.builder.enable_when({"stap-1-themas": [f"thema-{number}"]}),
            "item": [
                {
                    "linkId": f"keuze-thema-{number}-module",
                    "type": "display",
                    **text_pair(f"Thema {number}: {theme.title}", f"Theme {number}: {theme.title_en}"),
                    "extension": [
                        {
                            "url": SUB_QUESTIONNAIRE,
                            "valueCanonical": f"{canonical('Questionnaire', theme.id)}|{VERSION}",
                        }
                    ],
                }
            ],
        }

    @staticmethod
    def _finish(
        resource: dict[str, Any], templates: _Templates, items: list[dict[str, Any]], expectation: str
    ) -> dict[str, Any]:
        head = {k: resource.pop(k) for k in ("resourceType", "id")}
        extensions = [{"url": ASSEMBLE_EXPECTATION, "valueCode": expectation}, _SURVEY]
        body: dict[str, Any] = {**head}
        if templates.contained:
            body["contained"] = list(templates.contained.values())
        body["extension"] = extensions
        body |= resource
        body["subjectType"] = ["Patient"]
        body["item"] = items
        return body
