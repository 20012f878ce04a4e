"""Sign-in: with the service's bearer JWT auth configured the page asks for a token, takes it
from its URL fragment as a portal hands it over, shows only the token's own patient, and says in
Dutch when a token is refused. The authorization server is a JWKS on a local HTTP server, the
tokens are signed in the test (joserfc)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from .conftest import Service, Watched
from .kit import axe, item, shot

pytestmark = pytest.mark.browser

KEY = RSAKey.generate_key(2048, parameters={"kid": "pagina-1"})
AUDIENCE = "https://fhir-werk.example.org/fhir"


def _token(patient: str, issuer: str, scope: str = "patient/*.cruds") -> str:
    now = int(time.time())
    claims = {"iss": issuer, "aud": AUDIENCE, "sub": "pat-1", "scope": scope, "patient": patient}
    return jwt.encode({"alg": "RS256", "kid": KEY.kid}, claims | {"iat": now, "exp": now + 600}, KEY)


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    """A local authorization server's JWKS at ``<issuer>/jwks``."""
    body = json.dumps(KeySet([KEY]).as_dict(private=False)).encode()

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def service(browser_tools: None, issuer: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The service with the bearer JWT guard (overrides the local-mode one of conftest)."""
    running = Service(
        Path(tmp_path_factory.mktemp("beveiligd")),
        {
            "FHIR_WERK_SERVICE_AUTH_ISSUER": issuer,
            "FHIR_WERK_SERVICE_AUTH_AUDIENCE": AUDIENCE,
            "FHIR_WERK_SERVICE_AUTH_JWKS_URL": f"{issuer}/jwks",
        },
    )
    yield running
    running.stop()


def test_without_a_token_the_page_asks_for_one(watched: Watched, service: Service) -> None:
    page = watched.page
    page.goto(f"{service.base}/")
    page.locator("#toegang").wait_for()
    assert not page.locator("#banner").is_visible()
    assert page.locator("#patient").count() == 0
    axe(page, "16-aanmelden")
    shot(page, "16-aanmelden")
    # A pasted token that the service refuses: explained in Dutch, and asked again.
    page.locator("#toegang").fill("geen.geldige.sleutel")
    page.keyboard.press("Enter")
    alert = page.locator("#melding .fout")
    alert.wait_for()
    assert "niet (meer) aangemeld" in alert.inner_text()


def test_a_patient_signed_in_by_link_sees_only_their_own_conversations(
    watched: Watched, service: Service, issuer: str
) -> None:
    page = watched.page
    page.goto(f"{service.base}/#access_token={_token('aangemeld-1', issuer)}")
    page.locator("#patient").wait_for()
    # The token leaves the URL at once, and the patient comes from it.
    assert "access_token" not in page.url
    assert page.locator("#patient").input_value() == "aangemeld-1"
    assert page.locator("#patient").get_attribute("readonly") is not None
    page.get_by_role("button", name="Mijn gesprekken tonen").click()
    page.locator("#gesprekken h3").wait_for()
    page.get_by_role("button", name="Nieuw gesprek beginnen").click()
    item(page, "stap-1-themas").wait_for()
    page.get_by_role("button", name="Concept opslaan").click()
    saved = page.locator("#melding .bericht")
    saved.wait_for()
    assert "opgeslagen" in saved.inner_text(), saved.inner_text()
    shot(page, "17-aangemeld")
    page.get_by_role("button", name="Terug naar start").click()
    page.get_by_role("button", name="Afmelden").click()
    page.locator("#toegang").wait_for()
