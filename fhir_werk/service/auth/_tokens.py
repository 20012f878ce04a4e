"""Bearer JWT verification: the token's signature against the issuer's JWKS, and its claims
(``iss``, ``aud``, ``exp``, ``nbf``) with a small clock skew (RFC 7519, RFC 8725).

The header's ``alg`` must be one of the configured asymmetric algorithms before any key is
looked at, so ``none`` and an HS* token signed with the public key as an HMAC secret (the
classic key-confusion attack) are refused; the JWKS loader also drops every non-RSA/EC key.

The JWKS is cached: fetched on first use, again after ``jwks_ttl_seconds``, and again when a
token names a ``kid`` the cache does not know (the issuer rotated its keys), but never more
often than once per ``jwks_min_refresh_seconds``: a flood of tokens with made-up ``kid`` values
cannot turn the service into a hammer on the issuer's JWKS server.

The token itself is never logged or kept: errors carry a fixed Dutch text, not the token or
the library's message (which can quote claims).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import httpx
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey

from fhir_werk.service.auth._scopes import Scope, parse_scopes
from fhir_werk.service.core._settings import ASYMMETRIC_ALGORITHMS
from fhir_werk.shared import FhirWerkError, issue, outcome

logger = logging.getLogger("fhir_werk.service.auth")

_MAX_TOKEN_BYTES: Final = 16_384
_FHIR_USER: Final = re.compile(r"[A-Z][A-Za-z]{1,63}/[A-Za-z0-9\-.]{1,64}")


class UnauthenticatedError(FhirWerkError):
    """No usable bearer token: missing, malformed, badly signed, expired, or not for this service
    (401 with ``WWW-Authenticate: Bearer``)."""

    def __init__(self, nl: str, en: str, error: str = "invalid_token") -> None:
        super().__init__(outcome([issue("error", "login", nl, en)]), 401)
        # RFC 6750 §3: no error code when no token was sent at all.
        self.headers = {
            "WWW-Authenticate": 'Bearer realm="fhir-werk"'
            if error == "missing"
            else f'Bearer realm="fhir-werk", error="{error}"'
        }


@dataclass(frozen=True)
class Principal:
    """Who called: the token's subject and client, its scopes and (SMART launch context) patient."""

    subject: str
    client: str | None
    scopes: tuple[Scope, ...]
    patient: str | None
    fhir_user: str | None = None
    """The ``fhirUser`` claim as a relative reference (``Practitioner/123``); ``?`` when the claim
    is there but is no FHIR reference (then a ``user/`` scope reaches nothing)."""

    @property
    def who(self) -> str:
        """The name the audit log records: the subject (``sub``), else the client id."""
        return self.subject


LOCAL: Final = Principal("lokaal", None, (), None)
"""The caller in local mode (no authentication: only this machine can reach the service)."""


class JwksCache:
    """The issuer's signing keys, fetched with an injected ``httpx.Client``."""

    def __init__(
        self,
        url: str,
        client: httpx.Client,
        *,
        ttl_seconds: float = 3600.0,
        min_refresh_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.client = client
        self.ttl_seconds = ttl_seconds
        self.min_refresh_seconds = min_refresh_seconds
        self.clock = clock
        self.fetches = 0
        self._keys: dict[str, RSAKey | ECKey] = {}
        self._fetched: float | None = None
        self._lock = threading.Lock()

    def key(self, kid: str | None) -> RSAKey | ECKey | None:
        """The key ``kid`` (the only key when the token names none and the set holds one)."""
        with self._lock:
            now = self.clock()
            stale = self._fetched is None or now - self._fetched >= self.ttl_seconds
            unknown = self._find(kid) is None
            may_refresh = self._fetched is None or now - self._fetched >= self.min_refresh_seconds
            if stale or (unknown and may_refresh):
                self._refresh(now)
            return self._find(kid)

    def _find(self, kid: str | None) -> RSAKey | ECKey | None:
        if kid is None:
            return next(iter(self._keys.values())) if len(self._keys) == 1 else None
        return self._keys.get(kid)

    def _refresh(self, now: float) -> None:
        self._fetched = now  # also on failure: the floor holds when the JWKS server is down
        self.fetches += 1
        try:
            answer = self.client.get(self.url, headers={"Accept": "application/json"})
            answer.raise_for_status()
            document = answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("JWKS niet op te halen: %s", type(exc).__name__)
            return  # keep the keys we had: a JWKS outage must not lock out valid tokens
        keys: dict[str, RSAKey | ECKey] = {}
        for index, entry in enumerate(document.get("keys", []) if isinstance(document, dict) else []):
            key = _public_key(entry)
            if key is not None:
                keys[str(entry.get("kid") or f"#{index}")] = key
        self._keys = keys


def _public_key(entry: Any) -> RSAKey | ECKey | None:
    """One JWKS entry as a public RSA or EC verification key; None for anything else (``oct``
    keys especially: a shared secret has no place in a public key set)."""
    if (
        not isinstance(entry, dict)
        or entry.get("kty") not in ("RSA", "EC")
        or entry.get("use", "sig") != "sig"
    ):
        return None
    public = {k: v for k, v in entry.items() if k not in ("d", "p", "q", "dp", "dq", "qi")}
    try:
        key = KeySet.import_key_set({"keys": [public]}).keys[0]
    except (JoseError, ValueError, TypeError, KeyError):
        return None
    return key if isinstance(key, RSAKey | ECKey) else None


class TokenVerifier:
    """Turns a bearer token into a :class:`Principal`, or raises :class:`UnauthenticatedError`."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        keys: JwksCache,
        algorithms: tuple[str, ...] = ("RS256", "ES256"),
        clock_skew_seconds: int = 60,
        max_lifetime_seconds: int = 3600,
        now: Callable[[], int] | None = None,
    ) -> None:
        unknown = set(algorithms) - ASYMMETRIC_ALGORITHMS
        if unknown or not algorithms:
            raise ValueError("only asymmetric JWS algorithms can verify tokens here")
        self.issuer = issuer
        self.audience = audience
        self.keys = keys
        self.algorithms = algorithms
        self.clock_skew_seconds = clock_skew_seconds
        self.max_lifetime_seconds = max_lifetime_seconds
        self.now = now or (lambda: int(time.time()))

    def verify(self, token: str) -> Principal:
        """The principal of a valid ``token``."""
        if len(token) > _MAX_TOKEN_BYTES:
            raise _invalid()
        try:
            header = jws.extract_compact(token.encode("ascii")).headers()
        except (JoseError, ValueError, UnicodeError):
            raise _invalid() from None
        if header.get("alg") not in self.algorithms:
            raise UnauthenticatedError(
                "Het token is niet ondertekend met een toegestaan algoritme.",
                "The token is not signed with an accepted algorithm.",
            )
        kid = header.get("kid")
        key = self.keys.key(kid if isinstance(kid, str) else None)
        if key is None:
            raise UnauthenticatedError(
                "De sleutel waarmee het token is ondertekend is onbekend bij de uitgever.",
                "The key that signed the token is unknown to the issuer.",
            )
        try:
            decoded = jwt.decode(token, key, algorithms=list(self.algorithms))
        except (JoseError, ValueError):
            raise _invalid() from None
        claims = decoded.claims
        registry = jwt.JWTClaimsRegistry(
            now=self.now,
            leeway=self.clock_skew_seconds,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.audience},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            expired = type(exc).__name__ == "ExpiredTokenError"
            raise UnauthenticatedError(
                "Het token is verlopen." if expired else "Het token is niet voor deze dienst of ongeldig.",
                "The token has expired." if expired else "The token is not for this service or invalid.",
            ) from None
        if not _short_lived(claims, self.now(), self.max_lifetime_seconds + self.clock_skew_seconds):
            raise UnauthenticatedError(
                "Het token leeft te lang (exp te ver na iat of na nu).",
                "The token lives too long (exp too far after iat or after now).",
            )
        return _principal(claims)


def _short_lived(claims: dict[str, Any], now: int, longest: int) -> bool:
    # joserfc checks exp and iat against now only; a lifetime of centuries passes that.
    exp, iat = claims.get("exp"), claims.get("iat")
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (exp, iat))
    return numbers and exp - iat <= longest and exp - now <= longest  # type: ignore[operator]


def _principal(claims: dict[str, Any]) -> Principal:
    client = claims.get("client_id") or claims.get("azp")
    patient = claims.get("patient")
    return Principal(
        subject=str(claims["sub"])[:200],
        client=str(client)[:200] if client else None,
        scopes=parse_scopes(claims.get("scope")),
        patient=patient if isinstance(patient, str) and patient else None,
        fhir_user=_fhir_user(claims.get("fhirUser")),
    )


def _fhir_user(claim: object) -> str | None:
    """``Type/id`` of a ``fhirUser`` claim, relative or an absolute URL (SMART: the user's FHIR
    resource); None without the claim, ``?`` for one that names no resource."""
    if claim is None:
        return None
    parts = claim.rstrip("/").split("/") if isinstance(claim, str) else []
    if len(parts) >= 2 and _FHIR_USER.fullmatch(f"{parts[-2]}/{parts[-1]}"):
        return f"{parts[-2]}/{parts[-1]}"
    return "?"


def _invalid() -> UnauthenticatedError:
    return UnauthenticatedError(
        "Het token is ongeldig (vorm of handtekening).", "The token is invalid (form or signature)."
    )
