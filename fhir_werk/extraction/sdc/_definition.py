"""Definition-based extraction (SDC 4.0.0, https://build.fhir.org/ig/HL7/sdc/extraction.html#definition-extract).

``definitionExtract`` on the Questionnaire or an item starts a resource (one per occurrence of the
item); the items under it whose ``definition`` is ``{canonical}#{path}`` put their answers at that
path; a group with a definition starts a new element there per repetition, and the paths under
it fill that element. ``definitionExtractValue`` sets a fixed value or an expression's result at
a path. Repetition and types come from the R4 model (:mod:`._model`); a choice (``value[x]``,
``value[x]:valueQuantity``, ``effective``) takes the name the value's type gives.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from fhir_werk.extraction.sdc._fhirpath import to_json, typed
from fhir_werk.extraction.sdc._json import json_copy
from fhir_werk.extraction.sdc._model import choice, element
from fhir_werk.extraction.sdc._urls import (
    DEFINITION_EXTRACT,
    DEFINITION_EXTRACT_VALUE,
    ITEM_EXTRACTION_CONTEXT,
)
from fhir_werk.shared import Resource

Evaluate = Callable[[str, Any], list[Any]]


def _parts(extension: Resource) -> dict[str, Resource]:
    return {str(p.get("url")): p for p in extension.get("extension", ()) if isinstance(p, dict)}


def starts(item: Resource) -> list[dict[str, Resource]]:
    """The definitionExtract extensions of an element, as their parts by name; without any, the
    pre-4.0 ``itemExtractionContext`` read as one (:func:`legacy_canonical`)."""
    found = [
        _parts(e)
        for e in item.get("extension", ())
        if isinstance(e, dict) and e.get("url") == DEFINITION_EXTRACT
    ]
    if found:
        return found
    for extension in item.get("extension", ()):
        if isinstance(extension, dict) and extension.get("url") == ITEM_EXTRACTION_CONTEXT:
            canonical = legacy_canonical(extension, item)
            if canonical is not None:
                found.append({"definition": {"url": "definition", "valueCanonical": canonical}})
    return found


def legacy_canonical(extension: Resource, item: Resource) -> str | None:
    """What SDC 3's ``itemExtractionContext`` extracts, as a definitionExtract's canonical.

    SDC 3.0.0 (https://hl7.org/fhir/uv/sdc/STU3/StructureDefinition-sdc-questionnaire-itemExtractionContext.html):
    a ``valueCode`` is a resource type, always created new. A ``valueExpression`` identifies an
    existing resource to update; the type is then the one the items' ``definition`` name (the
    update itself needs a server and is not done: a warning says so, see ``_unsupported``).
    """
    code = extension.get("valueCode")
    if isinstance(code, str) and code:
        return _BASE + code
    stack = list(item.get("item", []))
    while stack:
        child = stack.pop(0)
        if not isinstance(child, dict):
            continue
        definition = child.get("definition")
        if isinstance(definition, str) and "#" in definition:
            return definition.split("#", 1)[0]
        stack += child.get("item", [])
    return None


def canonical_of(parts: dict[str, Resource]) -> str:
    definition = parts.get("definition") or {}
    return str(definition.get("valueCanonical") or definition.get("valueUri") or "")


def _value_of(answer: Resource) -> tuple[str, Any] | None:
    key = next((k for k in answer if k.startswith("value")), None)
    return None if key is None else (key.removeprefix("value"), answer[key])


def _suffix(value: Any) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Decimal"
    if isinstance(value, str):
        return "DateTime" if len(value) >= 10 and value[4:5] == "-" else "String"
    if isinstance(value, dict) and "code" in value and "system" in value:
        return "Coding"
    return "Reference" if isinstance(value, dict) and "reference" in value else "Quantity"


class Builder:
    """One resource of type ``kind`` built from the items under its definitionExtract."""

    def __init__(self, kind: str, canonical: str, run: Evaluate, warn: Callable[[str, str], None]) -> None:
        self.kind = kind
        self.canonical = canonical
        self.resource: Resource = {"resourceType": kind}
        self._run = run
        self._warn = warn

    def path_of(self, definition: Any) -> str | None:
        text = str(definition or "")
        if "#" not in text:
            return None
        canonical, path = text.split("#", 1)
        return path if canonical == self.canonical or path.split(".")[0] == self.kind else None

    def items(
        self, q_items: list[Resource], r_items: list[Resource], holder: Resource, at: str, where: str
    ) -> None:
        for q_item in q_items:
            if starts(q_item):
                continue  # a resource of its own (the walk makes it)
            matching = [r for r in r_items if isinstance(r, dict) and r.get("linkId") == q_item.get("linkId")]
            path = self.path_of(q_item.get("definition"))
            here = f"{where}/{q_item.get('linkId')}" if where else str(q_item.get("linkId"))
            for r_item in matching:
                context = typed(r_item, "QuestionnaireResponse.item")
                inner, inner_at = holder, at
                if q_item.get("type") == "group" and path is not None:
                    inner, inner_at = {}, path
                    self.set(holder, at, path, inner, here)
                elif path is not None:
                    for answer in r_item.get("answer", ()):
                        value = _value_of(answer) if isinstance(answer, dict) else None
                        if value is not None:
                            self.set(holder, at, path, json_copy(value[1]), here, value[0])
                self.values(q_item, context, inner, inner_at, here)
                children = q_item.get("item", [])
                self.items(children, r_item.get("item", []), inner, inner_at, here)
                for answer in r_item.get("answer", ()):
                    if isinstance(answer, dict) and answer.get("item"):
                        self.items(children, answer["item"], inner, inner_at, here)

    def values(self, element_: Resource, context: Any, holder: Resource, at: str, where: str) -> None:
        """The element's definitionExtractValue extensions, set on ``holder``."""
        for extension in element_.get("extension", ()):
            if not isinstance(extension, dict) or extension.get("url") != DEFINITION_EXTRACT_VALUE:
                continue
            parts = _parts(extension)
            path = self.path_of(
                (parts.get("definition") or {}).get("valueUri")
                or (parts.get("definition") or {}).get("valueCanonical")
            )
            if path is None:
                continue
            fixed = parts.get("fixed-value") or {}
            key = next((k for k in fixed if k.startswith("value")), None)
            if key is not None:
                self.set(holder, at, path, json_copy(fixed[key]), where, key.removeprefix("value"))
                continue
            expression = ((parts.get("expression") or {}).get("valueExpression") or {}).get("expression")
            if expression:
                for result in self._run(str(expression), context):
                    self.set(holder, at, path, to_json(result), where)

    def set(
        self, holder: Resource, at: str, path: str, value: Any, where: str, suffix: str | None = None
    ) -> None:
        """``value`` at ``path`` (a path under ``at``, the place ``holder`` stands for)."""
        if path != at and not path.startswith(at + "."):
            holder, at = self.resource, self.kind
            if not path.startswith(self.kind + "."):
                self._warn(f"{path}", where)
                return
        steps = path[len(at) + 1 :].split(".")
        kind = self._type_at(at)
        target = holder
        for number, step in enumerate(steps):
            last = number == len(steps) - 1
            name, fixed_choice = step.split(":", 1) if ":" in step else (step, None)
            name = fixed_choice or name
            info = element(kind, name.removesuffix("[x]")) if not name.endswith("[x]") else None
            if info is None:
                base = name.removesuffix("[x]")
                chosen = choice(kind, base, suffix or _suffix(value)) if last else None
                if chosen is None:
                    self._warn(path, where)
                    return
                name, info = chosen, element(kind, chosen)
                if info is None:
                    return
                if name.endswith("CodeableConcept") and (suffix == "Coding" or _suffix(value) == "Coding"):
                    value = {"coding": [value]}
            repeats, child = info
            if last:
                value = _fit(value, child)
                if repeats:
                    target.setdefault(name, []).append(value)
                else:
                    target[name] = value
                return
            if repeats:
                entries = target.setdefault(name, [])
                if not entries:
                    entries.append({})
                target = entries[-1]
            else:
                target = target.setdefault(name, {})
            kind = child or kind

    def _type_at(self, at: str) -> str:
        kind = self.kind
        for step in at.split(".")[1:]:
            name = step.split(":", 1)[-1]
            info = element(kind, name)
            if info is None or info[1] is None:
                return kind
            kind = info[1]
        return kind


def _fit(value: Any, child: str | None) -> Any:
    """A value into an element of type ``child`` (None: a primitive)."""
    if child is None and isinstance(value, dict) and "code" in value:
        return value["code"]  # a Coding answer into a code
    if child == "CodeableConcept" and isinstance(value, dict) and "code" in value and "coding" not in value:
        return {"coding": [value]}
    return value


_BASE: Final = "http://hl7.org/fhir/StructureDefinition/"


def kind_of(canonical: str, element: Resource) -> str | None:
    """The resource type of a definitionExtract: the core StructureDefinition's name, else the
    first step of the paths its items name under that canonical (a profile)."""
    if canonical.startswith(_BASE) and "/" not in canonical.removeprefix(_BASE):
        return canonical.removeprefix(_BASE)
    stack = list(element.get("item", []))
    while stack:
        item = stack.pop(0)
        if not isinstance(item, dict):
            continue
        definition = str(item.get("definition", ""))
        if definition.startswith(canonical + "#"):
            return definition.split("#", 1)[1].split(".")[0]
        stack += item.get("item", [])
    return None
