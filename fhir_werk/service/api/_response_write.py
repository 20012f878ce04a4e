"""QuestionnaireResponse create and update (https://hl7.org/fhir/R4/http.html#create, #update).

A write validates the response, extracts the *Werk* Bundle from it and stores response, Bundle
and delivery jobs in one transaction (:meth:`~fhir_werk.service.storage._store.Store.write`); the
answer (201/200) comes only after that commit, so an acknowledged response is never lost.

- create: ``If-None-Exist: identifier=system|value`` makes it conditional (one match: 200 with
  it, nothing stored; more: 412). An identifier that another response already has is a 409 (the
  extraction's identities follow the identifier: two responses must not share one).
- update: an amended response; ``If-Match: W/"n"`` must name the current version (412
  otherwise). The id must exist (405: no client-chosen ids), the body's id must be the URL's
  (400), and the patient cannot change (409).
"""

from __future__ import annotations

from typing import Final
from urllib.parse import parse_qsl

import sqlalchemy as sa
from fastapi import Request
from fastapi.responses import Response

from fhir_werk.service.api._identifier import check_identifier
from fhir_werk.service.api._response_ops import accepted, response_of
from fhir_werk.service.api._review import check_named_goals
from fhir_werk.service.api._service import BodyDep, Service, ServiceDep
from fhir_werk.service.core._bundles import base_url
from fhir_werk.service.core._http import etag, fhir_response, version_of_etag
from fhir_werk.service.core._ids import checked_id
from fhir_werk.service.core._routes import Route
from fhir_werk.service.core._search import response_criteria
from fhir_werk.service.storage._store import Stored, new_id
from fhir_werk.shared import (
    ConflictError,
    FhirWerkError,
    InvalidInputError,
    Resource,
    bad_request,
    conflict,
    issue,
    outcome,
)


def _written(request: Request, stored: Stored, status: int) -> Response:
    location = f"{base_url(request)}/QuestionnaireResponse/{stored.id}/_history/{stored.version}"
    headers = {
        "ETag": etag(stored.version),
        "Location": location,
        "Last-Modified": str(stored.resource["meta"]["lastUpdated"]),
    }
    return fhir_response(request, stored.resource, status, headers)


def _duplicate_identifier() -> ConflictError:
    return ConflictError(
        conflict(
            "Een andere QuestionnaireResponse heeft al deze identifier; werk die bij met PUT.",
            "Another QuestionnaireResponse already has this identifier; update that one with PUT.",
        ),
        409,
    )


def _conditional(service: Service, header: str) -> list[Stored]:
    query = parse_qsl(header, keep_blank_values=True)
    if not query or any(name != "identifier" or not value for name, value in query):
        raise InvalidInputError(
            bad_request(
                "If-None-Exist ondersteunt alleen 'identifier=system|value'.",
                "If-None-Exist supports 'identifier=system|value' only.",
                "If-None-Exist",
            ),
            400,
        )
    _, found = service.store.search(response_criteria(query), 2, 0)
    return found


def _store(service: Service, stored: Stored, expected: int | None) -> Stored:
    try:
        return service.store.write(stored, expected=expected)
    except sa.exc.IntegrityError as exc:
        # The unique identifier index (or a concurrent create of the same id): nothing stored.
        raise _duplicate_identifier() from exc


def create(request: Request, service: ServiceDep, body: BodyDep) -> Response:
    """``POST /QuestionnaireResponse``: validate, store, extract, queue; 201 Location ETag."""
    response = response_of(body, service, "resource")
    condition = request.headers.get("if-none-exist")
    if condition is not None:
        found = _conditional(service, condition)
        if len(found) > 1:
            raise FhirWerkError(
                outcome(
                    [
                        issue(
                            "error",
                            "duplicate",
                            "If-None-Exist past op meer dan één QuestionnaireResponse.",
                            "If-None-Exist matches more than one QuestionnaireResponse.",
                            "If-None-Exist",
                        )
                    ]
                ),
                412,
            )
        if found:
            return _written(request, found[0], 200)
    resource_id = new_id()
    prepared = service.store.prepared(response, resource_id, 1)
    check_identifier(prepared)
    check_named_goals(service.engine, prepared)
    bundle = accepted(service, prepared)
    try:
        return _written(request, _store(service, Stored(resource_id, 1, prepared, bundle), None), 201)
    except ConflictError:
        # A conditional create that lost the race to an identical one: the winner is the answer
        # (200, as when they come one after another), but only if it is of the same patient.
        raced = _conditional(service, condition) if condition is not None else []
        if len(raced) == 1 and _same_patient(raced[0].resource, prepared):
            return _written(request, raced[0], 200)
        raise


def _same_patient(old: Resource, new: Resource) -> bool:
    def reference(resource: Resource) -> object:
        subject = resource.get("subject")
        return subject.get("reference") if isinstance(subject, dict) else None

    return reference(old) == reference(new)


def check_if_match(request: Request, current: Stored) -> None:
    """412 unless the request's ``If-Match`` (when it sends one) names ``current``'s version."""
    wanted = request.headers.get("if-match")
    if wanted is not None and version_of_etag(wanted) != current.version:
        raise ConflictError(
            outcome(
                [
                    issue(
                        "error",
                        "conflict",
                        f"If-Match noemt niet de huidige versie ({etag(current.version)}); lees de "
                        "response opnieuw.",
                        f"If-Match does not name the current version ({etag(current.version)}); read the "
                        "response again.",
                        "If-Match",
                    )
                ]
            ),
            412,
        )


def update(id: str, request: Request, service: ServiceDep, body: BodyDep) -> Response:
    """``PUT /QuestionnaireResponse/{id}``: a new version, re-extracted and queued again."""
    checked_id(id)
    response = response_of(body, service, "resource")
    if response.get("id") != id:
        raise InvalidInputError(
            bad_request(
                "De id in de resource moet gelijk zijn aan de id in de URL.",
                "The id in the resource must equal the id in the URL.",
                "QuestionnaireResponse.id",
            ),
            400,
        )
    current = service.store.read(id)
    if current is None:
        raise FhirWerkError(
            outcome(
                [
                    issue(
                        "error",
                        "not-supported",
                        f"QuestionnaireResponse/{id} bestaat niet; nieuwe responses maakt u met POST "
                        "(de dienst kiest de id).",
                        f"QuestionnaireResponse/{id} does not exist; create new responses with POST "
                        "(the service assigns the id).",
                    )
                ]
            ),
            405,
        )
    check_if_match(request, current)
    if not _same_patient(current.resource, response):
        raise ConflictError(
            conflict(
                "De patiënt (subject) van een opgeslagen QuestionnaireResponse kan niet veranderen.",
                "The patient (subject) of a stored QuestionnaireResponse cannot change.",
            ),
            409,
        )
    version = current.version + 1
    prepared = service.store.prepared(response, id, version)
    check_identifier(prepared)
    check_named_goals(service.engine, prepared)
    bundle = accepted(service, prepared)
    return _written(request, _store(service, Stored(id, version, prepared, bundle), current.version), 200)


ROUTES: Final = (
    Route(
        "POST",
        "/QuestionnaireResponse",
        create,
        "QuestionnaireResponse aanmaken",
        "QuestionnaireResponse",
        "create",
        body=True,
    ),
    Route(
        "PUT",
        "/QuestionnaireResponse/{id}",
        update,
        "QuestionnaireResponse bijwerken (amended)",
        "QuestionnaireResponse",
        "update",
        body=True,
    ),
)
