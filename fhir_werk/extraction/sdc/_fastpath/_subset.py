"""The FHIRPath the templates use, compiled to plain Python; anything else is left to fhirpathpy.

The subset (FHIRPath N1, https://hl7.org/fhirpath/N1/): ``%resource``, ``$this``, member
navigation (``item``, ``answer``, ``linkId`` ...; ``answer.value`` resolves ``value[x]`` in the
R4 model's type order, as fhirpathpy does), ``where(name = 'literal' or ...)``, ``first()``,
``join('sep')``, ``toString()`` and ``substring(start[, length])`` of a string, string and
integer literals, ``+`` on two strings or two integers, ``|``, ``>``, ``<``, ``>=`` and ``<=``
on two integers, and ``iif(criterion, then[, else])``. ``%resource.repeat(item)
.where(linkId='x')`` reads an index of the response built once per extraction instead of walking
the whole tree (fhirpathpy's ``repeat()`` de-duplicates by hashing a ``json.dumps`` of every
subtree).

:func:`compile_subset` gives ``None`` for an expression outside the subset; a compiled
expression raises :class:`OutsideSubsetError` when the *data* is outside it (a ``join`` of
non-strings ...). In both cases the caller evaluates with fhirpathpy, so the result is always
fhirpathpy's. The inputs and outputs are those of fhirpathpy in the template engine: a
:class:`~fhir_werk.extraction.sdc._fastpath._primitives.PlainView` of the data, raw JSON values out.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

from fhir_werk.extraction.sdc._fastpath import _steps as fp
from fhir_werk.extraction.sdc._fastpath._steps import Compiled, OutsideSubsetError, ResponseIndex, Scope, Step

__all__ = ["Compiled", "OutsideSubsetError", "ResponseIndex", "Scope", "compile_raw", "compile_subset"]

_TOKEN: Final = re.compile(r"\s*(%resource|\$this|'[^'\\]*'|[A-Za-z][A-Za-z0-9]*|[0-9]+|[<>]=?|[.()|+=,])")


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

    def comparison(self) -> Compiled:
        left = self.union()
        while self.peek() in fp.COMPARISONS:
            left = fp.compare(left, fp.COMPARISONS[self.take()], self.union())
        return left

    def iif(self) -> Compiled:
        self.take("(")
        branches = [self.comparison()]
        while self.peek() == "," and len(branches) < 3:
            self.take()
            branches.append(self.comparison())
        self.take(")")
        if len(branches) < 2:
            raise SyntaxError("iif")
        return fp.iif(*branches)

    def union(self) -> Compiled:
        parts = [self.concat()]
        while self.peek() == "|":
            self.take()
            parts.append(self.concat())
        if len(parts) == 1:
            return parts[0]
        return lambda focus, scope: fp.distinct([v for p in parts for v in p(focus, scope)])

    def concat(self) -> Compiled:
        left = self.path()
        while self.peek() == "+":
            self.take()
            left = fp.plus(left, self.path())
        return left

    def path(self) -> Compiled:
        start, steps = self.primary()
        while self.peek() == ".":
            self.take()
            steps.append(self.step())
        return fp.chain(start, steps)

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
        if word.isdigit():
            number = int(word)
            return (lambda focus, scope: [number]), []
        if word == "iif" and self.peek() == "(":
            return self.iif(), []
        if word == "(":
            inner = self.comparison()
            self.take(")")
            return inner, []
        if word[0].isalpha() and self.peek() != "(":
            return (lambda focus, scope: [focus]), [self.member(word)]
        raise SyntaxError(word)

    def member(self, name: str) -> Step:
        if name == "value" and self.previous != "answer":
            raise SyntaxError("value outside answer.value: its type is not known here")
        self.previous = name
        return fp.member(name)

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
            return fp.first
        if name == "toString":
            self.take(")")
            return fp.to_string
        if name == "substring":
            return self.substring()
        if name == "join":
            separator = self.take()
            if not separator.startswith("'"):
                raise SyntaxError(separator)
            self.take(")")
            return fp.join(separator[1:-1])
        if name == "where":
            criteria = [self.criterion()]
            while self.peek() == "or":
                self.take()
                criteria.append(self.criterion())
            self.take(")")
            return fp.where(criteria)
        if name == "repeat":
            self.take("item")
            self.take(")")
            return fp.repeat
        raise SyntaxError(name)

    def substring(self) -> Step:
        bounds = [self.take()]
        if self.peek() == ",":
            self.take()
            bounds.append(self.take())
        self.take(")")
        if not all(b.isdigit() for b in bounds):
            raise SyntaxError("substring")
        return fp.substring(*(int(b) for b in bounds))

    def criterion(self) -> tuple[str, str]:
        name = self.take()
        self.take("=")
        literal = self.take()
        if not name[0].isalpha() or not literal.startswith("'"):
            raise SyntaxError(name)
        return name, literal[1:-1]


@cache
def compile_raw(expression: str) -> Compiled | None:
    """``expression`` as a Python function of (focus, :class:`Scope`), or None outside the subset;
    a decimal comes out as the float the JSON had."""
    try:
        parser = _Parser(expression)
        compiled = parser.comparison()
        if parser.peek() is not None:
            return None
    except SyntaxError:
        return None
    return compiled


@cache
def compile_subset(expression: str) -> Compiled | None:
    """:func:`compile_raw` with a decimal as its text, as fhirpathpy's raw data mode gives it."""
    compiled = compile_raw(expression)
    if compiled is None:
        return None
    return lambda focus, scope: [fp.plain(v) for v in compiled(focus, scope)]
