"""Search parameters of Task (https://hl7.org/fhir/R4/task.html#search): the re-integratie
milestones as a worklist, read from the query string into :class:`TaskCriteria`.

The Tasks' state moves with the calendar (:func:`fhir_werk.reintegratie.op_dag`), so ``status``
and ``business-status`` are matched against the state as of today, in Python, not against a
stored column. A parameter the service does not know, one without a value, a date it cannot read
or a prefix it does not support is a 400, as for every other search (:mod:`._search`); repeating a
parameter is AND, commas within one are OR.

``owner`` (a reference in FHIR) takes two forms, because the owners the clock names are contained
resources (a person or organisation from the response, no resource of its own to point at):

- ``Patient/x`` (or ``PractitionerRole/x``, ``Organization/x`` ...): the Tasks whose ``owner``
  references exactly that resource;
- a role code of ``re-integratie-actor`` (``bedrijfsarts``, or ``system|code``): the Tasks whose
  owner acts in that role (the contained owner's role), and those without a named owner whose
  ``performerType`` is that role.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from fhir_werk.reintegratie import datum_van
from fhir_werk.service.core._search import RESULT_PARAMETERS, patient_reference
from fhir_werk.shared import InvalidInputError, bad_request, code_system

Prefix = Literal["eq", "ge", "gt", "le", "lt"]
ACTOR_SYSTEM: Final = code_system("re-integratie-actor")
GRONDSLAG_SYSTEM: Final = code_system("re-integratie-grondslag")
TASK_PARAMETERS: Final = {
    "patient": ("reference", "De patiënt (id of Patient/id)."),
    "subject": ("reference", "Wie het betreft (Patient/id)."),
    "owner": (
        "reference",
        "Wie aan zet is: Patient/id (of een andere referentie), of een rolcode van "
        "re-integratie-actor (bedrijfsarts, werkgever ...; ook system|code).",
    ),
    "performer": ("token", "De rol die aan zet is (performerType; re-integratie-actor)."),
    "status": ("token", "requested | ready | completed … (de stand van vandaag)."),
    "business-status": ("token", "gepland | nu aan de orde | te laat | gedaan (de stand van vandaag)."),
    "period": ("date", "De datum of periode van de mijlpaal (executionPeriod); met eq, ge, gt, le, lt."),
    "code": ("token", "De grondslag (re-integratie-grondslag; code of system|code)."),
}
"""The search parameters, each with its FHIR type and a line for the CapabilityStatement."""
HIDDEN: Final = frozenset({"cancelled", "entered-in-error"})
"""Statuses a search finds only when ``status`` names them: a milestone that no longer applies
(``vervallen``) or whose response was withdrawn."""
_DATE: Final = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


@dataclass(frozen=True)
class TaskCriteria:
    """What a Task search asks for: per parameter, the sets of values that must all match (each
    set one occurrence of the parameter, any of its values)."""

    patients: frozenset[str] | None = None
    conditions: tuple[tuple[str, frozenset[str]], ...] = ()
    periods: tuple[tuple[Prefix, dt.date, dt.date], ...] = ()

    def matches(self, task: Mapping[str, Any]) -> bool:
        """Whether ``task`` (its state already as of today) meets every condition; without a
        ``status`` condition a cancelled or retracted milestone is no longer on any list."""
        if task.get("status") in HIDDEN and not any(name == "status" for name, _ in self.conditions):
            return False
        return all(_MATCHERS[name](task, values) for name, values in self.conditions) and all(
            _in_period(task, prefix, low, high) for prefix, low, high in self.periods
        )


def _refuse(name: str, nl: str, en: str) -> InvalidInputError:
    return InvalidInputError(bad_request(nl, en, name[:40]), 400)


def _codes(codings: Iterable[Any], system: str) -> set[str]:
    found: set[str] = set()
    for coding in codings:
        if isinstance(coding, dict) and coding.get("code"):
            found.add(str(coding["code"]))
            found.add(f"{coding.get('system', '')}|{coding['code']}")
    return {value for value in found if "|" not in value or value.startswith(f"{system}|")}


def _performer_roles(task: Mapping[str, Any]) -> set[str]:
    return {
        code
        for concept in task.get("performerType", [])
        if isinstance(concept, dict)
        for code in _codes(concept.get("coding", []), ACTOR_SYSTEM)
    }


def _owner_roles(task: Mapping[str, Any]) -> set[str]:
    owner = task.get("owner")
    if not isinstance(owner, dict):
        return _performer_roles(task)
    local = str(owner.get("reference", "")).removeprefix("#")
    for contained in task.get("contained", []):
        if isinstance(contained, dict) and contained.get("id") == local:
            key = "code" if contained.get("resourceType") == "PractitionerRole" else "type"
            concepts = contained.get(key)
            return {
                code
                for concept in (concepts if isinstance(concepts, list) else [])
                if isinstance(concept, dict)
                for code in _codes(concept.get("coding", []), ACTOR_SYSTEM)
            }
    return set()


def _owner(task: Mapping[str, Any], values: frozenset[str]) -> bool:
    owner = task.get("owner")
    reference = str(owner.get("reference", "")) if isinstance(owner, dict) else ""
    return any(
        (value == reference if "/" in value.split("|")[-1] else value in _owner_roles(task))
        for value in values
    )


def _status(task: Mapping[str, Any], values: frozenset[str]) -> bool:
    return str(task.get("status")) in values


def _business_status(task: Mapping[str, Any], values: frozenset[str]) -> bool:
    business = task.get("businessStatus")
    return isinstance(business, dict) and str(business.get("text")) in values


def _code(task: Mapping[str, Any], values: frozenset[str]) -> bool:
    concept = task.get("code")
    codings = concept.get("coding", []) if isinstance(concept, dict) else []
    return bool(values & _codes(codings, GRONDSLAG_SYSTEM))


_MATCHERS: Final = {
    "owner": _owner,
    "performer": lambda task, values: bool(values & _performer_roles(task)),
    "status": _status,
    "business-status": _business_status,
    "code": _code,
}


def _span(task: Mapping[str, Any]) -> tuple[dt.date, dt.date] | None:
    """The milestone's first and last day: the period's start and end, one of them when it has
    only one (a date by which, or from which)."""
    period = task.get("executionPeriod") or {}
    end = datum_van(task)
    if end is None:
        return None
    start = dt.date.fromisoformat(str(period["start"])[:10]) if period.get("start") else end
    return start, end


def _in_period(task: Mapping[str, Any], prefix: Prefix, low: dt.date, high: dt.date) -> bool:
    """FHIR's comparison of a range with a date (https://hl7.org/fhir/R4/search.html#prefix):
    ``low``..``high`` is the searched day, month or year (both inclusive)."""
    span = _span(task)
    if span is None:
        return False
    first, last = span
    return {
        "eq": low <= first and last <= high,
        "ge": last >= low,
        "gt": last > high,
        "le": first <= high,
        "lt": first < low,
    }[prefix]


def _period(value: str) -> tuple[Prefix, dt.date, dt.date]:
    prefix, text = (value[:2], value[2:]) if value[:2].isalpha() else ("eq", value)
    found = _DATE.fullmatch(text) if text.isascii() else None
    try:
        if found is None or prefix not in ("eq", "ge", "gt", "le", "lt"):
            raise ValueError(value)
        year, month, day = found.groups()
        if day is not None:
            low = high = dt.date(int(year), int(month), int(day))
        elif month is not None:
            low = dt.date(int(year), int(month), 1)
            high = (low.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        else:
            low, high = dt.date(int(year), 1, 1), dt.date(int(year), 12, 31)
    except ValueError:
        raise _refuse(
            "period",
            f"Ongeldige waarde '{value[:40]}' voor period; gebruik een datum (JJJJ, JJJJ-MM of "
            "JJJJ-MM-DD) met eq, ge, gt, le of lt, bv. ge2027-07-01.",
            f"Invalid value '{value[:40]}' for period; use a date (YYYY, YYYY-MM or YYYY-MM-DD) with "
            "eq, ge, gt, le or lt, e.g. ge2027-07-01.",
        ) from None
    return prefix, low, high  # type: ignore[return-value]


def task_criteria(query: Sequence[tuple[str, str]]) -> TaskCriteria:
    """The criteria of a Task search; 400 for an unknown or malformed parameter."""
    patients: frozenset[str] | None = None
    conditions: list[tuple[str, frozenset[str]]] = []
    periods: list[tuple[Prefix, dt.date, dt.date]] = []
    for name, value in query:
        if name in RESULT_PARAMETERS:
            continue
        values = frozenset(v.strip() for v in value.split(",") if v.strip())
        if name not in TASK_PARAMETERS or not values:
            raise _refuse(
                name,
                f"Zoekparameter '{name[:40]}' wordt niet ondersteund of heeft geen waarde.",
                f"Search parameter '{name[:40]}' is not supported or has no value.",
            )
        if name in ("patient", "subject"):
            found = frozenset(patient_reference(v) for v in values)
            patients = found if patients is None else patients & found
        elif name == "period":
            periods.extend(_period(one) for one in sorted(values))
        else:
            conditions.append((name, values))
    return TaskCriteria(patients, tuple(conditions), tuple(periods))
