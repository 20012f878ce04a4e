"""Shared access to the published artifacts for the tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fhir_werk.publishing._artifacts import published


def questionnaires() -> list[dict[str, Any]]:
    return published().of_type("Questionnaire")


def themes() -> list[dict[str, Any]]:
    return [q for q in questionnaires() if q["id"].startswith("thema-")]


def by_id(resource_id: str) -> dict[str, Any]:
    return next(r for r in published().resources if r["id"] == resource_id)


def walk(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield item
        yield from walk(item.get("item", []))


def dicts(value: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object inside a value, depth first (the value itself included)."""
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from dicts(child)
    elif isinstance(value, list):
        for child in value:
            yield from dicts(child)


def references(value: Any) -> list[str]:
    """Every ``reference`` string inside a value."""
    return [d["reference"] for d in dicts(value) if isinstance(d.get("reference"), str)]
