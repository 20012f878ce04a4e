"""SMART Backend Services auth: discovery, the signed client assertion, token cache and refresh."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey
from pydantic import SecretStr

from fhir_werk.client._auth_options import AuthOptions, BearerAuth, build_auth
from fhir_werk.client._client import FhirClient, make_http_client
from fhir_werk.client._retry import RetryPolicy
from fhir_werk.client._smart_auth import ASSERTION_TYPE, SmartBackendAuth, load_signing_key
from fhir_werk.shared._outcomes import InvalidInputError, RemoteAuthError

BASE = "http://epd.test/fhir"
TOKEN_URL = "http://auth.test/token"
PATIENT = {"resourceType": "Patient", "id": "p1"}


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def rsa_key() -> RSAKey:
    return RSAKey.generate_key(2048, private=True)


@pytest.fixture(scope="module")
def ec_key() -> ECKey:
    return ECKey.generate_key("P-384", private=True)


@pytest.fixture
def pem_file(tmp_path: Path, rsa_key: RSAKey) -> Path:
    path = tmp_path / "client.pem"
    path.write_bytes(rsa_key.as_pem(private=True))
    return path


@pytest.fixture
def server() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        mock.get(f"{BASE}/Patient/p1").respond(200, json=PATIENT)
        yield mock


def token_route(server: respx.MockRouter, *tokens: str, expires_in: int = 300) -> respx.Route:
    route = server.post(TOKEN_URL)
    route.side_effect = [
        httpx.Response(200, json={"access_token": t, "token_type": "bearer", "expires_in": expires_in})
        for t in tokens
    ]
    return route


def fhir_client(auth: httpx.Auth) -> FhirClient:
    return FhirClient(make_http_client(BASE, auth=auth), retry=RetryPolicy(max_attempts=1))


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def test_rs384_assertion_claims_and_signature(
    server: respx.MockRouter, pem_file: Path, rsa_key: RSAKey
) -> None:
    clock = Clock()
    key = load_signing_key(pem_file, kid="sleutel-1")
    route = token_route(server, "token-1")
    auth = SmartBackendAuth("fhir-werk-client", key, token_url=TOKEN_URL, scope="system/*.write", clock=clock)
    fhir_client(auth).read("Patient", "p1")
    sent = form(route.calls.last.request)
    assert (sent["grant_type"], sent["client_assertion_type"], sent["scope"]) == (
        "client_credentials",
        ASSERTION_TYPE,
        "system/*.write",
    )
    public = RSAKey.import_key(rsa_key.as_pem(private=False))
    token = jwt.decode(sent["client_assertion"], public, algorithms=["RS384"])
    assert token.header == {"alg": "RS384", "kid": "sleutel-1", "typ": "JWT"}
    claims = token.claims
    assert (claims["iss"], claims["sub"], claims["aud"]) == (
        "fhir-werk-client",
        "fhir-werk-client",
        TOKEN_URL,
    )
    assert (claims["iat"], claims["exp"]) == (1_800_000_000, 1_800_000_300)
    assert len(claims["jti"]) == 36
    with pytest.raises(Exception, match="signature"):
        jwt.decode(sent["client_assertion"], RSAKey.generate_key(2048), algorithms=["RS384"])


def test_es384_key_chosen_from_a_jwks_by_kid(tmp_path: Path, server: respx.MockRouter, ec_key: ECKey) -> None:
    other = ECKey.generate_key("P-384", private=True)
    key_set = KeySet([other, ec_key]).as_dict(private=True)
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(key_set))
    kid = ec_key.thumbprint()
    route = token_route(server, "token-1")
    auth = SmartBackendAuth("c1", load_signing_key(path, kid=kid), token_url=TOKEN_URL)
    fhir_client(auth).read("Patient", "p1")
    assertion = form(route.calls.last.request)["client_assertion"]
    token = jwt.decode(assertion, ECKey.import_key(ec_key.as_dict(private=False)), algorithms=["ES384"])
    assert (token.header["alg"], token.header["kid"]) == ("ES384", kid)
    with pytest.raises(Exception, match="signature"):
        jwt.decode(assertion, other, algorithms=["ES384"])


def test_jti_is_unique_per_assertion(server: respx.MockRouter, pem_file: Path) -> None:
    clock = Clock()
    route = token_route(server, "t1", "t2")
    key = load_signing_key(pem_file)
    client = fhir_client(SmartBackendAuth("c1", key, token_url=TOKEN_URL, clock=clock))
    client.read("Patient", "p1")
    clock.now += 1000
    client.read("Patient", "p1")
    assertions = [form(c.request)["client_assertion"] for c in route.calls]
    jtis = {jwt.decode(a, key.key, algorithms=["RS384"]).claims["jti"] for a in assertions}
    assert len(jtis) == 2


def test_token_endpoint_is_discovered_once(server: respx.MockRouter, pem_file: Path) -> None:
    discovery = server.get(f"{BASE}/.well-known/smart-configuration").respond(
        200, json={"token_endpoint": TOKEN_URL, "grant_types_supported": ["client_credentials"]}
    )
    token_route(server, "t1")
    auth = SmartBackendAuth("c1", load_signing_key(pem_file), fhir_base_url=BASE)
    client = fhir_client(auth)
    client.read("Patient", "p1")
    client.read("Patient", "p1")
    assert discovery.call_count == 1


def test_token_is_cached_until_a_minute_before_expiry(server: respx.MockRouter, pem_file: Path) -> None:
    clock = Clock()
    route = token_route(server, "t1", "t2", expires_in=300)
    fhir = server.get(f"{BASE}/Patient/p1").respond(200, json=PATIENT)
    client = fhir_client(SmartBackendAuth("c1", load_signing_key(pem_file), token_url=TOKEN_URL, clock=clock))
    client.read("Patient", "p1")
    clock.now += 239
    client.read("Patient", "p1")
    assert route.call_count == 1
    clock.now += 1  # 240 s = expires_in - 60
    client.read("Patient", "p1")
    assert route.call_count == 2
    assert [c.request.headers["Authorization"] for c in fhir.calls] == ["Bearer t1", "Bearer t1", "Bearer t2"]


def test_a_401_refreshes_the_token_once(server: respx.MockRouter, pem_file: Path) -> None:
    route = token_route(server, "old", "new")
    fhir = server.get(f"{BASE}/Patient/p1")
    fhir.side_effect = [httpx.Response(401), httpx.Response(200, json=PATIENT)]
    client = fhir_client(SmartBackendAuth("c1", load_signing_key(pem_file), token_url=TOKEN_URL))
    assert client.read("Patient", "p1").resource == PATIENT
    assert route.call_count == 2
    assert [c.request.headers["Authorization"] for c in fhir.calls] == ["Bearer old", "Bearer new"]


def test_a_second_401_is_an_auth_error(server: respx.MockRouter, pem_file: Path) -> None:
    route = token_route(server, "t1", "t2")
    fhir = server.get(f"{BASE}/Patient/p1").respond(401)
    client = fhir_client(SmartBackendAuth("c1", load_signing_key(pem_file), token_url=TOKEN_URL))
    with pytest.raises(RemoteAuthError) as caught:
        client.read("Patient", "p1")
    assert caught.value.status == 401
    assert (route.call_count, fhir.call_count) == (2, 2)


def test_token_endpoint_refusal_is_an_auth_error_without_secrets(
    server: respx.MockRouter, pem_file: Path
) -> None:
    server.post(TOKEN_URL).respond(400, json={"error": "invalid_client", "error_description": "unknown key"})
    fhir = server.get(f"{BASE}/Patient/p1")
    client = fhir_client(SmartBackendAuth("c1", load_signing_key(pem_file), token_url=TOKEN_URL))
    with pytest.raises(RemoteAuthError) as caught:
        client.read("Patient", "p1")
    (only,) = caught.value.outcome["issue"]
    assert (caught.value.status, only["code"]) == (400, "invalid")
    assert "invalid_client" in only["diagnostics"]
    assert "eyJ" not in json.dumps(caught.value.outcome)  # no JWT in the outcome
    assert fhir.call_count == 0


def test_token_response_without_access_token(server: respx.MockRouter, pem_file: Path) -> None:
    server.post(TOKEN_URL).respond(200, json={"token_type": "bearer"})
    client = fhir_client(SmartBackendAuth("c1", load_signing_key(pem_file), token_url=TOKEN_URL))
    with pytest.raises(RemoteAuthError) as caught:
        client.read("Patient", "p1")
    assert (
        caught.value.outcome["issue"][0]["details"]["text"]
        == "Het token-antwoord bevat geen geldig access_token."
    )


# --- keys ---------------------------------------------------------------------------------------


def test_public_key_is_refused(tmp_path: Path, rsa_key: RSAKey) -> None:
    path = tmp_path / "public.pem"
    path.write_bytes(rsa_key.as_pem(private=False))
    with pytest.raises(InvalidInputError) as caught:
        load_signing_key(path)
    assert (
        caught.value.outcome["issue"][0]["details"]["text"]
        == "Sleutelbestand 'public.pem' bevat geen privésleutel."
    )


def test_ec_key_on_the_wrong_curve_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p256.pem"
    path.write_bytes(ECKey.generate_key("P-256", private=True).as_pem(private=True))
    with pytest.raises(InvalidInputError) as caught:
        load_signing_key(path)
    assert (
        caught.value.outcome["issue"][0]["details"]["text"] == "ES384 vraagt een EC-sleutel op curve P-384."
    )


def test_jwks_without_the_kid_is_refused(tmp_path: Path, ec_key: ECKey) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(KeySet([ec_key]).as_dict(private=True)))
    with pytest.raises(InvalidInputError) as caught:
        load_signing_key(path, kid="onbekend")
    assert caught.value.outcome["issue"][0]["expression"] == ["key-file"]


def test_garbage_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rommel.pem"
    path.write_text("geen sleutel")
    with pytest.raises(InvalidInputError) as caught:
        load_signing_key(path)
    assert caught.value.outcome["issue"][0]["details"]["text"] == (
        "Sleutelbestand 'rommel.pem' bevat geen bruikbare RSA- of EC-sleutel."
    )


def test_pem_kid_defaults_to_the_thumbprint(pem_file: Path, rsa_key: RSAKey) -> None:
    key = load_signing_key(pem_file)
    assert (key.kid, key.algorithm) == (rsa_key.thumbprint(), "RS384")


# --- auth options -------------------------------------------------------------------------------


def test_build_auth_none_basic_bearer(server: respx.MockRouter) -> None:
    assert build_auth(AuthOptions()) is None
    basic = build_auth(AuthOptions(auth="basic", user="u", password=SecretStr("geheim")))
    bearer = build_auth(AuthOptions(auth="bearer", token=SecretStr("tok-7f3a")))
    fhir = server.get(f"{BASE}/Patient/p1").respond(200, json=PATIENT)
    assert basic is not None
    assert bearer is not None
    fhir_client(basic).read("Patient", "p1")
    fhir_client(bearer).read("Patient", "p1")
    assert [c.request.headers["Authorization"] for c in fhir.calls] == [
        "Basic dTpnZWhlaW0=",
        "Bearer tok-7f3a",
    ]
    assert "tok-7f3a" not in repr(bearer)
    assert isinstance(bearer, BearerAuth)


@pytest.mark.parametrize(
    ("options", "missing"),
    [
        (AuthOptions(auth="basic", user="u"), "password"),
        (AuthOptions(auth="basic", password=SecretStr("x")), "user"),
        (AuthOptions(auth="bearer"), "token"),
        (AuthOptions(auth="smart", key_file=Path("k.pem")), "client-id"),
        (AuthOptions(auth="smart", client_id="c1"), "key-file"),
    ],
)
def test_build_auth_names_the_missing_option(options: AuthOptions, missing: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        build_auth(options, BASE)
    (only,) = caught.value.outcome["issue"]
    assert (only["code"], only["expression"]) == ("invalid", [missing])
    assert only["details"]["text"] == f"Authenticatie '{options.auth}' vraagt de optie '{missing}'."


def test_build_auth_smart(pem_file: Path) -> None:
    auth = build_auth(AuthOptions(auth="smart", client_id="c1", key_file=pem_file), BASE)
    assert isinstance(auth, SmartBackendAuth)
    assert "BEGIN" not in repr(auth)


def test_smart_auth_needs_a_token_url_or_base(pem_file: Path) -> None:
    with pytest.raises(InvalidInputError) as caught:
        SmartBackendAuth("c1", load_signing_key(pem_file))
    assert caught.value.outcome["issue"][0]["expression"] == ["token-url"]
