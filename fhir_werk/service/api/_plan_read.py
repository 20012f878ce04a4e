"""Read and search the local copies of the plan (CarePlan, Goal, Observation, ServiceRequest,
Consent, Provenance) by patient: what the extractions of the stored responses made
(https://hl7.org/fhir/R4/http.html#read, https://hl7.org/fhir/R4/search.html).

The copies are read-only here: they change only through a new version of a response.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from fastapi import Request
from fastapi.responses import Response

from fhir_werk.service.api._service import ServiceDep
from fhir_werk.service.api._worklist import with_milestones
from fhir_werk.service.core._bundles import searchset
from fhir_werk.service.core._http import etag, fhir_response
from fhir_werk.service.core._ids import checked_id
from fhir_werk.service.core._routes import Route
from fhir_werk.service.core._search import paging, patients_asked
from fhir_werk.service.storage import _plan_store
from fhir_werk.shared import NotFoundError, not_found

SEARCH: Final = {
    "patient": ("reference", "De patiënt (id of Patient/id)."),
    "subject": ("reference", "Wie het betreft (Patient/id)."),
}


def _reader(kind: str) -> Callable[..., Response]:
    def read(id: str, request: Request, service: ServiceDep) -> Response:
        found = _plan_store.read(service.engine, kind, checked_id(id))
        if found is None:
            raise NotFoundError(not_found(f"{kind}/{id} bestaat niet.", f"{kind}/{id} does not exist."), 404)
        headers = {
            "ETag": etag(int(found["meta"]["versionId"])),
            "Last-Modified": found["meta"]["lastUpdated"],
        }
        shown = with_milestones(service, found) if kind == "CarePlan" else found
        return fhir_response(request, shown, 200, headers)

    read.__name__ = f"read_{kind}"
    read.__doc__ = f"``GET /{kind}/{{id}}``."
    return read


def _searcher(kind: str) -> Callable[..., Response]:
    def search(request: Request, service: ServiceDep) -> Response:
        patients = patients_asked(request.query_params.multi_items(), SEARCH)
        count, offset = paging(
            request.query_params, service.settings.page_size, service.settings.max_page_size
        )
        chosen = sorted(patients) if patients is not None else None
        total, page = _plan_store.search(service.engine, kind, chosen, count, offset)
        if kind == "CarePlan":
            page = [with_milestones(service, plan) for plan in page]
        return fhir_response(request, searchset(request, page, total, count, offset))

    search.__name__ = f"search_{kind}"
    search.__doc__ = f"``GET /{kind}?patient=`` with ``_count`` and ``_offset``."
    return search


ROUTES: Final = tuple(
    route
    for kind in _plan_store.PLAN_TYPES
    if kind != "Task"  # the milestones have their own search (._worklist)
    for route in (
        Route("GET", f"/{kind}/{{id}}", _reader(kind), f"{kind} lezen (lokale kopie)", kind, "read"),
        Route(
            "GET",
            f"/{kind}",
            _searcher(kind),
            f"{kind} zoeken per patiënt",
            kind,
            "search-type",
            search=SEARCH,
        ),
    )
)
