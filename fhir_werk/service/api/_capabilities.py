"""``GET /fhir/metadata``: the CapabilityStatement (https://hl7.org/fhir/R4/capabilitystatement.html),
built from the route table (:mod:`~fhir_werk.service.core._routes`), so it lists exactly the interactions,
search parameters and operations that have a route, and nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from fastapi import Request
from fastapi.responses import Response

from fhir_werk.service.api._service import ServiceDep
from fhir_werk.service.core._http import FHIR_JSON, fhir_response
from fhir_werk.service.core._routes import Route
from fhir_werk.service.core._settings import ServiceSettings
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
    if "delete" in interactions:
        result["conditionalDelete"] = "not-supported"
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


SECURITY_SERVICE: Final = "http://terminology.hl7.org/CodeSystem/restful-security-service"


OAUTH_URIS: Final = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"


def _oauth_uris(settings: ServiceSettings) -> list[Resource]:
    """SMART's (deprecated, still read by older apps) ``oauth-uris`` extension: where to get a
    token; the well-known document is the primary place."""
    parts = [
        {"url": name, "valueUri": value}
        for name, value in (
            ("authorize", settings.auth_authorization_endpoint),
            ("token", settings.auth_token_endpoint),
        )
        if value
    ]
    return [{"url": OAUTH_URIS, "extension": parts}] if parts else []


def security(issuer: str | None, settings: ServiceSettings | None = None) -> Resource:
    """``rest.security``: SMART-on-FHIR with the issuer when authentication is configured, else
    the local mode's plain statement that there is none."""
    if issuer is None:
        return {
            "cors": False,
            "description": "Lokale modus: alleen bereikbaar op deze machine, zonder authenticatie "
            "(geen beveiliging).",
        }
    extensions = _oauth_uris(settings) if settings is not None else []
    return {
        **({"extension": extensions} if extensions else {}),
        "cors": False,
        "service": [
            {
                "coding": [{"system": SECURITY_SERVICE, "code": "SMART-on-FHIR", "display": "SMART-on-FHIR"}],
                "text": "OAuth2 bearer-token (JWT) met SMART v2-scopes",
            }
        ],
        "description": f"Bearer-token (JWT) van uitgever {issuer} vereist, met SMART v2-scopes "
        "(system/, user/, patient/ met c r u d s); zonder token 401, zonder passende scope 403. "
        "Aanmelden: /.well-known/smart-configuration.",
    }


def capability_statement(
    routes: Sequence[Route], *, issuer: str | None = None, settings: ServiceSettings | None = None
) -> Resource:
    """The statement for ``routes``; ``issuer`` is the token issuer when authentication is
    configured (None: the local mode, no security)."""
    types = sorted({r.resource for r in routes if r.resource})
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
                "security": security(issuer, settings),
                "resource": [_resource(t, [r for r in routes if r.resource == t]) for t in types],
            }
        ],
    }


def metadata(request: Request, service: ServiceDep) -> Response:
    """``GET /fhir/metadata``."""
    settings = service.settings
    issuer = settings.auth_issuer if settings.auth_configured else None
    return fhir_response(request, capability_statement(service.routes, issuer=issuer, settings=settings))


ROUTES: Final = (Route("GET", "/metadata", metadata, "CapabilityStatement", interaction="capabilities"),)
