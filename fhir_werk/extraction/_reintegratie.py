"""The ``re-integratie`` response's extraction: the legal clock as Tasks in the EPD.

The companion Questionnaire carries no templates: its extraction is the clock itself
(:func:`fhir_werk.reintegratie.taken`). The bundle holds the response, one Task per milestone,
a CarePlan "Re-integratie" of the patient with one activity per milestone referencing its Task,
and the Provenance. Tasks and CarePlan are ``PUT`` by their stable id (from the patient and the
legal basis; the plan from the patient): a recomputation updates them in place, so a corrected
first sick day moves every date without a duplicate. The state is the one on the day the response
was authored, so the same response always gives the same bundle; a Task that ``eerdere`` (the
EPD's Tasks of an earlier computation) holds as ``completed`` stays done. An ``entered-in-error``
response retracts them: the same entries, marked entered-in-error.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Final

from fhir_werk.extraction._identity import build_bundle, subject_key
from fhir_werk.extraction._status import ENTERED_IN_ERROR, retracted
from fhir_werk.reintegratie import OngeldigeInvoerError, activiteiten, taken
from fhir_werk.shared import BASE, InvalidInputError, Resource, issue, outcome

__all__ = ["PLAN_IDENTIFIER_SYSTEM", "QUESTIONNAIRE_URL", "reintegratie_bundle"]

QUESTIONNAIRE_URL: Final = f"{BASE}/Questionnaire/re-integratie"
PLAN_IDENTIFIER_SYSTEM: Final = f"{BASE}/NamingSystem/re-integratie-plan"
_NAMESPACE: Final = uuid.UUID("6a1d2c3b-4e5f-5a6b-8c7d-9e0f1a2b3c4d")


def _plan(response: Resource, key: str, tasks: list[Resource]) -> Resource:
    return {
        "resourceType": "CarePlan",
        "id": key,
        "identifier": [{"system": PLAN_IDENTIFIER_SYSTEM, "value": key}],
        "status": "active",
        "intent": "plan",
        "title": "Re-integratie: de wettelijke klok",
        "description": "Elke mijlpaal van de re-integratie een taak: datum, wie aan zet is, grondslag.",
        "subject": dict(response["subject"]),
        "activity": activiteiten(tasks),
    }


def _today(response: Resource) -> dt.date:
    return dt.date.fromisoformat(str(response["authored"])[:10])


def reintegratie_bundle(response: Resource, eerdere: Sequence[Resource] = ()) -> Resource:
    """The transaction Bundle of a valid ``re-integratie`` response (see the module docstring)."""
    key = uuid.uuid5(_NAMESPACE, subject_key(response)).hex
    plan_ref = {"reference": f"CarePlan/{key}"}
    try:
        tasks = taken(response, _today(response), eerdere=eerdere, plan=plan_ref)
    except OngeldigeInvoerError as error:
        found = issue("error", "value", error.melding, error.en, error.waar)
        raise InvalidInputError(outcome([found]), status=422) from None
    bundle = build_bundle(response, [])
    first, provenance = bundle["entry"][0], bundle["entry"][-1]
    resources = [*tasks, _plan(response, key, tasks)]
    if response.get("status") == ENTERED_IN_ERROR:
        resources = [retracted(r) for r in resources]
    entries: list[Resource] = [
        {
            "fullUrl": f"urn:uuid:{uuid.UUID(r['id'])}",
            "resource": r,
            "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
        }
        for r in resources
    ]
    provenance["resource"]["target"] = [{"reference": e["fullUrl"]} for e in entries]
    bundle["entry"] = [first, *entries, provenance]
    return bundle
