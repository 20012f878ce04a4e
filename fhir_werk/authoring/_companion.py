"""Companion Questionnaires: standalone forms beside the leidraad (``re-integratie``).

No theme modules and no extraction templates: what they ask is read by name (linkId) where it is
used, e.g. the legal clock of re-integration (:mod:`fhir_werk.reintegratie`).
"""

from __future__ import annotations

from typing import Any

from fhir_werk.authoring._items import CodeLists, ItemBuilder
from fhir_werk.authoring._metadata import metadata
from fhir_werk.authoring._source import SourceCompanion, SourceItem


def _value_sets(items: list[SourceItem]) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in items:
        if item.value_set:
            found[item.key] = item.value_set
        found |= _value_sets(item.items)
    return found


def companion(codes: CodeLists, source: SourceCompanion) -> dict[str, Any]:
    """The Questionnaire of a companion source."""
    builder = ItemBuilder(codes, _value_sets(source.items))
    resource = metadata(
        "Questionnaire",
        source.id,
        source.name,
        (source.title, source.title_en),
        (source.description or "", source.description_en or ""),
    )
    head = {k: resource.pop(k) for k in ("resourceType", "id")}
    return {**head, **resource, "subjectType": ["Patient"], "item": [builder.item(i) for i in source.items]}
