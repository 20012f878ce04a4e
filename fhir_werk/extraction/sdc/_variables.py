"""The variables of an item or the Questionnaire (``http://hl7.org/fhir/StructureDefinition/variable``,
FHIRPath only) and ``extractAllocateId``: both in scope for the item and its descendants.

SDC says extraction expressions see only the response, the Questionnaire and the allocated ids
(https://build.fhir.org/ig/HL7/sdc/extraction.html); CSIRO's engine also binds the variables, and
templates written for it use them. They are bound here too, but evaluated only when an extraction
expression names one (:class:`Pending`): most are population's (they read the launch context,
which extraction has not) and would cost a run much and fail.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from functools import cache
from typing import Any, Final

from fhir_werk.extraction.sdc._fhirpath import ExpressionError, evaluate
from fhir_werk.extraction.sdc._urls import ALLOCATE_ID, VARIABLE
from fhir_werk.shared import Resource

_NAMESPACE: Final = uuid.UUID("3b0f3f0e-8f5e-5b7a-9a59-7d3c2f1e0a11")
_NAMED: Final = re.compile(r"%[`'\"]?([A-Za-z_][A-Za-z0-9_]*)")


class Pending:
    """A variable not evaluated yet: evaluated once, on first use, in the scope it was defined in."""

    def __init__(self, expression: str, context: Any, scope: dict[str, Any]) -> None:
        self._expression = expression
        self._context = context
        self._scope = scope
        self._value: list[Any] | None = None
        self._failed = False

    def value(self) -> list[Any] | None:
        """The results; None when it fails (then it stays undefined, and an expression naming it
        fails and says so)."""
        if self._value is None and not self._failed:
            try:
                self._value = evaluate(
                    self._expression, self._context, resolved(self._expression, self._scope)
                )
            except (ExpressionError, RecursionError):
                self._failed = True
        return self._value


class Lazy(Pending):
    """A variable made only when an expression names it (``%qitem`` typed for fhirpathpy …)."""

    def __init__(self, make: Callable[[], Any]) -> None:  # nothing to evaluate: no Pending.__init__
        self._make = make
        self._value = None

    def value(self) -> list[Any] | None:
        if self._value is None:
            self._value = [self._make()]
        return self._value


@cache
def named(expression: str) -> frozenset[str]:
    """The variables (``%name``) an expression names."""
    return frozenset(_NAMED.findall(expression))


def resolved(expression: str, env: dict[str, Any]) -> dict[str, Any]:
    """``env`` with the variables ``expression`` names evaluated (and only those)."""
    # Variables the expression does not name stay pending: fhirpathpy reads only those it names.
    pending = [n for n in named(expression) if isinstance(env.get(n), Pending)]
    if not pending:
        return env
    ready = dict(env)
    for name in pending:
        value = env[name].value()
        if value is None:
            del ready[name]
        else:
            ready[name] = value
    return ready


def variables(element: Resource) -> list[tuple[str, str, str]]:
    """(name, language, expression) of the element's variables, in their order."""
    found = []
    for extension in element.get("extension", ()):
        if extension.get("url") == VARIABLE:
            value = extension.get("valueExpression") or {}
            found.append(
                (str(value.get("name", "")), str(value.get("language", "")), str(value.get("expression", "")))
            )
    return found


def allocated_names(element: Resource) -> list[str]:
    return [str(e.get("valueString")) for e in element.get("extension", ()) if e.get("url") == ALLOCATE_ID]


def allocate(seed: str, name: str) -> str:
    """A new id for ``name`` at ``seed`` (the response and the item's place in it), as the
    extension's definition gives it: ``urn:uuid:<uuid>``, usable as a fullUrl and as a reference
    to it (https://build.fhir.org/ig/HL7/sdc/StructureDefinition-sdc-questionnaire-extractAllocateId.html).
    The same for the same response, so extracting twice gives the same bundle."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{seed}#{name}')}"


def as_reference_url(value: Any) -> str:
    """A fullUrl from an allocated id: a bare UUID becomes ``urn:uuid:...``."""
    text = str(value)
    if ":" in text:
        return text  # a URL already (uuid.UUID would take "urn:uuid:..." as a UUID too)
    try:
        uuid.UUID(text)
    except ValueError:
        return text
    return f"urn:uuid:{text}"
