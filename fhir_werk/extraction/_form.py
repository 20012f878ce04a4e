"""What extraction reads from a Questionnaire, gathered once per Questionnaire version.

The templates compiled (:func:`~fhir_werk.extraction._template_engine.compile_template`), which
items carry which templates, which items are observation-extracted, the Observation category and
each linkId's position (for the entry order). :func:`compiled_form` keeps the last few by
``url|version``, for the very object it was given: another object under the same version (a test
that changes a template in a copy) is compiled anew. A Questionnaire is not to be changed in
place once it has been extracted with.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from fhir_werk.extraction._template_engine import CompiledTemplate, compile_template
from fhir_werk.shared import (
    OBSERVATION_CATEGORY,
    OBSERVATION_EXTRACT,
    TEMPLATE_EXTRACT,
    PerQuestionnaire,
    Resource,
)

_KEPT: Final = 16

Templates = tuple[tuple[str, CompiledTemplate], ...]
"""(name of the contained template, the template compiled), in the Questionnaire's order."""


@dataclass(frozen=True)
class Form:
    """A Questionnaire as extraction reads it."""

    questionnaire: Resource
    root_templates: Templates
    item_templates: dict[str, Templates]
    """linkId → the templates of that item (only items that have any)."""
    flagged: dict[str, Resource]
    """linkId → the item definition, for items with observationExtract true."""
    category: list[Any]
    positions: dict[str, int]


def _ext(element: Resource, url: str) -> list[Resource]:
    return [e for e in element.get("extension", []) if e.get("url") == url]


def _template_ref(extension: Resource) -> str:
    for sub in extension.get("extension", []):
        if sub.get("url") == "template":
            return str(sub["valueReference"]["reference"]).removeprefix("#")
    raise ValueError("templateExtract without template")


def q_items(items: list[Resource]) -> Iterator[Resource]:
    """Every item of a Questionnaire, depth first."""
    for item in items:
        yield item
        yield from q_items(item.get("item", []))


def _build(questionnaire: Resource) -> Form:
    contained = {r["id"]: r for r in questionnaire.get("contained", [])}
    compiled: dict[str, CompiledTemplate] = {}

    def templates(element: Resource) -> Templates:
        names = [_template_ref(e) for e in _ext(element, TEMPLATE_EXTRACT)]
        for name in names:
            if name not in compiled:
                compiled[name] = compile_template(contained[name])
        return tuple((name, compiled[name]) for name in names)

    items = list(q_items(questionnaire.get("item", [])))
    with_templates = {i["linkId"]: i for i in items if _ext(i, TEMPLATE_EXTRACT)}
    return Form(
        questionnaire=questionnaire,
        root_templates=templates(questionnaire),
        item_templates={link_id: templates(item) for link_id, item in with_templates.items()},
        flagged={
            i["linkId"]: i for i in items if any(e.get("valueBoolean") for e in _ext(i, OBSERVATION_EXTRACT))
        },
        category=[e["valueCodeableConcept"] for e in _ext(questionnaire, OBSERVATION_CATEGORY)],
        positions={item["linkId"]: n for n, item in enumerate(items)},
    )


compiled_form: Final = PerQuestionnaire(_build, kept=_KEPT)
"""The :class:`Form` of a Questionnaire, made once per ``url|version`` and object."""
