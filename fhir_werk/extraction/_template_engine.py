"""A generic SDC template-based extraction engine (SDC 4.0.0, Data Extraction, "Template-based
extraction": https://hl7.org/fhir/uv/sdc/STU4/extraction.html#template-extract).

A template is a contained resource whose elements carry ``templateExtractContext`` (an element is
repeated once per result, removed when there is none) and ``templateExtractValue`` (the value comes
from FHIRPath; on primitives it sits on the ``_field`` companion). Expressions run on the response
item the template belongs to, with ``%resource`` the whole QuestionnaireResponse; each is compiled
once and cached: to plain Python when it is in the subset of :mod:`._fhirpath_subset`, else
with fhirpathpy (``fast=False`` uses fhirpathpy for everything: the differential test compares
both). A template is compiled once too (:func:`compile_template`): its expressions found and its
static parts kept, so a run copies no template.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from fhir_werk.extraction._fhirpath_subset import OutsideSubsetError, Scope, compile_subset
from fhir_werk.extraction._primitives import PlainView, Tagged
from fhir_werk.extraction.sdc._json import json_copy
from fhir_werk.shared import TEMPLATE_EXTRACT_CONTEXT as CONTEXT
from fhir_werk.shared import TEMPLATE_EXTRACT_VALUE as VALUE

Evaluator = Callable[[Any, dict[str, Any]], list[Any]]


@cache
def compiled(expression: str) -> Evaluator:
    """The FHIRPath expression compiled once (R4 model, so ``value`` finds ``value[x]``)."""
    # fhirpathpy binds $this only inside functions such as where(); SDC templates use it at the
    # top level ("$this", "iif($this + 1 > 10, ...)"). Our context is always one node, so
    # select(...) over it gives the same result with $this bound.
    # Raw data out: the objects themselves, not rebuilt copies, so the view can map them back.
    # Imported here: a first conversation runs every expression in the compiled subset, and
    # fhirpathpy with its ANTLR parser and R4 model is ~45 ms of a cold command.
    from fhirpathpy import compile as fhirpath_compile
    from fhirpathpy.models import models

    function: Evaluator = fhirpath_compile(f"select({expression})", models["r4"], {"returnRawData": True})
    return function


def evaluate(expression: str, node: Any, env: dict[str, Any]) -> list[Any]:
    """Evaluate on ``node`` with the environment variables (``resource`` ...); JSON values out.

    ``node`` and ``env`` are expected as a :class:`PlainView` gives them; so are the results.
    """
    from fhirpathpy.engine.nodes import ResourceNode
    from fhirpathpy.engine.util import get_data

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


def _names(expression: str, variable: str) -> bool:
    return any(f"%{q}{variable}" in expression for q in ("", "`", "'", '"'))


@dataclass(frozen=True)
class _Primitive:
    """``_name`` with a dict: the companion without its value expression, and the expression."""

    name: str
    companion: dict[str, Any]
    expression: str | None


@dataclass(frozen=True)
class _Element:
    """A template element: repeated per context, replaced by values, or built from its fields."""

    context: str | None
    value: str | None
    fields: tuple[tuple[str, Any], ...]
    """(key, compiled) in the template's order; compiled is a _Primitive, an _Element, a tuple
    of entries (a list) or a plain value."""


def _fields(element: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    # Keys keep the template's order; a primitive with a value expression (``_x``) wins over
    # its static placeholder (``x``) wherever either stands.
    computed = {key[1:] for key, value in element.items() if key.startswith("_") and isinstance(value, dict)}
    fields: list[tuple[str, Any]] = []
    for key, value in element.items():
        if key.startswith("_"):
            if key[1:] in computed:
                companion = copy.deepcopy(value)
                expression = _pop_expression(companion, VALUE)
                fields.append((key, _Primitive(key[1:], companion, expression)))
        elif key not in computed:
            fields.append((key, _compiled_value(value)))
    return tuple(fields)


def _compiled_value(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_compiled_value(v) if isinstance(v, dict) else v for v in value)
    if isinstance(value, dict):
        return _element(value)
    return value


def _element(value: dict[str, Any]) -> _Element:
    value = dict(value)
    context = _pop_expression(value, CONTEXT)
    value_expression = _pop_expression(dict(value), VALUE)
    return _Element(context, value_expression, () if value_expression is not None else _fields(value))


@dataclass(frozen=True)
class CompiledTemplate:
    """A template as a run reads it; made once per Questionnaire version."""

    fields: tuple[tuple[str, Any], ...]


def compile_template(template: dict[str, Any]) -> CompiledTemplate:
    """The template's expressions found and its static parts kept (the template is not changed)."""
    return CompiledTemplate(_fields(copy.deepcopy(template)))


class TemplateRun:
    """The evaluations of the templates on one response (and its items)."""

    def __init__(self, env: dict[str, Any], *, fast: bool = True) -> None:
        self._view = PlainView()
        self._env = env
        self._env_views: dict[str, Any] | None = None
        self._fast = fast
        self._scope = Scope(self._view.of(env["resource"]))
        self._response_wide: dict[str, list[Any]] = {}

    def env(self, expression: str) -> dict[str, Any]:
        """The environment variables ``expression`` names, as fhirpathpy reads them.

        Only those: a view of the whole Questionnaire costs more than most evaluations, and a
        variable the expression does not name cannot change its result.
        """
        if self._env_views is None:
            self._env_views = {}
        for name, value in self._env.items():
            if name not in self._env_views and _names(expression, name):
                self._env_views[name] = self._view.of(value)
        return {k: v for k, v in self._env_views.items() if _names(expression, k)}

    def evaluate(self, expression: str, context: Any) -> list[Any]:
        """Evaluate one expression; one that reads only ``%resource`` runs once per response.

        Such an expression (e.g. ``%resource.repeat(item).where(linkId='x')``) cannot depend on
        the context.
        """
        if expression.startswith("%resource") and "$this" not in expression:
            if expression not in self._response_wide:
                self._response_wide[expression] = self._evaluate(expression, context)
            return self._response_wide[expression]
        return self._evaluate(expression, context)

    def _evaluate(self, expression: str, context: Any) -> list[Any]:
        function = compile_subset(expression) if self._fast else None
        if function is not None:
            try:
                return function(context, self._scope)
            except OutsideSubsetError:
                pass
        return evaluate(expression, context, self.env(expression))

    def resource(self, template: CompiledTemplate | dict[str, Any], context: Any) -> dict[str, Any]:
        """The resource a template gives on a context (the template is not changed)."""
        if not isinstance(template, CompiledTemplate):
            template = compile_template(template)
        result = self._object(template.fields, self._view.of(context))
        result.pop("id", None)
        return result

    def _object(self, fields: tuple[tuple[str, Any], ...], context: Any) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in fields:
            if isinstance(value, _Primitive):
                self._primitive(result, value, context)
            else:
                self._set(result, key, value, context)
        return result

    def _primitive(self, result: dict[str, Any], primitive: _Primitive, context: Any) -> None:
        companion = primitive.companion
        if primitive.expression is not None:
            values = [v for v in self.evaluate(primitive.expression, context) if v is not None and v != ""]
            if values:
                result[primitive.name] = self._output(values[0])
                if isinstance(values[0], Tagged):
                    companion = _merged(companion, values[0].companion)
            else:
                result.pop(primitive.name, None)
        if companion:
            result[f"_{primitive.name}"] = copy.deepcopy(companion)

    def _output(self, value: Any) -> Any:
        """A result as it goes into the resource: a copy of the original object, a plain string.

        A copy, so a resource shares no object with the response (the bundle is built from the
        resources as they are, see ``_identity._entry``).
        """
        if isinstance(value, Tagged):
            return str(value)
        return json_copy(self._view.original(value)) if isinstance(value, dict | list) else value

    def _set(self, result: dict[str, Any], key: str, value: Any, context: Any) -> None:
        if isinstance(value, tuple):
            items: list[Any] = []
            for entry in value:
                items += self._expand(entry, context)
            if items:
                result[key] = items
        elif isinstance(value, _Element):
            expanded = self._expand(value, context)
            if expanded:
                result[key] = expanded[0]
        else:
            result[key] = value

    def _expand(self, value: Any, context: Any) -> list[Any]:
        """An element as zero, one or more elements: context repeats it, value replaces it."""
        if not isinstance(value, _Element):
            return [value]
        contexts = [context] if value.context is None else self.evaluate(value.context, context)
        expanded: list[Any] = []
        for each in contexts:
            if value.value is not None:
                expanded += [self._output(v) for v in self.evaluate(value.value, each) if v is not None]
                continue
            built = self._object(value.fields, each)
            if built:
                expanded.append(built)
        return expanded
