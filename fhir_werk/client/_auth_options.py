"""How fhir-werk authenticates to a FHIR server: none, basic, bearer or SMART Backend Services.

:class:`AuthOptions` is the one description of those choices (used by the fhir adapter's
settings, ``fhir-werk push`` and ``fhir-werk interop``); :func:`build_auth` turns it into the
``httpx.Auth`` that :func:`fhir_werk.client._client.make_http_client` takes. Secrets are
``SecretStr``: they never show in a repr, a log line or an error.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Literal

import httpx
from pydantic import BaseModel, SecretStr

from fhir_werk.client._smart_auth import DEFAULT_SCOPE, SmartBackendAuth, load_signing_key
from fhir_werk.shared import InvalidInputError, bad_request

AuthKind = Literal["none", "basic", "bearer", "smart"]


class BearerAuth(httpx.Auth):
    """A fixed bearer token (one obtained out of band)."""

    def __init__(self, token: SecretStr) -> None:
        self._token = token

    def __repr__(self) -> str:
        return "BearerAuth(token=**********)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the ``Authorization: Bearer`` header."""
        request.headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        yield request


class AuthOptions(BaseModel):
    """The authentication options; which fields matter depends on ``auth``."""

    auth: AuthKind = "none"
    user: str | None = None
    """basic: the user name."""
    password: SecretStr | None = None
    """basic: the password."""
    token: SecretStr | None = None
    """bearer: the access token."""
    client_id: str | None = None
    """smart: the client id registered at the authorization server."""
    key_file: Path | None = None
    """smart: private key as PEM, or a JWKS file (pick the key with ``kid``)."""
    kid: str | None = None
    """smart: key id for the JWT header and to choose a key from a JWKS."""
    token_url: str | None = None
    """smart: token endpoint; discovered from ``.well-known/smart-configuration`` when absent."""
    scope: str = DEFAULT_SCOPE
    """smart: the scopes asked for."""


def _missing(option: str, kind: str) -> InvalidInputError:
    return InvalidInputError(
        bad_request(
            f"Authenticatie '{kind}' vraagt de optie '{option}'.",
            f"Authentication '{kind}' needs the option '{option}'.",
            option,
        )
    )


def build_auth(options: AuthOptions, fhir_base_url: str | None = None) -> httpx.Auth | None:
    """The ``httpx.Auth`` for these options (None for ``auth="none"``).

    Raises InvalidInputError naming the missing option, e.g. ``password`` for basic auth.
    """
    if options.auth == "none":
        return None
    if options.auth == "basic":
        if options.user is None:
            raise _missing("user", "basic")
        if options.password is None:
            raise _missing("password", "basic")
        return httpx.BasicAuth(options.user, options.password.get_secret_value())
    if options.auth == "bearer":
        if options.token is None:
            raise _missing("token", "bearer")
        return BearerAuth(options.token)
    if options.client_id is None:
        raise _missing("client-id", "smart")
    if options.key_file is None:
        raise _missing("key-file", "smart")
    return SmartBackendAuth(
        options.client_id,
        load_signing_key(options.key_file, options.kid),
        token_url=options.token_url,
        fhir_base_url=fhir_base_url,
        scope=options.scope,
    )
