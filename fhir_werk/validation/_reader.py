"""Read untrusted bytes as FHIR JSON, within limits, before anything else looks at them.

Implements the JSON layer of https://hl7.org/fhir/R4/json.html that a parser must enforce:
UTF-8 (a byte order mark is tolerated), one JSON value, no duplicate keys in an object, no
``NaN``/``Infinity`` (not JSON), and a ``resourceType`` that says what the resource is. Limits
(:class:`InputLimits`, settable as ``FHIR_WERK_MAX_INPUT_BYTES`` ...) are checked before the
input is decoded or parsed, so a hostile input costs at most one linear scan: the size first,
then the nesting depth by a bracket count that skips string contents (so ``json.loads`` never
recurses deep enough for a ``RecursionError``).

Every failure is an :class:`~fhir_werk.shared.UnreadableInputError` (or its
:class:`~fhir_werk.shared.InputTooLargeError`, HTTP 413, issue code ``too-costly``) carrying an
OperationOutcome with a Dutch message and its English translation; nothing else is raised.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Collection
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, Final, NoReturn

from fhir_werk.shared import (
    InputTooLargeError,
    IssueCode,
    Resource,
    UnreadableInputError,
    issue,
    outcome,
)

_BOM: Final = b"\xef\xbb\xbf"
# A JSON string: quote, runs of plain characters and escapes (possessive, so the engine never
# backtracks), then the closing quote or the end of the text (an unterminated string must not
# send every later quote on its own scan to the end). Removing these leaves only structure.
_STRING: Final = re.compile(r'"(?:[^"\\]++|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKET: Final = re.compile(r"[^\[\]{}]++")
_STEP: Final = {"[": 1, "{": 1, "]": -1, "}": -1}
_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SHOWN_NAME_CHARS: Final = 40


_DEFAULTS: Final = {
    "max_input_bytes": 4_000_000,
    "max_depth": 100,
    "max_repetitions": 1000,
    "max_string_chars": 100_000,
}
_ENV_PREFIX: Final = "fhir_werk_"
_ENV_NAMES: Final = frozenset(_ENV_PREFIX + name for name in _DEFAULTS)


@dataclass(frozen=True, init=False, slots=True)
class InputLimits:
    """What fhir-werk reads at most, per input (env ``FHIR_WERK_MAX_INPUT_BYTES`` ...).

    Past a limit the input is refused with a 413-style OperationOutcome (code ``too-costly``)
    instead of being read: the size and nesting depth by :func:`parse_json`, the repetitions
    and string length by :func:`~fhir_werk.validation.validate_response`. Each limit is the one
    given, else its ``FHIR_WERK_*`` environment variable (names matched without regard to case),
    else the default.
    """

    max_input_bytes: int
    max_depth: int
    """JSON nesting depth (objects and arrays)."""
    max_repetitions: int
    """Answers of one item, or repetitions of one item in one list."""
    max_string_chars: int

    def __init__(
        self,
        *,
        max_input_bytes: int | None = None,
        max_depth: int | None = None,
        max_repetitions: int | None = None,
        max_string_chars: int | None = None,
    ) -> None:
        given = {
            "max_input_bytes": max_input_bytes,
            "max_depth": max_depth,
            "max_repetitions": max_repetitions,
            "max_string_chars": max_string_chars,
        }
        chosen = _DEFAULTS | _from_environment() | {k: v for k, v in given.items() if v is not None}
        for name, value in chosen.items():
            object.__setattr__(self, name, value)


def _from_environment() -> dict[str, int]:
    # pydantic-settings reads and checks the variables, but only when one is set: importing it
    # costs a cold command ~0.1 s, more than all of validation and extraction together.
    if not any(name.lower() in _ENV_NAMES for name in os.environ):
        return {}
    from fhir_werk.validation._environment import limits_from_environment

    return limits_from_environment()


_defaults: dict[tuple[tuple[str, str], ...], InputLimits] = {}


def default_limits() -> InputLimits:
    """``InputLimits()``, made once per setting of the ``FHIR_WERK_*`` environment variables.

    The limits depend on nothing else (no env file, no secrets dir, names matched without regard
    to case), so the ``FHIR_WERK_*`` variables as they are now are the key: a changed variable
    gives new limits, exactly as ``InputLimits()`` would.
    """
    key = tuple(sorted((k, v) for k, v in os.environ.items() if k[:10].lower() == _ENV_PREFIX))
    limits = _defaults.get(key)
    if limits is None:
        limits = InputLimits()
        if len(_defaults) >= 8:
            _defaults.clear()
        _defaults[key] = limits
    return limits


def _what(source: str) -> tuple[str, str]:
    if source == "invoer":
        return "De invoer", "The input"
    return f"Bestand '{source}'", f"File '{source}'"


def _refuse(code: IssueCode, nl: str, en: str, expression: str | None = None) -> NoReturn:
    result = outcome([issue("error", code, nl, en, expression)])
    if code == "too-costly":
        raise InputTooLargeError(result)
    raise UnreadableInputError(result)


def _shown(name: str) -> str:
    """A JSON key or resourceType as it may appear in a message: short, printable."""
    cleaned = "".join(c if c.isprintable() else "?" for c in name[:_SHOWN_NAME_CHARS])
    return cleaned if len(name) <= _SHOWN_NAME_CHARS else cleaned[:-1] + "…"


def _depth(text: str) -> int:
    """The deepest nesting of objects and arrays in ``text``, ignoring brackets inside strings."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


class _Duplicates(dict[str, Any]):
    """An object that had a key twice; marked during parsing, found by :func:`_duplicate_path`."""

    __slots__ = ("duplicate",)
    duplicate: str


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    marked = _Duplicates(result)
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            marked.duplicate = key
            break
        seen.add(key)
    return marked


class _NotJsonError(ValueError):
    """A number or constant that JSON does not allow (NaN, Infinity, an overflowing float)."""


def _constant(name: str) -> NoReturn:
    raise _NotJsonError(name)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotJsonError(text)
    return value


def _member(path: str, key: str) -> str:
    return f"{path}.{key}" if _NAME.fullmatch(key) else f"{path}.`{_shown(key)}`"


def _duplicate_path(value: Any) -> tuple[str, str] | None:
    """The path of the first object with a duplicate key, and that key (document order)."""
    root = "$"
    named = value.get("resourceType") if isinstance(value, dict) else None
    if isinstance(named, str) and _NAME.fullmatch(named):
        root = named
    stack: list[tuple[Any, str]] = [(value, root)]
    while stack:
        current, path = stack.pop()
        if isinstance(current, _Duplicates):
            return path, current.duplicate
        if isinstance(current, dict):
            stack.extend((v, _member(path, k)) for k, v in reversed(current.items()))
        elif isinstance(current, list):
            stack.extend((v, f"{path}[{i}]") for i, v in reversed(list(enumerate(current))))
    return None


def parse_json(data: bytes, *, limits: InputLimits | None = None, source: str = "invoer") -> Any:
    """Parse ``data`` as one JSON value, within ``limits``; ``source`` names it in messages.

    Raises :class:`~fhir_werk.shared.InputTooLargeError` past ``max_input_bytes`` or
    ``max_depth``, and :class:`~fhir_werk.shared.UnreadableInputError` when ``data`` is not
    UTF-8, empty, not JSON (line and column in the message), holds ``NaN``/``Infinity`` or an
    object with a key twice (the object's path in ``expression``).

    >>> parse_json(b'{"resourceType": "Patient"}')
    {'resourceType': 'Patient'}
    """
    limits = limits if limits is not None else default_limits()
    nl_what, en_what = _what(source)
    if len(data) > limits.max_input_bytes:
        _refuse(
            "too-costly",
            f"{nl_what} is te groot ({len(data)} bytes; de grens is {limits.max_input_bytes}).",
            f"{en_what} is too large ({len(data)} bytes; the limit is {limits.max_input_bytes}).",
        )
    raw = bytes(data).removeprefix(_BOM)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        _refuse(
            "structure",
            f"{nl_what} is geen UTF-8-tekst (ongeldige byte op positie {exc.start}).",
            f"{en_what} is not UTF-8 text (invalid byte at position {exc.start}).",
        )
    if not text.strip():
        _refuse("structure", f"{nl_what} is leeg.", f"{en_what} is empty.")
    if (depth := _depth(text)) > limits.max_depth:
        _refuse(
            "too-costly",
            f"{nl_what} is te diep genest ({depth} niveaus; de grens is {limits.max_depth}).",
            f"{en_what} is nested too deeply ({depth} levels; the limit is {limits.max_depth}).",
        )
    try:
        value = json.loads(text, object_pairs_hook=_object, parse_constant=_constant, parse_float=_float)
    except _NotJsonError:
        _refuse(
            "structure",
            f"{nl_what} bevat NaN, Infinity of een getal dat te groot is; dat is geen JSON.",
            f"{en_what} holds NaN, Infinity or a number too large; that is not JSON.",
        )
    except json.JSONDecodeError as exc:
        _refuse(
            "structure",
            f"{nl_what} is geen geldige JSON (regel {exc.lineno}, kolom {exc.colno}).",
            f"{en_what} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).",
        )
    except (ValueError, RecursionError):
        # Integers of more than 4300 digits (int_max_str_digits); depth was checked already.
        _refuse(
            "structure",
            f"{nl_what} bevat een getal dat te lang is om te lezen.",
            f"{en_what} holds a number too long to read.",
        )
    if (duplicate := _duplicate_path(value)) is not None:
        path, key = duplicate
        _refuse(
            "structure",
            f"{nl_what} bevat in één object de sleutel '{_shown(key)}' twee keer ({path}).",
            f"{en_what} has the key '{_shown(key)}' twice in one object ({path}).",
            path,
        )
    return value


def load_resource(
    data: bytes,
    resource_types: str | Collection[str],
    *,
    limits: InputLimits | None = None,
    source: str = "invoer",
) -> Resource:
    """Parse ``data`` (as :func:`parse_json`) and require a resource of one of ``resource_types``.

    Raises :class:`~fhir_werk.shared.UnreadableInputError` when the JSON is not an object or
    its ``resourceType`` is missing or another one (the message names what was found).

    >>> load_resource(b'{"resourceType": "Bundle"}', "Bundle")
    {'resourceType': 'Bundle'}
    """
    expected = (resource_types,) if isinstance(resource_types, str) else tuple(resource_types)
    value = parse_json(data, limits=limits, source=source)
    nl_what, en_what = _what(source)
    wanted = " of ".join(expected)
    wanted_en = " or ".join(expected)
    if not isinstance(value, dict):
        kind_nl, kind_en = _json_kind(value)
        _refuse(
            "structure",
            f"{nl_what} is geen FHIR-resource ({wanted}) maar {kind_nl}.",
            f"{en_what} is no FHIR resource ({wanted_en}) but {kind_en}.",
        )
    found = value.get("resourceType")
    if found in expected:
        return value
    if isinstance(found, str) and _NAME.fullmatch(found):
        nl_found, en_found = f"een {_shown(found)}", f"a {_shown(found)}"
    elif found is None:
        nl_found, en_found = "een object zonder resourceType", "an object without resourceType"
    else:
        nl_found, en_found = (
            "een object met een ongeldige resourceType",
            "an object with an invalid resourceType",
        )
    _refuse(
        "invalid",
        f"{nl_what} is geen {wanted} maar {nl_found}.",
        f"{en_what} is not a {wanted_en} but {en_found}.",
        "resourceType",
    )


def _json_kind(value: Any) -> tuple[str, str]:
    if isinstance(value, list):
        return "een lijst", "a list"
    if isinstance(value, str):
        return "een tekst", "a string"
    if isinstance(value, bool):
        return "een waar/onwaar-waarde", "a boolean"
    if value is None:
        return "null", "null"
    return "een getal", "a number"
