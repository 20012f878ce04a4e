"""An AuditEvent for every read of patient data and every write through the API, in the audit
log the deliveries write to (the service database's, :class:`~fhir_werk.service.storage._audit.SqlAuditLog`,
shared by every machine; ``GET /fhir/AuditEvent``).

Shaped after IHE BALP (https://profiles.ihe.net/ITI/BALP/) "RESTful activities": type ``rest``,
subtype the FHIR interaction, the caller as requestor (the token's ``sub``, its client id as the
application; ``lokaal`` in local mode), the patient and each resource read or written as
entities, the HTTP outcome. One event per patient, as BALP asks for a search whose results span
patients. Entities are references only: never answer text, never the token or the query.

The answer is held back until its event is written: nothing of a patient leaves the service
unaudited (an audit log that cannot be written is a 500, not a silent read).
``$validate`` and ``$extract`` are not audited: they read nothing stored and store nothing.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fhir_werk.delivery import AuditStore
from fhir_werk.service.auth._guard import PRINCIPAL
from fhir_werk.service.auth._patient import owner
from fhir_werk.service.auth._scopes import PATIENT_DATA
from fhir_werk.service.auth._tokens import LOCAL, Principal
from fhir_werk.service.core._errors import internal_outcome
from fhir_werk.service.core._http import dumps
from fhir_werk.service.core._routes import Route
from fhir_werk.service.core._search import patient_reference
from fhir_werk.shared import Resource

logger = logging.getLogger("fhir_werk.service")

DCM: Final = "http://dicom.nema.org/resources/ontology/DCM"
EVENT_TYPE: Final = "http://terminology.hl7.org/CodeSystem/audit-event-type"
RESTFUL: Final = "http://hl7.org/fhir/restful-interaction"
ENTITY_TYPE: Final = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE: Final = "http://terminology.hl7.org/CodeSystem/object-role"
_ACTIONS: Final = {
    "read": "R",
    "vread": "R",
    "history-instance": "R",
    "search-type": "E",
    "create": "C",
    "update": "U",
    "delete": "D",
}
_AUDITED_OPERATIONS: Final = frozenset({"delivery", "populate"})
_MAX_ENTITIES: Final = 200


def audited(route: Route) -> bool:
    """True for a route that reads stored patient data or writes."""
    if route.operation in _AUDITED_OPERATIONS:
        return True
    return route.resource in PATIENT_DATA and route.interaction in _ACTIONS


class AccessAudit:
    """ASGI middleware: writes the AuditEvents of the audited routes before their answer goes out."""

    def __init__(
        self, app: ASGIApp, *, routes: Sequence[Route], audit: AuditStore, authenticated: bool
    ) -> None:
        self.app = app
        self.routes = {(r.method, f"/fhir{r.path}"): r for r in routes if audited(r)}
        self.audit = audit
        self.authenticated = authenticated

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; hold an audited route's answer until its events are in the log."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: list[Message] = []
        route: Route | None = None

        async def watched(message: Message) -> None:
            nonlocal route
            if message["type"] == "http.response.start":
                template = str(getattr(scope.get("route"), "path", ""))
                route = self.routes.get((scope["method"], template))
            if route is None:
                await send(message)
            else:
                held.append(message)

        await self.app(scope, receive, watched)
        if route is None:
            return
        principal = scope.get(PRINCIPAL) or (None if self.authenticated else LOCAL)
        if principal is not None:  # no principal with auth on: a 401, nobody to name
            try:
                # In a thread: it may look up a resource's patient, and the database write blocks.
                await run_in_threadpool(self._audit, route, scope, principal, held)
            except Exception as exc:  # noqa: BLE001 - no disclosure without its audit
                logger.error("audit niet geschreven: %s", type(exc).__name__)
                await _internal_error(send, exc)
                return
        for message in held:
            await send(message)

    def _audit(self, route: Route, scope: Scope, principal: Principal, held: list[Message]) -> None:
        for event in access_events(route, scope, principal, held):
            self.audit.write(event)


async def _internal_error(send: Send, exc: Exception) -> None:
    body = dumps(internal_outcome(exc))
    headers = [(b"content-type", b"application/fhir+json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def access_events(route: Route, scope: Scope, principal: Principal, held: list[Message]) -> list[Resource]:
    """The AuditEvents of one answered request: one per patient it touched (at least one)."""
    status = next((int(m["status"]) for m in held if m["type"] == "http.response.start"), 500)
    touched = _touched(route, scope, status, b"".join(m.get("body", b"") for m in held))
    by_patient: dict[str | None, list[str]] = {}
    for reference, patient in touched[:_MAX_ENTITIES]:
        by_patient.setdefault(patient, [])
        if reference:
            by_patient[patient].append(reference)
    if not by_patient:
        by_patient[None] = []
    client = scope.get("client")
    address = str(client[0]) if client else None
    return [
        _event(route, status, principal, patient, references, address)
        for patient, references in sorted(by_patient.items(), key=lambda kv: kv[0] or "")
    ]


def _touched(route: Route, scope: Scope, status: int, body: bytes) -> list[tuple[str | None, str | None]]:
    """(resource reference, patient reference) of what the request read or wrote: the patient
    data in the answer, else what the address names (an error, ``$delivery``, an empty search)."""
    found: list[tuple[str | None, str | None]] = []
    for resource in _answered(body) if status < 300 else []:
        found.append((_reference_of(resource), _patient_of(resource)))
    resource_id = scope.get("path_params", {}).get("id")
    if route.operation == "populate":
        patients = {patient for _, patient in found} or {None}
        return [(f"Questionnaire/{str(resource_id)[:64]}", patient) for patient in patients]
    if found:
        return found
    if resource_id and route.resource in PATIENT_DATA:
        service = scope["app"].state.service
        _, patient = owner(service, route.resource, str(resource_id))
        return [(f"{route.resource}/{str(resource_id)[:64]}", patient)]
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"))
    named = {
        patient_reference(v.strip())
        for name, value in query
        if name in ("patient", "subject")
        for v in value.split(",")
        if v.strip()
    }
    return [(None, patient) for patient in sorted(named)] or [(None, None)]


def _answered(body: bytes) -> list[Resource]:
    """The patient-data resources in an answer: itself, a Bundle's entries, a Parameters' resources."""
    try:
        answer = json.loads(body) if body else None
    except ValueError:
        return []
    if not isinstance(answer, dict):
        return []
    resources: list[object] = [answer]
    if answer.get("resourceType") == "Bundle":
        resources = [e.get("resource") for e in answer.get("entry", []) if isinstance(e, dict)]
    elif answer.get("resourceType") == "Parameters":
        resources = [p.get("resource") for p in answer.get("parameter", []) if isinstance(p, dict)]
    return [r for r in resources if isinstance(r, dict) and r.get("resourceType") in PATIENT_DATA]


def _reference_of(resource: Resource) -> str | None:
    kind, resource_id = resource.get("resourceType"), resource.get("id")
    version = (resource.get("meta") or {}).get("versionId")
    if not isinstance(resource_id, str):
        return None
    return f"{kind}/{resource_id}" + (f"/_history/{version}" if version else "")


def _patient_of(resource: Resource) -> str | None:
    for element in ("subject", "patient", "for"):  # a Task names its patient in "for"
        value = resource.get(element)
        reference = value.get("reference") if isinstance(value, dict) else None
        if isinstance(reference, str) and reference.startswith("Patient/"):
            return reference
    for entity in resource.get("entity", []) if resource.get("resourceType") == "AuditEvent" else []:
        if isinstance(entity, dict) and (entity.get("role") or {}).get("code") == "1":
            reference = (entity.get("what") or {}).get("reference")
            return reference if isinstance(reference, str) else None
    return None


def _event(
    route: Route,
    status: int,
    principal: Principal,
    patient: str | None,
    references: list[str],
    address: str | None,
) -> Resource:
    interaction = route.interaction or "operation"
    who: Resource = {"identifier": {"value": principal.who}}
    if principal.fhir_user and principal.fhir_user != "?":
        # BALP names the user's own FHIR resource beside the token subject when the token has one.
        who["reference"] = principal.fhir_user
    requestor: Resource = {
        "type": {"coding": [{"system": DCM, "code": "110153", "display": "Source Role ID"}]},
        "who": who,
        "requestor": True,
    }
    if address:
        requestor["network"] = {"address": address, "type": "2"}
    agents = [requestor]
    if principal.client:
        agents.append(
            {
                "type": {"coding": [{"system": DCM, "code": "110150", "display": "Application"}]},
                "who": {"identifier": {"value": principal.client}},
                "requestor": False,
            }
        )
    entities: list[Resource] = []
    if patient:
        entities.append(
            {
                "what": {"reference": patient},
                "type": {"system": ENTITY_TYPE, "code": "1", "display": "Person"},
                "role": {"system": OBJECT_ROLE, "code": "1", "display": "Patient"},
            }
        )
    what: list[str | None] = list(references) or [None]
    entities.extend(
        {
            "what": {"reference": reference} if reference else {"type": route.resource},
            "type": {"system": ENTITY_TYPE, "code": "2", "display": "System Object"},
            "role": {"system": OBJECT_ROLE, "code": "4", "display": "Domain Resource"},
        }
        for reference in what
    )
    return {
        "resourceType": "AuditEvent",
        "id": str(uuid.uuid4()),
        "type": {"system": EVENT_TYPE, "code": "rest", "display": "Restful Operation"},
        "subtype": [{"system": RESTFUL, "code": interaction}],
        "action": _ACTIONS.get(str(route.interaction), "E"),
        "recorded": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "outcome": "0" if status < 400 else "4" if status < 500 else "8",
        "outcomeDesc": f"{route.method} /fhir{route.path} → {status}",
        "agent": agents,
        "source": {"observer": {"identifier": {"value": "fhir-werk"}}},
        "entity": entities,
    }
