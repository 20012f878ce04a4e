"""The auth dependency ``create_app(auth=...)`` runs before every ``/fhir`` route: a bearer token
(:mod:`._tokens`), the SMART scopes the route needs (:mod:`._scopes`) and, for a ``patient/``
token, its patient (:mod:`._patient`).

401 (``WWW-Authenticate: Bearer``) for a missing or invalid token, 403 for too few scopes, both
as an OperationOutcome. The verified caller is put on the request (:data:`PRINCIPAL`) for the
access audit; the token itself is kept nowhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import httpx
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from fhir_werk.service.api._service import get_service
from fhir_werk.service.auth._patient import check_patient
from fhir_werk.service.auth._scopes import Permission, access, only_restricted, route_permission
from fhir_werk.service.auth._tokens import JwksCache, Principal, TokenVerifier, UnauthenticatedError
from fhir_werk.service.auth._user import check_user
from fhir_werk.service.core._routes import Route
from fhir_werk.service.core._settings import ServiceSettings
from fhir_werk.shared import FhirWerkError, forbidden

PRINCIPAL: Final = "fhir_werk.principal"
"""The ASGI scope key of the verified :class:`._tokens.Principal`."""


_RESTRICTED_NL: Final = (
    "Scopes met zoekparameters (…?param=waarde) ondersteunt deze dienst niet; vraag er een zonder."
)
_RESTRICTED_EN: Final = (
    "Scopes with search parameters (…?param=value) are not supported; ask for one without."
)


class InsufficientScopeError(FhirWerkError):
    """The token is valid but its scopes do not grant what the route needs (403)."""

    def __init__(self, needs: str, restricted: bool = False) -> None:
        nl = f"Het token mist de scope voor deze interactie (nodig: {needs})."
        en = f"The token lacks the scope for this interaction (needed: {needs})."
        if restricted:  # say why the scope it has does not count
            nl += f" {_RESTRICTED_NL}"
            en += f" {_RESTRICTED_EN}"
        super().__init__(forbidden(nl, en), 403)
        self.headers = {"WWW-Authenticate": 'Bearer realm="fhir-werk", error="insufficient_scope"'}


def _needs(permission: Permission) -> str:
    return " en ".join(f"<context>/{resource}.{letter}" for resource, letter in permission.needs)


class AuthGuard:
    """The FastAPI dependency: verifies the bearer token and the route's scopes."""

    def __init__(self, verifier: TokenVerifier, routes: Sequence[Route]) -> None:
        self.verifier = verifier
        # Every route's permission, computed now: a route without one fails create_app.
        self.permissions = {(r.method, f"/fhir{r.path}"): (r, route_permission(r)) for r in routes}

    async def __call__(self, request: Request) -> None:
        """Raise 401/403, or let the route run with the caller on the request."""
        template = str(getattr(request.scope.get("route"), "path", ""))
        found = self.permissions.get((request.method, template))
        if found is None:  # a route registered around the table: never open by accident
            raise InsufficientScopeError("?")
        route, permission = found
        if permission.open:
            return
        principal: Principal = await run_in_threadpool(self.verifier.verify, _bearer(request))
        request.scope[PRINCIPAL] = principal
        reach = access(principal.scopes, permission)
        if reach is None:
            raise InsufficientScopeError(_needs(permission), only_restricted(principal.scopes, permission))
        if reach == "patient":
            await check_patient(request, route, get_service(request), principal.patient)
        elif reach == "user":
            await check_user(request, route, get_service(request), principal)


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise UnauthenticatedError(
            "Geen toegangstoken: stuur 'Authorization: Bearer <token>'.",
            "No access token: send 'Authorization: Bearer <token>'.",
            "missing",
        )
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthenticatedError(
            "De Authorization-header is geen 'Bearer <token>'.",
            "The Authorization header is not 'Bearer <token>'.",
            "invalid_request",
        )
    return token.strip()


def build_auth(
    settings: ServiceSettings, routes: Sequence[Route], client: httpx.Client | None = None
) -> AuthGuard | None:
    """The guard of ``routes`` the settings describe; None when no authentication is configured
    (local mode).

    ``client`` fetches the JWKS (default: one with the configured timeout, no redirects: the key
    set comes from the URL that was configured, not from wherever it points).
    """
    if not (settings.auth_issuer and settings.auth_audience and settings.auth_jwks_url):
        return None
    keys = JwksCache(
        settings.auth_jwks_url,
        client or httpx.Client(timeout=settings.auth_jwks_timeout_seconds, follow_redirects=False),
        ttl_seconds=settings.auth_jwks_ttl_seconds,
        min_refresh_seconds=settings.auth_jwks_min_refresh_seconds,
    )
    verifier = TokenVerifier(
        issuer=settings.auth_issuer,
        audience=settings.auth_audience,
        keys=keys,
        algorithms=tuple(settings.auth_algorithms),
        clock_skew_seconds=settings.auth_clock_skew_seconds,
        max_lifetime_seconds=settings.auth_max_token_lifetime_seconds,
    )
    return AuthGuard(verifier, routes)
