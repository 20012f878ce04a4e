"""What a ``patient/`` token may reach: its own patient's data (the SMART launch context's
``patient`` claim), nothing of another patient.

- a search is narrowed to the patient (``patient=<id>`` is added) when it names none, and
  refused (403) when it names another;
- a read (also vread, ``_history``, ``$delivery``, an update's target) of another patient's
  resource is 403. Not 404: the ids are random (uuid4), so a 403 tells nothing about who a
  resource is of, while a 404 would make a wrong-patient bug in an app look like data that was
  lost; issue 11 asks for 403 as well. An id that does not exist stays 404 (the route says so);
- a create or update (and ``$validate``/``$extract``/``$populate``) whose body is about another
  subject is 403, and so is a conditional create (``If-None-Exist``) that would answer with
  another patient's response.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import quote

import sqlalchemy as sa
from fastapi import Request

from fhir_werk.service.api._response_ops import response_of
from fhir_werk.service.api._response_write import _conditional as conditional
from fhir_werk.service.api._service import Service
from fhir_werk.service.auth._scopes import PATIENT_DATA
from fhir_werk.service.core._http import parse_resource, read_body
from fhir_werk.service.core._references import populate_subject, reference_of
from fhir_werk.service.core._routes import Route
from fhir_werk.service.core._search import patient_reference
from fhir_werk.service.storage._audit import SqlAuditLog
from fhir_werk.service.storage._schema import plan_resources
from fhir_werk.shared import FhirWerkError, Resource, forbidden

_PATIENT_PARAMETERS: Final = ("patient", "subject")
_BODY_PARAMETER: Final = {"extract": "questionnaire-response"}
"""The Parameters name that holds the response (``resource`` for create, update, ``$validate``)."""


def other_patient() -> FhirWerkError:
    """403: the token's patient is not the patient of what was asked."""
    return FhirWerkError(
        forbidden(
            "Dit token geeft alleen toegang tot de gegevens van zijn eigen patiënt.",
            "This token grants access to its own patient's data only.",
        ),
        403,
    )


def owner(service: Service, kind: str, resource_id: str) -> tuple[bool, str | None]:
    """Whether ``kind/resource_id`` exists, and its patient reference (``Patient/x``)."""
    if kind == "QuestionnaireResponse":
        stored = service.store.read(resource_id) if len(resource_id) <= 64 else None
        if stored is None:
            return False, None
        subject = stored.resource.get("subject")
        reference = subject.get("reference") if isinstance(subject, dict) else None
        return True, reference if isinstance(reference, str) else None
    if kind == "AuditEvent":
        return SqlAuditLog(service.engine).owner(resource_id[:64])
    with service.engine.connect() as db:
        row = db.execute(
            sa.select(plan_resources.c.patient).where(
                plan_resources.c.resource_type == kind, plan_resources.c.id == resource_id[:64]
            )
        ).first()
    return (row is not None, row[0] if row is not None else None)


async def check_patient(request: Request, route: Route, service: Service, patient: str | None) -> None:
    """Raise 403 unless the request stays within ``patient``'s data; narrow a search to it."""
    if patient is None:
        # A patient/ scope without the launch context names no patient: it reaches no one.
        raise FhirWerkError(
            forbidden(
                "Een patient/-scope vraagt om de claim 'patient' (SMART-startcontext) in het token.",
                "A patient/ scope needs the 'patient' claim (SMART launch context) in the token.",
            ),
            403,
        )
    own = f"Patient/{patient}"
    if route.resource in PATIENT_DATA and route.interaction == "search-type":
        _narrow(request, own)
    if route.resource in PATIENT_DATA and "id" in request.path_params:
        exists, found = owner(service, route.resource, str(request.path_params["id"]))
        if exists and found != own:
            raise other_patient()
    writes_for = route.body and (route.resource == "QuestionnaireResponse" or route.operation == "populate")
    if writes_for and _subject_of(await _body(request, service), route, service) != own:
        raise other_patient()
    condition = request.headers.get("if-none-exist")
    # A conditional create answers with the response it finds: that must be the patient's own.
    matches = conditional(service, condition) if route.interaction == "create" and condition else []
    if any(_reference(found.resource.get("subject")) != own for found in matches):
        raise other_patient()


def _narrow(request: Request, own: str) -> None:
    named = [
        value.strip()
        for name, values in request.query_params.multi_items()
        if name in _PATIENT_PARAMETERS
        for value in values.split(",")
        if value.strip()
    ]
    if any(patient_reference(value) != own for value in named):
        raise other_patient()
    if named:
        return
    query = request.scope.get("query_string", b"").decode("latin-1")
    added = f"patient={quote(own.removeprefix('Patient/'), safe='')}"
    request.scope["query_string"] = (f"{query}&{added}" if query else added).encode("latin-1")
    # Starlette caches the parsed query and URL on the request the route will get: drop them.
    for cached in ("_query_params", "_url"):
        request.__dict__.pop(cached, None)


async def _body(request: Request, service: Service) -> bytes:
    data = await read_body(request, service.settings.max_body_bytes)
    # The route reads the body again through request.stream(), which replays a cached _body.
    request._body = data
    return data


def _subject_of(data: bytes, route: Route, service: Service) -> str | None:
    """The patient reference the body is about (an unreadable body raises the route's own 400)."""
    limit = service.settings.max_body_bytes
    if route.operation == "populate":
        return f"Patient/{populate_subject(parse_resource(data, 'Parameters', limit))}"
    resource: Resource = response_of(data, service, _BODY_PARAMETER.get(str(route.operation), "resource"))
    return _reference(resource.get("subject"))


def _reference(value: object) -> str | None:
    # Normalised as every reference the policy sees (absolute URL, _history); not a Patient: no one.
    found = reference_of(value)
    return f"Patient/{found[1]}" if found is not None and found[0] == "Patient" else None
