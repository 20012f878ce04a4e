"""Shared access to the published artifacts for the tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fhir_werk._artifacts import published


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
