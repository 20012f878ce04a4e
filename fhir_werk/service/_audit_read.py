"""Search the AuditEvents of the deliveries by patient: the audit log every push writes
(:class:`fhir_werk.delivery.AuditLog`, a SQLite file in the data folder), newest first, with
``_count`` paging. Read-only: the log only grows."""

from __future__ import annotations

from typing import Final

from fastapi import Request
from fastapi.responses import Response

from fhir_werk.delivery import AuditLog
from fhir_werk.service._bundles import searchset
from fhir_werk.service._http import fhir_response
from fhir_werk.service._routes import Route
from fhir_werk.service._search import paging, patients_asked
from fhir_werk.service._service import ServiceDep
from fhir_werk.shared import Resource

SEARCH: Final = {"patient": ("reference", "De patiënt (id of Patient/id) van de aflevering.")}


def search(request: Request, service: ServiceDep) -> Response:
    """``GET /AuditEvent?patient=`` with ``_count`` and ``_offset``."""
    patients = patients_asked(request.query_params.multi_items(), SEARCH)
    count, offset = paging(request.query_params, service.settings.page_size, service.settings.max_page_size)
    events: list[Resource] = []
    if service.settings.audit_path.exists():
        log = AuditLog(service.settings.audit_path)
        if patients is None:
            events = log.query()
        else:
            for patient in sorted(patients):
                events.extend(log.query(patient=patient))
    events.sort(key=lambda e: (str(e.get("recorded", "")), str(e.get("id", ""))), reverse=True)
    return fhir_response(
        request, searchset(request, events[offset : offset + count], len(events), count, offset)
    )


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
)
