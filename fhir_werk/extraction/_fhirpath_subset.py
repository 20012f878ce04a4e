"""The FHIRPath the templates use, compiled to plain Python; anything else is left to fhirpathpy.

The subset (FHIRPath N1, https://hl7.org/fhirpath/N1/): ``%resource``, ``$this``, member
navigation (``item``, ``answer``, ``linkId`` ...; ``answer.value`` resolves ``value[x]`` in the
R4 model's type order, as fhirpathpy does), ``where(name = 'literal' or ...)``, ``first()``,
``join('sep')``, string literals, ``+`` on two strings and ``|``. ``%resource.repeat(item)
.where(linkId='x')`` reads an index of the response built once per extraction instead of walking
the whole tree (fhirpathpy's ``repeat()`` de-duplicates by hashing a ``json.dumps`` of every
subtree).

:func:`compile_subset` gives ``None`` for an expression outside the subset; a compiled
expression raises :class:`OutsideSubsetError` when the *data* is outside it (a ``join`` of
non-strings ...). In both cases the caller evaluates with fhirpathpy, so the result is always
fhirpathpy's. The inputs and outputs are those of fhirpathpy in the template engine: a
:class:`~fhir_werk.extraction._primitives.PlainView` of the data, raw JSON values out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any, Final

from fhirpathpy.models import models

_VALUE_TYPES: Final[tuple[str, ...]] = tuple(
    models["r4"]["choiceTypePaths"]["QuestionnaireResponse.item.answer.value"]
)
_TOKEN: Final = re.compile(r"\s*(%resource|\$this|'[^'\\]*'|[A-Za-z][A-Za-z0-9]*|[.()|+=,])")


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


def _member(name: str) -> Step:
    keys = tuple(f"value{t}" for t in _VALUE_TYPES) if name == "value" else (name,)

    def step(focus: list[Any], scope: Scope) -> list[Any]:
        out: list[Any] = []
        for node in focus:
            if not isinstance(node, dict):
                continue
            for key in keys:
                found = node.get(key)
                if found is not None:
                    break
            else:
                continue
            if isinstance(found, list):
                if any(v is None for v in found):
                    raise OutsideSubsetError(name)
                out += found
            else:
                out.append(found)
        return out

    return step


def _where(criteria: list[tuple[str, str]]) -> Step:
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


def _first(focus: list[Any], scope: Scope) -> list[Any]:
    return focus[:1]


def _join(separator: str) -> Step:
    def step(focus: list[Any], scope: Scope) -> list[Any]:
        if not focus:
            return []
        if not all(isinstance(v, str) for v in focus):
            raise OutsideSubsetError("join of non-strings")
        return [separator.join(focus)]

    return step


def _distinct(values: list[Any]) -> list[Any]:
    # fhirpathpy's union keeps the first position and the last value of equal JSON.
    kept: dict[str, Any] = {}
    for value in values:
        if not isinstance(value, str):
            raise OutsideSubsetError("union of non-strings")
        kept[json.dumps(value)] = value
    return list(kept.values())


class _Parser:
    def __init__(self, expression: str) -> None:
        self.tokens: list[str] = []
        position = 0
        while position < len(expression):
            match = _TOKEN.match(expression, position)
            if match is None:
                if expression[position:].strip():
                    raise SyntaxError(expression[position:])
                break
            self.tokens.append(match.group(1))
            position = match.end()
        self.at = 0
        self.previous = ""

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise SyntaxError(expected or "end")
        self.at += 1
        return token

    def union(self) -> Compiled:
        parts = [self.concat()]
        while self.peek() == "|":
            self.take()
            parts.append(self.concat())
        if len(parts) == 1:
            return parts[0]
        return lambda focus, scope: _distinct([v for p in parts for v in p(focus, scope)])

    def concat(self) -> Compiled:
        left = self.path()
        while self.peek() == "+":
            self.take()
            left = _plus(left, self.path())
        return left

    def path(self) -> Compiled:
        start, steps = self.primary()
        while self.peek() == ".":
            self.take()
            steps.append(self.step())
        return _chain(start, steps)

    def primary(self) -> tuple[Compiled, list[Step]]:
        word = self.take()
        self.previous = ""
        if word == "%resource":
            return (lambda focus, scope: [scope.resource]), []
        if word == "$this":
            return (lambda focus, scope: [focus]), []
        if word.startswith("'"):
            literal = word[1:-1]
            return (lambda focus, scope: [literal]), []
        if word == "(":
            inner = self.union()
            self.take(")")
            return inner, []
        if word[0].isalpha() and self.peek() != "(":
            return (lambda focus, scope: [focus]), [self.member(word)]
        raise SyntaxError(word)

    def member(self, name: str) -> Step:
        if name == "value" and self.previous != "answer":
            raise SyntaxError("value outside answer.value: its type is not known here")
        self.previous = name
        return _member(name)

    def step(self) -> Step:
        name = self.take()
        if not name[0].isalpha():
            raise SyntaxError(name)
        if self.peek() != "(":
            return self.member(name)
        self.previous = name
        self.take("(")
        if name == "first":
            self.take(")")
            return _first
        if name == "join":
            separator = self.take()
            if not separator.startswith("'"):
                raise SyntaxError(separator)
            self.take(")")
            return _join(separator[1:-1])
        if name == "where":
            criteria = [self.criterion()]
            while self.peek() == "or":
                self.take()
                criteria.append(self.criterion())
            self.take(")")
            return _where(criteria)
        if name == "repeat":
            self.take("item")
            self.take(")")
            return _repeat
        raise SyntaxError(name)

    def criterion(self) -> tuple[str, str]:
        name = self.take()
        self.take("=")
        literal = self.take()
        if not name[0].isalpha() or not literal.startswith("'"):
            raise SyntaxError(name)
        return name, literal[1:-1]


def _repeat(focus: list[Any], scope: Scope) -> list[Any]:
    raise OutsideSubsetError("repeat() other than %resource.repeat(item).where(linkId=...)")


def _chain(start: Compiled, steps: list[Step]) -> Compiled:
    # %resource.repeat(item).where(linkId='x'): the index, not the walk.
    if len(steps) >= 2 and steps[0] is _repeat and getattr(steps[1], "link_id", None) is not None:
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


def _plus(left: Compiled, right: Compiled) -> Compiled:
    def run(focus: Any, scope: Scope) -> list[Any]:
        a, b = left(focus, scope), right(focus, scope)
        if not a or not b:
            return []
        if len(a) != 1 or len(b) != 1 or not isinstance(a[0], str) or not isinstance(b[0], str):
            raise OutsideSubsetError("+ on non-strings")
        return [str.__add__(a[0], b[0])]

    return run


def _plain(value: Any) -> Any:
    # As the engine reads fhirpathpy's results: a float comes back as a Decimal, then its text.
    return str(Decimal(str(value))) if isinstance(value, float) else value


@cache
def compile_subset(expression: str) -> Compiled | None:
    """``expression`` as a Python function of (focus, :class:`Scope`), or None outside the subset."""
    try:
        parser = _Parser(expression)
        compiled = parser.union()
        if parser.peek() is not None:
            return None
    except SyntaxError:
        return None
    return lambda focus, scope: [_plain(v) for v in compiled(focus, scope)]
