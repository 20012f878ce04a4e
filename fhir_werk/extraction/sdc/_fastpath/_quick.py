"""The fast path of one extraction run: an expression in the compiled subset runs as plain Python
on a view of the response; anything else (or data the subset is unsure of) is left to fhirpathpy.

Results are what the engine's fhirpathpy evaluation would give where it matters: an object is the
original (``_name`` companions and all), a string that had a companion carries it
(:class:`~._primitives.Tagged`), a decimal is a :class:`~decimal.Decimal`. A *context* (what the
expressions under it run on) must keep its FHIR type, and the subset knows it for response items
and for the values of their answers (``valueCoding`` is a Coding): any other context goes to
fhirpathpy, which types it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fhir_werk.extraction.sdc._fastpath._primitives import PlainView
from fhir_werk.extraction.sdc._fastpath._steps import OutsideSubsetError, Scope
from fhir_werk.extraction.sdc._fastpath._subset import compile_raw
from fhir_werk.extraction.sdc._fhirpath import Deferred, evaluate, node_data, typed
from fhir_werk.extraction.sdc._variables import named


class Quick:
    """The compiled evaluations on one response; :meth:`evaluate` gives None when it cannot."""

    def __init__(self, resource: Any) -> None:
        self._view = PlainView()
        self._scope = Scope(self._view.of(resource))
        self._response_wide: dict[tuple[str, bool], list[Any] | None] = {}
        self._resource = resource
        self._value_types: dict[int, str] | None = None

    def evaluate(self, expression: str, context: Any, *, as_context: bool = False) -> list[Any] | None:
        """The results, or None: outside the subset, or a context whose type the subset does not
        know. An expression that reads only ``%resource`` runs once per response."""
        if expression.startswith("%resource") and "$this" not in expression:
            key = (expression, as_context)
            if key not in self._response_wide:
                self._response_wide[key] = self._evaluate(expression, context, as_context)
            return self._response_wide[key]
        return self._evaluate(expression, context, as_context)

    def _evaluate(self, expression: str, context: Any, as_context: bool) -> list[Any] | None:
        function = compile_raw(expression)
        if function is None:
            return None
        data = node_data(context)
        if not isinstance(data, dict):
            return None  # a primitive context keeps its companion only in fhirpathpy's node
        try:
            results = function(self._view.of(data), self._scope)
        except OutsideSubsetError:
            return None
        out: list[Any] = []
        for value in results:
            if value is None:
                continue
            if isinstance(value, dict):
                original = self._view.original(value)
                if not as_context:
                    out.append(original)
                elif "linkId" in original and "resourceType" not in original:
                    out.append(original)  # a response item: typed as one where fhirpathpy needs it
                elif (kind := self._answer_values().get(id(original))) is not None:
                    out.append(Deferred(original, kind))
                else:
                    return None
            elif as_context or isinstance(value, list):
                return None
            else:
                out.append(Decimal(str(value)) if isinstance(value, float) else value)
        return out

    def fhirpathpy(self, expression: str, context: Any, env: dict[str, Any]) -> list[Any]:
        """The expression with fhirpathpy, on the view of the context and the variables (strings
        that had a companion tagged with it); an object in the results is the original again,
        typed as fhirpathpy typed it."""
        # Only the variables it names: a view of the whole Questionnaire costs more than most runs.
        names = named(expression)
        results = evaluate(
            expression, self._viewed(context), {k: self._viewed(v) for k, v in env.items() if k in names}
        )
        return [self._original(r) for r in results]

    def _viewed(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._viewed(v) for v in value]
        data = node_data(value)
        if data is value:
            return self._view.of(value)
        if isinstance(data, dict):
            return typed(self._view.of(data), value.path)
        return value

    def _original(self, value: Any) -> Any:
        data = node_data(value)
        if data is value or not isinstance(data, dict):
            return self._view.original(value)
        original = self._view.original(data)
        return value if original is data else typed(original, value.path)

    def _answer_values(self) -> dict[int, str]:
        """id of each answer's complex value in the response → its FHIR type (made on first use)."""
        if self._value_types is None:
            self._value_types = {}
            stack = [self._resource]
            while stack:
                node = stack.pop()
                if not isinstance(node, dict):
                    continue
                for key, value in node.items():
                    if key == "item" or key == "answer":
                        stack += value if isinstance(value, list) else []
                    elif key.startswith("value") and isinstance(value, dict):
                        self._value_types[id(value)] = key.removeprefix("value")
        return self._value_types
