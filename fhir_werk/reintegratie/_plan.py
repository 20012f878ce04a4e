"""The clock in the Werk plan: a ``re-integratie`` response in, one FHIR Task per milestone out.

Each milestone becomes a Task (FHIR R4 workflow) that the EPD's own worklists can show:
``code`` the legal basis (CodeSystem ``re-integratie-grondslag``), ``executionPeriod`` (and
``restriction.period``) the date or period, so a server's period search finds them,
``performerType`` the role (a code of ``re-integratie-actor`` where one fits), ``owner`` the
person or organisation the response names for that role (contained, with how to reach them), or
the patient where the patient acts; ``status`` ``completed`` when done, ``ready`` when due now or
late and ``requested`` when planned, with ``businessStatus`` the state in Dutch (gepland / nu aan
de orde / te laat / gedaan). The CarePlan Werk lists them as activities (:func:`activiteiten`).

Recomputed from the answers every time: a corrected first sick day moves every date, a Belgian
decision adds its own deadline. The identity of a Task is the patient and the legal basis, so a
recomputed Task replaces the earlier one in place; one that was ``completed`` stays done
(:func:`taken` reads ``eerdere``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal, cast

from fhir_werk.reintegratie._eigenaar import Betrokkene, betrokkenen, eigenaar, rol_codes
from fhir_werk.reintegratie._klok import Antwoorden, Land, Mijlpaal, OngeldigeInvoerError, Status, mijlpalen
from fhir_werk.shared import BASE, code_system

__all__ = ["IDENTIFIER_SYSTEM", "activiteiten", "antwoorden_uit", "taken"]

IDENTIFIER_SYSTEM: Final = f"{BASE}/NamingSystem/re-integratie-mijlpaal"
_NAMESPACE: Final = uuid.UUID("0b7f0e52-8d8c-5c55-a1a4-3c2b9e1d7f60")

Resource = dict[str, Any]


def _answers(items: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in items:
        for answer in item.get("answer", []):
            value = next((v for k, v in answer.items() if k.startswith("value")), None)
            if value is not None:
                found.setdefault(str(item.get("linkId")), value)
        found |= {k: v for k, v in _answers(item.get("item", [])).items() if k not in found}
    return found


def _date(answers: Mapping[str, Any], link_id: str) -> dt.date | None:
    value = answers.get(link_id)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise OngeldigeInvoerError(
            f"Het antwoord bij {link_id} is geen volledige datum (JJJJ-MM-DD).", link_id
        ) from None


def _code(answers: Mapping[str, Any], link_id: str) -> str | None:
    value = answers.get(link_id)
    return str(value.get("code")) if isinstance(value, Mapping) and value.get("code") else None


def antwoorden_uit(response: Mapping[str, Any], gedaan: Iterable[str] = ()) -> Antwoorden:
    """The clock's answers from a response to the ``re-integratie`` Questionnaire (by linkId)."""
    answers = _answers(response.get("item", []))
    land = _code(answers, "ri-land")
    if land not in ("nl", "be"):
        raise OngeldigeInvoerError("Kies het land (Nederland of België).", "ri-land")
    eerste = _date(answers, "ri-eerste-ziektedag")
    if eerste is None:
        raise OngeldigeInvoerError("De eerste ziektedag ontbreekt.", "ri-eerste-ziektedag")
    return Antwoorden(
        land=cast(Land, land),
        eerste_ziektedag=eerste,
        situatie=_code(answers, f"ri-situatie-{land}"),
        start_traject=_date(answers, "ri-start-traject"),
        beslissing=cast(Literal["A", "B", "C"] | None, _code(answers, "ri-beslissing")),
        beslissingsdatum=_date(answers, "ri-beslissingsdatum"),
        probleemanalyse_op=_date(answers, "ri-probleemanalyse-op"),
        plan_van_aanpak_op=_date(answers, "ri-plan-van-aanpak-op"),
        einddatum_ongeschiktheid=_date(answers, "ri-einddatum"),
        gedaan=frozenset(gedaan),
    )


def _code_of(task: Mapping[str, Any]) -> str | None:
    for coding in task.get("code", {}).get("coding", []):
        if coding.get("system") == code_system("re-integratie-grondslag"):
            return str(coding.get("code"))
    return None


_TASK_STATUS: Final[dict[Status, str]] = {
    "gepland": "requested",
    "nu aan de orde": "ready",
    "te laat": "ready",
    "gedaan": "completed",
}
"""FHIR's Task status per state: ``ready`` is what a worklist shows as due (now or late)."""


def _key(subject: Mapping[str, Any], code: str) -> str:
    """The Task's id: the patient and the legal basis (a recomputation replaces it in place)."""
    # Type/id of the reference: an absolute URL or a _history suffix names the same patient, and
    # must give the same Tasks, not a second set.
    reference = str(subject.get("reference")).split("/_history/")[0]
    patient = "/".join(reference.rstrip("/").split("/")[-2:])
    return str(uuid.uuid5(_NAMESPACE, f"{patient}|{code}")).replace("-", "")


_GONE: Final = frozenset({"completed", "cancelled", "entered-in-error"})


def _vervallen(task: Mapping[str, Any]) -> Resource:
    """An earlier Task whose milestone no longer applies (a Belgian decision changed, a date
    moved): cancelled, so no worklist keeps showing it, under its own id."""
    copy = {k: v for k, v in task.items() if k != "meta"}
    return copy | {
        "status": "cancelled",
        "businessStatus": {"text": "vervallen"},
        "statusReason": {"text": "Geldt niet meer na de gewijzigde antwoorden."},
    }


def _task(
    mijlpaal: Mijlpaal,
    subject: Mapping[str, Any],
    plan: Mapping[str, Any] | None,
    actors: Sequence[Betrokkene] = (),
) -> Resource:
    key = _key(subject, mijlpaal.code)
    period = (
        {"start": mijlpaal.datum.isoformat()}
        if mijlpaal.soort == "vanaf"
        else {"end": mijlpaal.datum.isoformat()}
    )
    if mijlpaal.vanaf is not None:
        period["start"] = mijlpaal.vanaf.isoformat()
    task: Resource = {
        "resourceType": "Task",
        "id": key,
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": key}],
        "status": _TASK_STATUS[mijlpaal.status],
        "businessStatus": {"text": mijlpaal.status},
        "intent": "plan",
        "code": {
            "coding": [
                {
                    "system": code_system("re-integratie-grondslag"),
                    "code": mijlpaal.code,
                    "display": mijlpaal.wat,
                }
            ],
            "text": mijlpaal.wat,
        },
        "description": f"{mijlpaal.wat} ({mijlpaal.soort} {mijlpaal.datum.isoformat()})",
        "for": dict(subject),
        "executionPeriod": dict(period),
        "restriction": {"period": period},
        "performerType": [{"coding": rol_codes(mijlpaal.code), "text": mijlpaal.wie}],
        "note": [{"text": f"{mijlpaal.telling} Bron: {mijlpaal.bron}."}],
    }
    if not task["performerType"][0]["coding"]:
        del task["performerType"][0]["coding"]
    owner = eigenaar(mijlpaal.code, subject, actors)
    if owner is not None:
        reference, contained = owner
        if contained is not None:
            task["contained"] = [contained]
        task["owner"] = reference
    if plan is not None:
        task["basedOn"] = [dict(plan)]
    return _in_order(task)


def _in_order(task: Resource) -> Resource:
    """``contained`` right after ``id``, as FHIR JSON lists it: easier to read."""
    head = {k: task[k] for k in ("resourceType", "id", "contained") if k in task}
    return head | {k: v for k, v in task.items() if k not in head}


def taken(
    response: Mapping[str, Any],
    vandaag: dt.date,
    *,
    eerdere: Sequence[Mapping[str, Any]] = (),
    plan: Mapping[str, Any] | None = None,
) -> list[Resource]:
    """One Task per milestone of the response's answers, with its state on ``vandaag``.

    ``eerdere``: the Tasks of an earlier computation (from the EPD); those ``completed`` stay done.
    One of this patient's (its id is the one this patient's milestone has) that is still open but
    no longer applies comes back ``cancelled`` (businessStatus ``vervallen``), after the others.
    ``plan``: a Reference to the CarePlan Werk, set as ``basedOn``.
    """
    done = {code for task in eerdere if task.get("status") == "completed" and (code := _code_of(task))}
    subject = response.get("subject") or {}
    actors = betrokkenen(response)
    current = [
        _task(m, subject, plan, actors)
        for m in mijlpalen(antwoorden_uit(response, done), vandaag, aanzetten=True)
    ]
    codes = {_code_of(task) for task in current}
    stale = [
        _vervallen(task)
        for task in eerdere
        if (code := _code_of(task)) is not None
        and code not in codes
        and task.get("status") not in _GONE
        and task.get("id") == _key(subject, code)
    ]
    return current + stale


def activiteiten(tasks: Iterable[Mapping[str, Any]]) -> list[Resource]:
    """The CarePlan Werk's activities for ``tasks``: each a reference to its Task (not one that is
    cancelled or entered in error)."""
    return [
        {"reference": {"reference": f"Task/{task['id']}", "display": task["code"]["text"]}}
        for task in tasks
        if task.get("status") not in ("cancelled", "entered-in-error")
    ]
