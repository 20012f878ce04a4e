"""SMART Backend Services authorization as an ``httpx.Auth``.

OAuth2 client credentials with a ``private_key_jwt`` client assertion (RFC 7523), as the SMART
App Launch 2.x "Backend Services" page describes and Koppeltaal 2.0 requires:
https://hl7.org/fhir/smart-app-launch/backend-services.html

The token endpoint comes from ``[base]/.well-known/smart-configuration`` unless given. The
assertion is signed RS384 or ES384 with joserfc (key from a PEM or JWKS file) and carries
iss = sub = client_id, aud = the token endpoint, exp within five minutes and a unique jti. The
access token is cached until a minute before it expires; a 401 from the FHIR server triggers
one refresh. Tokens and keys are never logged or put into error messages.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey

from fhir_werk.client._errors import error_from_response, error_not_fhir
from fhir_werk.shared import (
    InvalidInputError,
    RemoteAuthError,
    RemoteError,
    RemoteRejectedError,
    bad_request,
    forbidden,
)

Algorithm = Literal["RS384", "ES384"]
ASSERTION_TYPE: Final = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME: Final = 300
"""Seconds the client assertion is valid; SMART allows at most five minutes."""
REFRESH_MARGIN: Final = 60
"""Seconds before expiry at which a cached access token is no longer used."""
DEFAULT_SCOPE: Final = "system/*.read system/*.write"


@dataclass(frozen=True)
class SigningKey:
    """A private key for client assertions, with its algorithm and key id."""

    key: RSAKey | ECKey
    algorithm: Algorithm
    kid: str


def _invalid_key(nl: str, en: str) -> InvalidInputError:
    return InvalidInputError(bad_request(nl, en, "key-file"))


def _algorithm_for(key: RSAKey | ECKey) -> Algorithm:
    if isinstance(key, RSAKey):
        return "RS384"
    if key.as_dict().get("crv") != "P-384":
        raise _invalid_key(
            "ES384 vraagt een EC-sleutel op curve P-384.",
            "ES384 needs an EC key on curve P-384.",
        )
    return "ES384"


def load_signing_key(path: Path, kid: str | None = None) -> SigningKey:
    """Read a private RSA or EC P-384 key from a PEM file or a JWKS file (chosen by ``kid``).

    For a PEM key without ``kid`` the key id is its RFC 7638 thumbprint, the id a JWKS
    published for the same key would carry.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _invalid_key(
            f"Sleutelbestand '{path.name}' kan niet worden gelezen.",
            f"Key file '{path.name}' cannot be read.",
        ) from exc
    try:
        key = _from_jwks(json.loads(data), kid) if data.lstrip().startswith(b"{") else _from_pem(data)
    except (JoseError, ValueError, TypeError) as exc:
        raise _invalid_key(
            f"Sleutelbestand '{path.name}' bevat geen bruikbare RSA- of EC-sleutel.",
            f"Key file '{path.name}' holds no usable RSA or EC key.",
        ) from exc
    if not key.is_private:
        raise _invalid_key(
            f"Sleutelbestand '{path.name}' bevat geen privésleutel.",
            f"Key file '{path.name}' holds no private key.",
        )
    return SigningKey(key, _algorithm_for(key), kid or key.kid or key.thumbprint())


def _from_pem(data: bytes) -> RSAKey | ECKey:
    try:
        return RSAKey.import_key(data)
    except (JoseError, ValueError, TypeError):
        return ECKey.import_key(data)


def _from_jwks(data: object, kid: str | None) -> RSAKey | ECKey:
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ValueError("not a JWKS")
    key_set = KeySet.import_key_set(data)  # type: ignore[arg-type]
    candidates = [k for k in key_set.keys if isinstance(k, RSAKey | ECKey) and k.is_private]
    if kid is not None:
        candidates = [k for k in candidates if k.kid == kid]
    if len(candidates) != 1:
        raise _invalid_key(
            "Het JWKS-bestand bevat niet precies één passende privésleutel; geef de 'kid' op.",
            "The JWKS file does not hold exactly one matching private key; give the 'kid'.",
        )
    return candidates[0]


def client_assertion(key: SigningKey, client_id: str, token_url: str, now: float) -> str:
    """A signed ``private_key_jwt`` client assertion for one token request."""
    header = {"alg": key.algorithm, "kid": key.kid, "typ": "JWT"}
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": token_url,
        "iat": int(now),
        "exp": int(now) + ASSERTION_LIFETIME,
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(header, claims, key.key, algorithms=[key.algorithm])


class SmartBackendAuth(httpx.Auth):
    """Bearer tokens from a SMART Backend Services token endpoint, cached and refreshed.

    The token and discovery requests run through the same ``httpx.Client`` (and transport) as
    the FHIR requests they authorize, so a mock transport sees them all.
    """

    requires_response_body = True

    def __init__(
        self,
        client_id: str,
        key: SigningKey,
        *,
        token_url: str | None = None,
        fhir_base_url: str | None = None,
        scope: str = DEFAULT_SCOPE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if token_url is None and fhir_base_url is None:
            raise InvalidInputError(
                bad_request(
                    "Geef de token-URL of het basisadres van de FHIR-server op.",
                    "Give the token URL or the base URL of the FHIR server.",
                    "token-url",
                )
            )
        self._client_id = client_id
        self._key = key
        self._token_url = token_url
        self._fhir_base_url = fhir_base_url
        self._scope = scope
        self._clock = clock
        self._token: str | None = None
        self._valid_until = 0.0

    def __repr__(self) -> str:
        return f"SmartBackendAuth(client_id={self._client_id!r}, kid={self._key.kid!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add a bearer token; on a 401 fetch a new token and send the request once more."""
        if self._token is None or self._clock() >= self._valid_until:
            yield from self._refresh()
        request.headers["Authorization"] = f"Bearer {self._token}"
        response = yield request
        if response.status_code == 401:
            yield from self._refresh()
            request.headers["Authorization"] = f"Bearer {self._token}"
            yield request

    def _refresh(self) -> Generator[httpx.Request, httpx.Response, None]:
        if self._token_url is None:
            self._token_url = yield from self._discover()
        now = self._clock()
        form = {
            "grant_type": "client_credentials",
            "scope": self._scope,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": client_assertion(self._key, self._client_id, self._token_url, now),
        }
        response = yield httpx.Request(
            "POST", self._token_url, data=form, headers={"Accept": "application/json"}
        )
        if response.status_code >= 400:
            raise _token_endpoint_error(response)
        body = _json_object(response)
        token, lifetime = body.get("access_token"), body.get("expires_in", 300)
        if not isinstance(token, str) or not isinstance(lifetime, int | float):
            raise RemoteAuthError(
                forbidden(
                    "Het token-antwoord bevat geen geldig access_token.",
                    "The token response holds no valid access_token.",
                ),
                502,
            )
        self._token = token
        self._valid_until = now + float(lifetime) - REFRESH_MARGIN

    def _discover(self) -> Generator[httpx.Request, httpx.Response, str]:
        url = f"{str(self._fhir_base_url).rstrip('/')}/.well-known/smart-configuration"
        response = yield httpx.Request("GET", url, headers={"Accept": "application/json"})
        if response.status_code >= 400:
            raise _token_endpoint_error(response)
        endpoint = _json_object(response).get("token_endpoint")
        if not isinstance(endpoint, str):
            raise error_not_fhir(response.status_code, "smart-configuration token_endpoint")
        return endpoint


def _json_object(response: httpx.Response) -> dict[str, object]:
    try:
        parsed = response.json()
    except ValueError:
        parsed = None
    return parsed if isinstance(parsed, dict) else {}


def _token_endpoint_error(response: httpx.Response) -> RemoteError:
    """A 4xx from discovery or the token endpoint (invalid_client, invalid_scope ...) is an auth failure."""
    error = error_from_response(response)
    if isinstance(error, RemoteRejectedError):
        return RemoteAuthError(error.outcome, error.status)
    return error
