"""Read and search the AuditEvents: the audit log every push and every audited API call writes
(:class:`~fhir_werk.service.storage._audit.SqlAuditLog`, a table of the service's database, so every machine
of one outbox shows the same log). Search by patient, newest first, with ``_count`` paging; read by id
(https://hl7.org/fhir/R4/http.html#read). Read-only: the log only grows.

A ``patient/`` token reaches only its own patient's events (:mod:`~fhir_werk.service.auth._patient`, through
:meth:`~fhir_werk.service.storage._audit.SqlAuditLog.owner`): a read of another patient's event is 403, as
for every other resource.
"""

from __future__ import annotations

from typing import Final

from fastapi import Request
from fastapi.responses import Response

from fhir_werk.service.api._service import ServiceDep
from fhir_werk.service.core._bundles import searchset
from fhir_werk.service.core._http import fhir_response
from fhir_werk.service.core._ids import checked_id
from fhir_werk.service.core._routes import Route
from fhir_werk.service.core._search import paging, patients_asked
from fhir_werk.service.storage._audit import SqlAuditLog
from fhir_werk.shared import NotFoundError, not_found

SEARCH: Final = {"patient": ("reference", "De patiënt (id of Patient/id) van de aflevering.")}


def search(request: Request, service: ServiceDep) -> Response:
    """``GET /AuditEvent?patient=`` with ``_count`` and ``_offset``."""
    patients = patients_asked(request.query_params.multi_items(), SEARCH)
    count, offset = paging(request.query_params, service.settings.page_size, service.settings.max_page_size)
    chosen = sorted(patients) if patients is not None else None
    total, page = SqlAuditLog(service.engine).page(chosen, count, offset)
    return fhir_response(request, searchset(request, page, total, count, offset))


def read(id: str, request: Request, service: ServiceDep) -> Response:
    """``GET /AuditEvent/{id}``."""
    found = SqlAuditLog(service.engine).read(checked_id(id))
    if found is None:
        raise NotFoundError(
            not_found(f"AuditEvent/{id} bestaat niet.", f"AuditEvent/{id} does not exist."), 404
        )
    return fhir_response(request, found)


ROUTES: Final = (
    Route(
        "GET",
        "/AuditEvent",
        search,
        "AuditEvents van de afleveringen",
        "AuditEvent",
        "search-type",
        search=SEARCH,
    ),
    Route("GET", "/AuditEvent/{id}", read, "AuditEvent lezen", "AuditEvent", "read"),
)
