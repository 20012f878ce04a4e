"""The parts a compiled FHIRPath expression is made of (see :mod:`._subset`).

Each step takes the focus (a list of nodes of a :class:`~._primitives.PlainView`)
and the :class:`Scope`, and gives a list; one that meets data the subset is not sure of raises
:class:`OutsideSubsetError`, so the caller evaluates the expression with fhirpathpy instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

VALUE_TYPES: Final = (
    "Boolean",
    "Decimal",
    "Integer",
    "Date",
    "DateTime",
    "Time",
    "String",
    "Uri",
    "Attachment",
    "Coding",
    "Quantity",
    "Reference",
)
"""``QuestionnaireResponse.item.answer.value[x]``'s types in the order of fhirpathpy's R4 model
(its ``choiceTypePaths``; a test pins the two equal): written out, so compiling an expression
needs no fhirpathpy."""
COMPARISONS: Final[dict[str, Callable[[int, int], bool]]] = {
    ">": int.__gt__,
    "<": int.__lt__,
    ">=": int.__ge__,
    "<=": int.__le__,
}

"""The comparison operators of the subset, on two integers."""


class OutsideSubsetError(Exception):
    """The data asks for more than the compiled subset does; evaluate with fhirpathpy."""


class ResponseIndex:
    """The items of a (viewed) response that ``repeat(item)`` reaches, by linkId, in its order.

    As fhirpathpy 2's ``repeat()``: breadth-first through ``item`` only (not ``answer.item``); the
    children of one item are checked together against what was reached before them, so an item
    equal in content to one reached under another parent is left out, and equal siblings both
    stay. Content is compared only among items with the same linkId, and only when asked.
    """

    def __init__(self, resource: Any) -> None:
        self._by_link_id: dict[Any, list[tuple[Any, int]]] = {}
        self._distinct: dict[Any, list[Any]] = {}
        queue = [resource]
        position = 0
        while position < len(queue):
            parent = position
            children = _children(queue[position])
            position += 1
            for item in children:
                self._by_link_id.setdefault(item.get("linkId"), []).append((item, parent))
            queue += children

    def items(self, link_id: str) -> list[Any]:
        """The items with this linkId that ``repeat(item)`` gives."""
        found = self._distinct.get(link_id)
        if found is None:
            reached = self._by_link_id.get(link_id, [])
            found = [
                item
                for n, (item, parent) in enumerate(reached)
                if not any(p != parent and _same(item, earlier) for earlier, p in reached[:n])
            ]
            self._distinct[link_id] = found
        return found


def _same(a: Any, b: Any) -> bool:
    # fhirpathpy's node equality: equal data and the same hash (a json.dumps of the data).
    return bool(a == b) and json.dumps(a, sort_keys=True, default=str) == json.dumps(
        b, sort_keys=True, default=str
    )


def _children(node: Any) -> list[Any]:
    if not isinstance(node, dict):
        return []
    children = node.get("item")
    if children is None or children == []:
        return []
    if not isinstance(children, list) or any(not isinstance(c, dict) for c in children):
        raise OutsideSubsetError("item")
    return list(children)


class Scope:
    """What an evaluation reads besides its focus: the viewed response and its index."""

    def __init__(self, resource: Any) -> None:
        self.resource = resource
        self._index: ResponseIndex | None = None

    @property
    def index(self) -> ResponseIndex:
        """Built on first use, once per scope."""
        if self._index is None:
            self._index = ResponseIndex(self.resource)
        return self._index


Step = Callable[[list[Any], Scope], list[Any]]
Compiled = Callable[[Any, Scope], list[Any]]


_VALUE_KEYS: Final = tuple(f"value{t}" for t in VALUE_TYPES)
_VALUE_KEY_SET: Final = frozenset(_VALUE_KEYS)


def _choice(node: dict[str, Any]) -> Any:
    """``value[x]`` of ``node``: the first of the model's types with a value (None: none)."""
    present = [key for key in node if key in _VALUE_KEY_SET]
    if len(present) <= 1:
        # The usual answer, one value (or none): found without trying twelve names.
        return node[present[0]] if present else None
    return next((found for key in _VALUE_KEYS if (found := node.get(key)) is not None), None)


def member(name: str) -> Step:
    def step(focus: list[Any], scope: Scope) -> list[Any]:
        out: list[Any] = []
        for node in focus:
            if not isinstance(node, dict):
                continue
            found = _choice(node) if name == "value" else node.get(name)
            if found is None:
                continue
            if isinstance(found, list):
                if any(v is None for v in found):
                    raise OutsideSubsetError(name)
                out += found
            else:
                out.append(found)
        return out

    return step


def where(criteria: list[tuple[str, str]]) -> Step:
    def step(focus: list[Any], scope: Scope) -> list[Any]:
        out: list[Any] = []
        for node in focus:
            if not isinstance(node, dict):
                continue
            for name, literal in criteria:
                value = node.get(name)
                if isinstance(value, list):
                    raise OutsideSubsetError("where on a list")
                if value is not None and not isinstance(value, str):
                    raise OutsideSubsetError("where on a non-string")
                if value == literal:
                    out.append(node)
                    break
        return out

    if len(criteria) == 1 and criteria[0][0] == "linkId":
        step.link_id = criteria[0][1]  # type: ignore[attr-defined]
    return step


def first(focus: list[Any], scope: Scope) -> list[Any]:
    return focus[:1]


def join(separator: str) -> Step:
    def step(focus: list[Any], scope: Scope) -> list[Any]:
        if not focus:
            return []
        if not all(isinstance(v, str) for v in focus):
            raise OutsideSubsetError("join of non-strings")
        return [separator.join(focus)]

    return step


def distinct(values: list[Any]) -> list[Any]:
    # fhirpathpy's union keeps the first position and the last value of equal JSON.
    kept: dict[str, Any] = {}
    for value in values:
        if not isinstance(value, str):
            raise OutsideSubsetError("union of non-strings")
        kept[json.dumps(value)] = value
    return list(kept.values())


def repeat(focus: list[Any], scope: Scope) -> list[Any]:
    raise OutsideSubsetError("repeat() other than %resource.repeat(item).where(linkId=...)")


def chain(start: Compiled, steps: list[Step]) -> Compiled:
    # %resource.repeat(item).where(linkId='x'): the index, not the walk.
    if len(steps) >= 2 and steps[0] is repeat and getattr(steps[1], "link_id", None) is not None:
        link_id: str = steps[1].link_id  # type: ignore[attr-defined]
        rest = steps[2:]

        def indexed(focus: Any, scope: Scope) -> list[Any]:
            if start(focus, scope) != [scope.resource]:
                raise OutsideSubsetError("repeat(item) on something else than %resource")
            values = scope.index.items(link_id)
            for step in rest:
                values = step(values, scope)
            return values

        return indexed

    def run(focus: Any, scope: Scope) -> list[Any]:
        values = start(focus, scope)
        for step in steps:
            values = step(values, scope)
        return values

    return run


def plus(left: Compiled, right: Compiled) -> Compiled:
    def run(focus: Any, scope: Scope) -> list[Any]:
        a, b = left(focus, scope), right(focus, scope)
        if not a or not b:
            return []
        if len(a) == 1 and len(b) == 1:
            if isinstance(a[0], str) and isinstance(b[0], str):
                return [str.__add__(a[0], b[0])]
            if integer(a[0]) and integer(b[0]):
                return [a[0] + b[0]]
        raise OutsideSubsetError("+ on other than two strings or two integers")

    return run


def integer(value: Any) -> bool:
    # bool is an int in Python, a Boolean in FHIRPath; a decimal comes back from fhirpathpy as
    # a Decimal whose text the engine writes: both stay with fhirpathpy.
    return type(value) is int


def compare(left: Compiled, operator: Callable[[int, int], bool], right: Compiled) -> Compiled:
    def run(focus: Any, scope: Scope) -> list[Any]:
        a, b = left(focus, scope), right(focus, scope)
        if not a or not b:
            return []
        if len(a) != 1 or len(b) != 1 or not integer(a[0]) or not integer(b[0]):
            raise OutsideSubsetError("comparison of other than two integers")
        return [operator(a[0], b[0])]

    return run


def iif(criterion: Compiled, then: Compiled, otherwise: Compiled | None = None) -> Compiled:
    def run(focus: Any, scope: Scope) -> list[Any]:
        decided = criterion(focus, scope)
        if decided == [True]:
            return then(focus, scope)
        if decided and decided != [False]:
            raise OutsideSubsetError("iif on other than a Boolean")
        return otherwise(focus, scope) if otherwise is not None else []

    return run


def to_string(focus: list[Any], scope: Scope) -> list[Any]:
    if len(focus) != 1:
        return []
    if not isinstance(focus[0], str):
        raise OutsideSubsetError("toString of other than a string")
    return [str(focus[0])]  # a plain str: a tagged string's extensions stay behind, as in fhirpathpy


def substring(start: int, length: int | None = None) -> Step:
    def step(focus: list[Any], scope: Scope) -> list[Any]:
        if len(focus) != 1 or not isinstance(focus[0], str):
            if not focus:
                return []
            raise OutsideSubsetError("substring of other than one string")
        text = str(focus[0])
        if start >= len(text):
            return []
        return [text[start:] if length is None else text[start : start + length]]

    return step


def plain(value: Any) -> Any:
    # As the engine reads fhirpathpy's results: a float comes back as a Decimal, then its text.
    return str(Decimal(str(value))) if isinstance(value, float) else value
