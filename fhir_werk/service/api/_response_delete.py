"""QuestionnaireResponse delete (https://hl7.org/fhir/R4/http.html#delete) as the FHIR-conform
retraction.

A response that was delivered cannot just disappear: its plan is in the EPD. So a delete stores
one more version, the response with status ``entered-in-error`` (:mod:`~fhir_werk.service.core._deleted`),
extracted and queued like any update: the delivery turns that status into the retraction of everything
the response put at each target. After it, read and vread of that version are 410 Gone, the
earlier versions stay readable by vread, ``_history`` shows the DELETE and search no longer finds
it. A draft that was never extracted has nothing to retract: its deletion queues nothing.

- ``If-Match: W/"n"`` makes it conditional on the current version (412 otherwise);
- a second delete changes nothing and answers 200 (delete is idempotent);
- a PUT afterwards stores a new version: the response is back (FHIR's resurrection).

Audited like every write, as action ``D`` (IHE BALP), by the access audit
(:mod:`~fhir_werk.service.auth._audit`): a refused delete (403, 412) is audited as well as a done one.
"""

from __future__ import annotations

from typing import Final

from fastapi import Request
from fastapi.responses import Response

from fhir_werk.service.api._response_ops import accepted
from fhir_werk.service.api._response_read import current
from fhir_werk.service.api._response_write import check_if_match
from fhir_werk.service.api._service import Service, ServiceDep
from fhir_werk.service.core._deleted import is_deleted, with_deleted_tag
from fhir_werk.service.core._http import etag, fhir_response
from fhir_werk.service.core._ids import checked_id
from fhir_werk.service.core._routes import Route
from fhir_werk.service.storage._store import Stored
from fhir_werk.shared import Resource, issue, outcome


def _done(resource_id: str, already: bool) -> Resource:
    nl = (
        "was al verwijderd"
        if already
        else "is verwijderd (entered-in-error); het plan wordt bij elk doel ingetrokken"
    )
    en = (
        "was already deleted"
        if already
        else "was deleted (entered-in-error); the plan is retracted at every target"
    )
    return outcome(
        [
            issue(
                "information",
                "informational",
                f"QuestionnaireResponse/{resource_id} {nl}.",
                f"QuestionnaireResponse/{resource_id} {en}.",
            )
        ]
    )


def _was_extracted(service: Service, stored: Stored) -> bool:
    """True when some version of the response was extracted (there is a plan to retract)."""
    return any(
        (found := service.store.read(stored.id, version)) is not None and found.bundle is not None
        for version in range(stored.version, 0, -1)
    )


def delete(id: str, request: Request, service: ServiceDep) -> Response:
    """``DELETE /QuestionnaireResponse/{id}``: a new, entered-in-error version; 200 with an outcome."""
    stored = current(service, checked_id(id))
    if is_deleted(stored.resource):
        return fhir_response(request, _done(id, True), 200, {"ETag": etag(stored.version)})
    check_if_match(request, stored)
    version = stored.version + 1
    prepared = service.store.prepared(with_deleted_tag(stored.resource), id, version)
    bundle = accepted(service, prepared) if _was_extracted(service, stored) else None
    service.store.write(Stored(id, version, prepared, bundle), expected=stored.version)
    return fhir_response(request, _done(id, False), 200, {"ETag": etag(version)})


ROUTE: Final = Route(
    "DELETE",
    "/QuestionnaireResponse/{id}",
    delete,
    "QuestionnaireResponse verwijderen (entered-in-error, het plan ingetrokken)",
    "QuestionnaireResponse",
    "delete",
)
ROUTES: Final = (ROUTE,)
