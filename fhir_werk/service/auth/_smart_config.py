"""``GET /.well-known/smart-configuration`` (and below ``/fhir``): SMART App Launch 2.x discovery
(https://hl7.org/fhir/smart-app-launch/conformance.html), built from the auth settings and the
route table.

fhir-werk is the resource server, not the authorization server: the endpoints, grant types and
client capabilities are the issuer's and come from the settings; what fhir-werk adds itself is
what it enforces (the ``permission-*`` capabilities and the scopes its routes understand).
``token_endpoint`` and ``capabilities`` are required by the spec: without
``FHIR_WERK_SERVICE_AUTH_TOKEN_ENDPOINT`` the document leaves the endpoint out rather than guess one.

In local mode there is no authorization at all, and the document says so: no endpoints, no
grant types, no capabilities, and a Dutch line that the service runs without authentication.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from fastapi import Request
from fastapi.responses import JSONResponse

from fhir_werk.service.api._service import get_service
from fhir_werk.service.auth._scopes import supported_scopes
from fhir_werk.service.core._routes import Route
from fhir_werk.service.core._settings import ServiceSettings

ENFORCED: Final = ("permission-patient", "permission-user", "permission-v1", "permission-v2")
"""What the service itself enforces: patient/ and user/ scopes, in v1 and v2 syntax."""
CONTEXT_SCOPES: Final = ("fhirUser", "launch/patient")
"""Non-resource scopes whose claims fhir-werk reads: ``fhirUser`` and the launch patient."""


def smart_configuration(settings: ServiceSettings, routes: Sequence[Route]) -> dict[str, Any]:
    """The discovery document for ``settings`` (local mode: the statement that there is no auth)."""
    if not settings.auth_configured:
        return {
            "capabilities": [],
            "grant_types_supported": [],
            "code_challenge_methods_supported": [],
            "scopes_supported": [],
            "description": "Lokale modus: geen authenticatie, alleen bereikbaar op deze machine.",
        }
    grants = []
    if settings.auth_authorization_endpoint:
        grants.append("authorization_code")
    if settings.auth_token_endpoint:
        grants.append("client_credentials")  # SMART Backend Services, the EPD's own calls
    document: dict[str, Any] = {
        "issuer": settings.auth_issuer,
        "jwks_uri": settings.auth_jwks_url,
    }
    if settings.auth_authorization_endpoint:
        document["authorization_endpoint"] = settings.auth_authorization_endpoint
    if settings.auth_token_endpoint:
        document["token_endpoint"] = settings.auth_token_endpoint
    document |= {
        "grant_types_supported": grants,
        # SMART 2 requires S256 and forbids plain; the issuer must support it for app launch.
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": [*supported_scopes(routes), *CONTEXT_SCOPES],
        "response_types_supported": ["code"] if settings.auth_authorization_endpoint else [],
        "capabilities": sorted({*ENFORCED, *settings.auth_capabilities}),
    }
    return document


def well_known(request: Request) -> JSONResponse:
    """``GET /.well-known/smart-configuration`` as ``application/json`` (the spec's media type)."""
    service = get_service(request)
    return JSONResponse(
        smart_configuration(service.settings, service.routes),
        headers={"Cache-Control": "public, max-age=300"},
    )


PATHS: Final = ("/.well-known/smart-configuration", "/fhir/.well-known/smart-configuration")
"""Both places a client looks: the server root and the FHIR base (the spec's ``[base]``)."""
