"""What a run reads from each Questionnaire item, gathered once per Questionnaire version
(:data:`plan_of`, kept per ``url|version`` and object): its templateExtracts, allocated ids,
variables, definitionExtracts and whether observation extraction applies (inherited from its
ancestors), so a run walks the response without searching extension lists again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from fhir_werk.extraction.sdc._definition import starts
from fhir_werk.extraction.sdc._observation import category, inherited
from fhir_werk.extraction.sdc._urls import TEMPLATE_EXTRACT
from fhir_werk.extraction.sdc._variables import allocated_names, variables
from fhir_werk.shared import PerQuestionnaire, Resource


@dataclass(frozen=True)
class ItemPlan:
    """One Questionnaire item as a run reads it."""

    q_item: Resource
    link_id: Any
    templates: tuple[Resource, ...]
    allocated: tuple[str, ...]
    variables: tuple[tuple[str, str, str], ...]
    definitions: bool
    observed: bool
    category: list[Any]
    children: tuple[ItemPlan, ...]
    templated: bool
    """A templateExtract on this item or below it (else a run that only fills templates skips it)."""
    busy: bool
    """Anything to extract on this item or below it (else a run skips it)."""


def _templates(element: Resource) -> tuple[Resource, ...]:
    return tuple(
        e for e in element.get("extension", ()) if isinstance(e, dict) and e.get("url") == TEMPLATE_EXTRACT
    )


def _items(items: list[Any], observed: bool, categories: list[Any]) -> tuple[ItemPlan, ...]:
    plans = []
    for q_item in items:
        here, kinds = inherited(q_item, observed), category(q_item, categories)
        templates, definitions = _templates(q_item), bool(starts(q_item))
        children = _items(q_item.get("item", []), here, kinds)
        templated = bool(templates) or any(c.templated for c in children)
        plans.append(
            ItemPlan(
                q_item=q_item,
                link_id=q_item.get("linkId"),
                templates=templates,
                allocated=tuple(allocated_names(q_item)),
                variables=tuple(variables(q_item)),
                definitions=definitions,
                observed=here,
                category=kinds,
                children=children,
                templated=templated,
                busy=templated or definitions or here or any(c.busy for c in children),
            )
        )
    return tuple(plans)


@dataclass(frozen=True)
class Plan:
    """The Questionnaire as a run reads it: its own templates and the items'."""

    templates: tuple[Resource, ...]
    items: tuple[ItemPlan, ...]


def _build(questionnaire: Resource) -> Plan:
    observed, categories = inherited(questionnaire, False), category(questionnaire, [])
    return Plan(_templates(questionnaire), _items(questionnaire.get("item", []), observed, categories))


plan_of: Final = PerQuestionnaire(_build)
"""The :class:`Plan` of a Questionnaire, made once per ``url|version`` and object."""
