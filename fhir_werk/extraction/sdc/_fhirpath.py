"""FHIRPath for the engine: results keep their FHIR type, so a context can be narrowed again.

fhirpathpy's raw data mode hands back its own typed nodes (``ResourceNode``: the data, its FHIR
type and, for a primitive, the ``_name`` companion with its id and extensions). The engine passes
such a node on as the context of the expressions under it: ``answer.value`` selected as a context
is still a ``Coding``, so ``ofType(Coding)`` under it finds it (a plain dict would have lost that).
:func:`to_json` turns a result into the JSON that goes into a resource.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from fhir_werk.extraction.sdc._json import json_copy

Evaluator = Callable[[Any, dict[str, Any]], list[Any]]


class ExpressionError(Exception):
    """An expression that does not parse or fails on the data (the message says why)."""


def _check_syntax(expression: str) -> None:
    """Raise on a syntax error: fhirpathpy's own parser recovers from one silently and evaluates
    what is left, which would give a wrong value without a word."""
    from antlr4 import CommonTokenStream, InputStream  # type: ignore[import-untyped]
    from antlr4.error.ErrorListener import ErrorListener  # type: ignore[import-untyped]
    from fhirpathpy.parser.generated.FHIRPathLexer import FHIRPathLexer
    from fhirpathpy.parser.generated.FHIRPathParser import FHIRPathParser

    class Strict(ErrorListener):  # type: ignore[misc]
        def syntaxError(self, recognizer: Any, symbol: Any, line: int, column: int, msg: str, e: Any) -> None:  # noqa: N802 (ANTLR's name)
            raise ExpressionError(f"{expression}: syntax error at {column}: {msg}")

    lexer = FHIRPathLexer(InputStream(expression))
    lexer.removeErrorListeners()
    lexer.addErrorListener(Strict())
    parser = FHIRPathParser(CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(Strict())
    parser.entireExpression()  # type: ignore[no-untyped-call]  # to the end: trailing tokens too


@cache
def _compiled(expression: str) -> Evaluator:
    # Imported here: fhirpathpy with its ANTLR parser and R4 model is ~45 ms of a cold command.
    from fhirpathpy import compile as fhirpath_compile
    from fhirpathpy.models import models

    _check_syntax(expression)
    # select(...) binds $this at the top level, which SDC templates use ("$this", "first()").
    function: Evaluator = fhirpath_compile(f"select({expression})", models["r4"], {"returnRawData": True})
    return function


@dataclass(frozen=True)
class Deferred:
    """Data with its FHIR type, as the fast path hands a context on: fhirpathpy's typed node is
    made only if an expression on it needs fhirpathpy (a first conversation never imports it)."""

    data: Any
    path: str


def typed(data: Any, path: str) -> Any:
    """``data`` as a node of FHIR type ``path`` (a response item carries no resourceType)."""
    from fhirpathpy.engine.nodes import ResourceNode

    return ResourceNode.create_node(data, path)  # type: ignore[no-untyped-call]


def evaluate(expression: str, context: Any, env: dict[str, Any]) -> list[Any]:
    """The expression on ``context`` (a node or JSON) with the variables in ``env``; typed nodes,
    FHIRPath values and plain values out, primitives that are only an extension left out."""
    try:
        function = _compiled(expression)
    except ExpressionError:
        raise
    except Exception as error:  # fhirpathpy raises bare Exceptions for syntax errors
        raise ExpressionError(f"{expression}: {error}") from error
    if isinstance(context, Deferred):
        context = typed(context.data, context.path)
    elif isinstance(context, dict) and "linkId" in context and "resourceType" not in context:
        # A response item as the walk passes it: typed only here, when fhirpathpy needs it.
        context = typed(context, "QuestionnaireResponse.item")
    try:
        results = function(context, env)
    except Exception as error:
        raise ExpressionError(f"{expression}: {error}") from error
    return [r for r in results if node_data(r) is not None]


@cache
def _node_class() -> Any:
    from fhirpathpy.engine.nodes import ResourceNode

    return ResourceNode


def node_data(value: Any) -> Any:
    """The data of a typed node; a plain value as it is."""
    if value is None or isinstance(value, dict | str | int | float | list | Decimal):
        return value  # not a node: the common case, without asking fhirpathpy
    if isinstance(value, Deferred):
        return value.data
    return value.data if isinstance(value, _node_class()) else value


def companion(value: Any) -> dict[str, Any] | None:
    """The ``_name`` companion (id, extensions) of a primitive node, if it had one."""
    data = node_data(value)
    if isinstance(data, str):
        # The fast path's string that had a companion (``_fastpath.Tagged``), also in a node.
        carried = getattr(data, "companion", None)
        if isinstance(carried, dict) and carried:
            return carried
    if data is not value and isinstance(value, _node_class()):
        extra = getattr(value, "_data", None)
        if isinstance(extra, dict) and extra:
            return extra
    return None


def to_json(value: Any) -> Any:
    """A result as JSON: a copy of the data, a decimal as the number it is, a date as text."""
    data = node_data(value)
    if isinstance(data, str):
        return str(data)  # a plain str, also of a string the fast path tagged
    if isinstance(data, bool | int | float):
        return data
    if isinstance(data, Decimal):
        return int(data) if data == data.to_integral_value() else float(data)
    if isinstance(data, dict | list):
        return json_copy(data)
    return str(data)  # FP_DateTime, FP_Time, FP_Quantity ... computed values


def as_string(value: Any) -> str:
    data = to_json(value)
    return data if isinstance(data, str) else str(data)
