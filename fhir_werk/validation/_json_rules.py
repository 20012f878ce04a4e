"""The FHIR JSON rules for one value, shared by the typed walk of :mod:`._structure`.

https://hl7.org/fhir/R4/json.html: no ``null``, ``""``, ``[]`` or ``{}``; each element of its
JSON type; strings without control characters (other than tab, CR, LF) or lone surrogates; ids
``[A-Za-z0-9\\-\\.]{1,64}``; an Extension with a ``url`` and either a value or nested
extensions (ext-1); no ``modifierExtension`` (fhir-werk understands none, so must refuse it:
https://hl7.org/fhir/R4/extensibility.html#modifierExtension). :meth:`Rules.generic` applies
what every FHIR JSON value obeys to a type without a row in the element table.
"""

from __future__ import annotations

import math
import re
from typing import Any, Final

from fhir_werk.shared import IssueCode, Resource, issue
from fhir_werk.validation._elements import INTEGERS, PRIMITIVES
from fhir_werk.validation._reader import InputLimits

_ID: Final = re.compile(r"[A-Za-z0-9\-.]{1,64}")
NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FORBIDDEN_CHAR: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_SHOWN: Final = 40
_INT_RANGE: Final = {"integer": -(2**31), "unsignedInt": 0, "positiveInt": 1}
_STRING_PRIMITIVES: Final = frozenset(PRIMITIVES - INTEGERS - {"boolean", "decimal"})
"""The primitives written as a JSON string (those for which :func:`_fits` asks for a str)."""

# What a JSON value is, completing "expected …" / "got …".
_KIND_STRING: Final = ("een tekst", "a string")
_KIND_BOOLEAN: Final = ("true of false", "true or false")
_KIND_INTEGER: Final = ("een geheel getal", "a whole number")
_KIND_NUMBER: Final = ("een getal", "a number")
KIND_OBJECT: Final = ("een object", "an object")
KIND_ARRAY: Final = ("een lijst", "an array")
_EMPTY_OBJECT: Final = ("is een leeg object", "is an empty object")


def fine_string(type_name: str, value: Any, max_chars: int) -> bool:
    """True for the usual value: a filled-in, well-formed string of a string-like primitive
    within ``max_chars``, of which :meth:`Rules.primitive` would report nothing."""
    return (
        type(value) is str
        and type_name in _STRING_PRIMITIVES
        and 0 < len(value) <= max_chars
        and _FORBIDDEN_CHAR.search(value) is None
        and (type_name != "id" or _ID.fullmatch(value) is not None)
    )


def kind_of(value: Any) -> tuple[str, str]:
    if value is None:
        return "null", "null"
    if isinstance(value, bool):
        return _KIND_BOOLEAN
    if isinstance(value, int):
        return _KIND_INTEGER
    if isinstance(value, float):
        return _KIND_NUMBER if math.isfinite(value) else ("een ongeldig getal", "an invalid number")
    if isinstance(value, str):
        return _KIND_STRING
    if isinstance(value, list):
        return KIND_ARRAY
    if isinstance(value, dict):
        return KIND_OBJECT
    return "een onbekende waarde", "an unknown value"


def expected_kind(type_name: str) -> tuple[str, str]:
    if type_name == "boolean":
        return _KIND_BOOLEAN
    if type_name in INTEGERS:
        return _KIND_INTEGER
    if type_name == "decimal":
        return _KIND_NUMBER
    return _KIND_STRING if type_name in PRIMITIVES else KIND_OBJECT


def _fits(type_name: str, value: Any) -> bool:
    if type_name == "boolean":
        return isinstance(value, bool)
    if type_name in INTEGERS:
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "decimal":
        return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if type_name in PRIMITIVES:
        return isinstance(value, str)
    return isinstance(value, dict)


def shown(name: str) -> str:
    """A JSON key as it may appear in a message: short, printable."""
    cleaned = "".join(c if c.isprintable() else "?" for c in name[:_SHOWN])
    return cleaned if len(name) <= _SHOWN else cleaned[:-1] + "…"


def member(path: str, key: str) -> str:
    return f"{path}.{key}" if NAME.fullmatch(key) else f"{path}.`{shown(key)}`"


class Rules:
    """Collects the issues of one walk (``issues``, in document order) and checks single values."""

    def __init__(self, limits: InputLimits) -> None:
        self.limits = limits
        self.issues: list[Resource] = []

    def add(self, code: IssueCode, nl: str, en: str, path: str) -> None:
        self.issues.append(issue("error", code, nl, en, path))

    def empty(self, value: Any, name: str, path: str) -> bool:
        """Report ``null``, ``""``, ``[]`` and ``{}``; True when ``value`` is one of them."""
        kind = type(value)
        # The walk asks this of every value (about a thousand per response): answer the usual
        # JSON values without the comparisons below (a number or boolean is never empty).
        if (kind is str or kind is dict or kind is list) and value:
            return False
        if kind is int or kind is bool or kind is float:
            return False
        if value is None:
            nl, en = "is null", "is null"
        elif value == "" and isinstance(value, str):
            nl, en = "is een lege tekst", "is an empty string"
        elif isinstance(value, list | dict) and not value:
            nl, en = ("is een lege lijst", "is an empty array") if isinstance(value, list) else _EMPTY_OBJECT
        else:
            return False
        self.add(
            "structure",
            f"'{name}' {nl}; in FHIR JSON wordt een element zonder waarde weggelaten.",
            f"'{name}' {en}; in FHIR JSON an element without a value is left out.",
            path,
        )
        return True

    def string(self, value: str, name: str, path: str) -> None:
        """Control characters, lone surrogates and the length limit."""
        if len(value) > self.limits.max_string_chars:
            self.add(
                "too-costly",
                f"'{name}' is {len(value)} tekens lang; de grens is {self.limits.max_string_chars}.",
                f"'{name}' is {len(value)} characters long; the limit is {self.limits.max_string_chars}.",
                path,
            )
            return
        found = _FORBIDDEN_CHAR.search(value)
        if found is None:
            return
        at = found.start() + 1
        if "\ud800" <= found.group() <= "\udfff":
            nl = f"'{name}' bevat een losse surrogaat (teken {at}); dat is geen geldige Unicode-tekst."
            en = f"'{name}' holds a lone surrogate (character {at}); that is not valid Unicode text."
        else:
            nl = f"'{name}' bevat een stuurteken (teken {at}); alleen tab en regeleinde zijn toegestaan."
            en = f"'{name}' holds a control character (character {at}); only tab and line breaks are allowed."
        self.add("value", nl, en, path)

    def primitive(self, type_name: str, value: Any, name: str, path: str) -> None:
        """One primitive value (not null): its JSON type, then its string or number rules."""
        if type(value) is str and value and type_name in _STRING_PRIMITIVES:
            # The usual case, a filled-in text of a string-like type: what the branches below
            # do for it, without asking _fits and empty first.
            self.string(value, name, path)
            if type_name == "id":
                self.id_rule(value, name, path)
            return
        if not _fits(type_name, value):
            self.wrong_kind(expected_kind(type_name), value, name, path)
        elif isinstance(value, str):
            if not self.empty(value, name, path):
                self.string(value, name, path)
                if type_name == "id":
                    self.id_rule(value, name, path)
        elif type_name in _INT_RANGE and not _INT_RANGE[type_name] <= value < 2**31:
            self.add(
                "value",
                f"'{name}' ligt buiten het bereik van {type_name}.",
                f"'{name}' is out of the range of {type_name}.",
                path,
            )

    def id_rule(self, value: str, name: str, path: str) -> None:
        if _ID.fullmatch(value) is None:
            self.add(
                "value",
                f"'{name}' is geen geldige id: 1 tot 64 letters, cijfers, '-' of '.'.",
                f"'{name}' is not a valid id: 1 to 64 letters, digits, '-' or '.'.",
                path,
            )

    def wrong_kind(self, expected: tuple[str, str], value: Any, name: str, path: str) -> None:
        got = kind_of(value)
        self.add(
            "structure",
            f"'{name}' heeft de verkeerde JSON-soort: verwacht {expected[0]}, gekregen {got[0]}.",
            f"'{name}' has the wrong JSON type: expected {expected[1]}, got {got[1]}.",
            path,
        )

    def too_many(self, count: int, name: str, path: str) -> None:
        limit = self.limits.max_repetitions
        self.add(
            "too-costly",
            f"'{name}' komt {count} keer voor; de grens is {limit}.",
            f"'{name}' occurs {count} times; the limit is {limit}.",
            path,
        )

    # --- objects ----------------------------------------------------------------------------

    def modifier_extension(self, value: Any, path: str) -> None:
        urls = [e.get("url") for e in value if isinstance(e, dict)] if isinstance(value, list) else []
        named = next((u for u in urls if isinstance(u, str) and u), None)
        about = f" ('{shown(named)}')" if named else ""
        self.add(
            "structure",
            f"fhir-werk begrijpt deze modifierExtension{about} niet; een resource met een "
            "onbegrepen modifierExtension moet worden geweigerd.",
            f"fhir-werk does not understand this modifierExtension{about}; a resource with a "
            "modifier extension that is not understood must be refused.",
            path,
        )

    def extension_rules(self, ext: Resource, path: str) -> None:
        url = ext.get("url")
        values = [k for k in ext if k.startswith("value") or k.startswith("_value")]
        about = f" '{shown(url)}'" if isinstance(url, str) and url else ""
        if "url" not in ext:
            self.add("required", "Een extensie heeft geen 'url'.", "An extension has no 'url'.", path)
        if len({k.lstrip("_") for k in values}) > 1:
            self.add(
                "structure",
                f"Extensie{about} heeft meer dan één waarde (value[x]).",
                f"Extension{about} has more than one value (value[x]).",
                path,
            )
        elif bool(values) == ("extension" in ext):
            self.add(
                "invariant",
                f"Extensie{about} moet óf een waarde (value[x]) óf geneste extensies hebben (ext-1).",
                f"Extension{about} must have either a value (value[x]) or nested extensions (ext-1).",
                path,
            )

    def generic(self, value: Any, path: str) -> None:
        """A value of a type without a row in the table: the rules every FHIR JSON value obeys."""
        stack: list[tuple[Any, str, str, bool]] = [(value, path, path.rpartition(".")[2], False)]
        while stack:
            current, where, name, placeholder_ok = stack.pop()
            if current is None and placeholder_ok:
                continue
            if self.empty(current, name, where):
                continue
            if isinstance(current, str):
                self.string(current, name, where)
                if name == "id":
                    self.id_rule(current, name, where)
            elif isinstance(current, float) and not math.isfinite(current):
                self.wrong_kind(_KIND_NUMBER, current, name, where)
            elif isinstance(current, list):
                # A list in a list: FHIR JSON has none.
                self.wrong_kind(KIND_OBJECT, current, name, where)
            elif isinstance(current, dict):
                for key in reversed(list(current)):
                    if key == "modifierExtension":
                        self.modifier_extension(current[key], f"{where}.{key}")
                        continue
                    sub, value = member(where, key), current[key]
                    if not isinstance(value, list):
                        stack.append((value, sub, key, False))
                        continue
                    # Entries of x and _x may be null where the other array holds that position.
                    other = current.get(key[1:] if key.startswith("_") else "_" + key)
                    if len(value) > self.limits.max_repetitions:
                        self.too_many(len(value), key, sub)
                    elif not self.empty(value, key, sub):
                        stack.extend(
                            (v, f"{sub}[{i}]", key, holds(other, i))
                            for i, v in reversed(list(enumerate(value)))
                        )


def holds(placeholders: Any, position: int) -> bool:
    if not isinstance(placeholders, list) or position >= len(placeholders):
        return False
    return placeholders[position] is not None
