"""What the Werk layer reads from a Questionnaire, gathered once per Questionnaire version.

Which items are observation-extracted, the Observation category and each linkId's position (for
the entry order); the templates are the generic engine's (:mod:`fhir_werk.extraction.sdc`).
:func:`compiled_form` keeps the last few by ``url|version``, for the very object it was given:
another object under the same version (a test that changes a copy) is built anew. A
Questionnaire is not to be changed in place once it has been extracted with.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from fhir_werk.shared import (
    OBSERVATION_CATEGORY,
    OBSERVATION_EXTRACT,
    PerQuestionnaire,
    Resource,
)

_KEPT: Final = 16


@dataclass(frozen=True)
class Form:
    """A Questionnaire as extraction reads it."""

    questionnaire: Resource
    flagged: dict[str, Resource]
    """linkId → the item definition, for items with observationExtract true."""
    category: list[Any]
    positions: dict[str, int]


def _ext(element: Resource, url: str) -> list[Resource]:
    return [e for e in element.get("extension", []) if e.get("url") == url]


def q_items(items: list[Resource]) -> Iterator[Resource]:
    """Every item of a Questionnaire, depth first."""
    for item in items:
        yield item
        yield from q_items(item.get("item", []))


def _build(questionnaire: Resource) -> Form:
    items = list(q_items(questionnaire.get("item", [])))
    return Form(
        questionnaire=questionnaire,
        flagged={
            i["linkId"]: i for i in items if any(e.get("valueBoolean") for e in _ext(i, OBSERVATION_EXTRACT))
        },
        category=[e["valueCodeableConcept"] for e in _ext(questionnaire, OBSERVATION_CATEGORY)],
        positions={item["linkId"]: n for n, item in enumerate(items)},
    )


compiled_form: Final = PerQuestionnaire(_build, kept=_KEPT)
"""The :class:`Form` of a Questionnaire, made once per ``url|version`` and object."""
