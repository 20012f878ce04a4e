"""Answer values of a QuestionnaireResponse: their FHIR R4 types, formats and ordering.

Shared by the validator (type, format and min/max checks) and the enableWhen evaluator
(``=``, ``<`` ... between an answer and an enableWhen answer). Values are the plain JSON
values of ``answer.value[x]``, keyed by their element name (``valueInteger`` ...).

Formats follow the R4 datatype regexes (https://hl7.org/fhir/R4/datatypes.html#primitive);
they are short enough that writing them here beats pulling in a validator for eight patterns.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from typing import Any, Final

# Dutch and English names of each answer type, as a clinician would read them.
VALUE_NAMES: Final[dict[str, tuple[str, str]]] = {
    "valueBoolean": ("ja/nee", "yes/no"),
    "valueDecimal": ("decimaal getal", "decimal number"),
    "valueInteger": ("geheel getal", "whole number"),
    "valueDate": ("datum", "date"),
    "valueDateTime": ("datum en tijd", "date and time"),
    "valueTime": ("tijd", "time"),
    "valueString": ("tekst", "text"),
    "valueUri": ("webadres", "URL"),
    "valueAttachment": ("bijlage", "attachment"),
    "valueCoding": ("code uit een lijst", "coded choice"),
    "valueQuantity": ("hoeveelheid", "quantity"),
    "valueReference": ("verwijzing", "reference"),
}

# Which answer.value[x] each R4 item type takes (QuestionnaireResponse "answer types" table).
VALUE_KEYS_BY_TYPE: Final[dict[str, frozenset[str]]] = {
    "boolean": frozenset({"valueBoolean"}),
    "decimal": frozenset({"valueDecimal"}),
    "integer": frozenset({"valueInteger"}),
    "date": frozenset({"valueDate"}),
    "dateTime": frozenset({"valueDateTime"}),
    "time": frozenset({"valueTime"}),
    "string": frozenset({"valueString"}),
    "text": frozenset({"valueString"}),
    "url": frozenset({"valueUri"}),
    "choice": frozenset({"valueCoding"}),
    "open-choice": frozenset({"valueCoding", "valueString"}),
    "attachment": frozenset({"valueAttachment"}),
    "reference": frozenset({"valueReference"}),
    "quantity": frozenset({"valueQuantity"}),
}

_YEAR = r"[0-9]{4}"
_MONTH = r"(0[1-9]|1[0-2])"
_DAY = r"(0[1-9]|[12][0-9]|3[01])"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?"
_ZONE = r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
DATE_RE: Final = re.compile(rf"{_YEAR}(-{_MONTH}(-{_DAY})?)?")
DATETIME_RE: Final = re.compile(rf"{_YEAR}(-{_MONTH}(-{_DAY}(T{_TIME}{_ZONE})?)?)?")
TIME_RE: Final = re.compile(_TIME)
_INT32: Final = 2**31

Problem = tuple[str, str]
"""Why a value is malformed: (Dutch, English)."""


def _is_number(value: object) -> bool:
    # bool is an int subclass in Python, but JSON true is never a number.
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# What a malformed value "is not", completing "<value> ..." in Dutch and English.
_NOT_VALID: Final[dict[str, Problem]] = {
    "valueBoolean": ("is geen ja/nee-waarde (true of false)", "is not true or false"),
    "valueInteger": ("is geen geheel getal", "is not a whole number"),
    "valueDecimal": ("is geen getal", "is not a number"),
    "valueDate": ("is geen geldige datum (verwacht JJJJ, JJJJ-MM of JJJJ-MM-DD)", "is not a valid date"),
    "valueDateTime": (
        "is geen geldige datum en tijd (verwacht JJJJ-MM-DDTuu:mm:ss+01:00)",
        "is not a valid dateTime",
    ),
    "valueTime": ("is geen geldige tijd (verwacht uu:mm:ss)", "is not a valid time (expected hh:mm:ss)"),
    "valueString": ("is geen (niet-lege) tekst", "is not a non-empty string"),
    "valueUri": ("is geen geldig webadres", "is not a valid URL"),
    "valueAttachment": ("is geen geldige bijlage", "is not a valid attachment"),
}


def _valid_primitive(key: str, value: object) -> bool:
    if key == "valueBoolean":
        return isinstance(value, bool)
    if key == "valueInteger":
        return isinstance(value, int) and not isinstance(value, bool) and -_INT32 <= value < _INT32
    if key == "valueDecimal":
        return _is_number(value)
    if key == "valueDate":
        return isinstance(value, str) and DATE_RE.fullmatch(value) is not None and real_date(value)
    if key == "valueDateTime":
        return isinstance(value, str) and DATETIME_RE.fullmatch(value) is not None and real_date(value)
    if key == "valueTime":
        return isinstance(value, str) and TIME_RE.fullmatch(value) is not None
    if key == "valueString":
        return isinstance(value, str) and value.strip() != ""
    if key == "valueUri":
        return isinstance(value, str) and value != "" and not any(c.isspace() for c in value)
    return isinstance(value, dict) and bool(value)


def real_date(value: str) -> bool:
    """False for a date the regex admits but the calendar does not (2017-02-30)."""
    if len(value) < 10:
        return True
    try:
        date.fromisoformat(value[:10])
    except ValueError:
        return False
    return True


def _check_coding(value: object) -> Problem | None:
    if not isinstance(value, dict) or not isinstance(value.get("code"), str) or not value["code"]:
        return (
            "de gekozen code ontbreekt (valueCoding.code)",
            "the chosen code is missing (valueCoding.code)",
        )
    if "system" in value and not isinstance(value["system"], str):
        return ("het codesysteem is geen tekst", "the code system is not a string")
    return None


def _check_quantity(value: object) -> Problem | None:
    if not isinstance(value, dict) or not _is_number(value.get("value")):
        return ("de hoeveelheid heeft geen getal (value)", "the quantity has no numeric value")
    return None


def _check_reference(value: object) -> Problem | None:
    if not isinstance(value, dict) or not any(k in value for k in ("reference", "identifier", "display")):
        return ("de verwijzing is leeg", "the reference is empty")
    return None


def format_problem(key: str, value: object) -> Problem | None:
    """Why ``value`` is not a valid R4 ``key`` (e.g. ``valueInteger``), or None when it is.

    >>> format_problem("valueInteger", True)
    ('true is geen geheel getal', 'true is not a whole number')
    """
    if key == "valueCoding":
        return _check_coding(value)
    if key == "valueQuantity":
        return _check_quantity(value)
    if key == "valueReference":
        return _check_reference(value)
    if _valid_primitive(key, value):
        return None
    nl, en = _NOT_VALID[key]
    return (f"{_show(value)} {nl}", f"{_show(value)} {en}")


_SHOWN_CHARS: Final = 30
_SHOWN_URL_CHARS: Final = 200


def _show(value: object) -> str:
    """A value as JSON would write it, short (a text is cut: say where, not what)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        cleaned = "".join(c if c.isprintable() else "?" for c in value[:_SHOWN_CHARS])
        return f"'{cleaned}'" if len(value) <= _SHOWN_CHARS else f"'{cleaned[:-1]}…'"
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return str(value)
    if isinstance(value, list):
        return "een lijst"
    if isinstance(value, dict):
        return "een object"
    return "een ongeldig getal" if isinstance(value, float) else "een onbekende waarde"


def show_value(key: str, value: Any) -> str:
    """A short readable form of an answer value for messages (a code shows as ``system|code``)."""
    if key == "valueCoding" and isinstance(value, dict):
        system, code = _text_or(value.get("system"), ""), _text_or(value.get("code"), "?")
        return f"{system}|{code}" if system else code
    if key == "valueQuantity" and isinstance(value, dict):
        unit = _text_or(value.get("unit"), "") or _text_or(value.get("code"), "")
        return f"{_show(value.get('value'))} {unit}".strip()
    if key == "valueReference" and isinstance(value, dict):
        return _text_or(value.get("reference"), "") or _text_or(value.get("display"), "verwijzing")
    return _show(value)


def _text_or(value: object, default: str) -> str:
    """A system, code or reference: shown whole (they are not patient text), but printable."""
    if not isinstance(value, str):
        return default
    cleaned = "".join(c if c.isprintable() else "?" for c in value[:_SHOWN_URL_CHARS])
    return cleaned if len(value) <= _SHOWN_URL_CHARS else cleaned[:-1] + "…"


_FAMILY: Final[dict[str, str]] = {
    "valueInteger": "number",
    "valueDecimal": "number",
    "valueDate": "temporal",
    "valueDateTime": "temporal",
    "valueTime": "time",
    "valueString": "string",
    "valueUri": "string",
    "valueQuantity": "quantity",
}


def _sign(difference: float) -> int:
    return (difference > 0) - (difference < 0)


def _compare_temporal(a: str, b: str) -> int | None:
    if "T" in a and "T" in b:
        moment_a = datetime.fromisoformat(a.replace("Z", "+00:00")).astimezone(UTC)
        moment_b = datetime.fromisoformat(b.replace("Z", "+00:00")).astimezone(UTC)
        return _sign((moment_a - moment_b).total_seconds())
    # Partial dates (``2017``, ``2017-04``) compare on the precision both have; equal on that
    # precision but of different precision is undecided, as in FHIRPath.
    a, b = a[:10], b[:10]
    common = min(len(a), len(b))
    if a[:common] != b[:common]:
        return -1 if a[:common] < b[:common] else 1
    return 0 if len(a) == len(b) else None


def _quantity_unit(value: dict[str, Any]) -> tuple[Any, Any]:
    return (value.get("system"), value.get("code")) if value.get("code") else (None, value.get("unit"))


def compare(key_a: str, a: Any, key_b: str, b: Any) -> int | None:
    """Order two values of compatible types: -1, 0 or 1; None when they cannot be ordered.

    Integers and decimals compare with each other, dates with dateTimes (on the precision both
    have), quantities only in the same unit. Codings, booleans and references have no order:
    use :func:`equal`.
    """
    family = _FAMILY.get(key_a)
    if family is None or family != _FAMILY.get(key_b):
        return None
    try:
        if family == "number":
            return _sign(a - b) if _is_number(a) and _is_number(b) else None
        if family == "temporal":
            return _compare_temporal(a, b)
        if family == "quantity":
            if _quantity_unit(a) != _quantity_unit(b):
                return None
            return _sign(a["value"] - b["value"])
        if isinstance(a, str) and isinstance(b, str):
            return (a > b) - (a < b)
    except (TypeError, ValueError, KeyError):
        return None
    return None


def equal(key_a: str, a: Any, key_b: str, b: Any) -> bool:
    """True when two answer values are equal in the R4 enableWhen sense.

    A Coding matches on system and code (an expected Coding without system matches on code
    alone); a Reference on its ``reference``; other types by value.
    """
    if key_a == "valueCoding" or key_b == "valueCoding":
        if key_a != key_b or not isinstance(a, dict) or not isinstance(b, dict):
            return False
        systems_match = "system" not in b or a.get("system") == b.get("system")
        return systems_match and a.get("code") == b.get("code")
    if key_a == "valueReference" or key_b == "valueReference":
        return key_a == key_b and isinstance(a, dict) and isinstance(b, dict) and _ref(a) == _ref(b)
    if key_a == "valueBoolean" or key_b == "valueBoolean":
        return key_a == key_b and a is b
    return compare(key_a, a, key_b, b) == 0


def _ref(value: dict[str, Any]) -> Any:
    return value.get("reference") or value.get("identifier") or value.get("display")
