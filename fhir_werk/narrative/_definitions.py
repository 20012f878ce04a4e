"""Narratives of what fhir-werk publishes: Questionnaires, CodeSystems, ValueSets and
StructureDefinitions, each saying what it is, its version and status, and what it holds."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fhir_werk.narrative._dutch import status
from fhir_werk.narrative._xhtml import bullets, heading, line, paragraph, table, text

Resource = Mapping[str, Any]


def _title(resource: Resource) -> str:
    return str(
        resource.get("title") or resource.get("name") or resource.get("id") or resource["resourceType"]
    )


def _about(resource: Resource) -> list[str]:
    version = resource.get("version")
    state = status("publication", resource.get("status"))
    return [
        line("Versie", f"{version} ({state})" if version else state),
        line("Canonieke URL", resource.get("url")),
        line("Uitgever", resource.get("publisher")),
    ]


def _questions(items: Iterable[Resource]) -> int:
    return sum(
        (item.get("type") not in ("group", "display")) + _questions(item.get("item", [])) for item in items
    )


def questionnaire(resource: Resource) -> list[str]:
    questions = _questions(resource.get("item", []))
    return [
        heading(f"Vragenlijst: {_title(resource)}"),
        *_about(resource),
        paragraph(resource.get("description")),
        line("Aantal vragen", questions or ""),
        line("Auteursrecht", resource.get("copyright")),
    ]


def _concepts(concepts: Iterable[Resource]) -> Iterable[tuple[str, str, str]]:
    for concept in concepts:
        yield (
            str(concept.get("code", "")),
            str(concept.get("display", "")),
            str(concept.get("definition", "")),
        )
        yield from _concepts(concept.get("concept", []))


def _concept_table(rows: list[tuple[str, str, str]]) -> str:
    """Code and meaning, with a column for the explanation only when a concept has one."""
    if any(row[2] for row in rows):
        return table(("Code", "Betekenis", "Uitleg"), rows)
    return table(("Code", "Betekenis"), [row[:2] for row in rows])


def code_system(resource: Resource) -> list[str]:
    return [
        heading(f"Codelijst: {_title(resource)}"),
        *_about(resource),
        paragraph(resource.get("description")),
        _concept_table(list(_concepts(resource.get("concept", [])))),
    ]


def _include(include: Resource) -> str:
    system = include.get("system") or ", ".join(include.get("valueSet", []))
    codes = [
        f"{c.get('code')} ({c['display']})" if c.get("display") else str(c.get("code"))
        for c in include.get("concept", [])
    ]
    return text(f"uit {system}: " + ", ".join(codes) if codes else f"alle codes uit {system}")


def value_set(resource: Resource) -> list[str]:
    compose = resource.get("compose", {})
    return [
        heading(f"Waardelijst: {_title(resource)}"),
        *_about(resource),
        paragraph(resource.get("description")),
        paragraph("Bevat:") + bullets(_include(i) for i in compose.get("include", [])),
        (paragraph("Zonder:") + bullets(_include(i) for i in compose["exclude"]))
        if compose.get("exclude")
        else "",
    ]


def structure_definition(resource: Resource) -> list[str]:
    kind = "Extensie" if resource.get("type") == "Extension" else f"Profiel op {resource.get('type')}"
    return [
        heading(f"{kind}: {_title(resource)}"),
        *_about(resource),
        paragraph(resource.get("description")),
    ]


def other(resource: Resource) -> list[str]:
    """Any other resource: what it is, by type and id."""
    return [heading(f"{resource.get('resourceType')} {resource.get('id', '')}".strip())]
