"""Search parameters of QuestionnaireResponse (https://hl7.org/fhir/R4/search.html), read from
the query string into :class:`Criteria`; a parameter the service does not know is a 400 (the
strict handling of https://hl7.org/fhir/R4/search.html#errors), never silently ignored."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final, Literal

from fhir_werk.service.core._time import parse_fhir_datetime, sortable
from fhir_werk.shared import InvalidInputError, bad_request

Operator = Literal["ge", "gt", "lt", "le"]
_DIGITS: Final = re.compile(r"[0-9]{1,9}")
RESULT_PARAMETERS: Final = frozenset({"_count", "_offset", "_format", "_summary"})
RESPONSE_PARAMETERS: Final = {
    "subject": ("reference", "Wie de vragenlijst betreft (Patient/id)."),
    "patient": ("reference", "De patiënt (id of Patient/id)."),
    "status": ("token", "in-progress | completed | amended | entered-in-error | stopped"),
    "authored": ("date", "Wanneer ingevuld; met eq, ge, gt, le, lt."),
    "identifier": ("token", "system|value van de response."),
}
"""The search parameters, each with its FHIR type and a line for the CapabilityStatement."""
LIVE_STATUSES: Final = frozenset({"in-progress", "completed", "amended", "entered-in-error", "stopped"})
"""Every FHIR status of a QuestionnaireResponse: a search finds only these, never a deleted one
(whose status column is ``deleted``, :mod:`._deleted`)."""


@dataclass(frozen=True)
class Criteria:
    """What a search asks for; None means no condition on that element."""

    subjects: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None
    identifiers: tuple[str, ...] | None = None
    authored: tuple[tuple[Operator, str], ...] = field(default=())


def _refuse(name: str, nl: str, en: str) -> InvalidInputError:
    return InvalidInputError(bad_request(nl, en, name), 400)


def patient_reference(value: str) -> str:
    """``x``, ``Patient/x`` or a full URL ending in ``Patient/x`` as ``Patient/x``."""
    reference = value.split("/_history/")[0]
    if "/Patient/" in reference:
        reference = "Patient/" + reference.rsplit("/Patient/", 1)[1]
    return reference if reference.startswith("Patient/") else f"Patient/{reference}"


def _end_of(moment: datetime, text: str) -> datetime:
    """The end of the period ``text`` names (a year, a month, a day, a minute or a second)."""
    if len(text) == 4:
        return moment.replace(year=moment.year + 1)
    if len(text) == 7:
        return (moment.replace(day=28) + timedelta(days=4)).replace(day=1)
    if len(text) == 10:
        return moment + timedelta(days=1)
    return moment + (timedelta(seconds=1) if text.count(":") >= 2 else timedelta(minutes=1))


def _date_clauses(value: str) -> list[tuple[Operator, str]]:
    prefix, text = (value[:2], value[2:]) if value[:2].isalpha() else ("eq", value)
    moment = parse_fhir_datetime(text)
    try:
        if moment is None or prefix not in ("eq", "ge", "gt", "lt", "le"):
            raise ValueError(value)
        # The end of year 9999, or a time at the edge of the range in another zone, is no datetime.
        start, end = sortable(moment.astimezone(UTC)), sortable(_end_of(moment, text).astimezone(UTC))
    except (ValueError, OverflowError):
        raise _refuse(
            "authored",
            f"Ongeldige datum '{value[:40]}' voor authored (jaar 0001-9998); gebruik bv. ge2026-01-01.",
            f"Invalid date '{value[:40]}' for authored (year 0001-9998); use e.g. ge2026-01-01.",
        ) from None
    clauses: dict[str, list[tuple[Operator, str]]] = {
        "eq": [("ge", start), ("lt", end)],
        "ge": [("ge", start)],
        "gt": [("ge", end)],
        "lt": [("lt", start)],
        "le": [("lt", end)],
    }
    return clauses[prefix]


def response_criteria(query: Sequence[tuple[str, str]]) -> Criteria:
    """The criteria of a QuestionnaireResponse search; 400 for an unknown or malformed parameter.

    Repeating a parameter is AND, commas within one are OR, as FHIR search defines.
    """
    subjects: set[str] | None = None
    statuses: set[str] | None = None
    identifiers: set[str] | None = None
    authored: list[tuple[Operator, str]] = []
    for name, value in query:
        if name in RESULT_PARAMETERS:
            continue
        values = {v.strip() for v in value.split(",") if v.strip()}
        if name not in RESPONSE_PARAMETERS or not values:
            raise _refuse(
                name[:40],
                f"Zoekparameter '{name[:40]}' wordt niet ondersteund of heeft geen waarde.",
                f"Search parameter '{name[:40]}' is not supported or has no value.",
            )
        if name in ("subject", "patient"):
            found = {patient_reference(v) for v in values}
            subjects = found if subjects is None else subjects & found
        elif name == "status":
            statuses = values if statuses is None else statuses & values
        elif name == "identifier":
            identifiers = values if identifiers is None else identifiers & values
        else:
            for one in values:
                authored.extend(_date_clauses(one))
    return Criteria(
        tuple(sorted(subjects)) if subjects is not None else None,
        tuple(sorted((statuses if statuses is not None else LIVE_STATUSES) & LIVE_STATUSES)),
        tuple(sorted(identifiers)) if identifiers is not None else None,
        tuple(authored),
    )


def patients_asked(query: Sequence[tuple[str, str]], known: Collection[str]) -> set[str] | None:
    """The patients a search by ``patient`` asks for (None: no condition); several values of one
    parameter mean any of them, repeated parameters all of them. 400 for a parameter not in
    ``known`` or without a value."""
    patients: set[str] | None = None
    for name, value in query:
        if name in RESULT_PARAMETERS:
            continue
        values = {patient_reference(v.strip()) for v in value.split(",") if v.strip()}
        if name not in known or not values:
            raise _refuse(
                name[:40],
                f"Zoekparameter '{name[:40]}' wordt niet ondersteund of heeft geen waarde.",
                f"Search parameter '{name[:40]}' is not supported or has no value.",
            )
        patients = values if patients is None else patients & values
    return patients


def paging(query: Mapping[str, str], default: int, maximum: int) -> tuple[int, int]:
    """``_count`` (capped at ``maximum``; 0 for ``_summary=count``) and ``_offset`` from the
    query; 400 when they are not numbers or ``_summary`` is anything else."""
    count_text, offset_text = query.get("_count", str(default)), query.get("_offset", "0")
    # ASCII digits only (str.isdigit also takes '²' and '٣', which int() then refuses or reads);
    # more than nine cannot be a real position and would overflow the database's integer.
    if not (_DIGITS.fullmatch(count_text) and _DIGITS.fullmatch(offset_text)):
        raise _refuse(
            "_count",
            "_count en _offset moeten hele getallen zijn (0 of meer; _offset ten hoogste 999999999).",
            "_count and _offset must be whole numbers (0 or more; _offset at most 999999999).",
        )
    summary = query.get("_summary")
    if summary is not None and summary != "count":
        raise _refuse(
            "_summary",
            "Van _summary wordt alleen 'count' ondersteund (alleen het aantal).",
            "Of _summary only 'count' is supported (the total only).",
        )
    return (0 if summary == "count" else min(int(count_text), maximum)), int(offset_text)
