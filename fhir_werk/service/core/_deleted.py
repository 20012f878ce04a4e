"""How a deleted QuestionnaireResponse is told apart from one a client marked entered-in-error.

A FHIR delete (:mod:`~fhir_werk.service.api._response_delete`) stores one more version: the response with
status ``entered-in-error`` (which the delivery turns into a retraction of the plan at each target) and
this tag. Read and vread answer that version with 410 Gone; ``_history`` shows it as a DELETE
entry; search leaves it out. The versions before it stay readable by vread.
"""

from __future__ import annotations

from typing import Final

from fhir_werk.shared import BASE, FhirWerkError, Resource, issue, outcome

DELETED_SYSTEM: Final = f"{BASE}/CodeSystem/opslag"
DELETED_TAG: Final = {"system": DELETED_SYSTEM, "code": "verwijderd", "display": "Verwijderd (FHIR delete)"}
DELETED_STATUS: Final = "deleted"
"""The value of the ``responses.status`` column of a deleted response: no FHIR status, so no
search by status (and no default search) finds it."""


def is_deleted(resource: Resource) -> bool:
    """True for the version a FHIR delete stored."""
    meta = resource.get("meta")
    tags = meta.get("tag") if isinstance(meta, dict) else None
    return (
        resource.get("status") == "entered-in-error"
        and isinstance(tags, list)
        and any(isinstance(t, dict) and t.get("system") == DELETED_SYSTEM for t in tags)
    )


def with_deleted_tag(resource: Resource) -> Resource:
    """``resource`` as the deletion stores it: entered-in-error and tagged."""
    meta = dict(resource.get("meta") or {})
    tags = [t for t in meta.get("tag") or [] if isinstance(t, dict) and t.get("system") != DELETED_SYSTEM]
    meta["tag"] = [*tags, DELETED_TAG]
    return resource | {"status": "entered-in-error", "meta": meta}


def gone(what: str) -> FhirWerkError:
    """410: ``what`` was deleted (an earlier version can still be read with vread)."""
    return FhirWerkError(
        outcome(
            [
                issue(
                    "error",
                    "not-found",  # FHIR's 'deleted' is a child of not-found, not in the shared codes
                    f"{what} is verwijderd; eerdere versies zijn nog te lezen met _history.",
                    f"{what} was deleted; earlier versions can still be read through _history.",
                )
            ]
        ),
        410,
    )
