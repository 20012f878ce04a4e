"""``GET /QuestionnaireResponse/{id}/$delivery``: where each target's delivery of the response
stands, as Parameters (one ``delivery`` per target, its latest job).

A Parameters answer rather than a Task per delivery: the outbox job *is* the record, a Task
would be a second copy of it to keep in step, and no EPD reads Tasks of fhir-werk. Parts per
target: ``target``, ``state`` (queued, retrying, delivered, dead, superseded, dropped), ``version``
(of the response), ``attempts``, ``nextTry`` and ``lastError`` while retrying or dead, and one
``written`` per resource the target wrote (type, status, id and version where it has them).
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import Request
from fastapi.responses import Response

from fhir_werk.service.api._response_read import current
from fhir_werk.service.api._service import ServiceDep
from fhir_werk.service.core._http import fhir_response
from fhir_werk.service.core._routes import Route, own_operation
from fhir_werk.service.core._time import instant
from fhir_werk.service.storage import _queue
from fhir_werk.shared import Resource


def _written(entry: dict[str, Any]) -> Resource:
    parts = [
        {"name": name, "valueString": str(entry[key])}
        for name, key in (
            ("resourceType", "resourceType"),
            ("status", "status"),
            ("id", "id"),
            ("versionId", "version"),
            ("location", "location"),
        )
        if entry.get(key) is not None
    ]
    return {"name": "written", "part": parts}


def delivery_part(job: _queue.Job) -> Resource:
    """One target's ``delivery`` parameter."""
    parts: list[Resource] = [
        {"name": "target", "valueString": job.target},
        {"name": "state", "valueCode": job.state},
        {"name": "version", "valueInteger": job.version},
        {"name": "attempts", "valueInteger": job.attempts},
    ]
    if job.state in ("queued", "retrying"):
        parts.append({"name": "nextTry", "valueInstant": instant(job.next_try)})
    if job.last_error and job.state in ("retrying", "dead"):
        parts.append({"name": "lastError", "valueString": job.last_error})
    if job.state == "delivered" and isinstance(job.result, dict):
        parts.extend(_written(e) for e in job.result.get("entries", []))
        if job.result.get("auditEvent"):
            parts.append({"name": "auditEvent", "valueString": str(job.result["auditEvent"])})
    return {"name": "delivery", "part": parts}


def delivery(id: str, request: Request, service: ServiceDep) -> Response:
    """``GET /QuestionnaireResponse/{id}/$delivery``."""
    current(service, id)
    latest: dict[str, _queue.Job] = {}
    for job in _queue.jobs(service.engine, response_id=id):
        latest[job.target] = job  # oldest first: the last one per target is its newest
    parameters = [delivery_part(job) for _, job in sorted(latest.items())]
    return fhir_response(request, {"resourceType": "Parameters", "parameter": parameters})


ROUTES: Final = (
    Route(
        "GET",
        "/QuestionnaireResponse/{id}/$delivery",
        delivery,
        "Stand van de aflevering per doel",
        "QuestionnaireResponse",
        operation="delivery",
        definition=own_operation("delivery"),
    ),
)
