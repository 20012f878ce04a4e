"""``/.well-known/smart-configuration``: SMART App Launch 2.x discovery from the auth settings,
open (no token), ``application/json``; in local mode the plain statement that there is no auth."""

from __future__ import annotations

from pathlib import Path

import pytest
import respx

from fhir_werk.service import create_app
from fhir_werk.service.api._capabilities import OAUTH_URIS

from .auth_kit import ISSUER, JWKS_URL, auth_settings, idp
from .kit import TestClient

__all__ = ["idp"]  # the fixture, imported for pytest

AUTHORIZE = "https://login.example.org/realms/zorg/protocol/openid-connect/auth"
TOKEN = "https://login.example.org/realms/zorg/protocol/openid-connect/token"
PATHS = ("/.well-known/smart-configuration", "/fhir/.well-known/smart-configuration")


@pytest.fixture
def launched(tmp_path: Path, idp: respx.Route) -> TestClient:
    settings = auth_settings(
        tmp_path,
        auth_authorization_endpoint=AUTHORIZE,
        auth_token_endpoint=TOKEN,
        auth_capabilities=["launch-standalone", "client-confidential-asymmetric"],
    )
    return TestClient(create_app(settings, worker=False))


@pytest.mark.parametrize("path", PATHS)
def test_the_document_names_the_issuer_its_endpoints_and_what_is_enforced(
    launched: TestClient, path: str
) -> None:
    with launched:
        answer = launched.get(path)  # no token: discovery comes before there is one
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    document = answer.json()
    assert document["issuer"] == ISSUER
    assert document["jwks_uri"] == JWKS_URL
    assert document["authorization_endpoint"] == AUTHORIZE
    assert document["token_endpoint"] == TOKEN
    assert document["grant_types_supported"] == ["authorization_code", "client_credentials"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["response_types_supported"] == ["code"]
    assert document["capabilities"] == [
        "client-confidential-asymmetric",
        "launch-standalone",
        "permission-patient",
        "permission-user",
        "permission-v1",
        "permission-v2",
    ]
    scopes = document["scopes_supported"]
    assert "patient/QuestionnaireResponse.cruds" in scopes
    assert "system/CarePlan.rs" in scopes
    assert "user/Questionnaire.rs" in scopes
    assert {"fhirUser", "launch/patient"} <= set(scopes)


def test_without_an_authorize_url_only_backend_services_are_offered(tmp_path: Path, idp: respx.Route) -> None:
    with TestClient(create_app(auth_settings(tmp_path, auth_token_endpoint=TOKEN), worker=False)) as client:
        document = client.get(PATHS[0]).json()
    assert "authorization_endpoint" not in document
    assert document["grant_types_supported"] == ["client_credentials"]
    assert document["response_types_supported"] == []
    assert "launch-standalone" not in document["capabilities"]


def test_local_mode_says_there_is_no_authentication(client: TestClient) -> None:
    answer = client.get(PATHS[1])
    assert answer.status_code == 200
    document = answer.json()
    assert document["capabilities"] == []
    assert document["grant_types_supported"] == []
    assert "token_endpoint" not in document
    assert "issuer" not in document
    assert "geen authenticatie" in document["description"]


def test_the_capability_statement_carries_the_oauth_uris(launched: TestClient) -> None:
    with launched:
        security = launched.get("/fhir/metadata").json()["rest"][0]["security"]
    (extension,) = security["extension"]
    assert extension["url"] == OAUTH_URIS
    assert {e["url"]: e["valueUri"] for e in extension["extension"]} == {
        "authorize": AUTHORIZE,
        "token": TOKEN,
    }


def test_an_endpoint_over_plain_http_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="https"):
        auth_settings(tmp_path, auth_token_endpoint="http://login.example.org/token")
