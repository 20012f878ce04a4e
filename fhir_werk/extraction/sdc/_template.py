"""Filling one template (SDC 4.0.0 template-based extraction,
https://build.fhir.org/ig/HL7/sdc/extraction.html#template-based-extraction).

An element with ``templateExtractContext`` is repeated once per node its expression selects (and
removed when it selects none); the expressions inside it run on that node. An element or a
primitive's ``_name`` companion with ``templateExtractValue`` is replaced by what its expression
gives: all results in a list, the first elsewhere; none removes the element with its placeholder.
An object left empty is removed. The template is not changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fhir_werk.extraction.sdc._fhirpath import companion, to_json
from fhir_werk.extraction.sdc._json import json_copy
from fhir_werk.extraction.sdc._urls import TEMPLATE_EXTRACT_CONTEXT as CONTEXT
from fhir_werk.extraction.sdc._urls import TEMPLATE_EXTRACT_VALUE as VALUE

Evaluate = Callable[[str, Any], list[Any]]
"""(expression, context) → results: the run's evaluation with its variables bound."""


def expression_of(element: dict[str, Any], url: str) -> str | None:
    for extension in element.get("extension", ()):
        if isinstance(extension, dict) and extension.get("url") == url:
            return str(extension.get("valueString", ""))
    return None


def _without(element: dict[str, Any], urls: tuple[str, ...]) -> list[Any]:
    return [e for e in element.get("extension", ()) if not (isinstance(e, dict) and e.get("url") in urls)]


class Filler:
    """Fills templates with one run's evaluation (variables bound by the caller)."""

    def __init__(
        self, run: Evaluate, warn: Callable[[str], None] | None = None, contexts: Evaluate | None = None
    ) -> None:
        self._run = run
        self._warn = warn
        # What a templateExtractContext selects: the same evaluation, asked for typed nodes.
        self._contexts = contexts or run

    def resource(self, template: dict[str, Any], context: Any) -> dict[str, Any]:
        """The resource ``template`` gives on ``context``; the template's own id is dropped."""
        result = self._object(template, context)
        result.pop("id", None)
        result["resourceType"] = template["resourceType"]
        return {"resourceType": result.pop("resourceType"), **result}

    def element(self, element: dict[str, Any], context: Any) -> list[Any]:
        """An element as zero, one or more: its context repeats it, its value replaces it."""
        context_expression = expression_of(element, CONTEXT)
        contexts = [context] if context_expression is None else self._contexts(context_expression, context)
        value_expression = expression_of(element, VALUE)
        found: list[Any] = []
        for each in contexts:
            if value_expression is not None:
                values = [to_json(v) for v in self._run(value_expression, each)]
                if self._warn is not None and any(not isinstance(v, dict) for v in values):
                    # The element is complex (a primitive's value sits on its _name companion).
                    self._warn(value_expression)
                found += values
                continue
            built = self._object(element, each)
            if built:
                found.append(built)
        return found

    def _object(self, element: dict[str, Any], context: Any) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in element.items():
            if key == "extension":
                # The element's own expressions go; the other extensions are filled like any
                # element (an extension's value may come from an expression).
                own = _without(element, (CONTEXT, VALUE))
                rest = [v for entry in own for v in self._entry(entry, context)]
                # An extension left with neither value nor extensions is no extension (ext-1).
                rest = [v for v in rest if not (isinstance(v, dict) and set(v) <= {"url", "id"})]
                if rest:
                    result[key] = rest
            elif key.startswith("_"):
                self._primitive(result, key[1:], element.get(key[1:]), value, context)
            elif f"_{key}" in element:
                continue  # filled with its companion, at the companion's place
            elif isinstance(value, list):
                items = [v for entry in value for v in self._entry(entry, context)]
                if items:
                    result[key] = items
            elif isinstance(value, dict):
                filled = self.element(value, context)
                if filled:
                    result[key] = filled[0]
            else:
                result[key] = value
        return result

    def _entry(self, entry: Any, context: Any) -> list[Any]:
        return self.element(entry, context) if isinstance(entry, dict) else [entry]

    def _primitive(self, result: dict[str, Any], name: str, static: Any, extra: Any, context: Any) -> None:
        """``name`` with its ``_name`` companion: a value expression in the companion fills it."""
        if isinstance(extra, list):
            self._primitive_list(result, name, static, extra, context)
            return
        if not isinstance(extra, dict):
            return
        expression = expression_of(extra, VALUE)
        kept = {k: v for k, v in extra.items() if k != "extension"}
        rest = _without(extra, (VALUE,))
        if rest:
            kept["extension"] = json_copy(rest)
        if expression is None:
            if static is not None:
                result[name] = json_copy(static)
        else:
            values = self._run(expression, context)
            if not values:
                return  # no value: the placeholder goes, and the companion with it
            result[name] = to_json(values[0])
            carried = companion(values[0])
            if carried:
                kept = {**json_copy(carried), **kept}
        if kept:
            result[f"_{name}"] = kept

    def _primitive_list(
        self, result: dict[str, Any], name: str, static: Any, extras: list[Any], context: Any
    ) -> None:
        statics = static if isinstance(static, list) else []
        values: list[Any] = []
        for position, extra in enumerate(extras):
            expression = expression_of(extra, VALUE) if isinstance(extra, dict) else None
            if expression is None:
                if position < len(statics) and statics[position] is not None:
                    values.append(json_copy(statics[position]))
                continue
            values += [to_json(v) for v in self._run(expression, context)]
        if values:
            result[name] = values
