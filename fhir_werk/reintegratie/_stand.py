"""A milestone Task's state on a given day, read back from the Task itself.

:func:`fhir_werk.reintegratie.taken` writes the state as of the day it computes (the response's
``authored`` day, so one response always gives the same Tasks). A worklist wants the state of
*today*: :func:`stand` recomputes it from the Task's ``executionPeriod`` with the clock's own rule
(``_klok._status``): a ``completed`` Task is gedaan; a period with only a ``start`` is a
``vanaf`` milestone (due from that day, never late); otherwise the ``end`` is the date by which
it is due, late after it, due now within the period (or the two weeks before a date without one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final

from fhir_werk.reintegratie._klok import BIJNA, Status

__all__ = ["datum_van", "op_dag", "stand"]

_TASK_STATUS: Final[dict[Status, str]] = {
    "gepland": "requested",
    "nu aan de orde": "ready",
    "te laat": "ready",
    "gedaan": "completed",
}
_FINAL: Final = frozenset({"completed", "cancelled", "entered-in-error", "failed", "rejected"})
"""Task statuses the clock no longer moves."""


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def datum_van(task: Mapping[str, Any]) -> dt.date | None:
    """The milestone's date: the ``end`` of the execution period (on or by which it is due), or
    its ``start`` for a milestone that can happen from a date on."""
    period = task.get("executionPeriod") or {}
    return _date(period.get("end")) or _date(period.get("start"))


def stand(task: Mapping[str, Any], vandaag: dt.date) -> Status:
    """The state of a milestone Task on ``vandaag``: gepland, nu aan de orde, te laat or gedaan."""
    if task.get("status") == "completed":
        return "gedaan"
    period = task.get("executionPeriod") or {}
    start, end = _date(period.get("start")), _date(period.get("end"))
    if end is None:
        return "nu aan de orde" if start is not None and vandaag >= start else "gepland"
    if vandaag > end:
        return "te laat"
    return "nu aan de orde" if vandaag >= (start or end - BIJNA) else "gepland"


def op_dag(task: Mapping[str, Any], vandaag: dt.date) -> dict[str, Any]:
    """A copy of ``task`` with ``status`` and ``businessStatus`` as of ``vandaag``; a Task whose
    status is final (completed, cancelled, entered-in-error ...) keeps it."""
    copy = dict(task)
    if task.get("status") in _FINAL and task.get("status") != "completed":
        return copy
    state = stand(task, vandaag)
    copy["status"] = _TASK_STATUS[state]
    copy["businessStatus"] = {"text": state}
    return copy
