"""A referral with a life cycle: a ServiceRequest and its coordinating Task (FHIR order workflow).

As HL7 Belgium's referral IG (hl7.fhir.be.drp) uses FHIR's workflow: one Task per order,
``Task.focus`` = the ServiceRequest, the state lives on the Task, only the placer changes the
request. The receiving actor (``Task.owner``) accepts or rejects, starts and completes; the placer
(``Task.requester``) may cancel until the work is done::

    requested ─┬─> accepted ──> in-progress ──> completed
               ├─> rejected         │
               └─> cancelled <──────┘ (also from accepted)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

from fhir_werk.reintegratie._klok import OngeldigeInvoerError
from fhir_werk.shared import code_system

__all__ = ["OVERGANGEN", "TaakStatus", "verder", "verwijzing"]

TaakStatus = Literal["requested", "accepted", "rejected", "cancelled", "in-progress", "completed"]
Wie = Literal["ontvanger", "verwijzer"]

OVERGANGEN: Final[dict[tuple[str, str], Wie]] = {
    ("requested", "accepted"): "ontvanger",
    ("requested", "rejected"): "ontvanger",
    ("requested", "cancelled"): "verwijzer",
    ("accepted", "in-progress"): "ontvanger",
    ("accepted", "rejected"): "ontvanger",
    ("accepted", "cancelled"): "verwijzer",
    ("in-progress", "completed"): "ontvanger",
    ("in-progress", "cancelled"): "verwijzer",
}
"""Every allowed step of the Task and who may take it."""

Resource = dict[str, Any]


def verwijzing(
    *,
    id: str,
    patient: Mapping[str, Any],
    verwijzer: Mapping[str, Any],
    ontvanger: Mapping[str, Any],
    rol: str,
    reden: str,
    datum: str,
) -> tuple[Resource, Resource]:
    """The ServiceRequest to ``ontvanger`` (role ``rol`` of ``re-integratie-actor``) and its Task."""
    request: Resource = {
        "resourceType": "ServiceRequest",
        "id": id,
        "status": "active",
        "intent": "order",
        "code": {"text": f"Verwijzing voor re-integratie: {reden}"},
        "subject": dict(patient),
        "authoredOn": datum,
        "requester": dict(verwijzer),
        "performerType": {"coding": [{"system": code_system("re-integratie-actor"), "code": rol}]},
        "performer": [dict(ontvanger)],
        "reasonCode": [{"text": reden}],
    }
    task: Resource = {
        "resourceType": "Task",
        "id": f"{id}-taak",
        "status": "requested",
        "intent": "order",
        "focus": {"reference": f"ServiceRequest/{id}"},
        "for": dict(patient),
        "authoredOn": datum,
        "requester": dict(verwijzer),
        "owner": dict(ontvanger),
    }
    return request, task


def verder(
    task: Mapping[str, Any], naar: TaakStatus, door: Mapping[str, Any], *, reden: str | None = None
) -> Resource:
    """The Task after the step to ``naar`` taken by ``door`` (a Reference), or an error naming why not.

    Only the owner (the receiving actor) and the requester (the placer) move a Task, each only
    the steps of :data:`OVERGANGEN`; a rejection or cancellation carries ``reden`` as statusReason.
    """
    van = str(task.get("status"))
    wie = OVERGANGEN.get((van, naar))
    if wie is None:
        raise OngeldigeInvoerError(f"Een verwijzing gaat niet van '{van}' naar '{naar}'.", "Task.status")
    rol_ref = task.get("owner" if wie == "ontvanger" else "requester", {}).get("reference")
    if door.get("reference") != rol_ref:
        wie_nl = "de ontvanger (Task.owner)" if wie == "ontvanger" else "de verwijzer (Task.requester)"
        raise OngeldigeInvoerError(f"Alleen {wie_nl} zet een verwijzing op '{naar}'.", "Task.status")
    moved: Resource = {**task, "status": naar}
    if reden is not None:
        moved["statusReason"] = {"text": reden}
    return moved
