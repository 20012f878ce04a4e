"""Session fixtures shared by the whole suite.

The HAPI FHIR test server is real (tests/fhir-server, started by scripts/fhir-test-server). When
``FHIR_WERK_TEST_SERVER`` is set (scripts/check sets it) the tests use that base URL; otherwise
the fixture starts the server itself. A server that cannot be started fails the tests that need
it — it never skips them.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fhir_werk.client import FhirClient, make_http_client

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def fhir_server_url() -> Iterator[str]:
    """Base URL of a running HAPI FHIR JPA server, e.g. ``http://127.0.0.1:8090/fhir``."""
    url = os.environ.get("FHIR_WERK_TEST_SERVER")
    started = False
    if not url:
        result = subprocess.run(
            [str(ROOT / "scripts" / "fhir-test-server"), "start"], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            pytest.fail(f"De HAPI-testserver start niet:\n{result.stderr[-3000:]}")
        url = result.stdout.strip().splitlines()[-1]
        started = True
    try:
        response = httpx.get(f"{url}/metadata", timeout=30, headers={"Accept": "application/fhir+json"})
    except httpx.HTTPError as exc:
        pytest.fail(f"De HAPI-testserver op {url} antwoordt niet: {exc!r}")
    assert response.status_code == 200, response.text[:500]
    yield url.rstrip("/")
    if started:
        subprocess.run([str(ROOT / "scripts" / "fhir-test-server"), "stop"], check=False, capture_output=True)


@pytest.fixture(autouse=True, scope="session")
def _ledger_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A push ledger built from the environment lives in the test run's folder, never in the
    checkout (tests that care about it pass their own)."""
    previous = os.environ.get("FHIR_WERK_LEDGER_PATH")
    os.environ["FHIR_WERK_LEDGER_PATH"] = str(tmp_path_factory.mktemp("ledger") / "ledger.sqlite3")
    yield
    if previous is None:
        os.environ.pop("FHIR_WERK_LEDGER_PATH", None)
    else:
        os.environ["FHIR_WERK_LEDGER_PATH"] = previous


@pytest.fixture
def client(fhir_server_url: str) -> Iterator[FhirClient]:
    """A FHIR client on the local HAPI test server."""
    with make_http_client(fhir_server_url, timeout=60) as http:
        yield FhirClient(http)


@pytest.fixture
def patient(client: FhirClient) -> str:
    """A fresh Patient on the server (referential integrity: it must exist before anything refers to it)."""
    patient_id = f"fw-{uuid.uuid4().hex[:12]}"
    client.update({"resourceType": "Patient", "id": patient_id, "name": [{"family": "Testpersoon"}]})
    return patient_id
