"""``GET /fhir/metadata``: the CapabilityStatement (https://hl7.org/fhir/R4/capabilitystatement.html),
built from the route table (:mod:`._routes`), so it lists exactly the interactions, search
parameters and operations that have a route, and nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from fastapi import Request
from fastapi.responses import Response

from fhir_werk.service._http import FHIR_JSON, fhir_response
from fhir_werk.service._routes import Route
from fhir_werk.service._service import ServiceDep
from fhir_werk.shared import FHIR_VERSION, PUBLISHER, VERSION, Resource

_PARAMETER_TYPES: Final = {"reference", "token", "date", "string", "uri"}


def _resource(resource_type: str, routes: Sequence[Route]) -> Resource:
    interactions = sorted({r.interaction for r in routes if r.interaction})
    search: dict[str, tuple[str, str]] = {}
    for route in routes:
        search.update(route.search)
    operations: dict[str, str] = {}
    for route in routes:
        if route.operation and route.definition:
            operations.setdefault(route.operation, route.definition)
    result: Resource = {
        "type": resource_type,
        "interaction": [{"code": code} for code in interactions],
    }
    if "vread" in interactions or "update" in interactions:
        result["versioning"] = "versioned-update"
        result["readHistory"] = "vread" in interactions
        result["updateCreate"] = False
    if "create" in interactions:
        result["conditionalCreate"] = True
    if search:
        result["searchParam"] = [
            {"name": name, "type": kind, "documentation": text}
            for name, (kind, text) in sorted(search.items())
            if kind in _PARAMETER_TYPES
        ]
    if operations:
        result["operation"] = [
            {"name": name, "definition": definition} for name, definition in sorted(operations.items())
        ]
    return result


def capability_statement(routes: Sequence[Route], *, local: bool) -> Resource:
    """The statement for ``routes``; ``local`` says the service runs without authentication."""
    types = sorted({r.resource for r in routes if r.resource})
    security: Resource = {
        "cors": False,
        "description": "Lokale modus: alleen bereikbaar op deze machine, zonder authenticatie."
        if local
        else "Authenticatie vereist.",
    }
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-02",
        "publisher": PUBLISHER,
        "kind": "instance",
        "software": {"name": "fhir-werk", "version": VERSION},
        "implementation": {"description": "fhir-werk: de sectie Werk van het behandelplan"},
        "fhirVersion": FHIR_VERSION,
        "format": [FHIR_JSON, "json"],
        "rest": [
            {
                "mode": "server",
                "security": security,
                "resource": [_resource(t, [r for r in routes if r.resource == t]) for t in types],
            }
        ],
    }


def metadata(request: Request, service: ServiceDep) -> Response:
    """``GET /fhir/metadata``."""
    return fhir_response(request, capability_statement(service.routes, local=service.settings.local))


ROUTES: Final = (Route("GET", "/metadata", metadata, "CapabilityStatement", interaction="capabilities"),)
