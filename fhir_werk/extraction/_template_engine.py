"""A generic SDC template-based extraction engine (SDC 4.0.0, Data Extraction, "Template-based
extraction": https://hl7.org/fhir/uv/sdc/STU4/extraction.html#template-extract).

A template is a contained resource whose elements carry ``templateExtractContext`` (an element is
repeated once per result, removed when there is none) and ``templateExtractValue`` (the value comes
from FHIRPath; on primitives it sits on the ``_field`` companion). Expressions run on the response
item the template belongs to, with ``%resource`` the whole QuestionnaireResponse; each is compiled
once with fhirpathpy and cached.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache
from typing import Any, Final

from fhirpathpy import compile as fhirpath_compile
from fhirpathpy.engine.nodes import ResourceNode
from fhirpathpy.engine.util import get_data
from fhirpathpy.models import models

from fhir_werk.extraction._primitives import PlainView, Tagged
from fhir_werk.shared import TEMPLATE_EXTRACT_CONTEXT as CONTEXT
from fhir_werk.shared import TEMPLATE_EXTRACT_VALUE as VALUE

_MODEL: Final = models["r4"]

Evaluator = Callable[[Any, dict[str, Any]], list[Any]]


@cache
def compiled(expression: str) -> Evaluator:
    """The FHIRPath expression compiled once (R4 model, so ``value`` finds ``value[x]``)."""
    # fhirpathpy binds $this only inside functions such as where(); SDC templates use it at the
    # top level ("$this", "iif($this + 1 > 10, ...)"). Our context is always one node, so
    # select(...) over it gives the same result with $this bound.
    # Raw data out: the objects themselves, not rebuilt copies, so the view can map them back.
    function: Evaluator = fhirpath_compile(f"select({expression})", _MODEL, {"returnRawData": True})
    return function


def evaluate(expression: str, node: Any, env: dict[str, Any]) -> list[Any]:
    """Evaluate on ``node`` with the environment variables (``resource`` ...); JSON values out.

    ``node`` and ``env`` are expected as a :class:`PlainView` gives them; so are the results.
    """
    if isinstance(node, dict) and "linkId" in node and "resourceType" not in node:
        # A response item on its own carries no type; without it the R4 model cannot resolve
        # answer.value to value[x]. fhirpathpy's own evaluate() types a base the same way.
        node = ResourceNode.create_node(node, "QuestionnaireResponse.item")  # type: ignore[no-untyped-call]
    return [_plain(get_data(v)) for v in compiled(expression)(node, env)]  # type: ignore[no-untyped-call]


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (dict, list, str, bool, int, float)):
        return value
    # fhirpathpy returns its own date/time/quantity types for computed values.
    return str(value)


def _pop_expression(element: dict[str, Any], url: str) -> str | None:
    extensions = element.get("extension")
    if not extensions:
        return None
    found = next((e for e in extensions if e.get("url") == url), None)
    if found is None:
        return None
    rest = [e for e in extensions if e is not found]
    if rest:
        element["extension"] = rest
    else:
        del element["extension"]
    return str(found.get("valueString", ""))


def _merged(template: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The template's ``_name`` companion with the id and extensions the copied value had."""
    merged = copy.deepcopy(data)
    extensions = [*template.get("extension", []), *merged.get("extension", [])]
    merged.update({k: v for k, v in template.items() if k != "extension"})
    if extensions:
        merged["extension"] = extensions
    return merged


class TemplateRun:
    """One evaluation of one template on one context."""

    def __init__(self, env: dict[str, Any]) -> None:
        self._view = PlainView()
        self.env = {name: self._view.of(value) for name, value in env.items()}
        self._response_wide: dict[str, list[Any]] = {}

    def evaluate(self, expression: str, context: Any) -> list[Any]:
        """Evaluate one expression; one that reads only ``%resource`` runs once per response.

        Such an expression (e.g. ``%resource.repeat(item).where(linkId='x')``) walks the whole
        response, milliseconds each in fhirpathpy, and its result cannot depend on the context.
        """
        if expression.startswith("%resource") and "$this" not in expression:
            if expression not in self._response_wide:
                self._response_wide[expression] = evaluate(expression, context, self.env)
            return self._response_wide[expression]
        return evaluate(expression, context, self.env)

    def resource(self, template: dict[str, Any], context: Any) -> dict[str, Any]:
        """The resource a template gives on a context (the template is not changed)."""
        result = self._object(copy.deepcopy(template), self._view.of(context))
        result.pop("id", None)
        return result

    def _object(self, element: dict[str, Any], context: Any) -> dict[str, Any]:
        # Keys keep the template's order; a primitive with a value expression (``_x``) wins over
        # its static placeholder (``x``) wherever either stands.
        result: dict[str, Any] = {}
        computed = {
            key[1:] for key, value in element.items() if key.startswith("_") and isinstance(value, dict)
        }
        for key, value in element.items():
            if key.startswith("_"):
                if key[1:] in computed:
                    self._primitive(result, key[1:], value, context)
            elif key not in computed:
                self._set(result, key, value, context)
        return result

    def _primitive(self, result: dict[str, Any], name: str, companion: dict[str, Any], context: Any) -> None:
        companion = copy.deepcopy(companion)
        expression = _pop_expression(companion, VALUE)
        if expression is not None:
            values = [v for v in self.evaluate(expression, context) if v is not None and v != ""]
            if values:
                result[name] = self._output(values[0])
                if isinstance(values[0], Tagged):
                    companion = _merged(companion, values[0].companion)
            else:
                result.pop(name, None)
        if companion:
            result[f"_{name}"] = companion

    def _output(self, value: Any) -> Any:
        """A result as it goes into the resource: the original object, a plain string."""
        return str(value) if isinstance(value, Tagged) else self._view.original(value)

    def _set(self, result: dict[str, Any], key: str, value: Any, context: Any) -> None:
        if isinstance(value, list):
            items: list[Any] = []
            for entry in value:
                items += self._expand(entry, context)
            if items:
                result[key] = items
        elif isinstance(value, dict):
            expanded = self._expand(value, context)
            if expanded:
                result[key] = expanded[0]
        else:
            result[key] = value

    def _expand(self, value: Any, context: Any) -> list[Any]:
        """An element as zero, one or more elements: context repeats it, value replaces it."""
        if not isinstance(value, dict):
            return [value]
        value = dict(value)
        context_expression = _pop_expression(value, CONTEXT)
        contexts = [context] if context_expression is None else self.evaluate(context_expression, context)
        expanded: list[Any] = []
        for each in contexts:
            value_expression = _pop_expression(dict(value), VALUE)
            if value_expression is not None:
                expanded += [self._output(v) for v in self.evaluate(value_expression, each) if v is not None]
                continue
            built = self._object(value, each)
            if built:
                expanded.append(built)
        return expanded
