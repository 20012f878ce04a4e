"""The published FHIR artifacts (Questionnaires, CodeSystems, ValueSets), looked up by canonical.

The JSON files in ``questionnaires/fhir/`` are installed as package data of
``fhir_werk.questionnaires``; this module reads them once and answers the questions the later
stages ask: which Questionnaire does a response name, which codes does a ValueSet hold.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from fhir_werk.shared import NotFoundError, Resource, not_found

Code = tuple[str, str]
"""A coded answer as (system, code)."""


@dataclass(frozen=True)
class Artifacts:
    """A set of conformance resources, indexed by canonical URL (with and without ``|version``)."""

    resources: tuple[Resource, ...]
    _by_url: dict[str, Resource] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, Resource] = {}
        for resource in self.resources:
            url = resource.get("url")
            if not url:
                continue
            index.setdefault(url, resource)
            if resource.get("version"):
                index[f"{url}|{resource['version']}"] = resource
        object.__setattr__(self, "_by_url", index)

    def get(self, canonical: str) -> Resource | None:
        """The resource with this canonical URL (``url`` or ``url|version``), or None."""
        return self._by_url.get(canonical)

    def questionnaire(self, canonical: str) -> Resource:
        """The Questionnaire named by ``canonical``; raises NotFoundError with an outcome if unknown."""
        found = self.get(canonical)
        if found is None or found.get("resourceType") != "Questionnaire":
            raise NotFoundError(
                not_found(
                    f"Vragenlijst '{canonical}' is onbekend.",
                    f"Questionnaire '{canonical}' is unknown.",
                    "QuestionnaireResponse.questionnaire",
                )
            )
        return found

    def of_type(self, resource_type: str) -> list[Resource]:
        """All resources of one type, in file order."""
        return [r for r in self.resources if r.get("resourceType") == resource_type]

    def value_set_codes(self, canonical: str) -> frozenset[Code] | None:
        """The (system, code) pairs a ValueSet holds, expanded from our CodeSystems; None if unknown.

        Only the compose forms our ValueSets use are expanded: whole CodeSystems and
        enumerated concepts. That is all fhir-werk publishes, so no terminology server is needed.
        """
        return _expand(self, canonical)


def _concepts(concepts: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    for concept in concepts:
        yield concept
        yield from _concepts(concept.get("concept", []))


def _expand(artifacts: Artifacts, canonical: str) -> frozenset[Code] | None:
    vs = artifacts.get(canonical)
    if vs is None or vs.get("resourceType") != "ValueSet":
        return None
    codes: set[Code] = set()
    for include in vs.get("compose", {}).get("include", []):
        system = include.get("system")
        if not system:
            continue
        if include.get("concept"):
            codes.update((system, c["code"]) for c in include["concept"])
            continue
        cs = artifacts.get(system)
        if cs is None:
            return None
        codes.update((system, c["code"]) for c in _concepts(cs.get("concept", [])))
    return frozenset(codes)


def load_dir(directory: Path) -> Artifacts:
    """Read every ``*.json`` resource in a folder (sorted by name) into an Artifacts set."""
    resources = tuple(json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json")))
    return Artifacts(resources)


@cache
def published() -> Artifacts:
    """The artifacts fhir-werk publishes, read once from the installed package data."""
    root = files("fhir_werk.questionnaires").joinpath("fhir")
    resources = tuple(
        json.loads(entry.read_text(encoding="utf-8"))
        for entry in sorted(root.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".json")
    )
    return Artifacts(resources)
