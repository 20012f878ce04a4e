"""Bearer JWT auth: 401 for every way a token can be wrong, the JWKS cache, the settings, the
CapabilityStatement's security, and where ``fhir-werk serve`` may listen."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
import uvicorn
from typer.testing import CliRunner

from fhir_werk.cli import app as cli
from fhir_werk.service import ServiceSettings, create_app, load_settings
from fhir_werk.service.auth._tokens import JwksCache
from fhir_werk.shared import InvalidInputError

from .auth_kit import (
    AUDIENCE,
    EC,
    ISSUER,
    JWKS_URL,
    OTHER,
    RSA,
    auth_settings,
    bearer,
    idp,
    jwks,
    secured,
    token,
    unsigned,
)
from .kit import Serve, TestClient, assert_outcome

__all__ = ["idp", "secured"]  # the fixtures, imported for pytest

READ = "/fhir/QuestionnaireResponse"


def _unauthorized(answer: Any, text: str) -> None:
    assert_outcome(answer, 401, "login", text)
    assert answer.headers["www-authenticate"].startswith("Bearer ")
    en = answer.json()["issue"][0]["details"]["_text"]["extension"][0]["extension"][1]["valueString"]
    assert en  # the English translation is there


def test_no_token_is_401_with_www_authenticate(secured: TestClient) -> None:
    answer = secured.get(READ)
    _unauthorized(answer, "Geen toegangstoken")
    assert answer.headers["www-authenticate"] == 'Bearer realm="fhir-werk"'
    _unauthorized(secured.get(READ, headers={"authorization": "Basic eDp5"}), "geen 'Bearer <token>'")


def test_a_valid_token_reaches_the_route(secured: TestClient) -> None:
    assert secured.get(READ, headers=bearer(token())).status_code == 200
    assert secured.get(READ, headers=bearer(token(key=EC))).status_code == 200  # ES256


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (lambda: token(key=OTHER), "handtekening"),
        (lambda: token(iss="https://elders.example.org"), "niet voor deze dienst"),
        (lambda: token(aud="https://andere-dienst.example.org"), "niet voor deze dienst"),
        (lambda: token(aud=None), "niet voor deze dienst"),
        (lambda: token(sub=None), "niet voor deze dienst"),
        (lambda: token(exp=int(time.time()) - 120), "verlopen"),
        (lambda: token(exp=None), "niet voor deze dienst"),
        (lambda: unsigned(), "toegestaan algoritme"),
        (lambda: token(key=RSA, alg="RS512"), "toegestaan algoritme"),  # valid, but not configured
        (lambda: "not.a.token", "ongeldig"),
        (lambda: "x" * 20_000, "ongeldig"),
        (lambda: token(exp=10**20), "te lang"),
        (lambda: token(iat=int(time.time()) - 7200, exp=int(time.time()) + 300), "te lang"),
        (lambda: token(exp=int(time.time()) + 3 * 3600), "te lang"),
        (lambda: token(iat=None), "niet voor deze dienst"),
    ],
    ids=[
        "bad-signature",
        "wrong-issuer",
        "wrong-audience",
        "no-audience",
        "no-subject",
        "expired",
        "no-expiry",
        "alg-none",
        "alg-not-accepted",
        "malformed",
        "too-long",
        "exp-in-the-year-3e12",
        "lifetime-over-an-hour",
        "exp-hours-from-now",
        "no-iat",
    ],
)
def test_a_bad_token_is_401(secured: TestClient, value: Callable[[], str], text: str) -> None:
    # Made when the test runs, not at collection: on a loaded machine the suite can reach this
    # test more than the tokens' five minutes after collecting it, and every token would be expired.
    _unauthorized(secured.get(READ, headers=bearer(value())), text)


def test_hs256_signed_with_the_public_key_is_401(secured: TestClient) -> None:
    # Key confusion: the RSA public key (as a PEM) used as an HMAC secret. joserfc itself will
    # not make such a token, so it is made by hand.
    def part(value: bytes) -> str:
        return base64.urlsafe_b64encode(value).rstrip(b"=").decode()

    header = part(json.dumps({"alg": "HS256", "kid": "rsa-1"}).encode())
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "scope": "system/*.cruds", "exp": now + 300}
    payload = part(json.dumps(claims).encode())
    secret = RSA.as_pem(private=False)
    signature = part(hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    confused = f"{header}.{payload}.{signature}"
    _unauthorized(secured.get(READ, headers=bearer(confused)), "toegestaan algoritme")


def test_clock_skew_is_allowed(secured: TestClient) -> None:
    assert secured.get(READ, headers=bearer(token(exp=int(time.time()) - 30))).status_code == 200
    assert secured.get(READ, headers=bearer(token(nbf=int(time.time()) + 30))).status_code == 200
    _unauthorized(secured.get(READ, headers=bearer(token(nbf=int(time.time()) + 600))), "niet voor")


def test_an_unknown_kid_refreshes_the_jwks_once_then_401(tmp_path: Path, idp: respx.Route) -> None:
    settings = auth_settings(tmp_path, auth_jwks_min_refresh_seconds=2)
    with TestClient(create_app(settings, worker=False)) as secured:
        assert secured.get(READ, headers=bearer(token())).status_code == 200
        assert idp.call_count == 1  # fetched on first use, then cached
        assert secured.get(READ, headers=bearer(token())).status_code == 200
        assert idp.call_count == 1
        time.sleep(2.1)  # past the floor between two fetches
        _unauthorized(secured.get(READ, headers=bearer(token(kid="onbekend-1"))), "sleutel")
        assert idp.call_count == 2  # the unknown kid made one refresh ...
        for n in range(5):  # ... and a flood of made-up kids makes no more (the floor)
            _unauthorized(secured.get(READ, headers=bearer(token(kid=f"onbekend-{n + 2}"))), "sleutel")
        assert idp.call_count == 2
        assert secured.get(READ, headers=bearer(token())).status_code == 200  # known keys still work


def test_the_jwks_cache_refreshes_after_its_ttl_and_on_rotation() -> None:
    now = [1000.0]
    served = [jwks(RSA)]
    transport = httpx.MockTransport(lambda _request: httpx.Response(200, json=served[0]))
    cache = JwksCache(
        JWKS_URL,
        httpx.Client(transport=transport),
        ttl_seconds=600,
        min_refresh_seconds=30,
        clock=lambda: now[0],
    )
    assert cache.key("rsa-1") is not None
    assert cache.key("ec-1") is None  # unknown: one refresh (the first fetch was now: no floor)
    assert cache.fetches == 1
    now[0] += 31
    served[0] = jwks(RSA, EC)  # the issuer rotated in a new key
    assert cache.key("ec-1") is not None  # past the floor: the unknown kid refreshes
    assert cache.fetches == 2
    now[0] += 601
    served[0] = jwks(EC)
    assert cache.key("ec-1") is not None
    assert cache.key("rsa-1") is None  # after the TTL the old key is gone
    assert cache.fetches == 3


def test_a_jwks_outage_keeps_the_keys_and_symmetric_keys_are_ignored() -> None:
    answers = iter(
        [
            httpx.Response(
                200,
                json=jwks(RSA) | {"keys": [*jwks(RSA)["keys"], {"kty": "oct", "k": "c2VjcmV0", "kid": "hs"}]},
            ),
            httpx.Response(503),
        ]
    )
    transport = httpx.MockTransport(lambda _request: next(answers))
    now = [0.0]
    cache = JwksCache(JWKS_URL, httpx.Client(transport=transport), ttl_seconds=10, clock=lambda: now[0])
    assert cache.key("hs") is None
    now[0] += 11
    assert cache.key("rsa-1") is not None  # the refresh failed: the keys it had still verify


def test_the_capability_statement_says_smart_on_fhir_with_the_issuer(secured: TestClient) -> None:
    answer = secured.get("/fhir/metadata")  # open: it tells a client how to authenticate
    assert answer.status_code == 200
    security = answer.json()["rest"][0]["security"]
    (service,) = security["service"]
    assert service["coding"] == [
        {
            "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
            "code": "SMART-on-FHIR",
            "display": "SMART-on-FHIR",
        }
    ]
    assert ISSUER in security["description"]


def test_local_mode_says_there_is_no_security(client: TestClient) -> None:
    security = client.get("/fhir/metadata").json()["rest"][0]["security"]
    assert "service" not in security
    assert "geen beveiliging" in security["description"]
    assert client.get(READ).status_code == 200  # no token needed


def test_probes_and_metrics_stay_open_with_auth(secured: TestClient) -> None:
    for path in ("/healthz", "/readyz", "/metrics"):
        assert secured.get(path).status_code == 200, path


def test_settings_refuse_symmetric_algorithms_and_plain_http_jwks(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (
        ("FHIR_WERK_SERVICE_AUTH_ALGORITHMS", '["HS256"]'),
        ("FHIR_WERK_SERVICE_AUTH_ALGORITHMS", '["none"]'),
        ("FHIR_WERK_SERVICE_AUTH_JWKS_URL", "http://login.example.org/jwks"),
    ):
        with monkeypatch.context() as env:
            env.setenv(name, value)
            with pytest.raises(InvalidInputError) as refused:
                load_settings()
            assert name in refused.value.outcome["issue"][0]["details"]["text"]
    loopback = ServiceSettings(auth_jwks_url="http://127.0.0.1:9000/jwks")
    assert loopback.auth_jwks_url == "http://127.0.0.1:9000/jwks"


def _serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> tuple[Any, list[Any]]:
    started: list[Any] = []

    def run(server: uvicorn.Server, sockets: list[Any] | None = None) -> None:
        started.append(server.config.app)  # instead of serving: the app serve built, and done
        for sock in sockets or []:
            sock.close()

    monkeypatch.setattr(uvicorn.Server, "run", run)
    result = CliRunner().invoke(
        cli,
        ["serve", "--host", "0.0.0.0", "--port", "0", "--no-worker"],
        env={"FHIR_WERK_DATA_DIR": str(tmp_path)} | env,
    )
    return result, started


def test_serve_on_another_interface_with_auth(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "FHIR_WERK_SERVICE_AUTH_ISSUER": ISSUER,
        "FHIR_WERK_SERVICE_AUTH_AUDIENCE": AUDIENCE,
        "FHIR_WERK_SERVICE_AUTH_JWKS_URL": JWKS_URL,
    }
    result, started = _serve(tmp_path, monkeypatch, env)
    assert result.exit_code == 0, result.output
    assert f"met authenticatie (bearer-JWT van {ISSUER}" in result.output
    (application,) = started
    with TestClient(application) as client:  # the app serve built is guarded
        _unauthorized(client.get(READ), "Geen toegangstoken")


def test_serve_on_another_interface_without_auth_is_still_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, started = _serve(tmp_path, monkeypatch, {})
    assert result.exit_code == 2
    assert "Weigert te luisteren op '0.0.0.0': er is geen authenticatie ingesteld" in result.output
    half, _ = _serve(tmp_path, monkeypatch, {"FHIR_WERK_SERVICE_AUTH_ISSUER": ISSUER})
    assert half.exit_code == 2
    assert "Authenticatie is maar half ingesteld" in half.output
    assert started == []


def test_an_app_built_from_auth_settings_is_guarded_without_auth_argument(
    tmp_path: Path, idp: respx.Route
) -> None:
    # serve --workers N: uvicorn builds each process's app from the bare factory.
    with TestClient(create_app(auth_settings(tmp_path), worker=False)) as client:
        _unauthorized(client.get(READ), "Geen toegangstoken")


class _Jwks(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # the name http.server calls
        body = json.dumps(jwks()).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        return


def test_a_real_serve_with_two_processes_checks_tokens(tmp_path: Path) -> None:
    # The JWKS from a tiny local HTTP server (http is allowed on loopback only); serve --workers 2
    # builds each process's app from the factory, which must guard itself from the environment.
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Jwks) as jwks_server:
        threading.Thread(target=jwks_server.serve_forever, daemon=True).start()
        env = {
            "FHIR_WERK_SERVICE_AUTH_ISSUER": ISSUER,
            "FHIR_WERK_SERVICE_AUTH_AUDIENCE": AUDIENCE,
            "FHIR_WERK_SERVICE_AUTH_JWKS_URL": f"http://127.0.0.1:{jwks_server.server_port}/jwks",
        }
        serve = Serve(tmp_path, "--workers", "2", "--no-worker", env=env)
        try:
            assert any("met authenticatie" in line for line in serve.banner)
            url = f"{serve.base}{READ}"
            for _ in range(4):  # more than one process answers
                assert httpx.get(url, timeout=10).status_code == 401
                assert httpx.get(url, headers=bearer(token()), timeout=10).status_code == 200
            assert httpx.get(f"{serve.base}/fhir/metadata", timeout=10).status_code == 200
        finally:
            code, err = serve.stop()
        jwks_server.shutdown()
    assert token() not in err
    assert code == 0, err[-2000:]
