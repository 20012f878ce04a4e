"""Helpers of the auth tests: keys made in the test, tokens signed with them, the JWKS served by
a respx mock, and an app with the bearer JWT guard built from its settings."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import respx
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

from fhir_werk.service import ServiceSettings, create_app

from .kit import FHIR, TestClient, example

ISSUER = "https://login.example.org/realms/zorg"
AUDIENCE = "https://fhir-werk.example.org/fhir"
JWKS_URL = "https://login.example.org/realms/zorg/jwks"
RSA = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
EC = ECKey.generate_key("P-256", parameters={"kid": "ec-1"})
OTHER = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
"""Another key with the same kid: a token it signs has a bad signature."""
SYSTEM = "system/*.cruds"


def jwks(*keys: RSAKey | ECKey) -> dict[str, Any]:
    return dict(KeySet(list(keys or (RSA, EC))).as_dict(private=False))


def token(
    scope: str = SYSTEM,
    *,
    key: RSAKey | ECKey = RSA,
    alg: str | None = None,
    kid: str | None = None,
    **claims: Any,
) -> str:
    """A signed token; ``claims`` replace the defaults (None removes one)."""
    now = int(time.time())
    body: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "medewerker-17",
        "client_id": "epd-app",
        "scope": scope,
        "iat": now,
        "exp": now + 300,
    } | claims
    body = {k: v for k, v in body.items() if v is not None}
    algorithm = alg or ("RS256" if isinstance(key, RSAKey) else "ES256")
    header = {"alg": algorithm, "kid": kid if kid is not None else key.kid}
    return jwt.encode(header, body, key, algorithms=[algorithm])


def unsigned(**claims: Any) -> str:
    """A token with ``alg: none`` (no signature)."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    now = int(time.time())
    body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "scope": SYSTEM, "exp": now + 300} | claims
    return f"{part({'alg': 'none', 'kid': 'rsa-1'})}.{part(body)}."


def bearer(value: str) -> dict[str, str]:
    return {"authorization": f"Bearer {value}"}


def auth_settings(folder: Path, **changes: Any) -> ServiceSettings:
    return ServiceSettings(
        data_dir=folder / "data",
        auth_issuer=ISSUER,
        auth_audience=AUDIENCE,
        auth_jwks_url=JWKS_URL,
        backoff_seconds=0.001,
        **changes,
    )


@pytest.fixture
def idp() -> Iterator[respx.Route]:
    """The issuer's JWKS endpoint (respx); ``.calls`` counts the fetches."""
    with respx.mock(assert_all_called=False) as mock:
        yield mock.get(JWKS_URL).respond(200, json=jwks())


@pytest.fixture
def secured(tmp_path: Path, idp: respx.Route) -> Iterator[TestClient]:
    """The service with the bearer JWT guard its settings configure."""
    with TestClient(create_app(auth_settings(tmp_path), worker=False)) as client:
        yield client


def post_as(client: TestClient, resource: dict[str, Any], value: str) -> Any:
    """POST ``resource`` as a QuestionnaireResponse with the bearer token ``value``."""
    return client.post(
        "/fhir/QuestionnaireResponse", content=json.dumps(resource), headers=FHIR | bearer(value)
    )


@pytest.fixture
def stored(secured: TestClient) -> dict[str, str]:
    """One response of Els and one of Sanne, written with a system token."""
    els = post_as(secured, example(), token())
    sanne = post_as(secured, example("sanne-werkt-met-klachten"), token())
    assert (els.status_code, sanne.status_code) == (201, 201), sanne.text[:300]
    return {"els": els.json()["id"], "sanne": sanne.json()["id"]}
