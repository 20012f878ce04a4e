"""QuestionnaireResponse read, vread, ``_history`` and search
(https://hl7.org/fhir/R4/http.html#read, #vread, #history, https://hl7.org/fhir/R4/search.html)."""

from __future__ import annotations

from typing import Final

from fastapi import Request
from fastapi.responses import Response

from fhir_werk.service.api._service import Service, ServiceDep
from fhir_werk.service.core._bundles import history as history_bundle
from fhir_werk.service.core._bundles import searchset
from fhir_werk.service.core._deleted import gone, is_deleted
from fhir_werk.service.core._http import etag, fhir_response
from fhir_werk.service.core._ids import checked_id
from fhir_werk.service.core._routes import Route
from fhir_werk.service.core._search import RESPONSE_PARAMETERS, paging, response_criteria
from fhir_werk.service.storage._store import Stored
from fhir_werk.shared import NotFoundError, not_found


def _missing(what: str) -> NotFoundError:
    return NotFoundError(not_found(f"{what} bestaat niet.", f"{what} does not exist."), 404)


def _answer(request: Request, stored: Stored) -> Response:
    headers = {"ETag": etag(stored.version), "Last-Modified": str(stored.resource["meta"]["lastUpdated"])}
    return fhir_response(request, stored.resource, 200, headers)


def current(service: Service, resource_id: str) -> Stored:
    """The current version of a stored response; 404 when there is none."""
    stored = service.store.read(checked_id(resource_id))
    if stored is None:
        raise _missing(f"QuestionnaireResponse/{resource_id}")
    return stored


def read(id: str, request: Request, service: ServiceDep) -> Response:
    """``GET /QuestionnaireResponse/{id}``; 410 once it was deleted."""
    stored = current(service, id)
    if is_deleted(stored.resource):
        raise gone(f"QuestionnaireResponse/{id}")
    return _answer(request, stored)


def vread(id: str, vid: str, request: Request, service: ServiceDep) -> Response:
    """``GET /QuestionnaireResponse/{id}/_history/{vid}``."""
    checked_id(id)
    stored = service.store.read(id, int(vid)) if vid.isascii() and vid.isdigit() and len(vid) < 10 else None
    if stored is None:
        raise _missing(f"QuestionnaireResponse/{id}/_history/{vid[:12]}")
    if is_deleted(stored.resource):  # the deletion itself; the versions before it stay readable
        raise gone(f"QuestionnaireResponse/{id}/_history/{stored.version}")
    return _answer(request, stored)


def history(id: str, request: Request, service: ServiceDep) -> Response:
    """``GET /QuestionnaireResponse/{id}/_history``: every version, newest first."""
    versions = service.store.history(checked_id(id))
    if not versions:
        raise _missing(f"QuestionnaireResponse/{id}")
    return fhir_response(request, history_bundle(request, [v.resource for v in versions]))


def search(request: Request, service: ServiceDep) -> Response:
    """``GET /QuestionnaireResponse?subject=|patient=|status=|authored=|identifier=`` with
    ``_count`` and ``_offset``."""
    criteria = response_criteria(request.query_params.multi_items())
    count, offset = paging(request.query_params, service.settings.page_size, service.settings.max_page_size)
    total, page = service.store.search(criteria, count, offset)
    return fhir_response(request, searchset(request, [s.resource for s in page], total, count, offset))


ROUTES: Final = (
    Route(
        "GET",
        "/QuestionnaireResponse/{id}/_history/{vid}",
        vread,
        "Een versie lezen",
        "QuestionnaireResponse",
        "vread",
    ),
    Route(
        "GET",
        "/QuestionnaireResponse/{id}/_history",
        history,
        "Alle versies",
        "QuestionnaireResponse",
        "history-instance",
    ),
    Route(
        "GET",
        "/QuestionnaireResponse/{id}",
        read,
        "QuestionnaireResponse lezen",
        "QuestionnaireResponse",
        "read",
    ),
    Route(
        "GET",
        "/QuestionnaireResponse",
        search,
        "QuestionnaireResponse zoeken",
        "QuestionnaireResponse",
        "search-type",
        search=RESPONSE_PARAMETERS,
    ),
)
