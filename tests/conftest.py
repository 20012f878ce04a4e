"""Session fixtures shared by the whole suite.

The HAPI FHIR test server is real (tests/fhir-server, started by scripts/fhir-test-server). When
``FHIR_WERK_TEST_SERVER`` is set (scripts/check sets it) the tests use that base URL; otherwise
the fixture starts the server itself. A server that cannot be started fails the tests that need
it — it never skips them.

The server is shared by every test, in whatever order they run (``pytest --reverse`` runs them
back to front). So that no test's outcome depends on another's: ``fhir_server_url`` puts the
project's configuration (its published terminology and Questionnaires) on the server before the
first test that uses it, the same for every order; and what a test adds besides (Patients and what
hangs off them) has ids of its own and is deleted after the test (``patient``, ``new_patient``,
``hapi_cleanup``).
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from fhir_werk.client import FhirClient, make_http_client

from hapi_kit import HapiCleanup, configure, delete_with_dependants

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def hapi_base_url() -> Iterator[str]:
    """Base URL of a running HAPI FHIR JPA server as it is, e.g. ``http://127.0.0.1:8090/fhir``.
    Tests use ``fhir_server_url``, which is this server with fhir-werk's configuration on it."""
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


@pytest.fixture(scope="session")
def fhir_server_url(hapi_base_url: str) -> str:
    """The HAPI test server holding fhir-werk's configuration before any test uses it.

    The configuration is everything the project publishes (CodeSystems, ValueSets,
    StructureDefinitions, Questionnaires) and the examples' shared author, each PUT by its id with
    the checkout's content, so a second PUT changes nothing. The server validates every request
    against what it holds: a code of ours is refused or accepted by what the CodeSystem says, not
    by whether an earlier test happened to upload it. Tests never delete this configuration
    (deleting a CodeSystem and storing it again can fail in HAPI 8.8: 409 on TRM_CODESYSTEM_VER);
    what a test adds besides it, it removes (``hapi_cleanup``, ``patient``, ``new_patient``).
    """
    configure(hapi_base_url)
    return hapi_base_url


@pytest.fixture
def hapi_cleanup(fhir_server_url: str) -> Iterator[HapiCleanup]:
    """Register what the test puts on the server (``hapi_cleanup.add("Patient/x")``); after the
    test it is deleted with everything that refers to it, and the test fails if it is still there.
    Register the Patient and the rest hangs off it; never register configuration."""
    owned = HapiCleanup()
    yield owned
    delete_with_dependants(fhir_server_url, owned.names)


@pytest.fixture
def new_patient(client: FhirClient, hapi_cleanup: HapiCleanup) -> Callable[[], str]:
    """Makes a fresh Patient with an id of its own; it and all that refers to it is removed after
    the test."""

    def make() -> str:
        patient_id = f"fw-{uuid.uuid4().hex[:12]}"
        client.update({"resourceType": "Patient", "id": patient_id, "name": [{"family": "Testpersoon"}]})
        hapi_cleanup.add(f"Patient/{patient_id}")
        return patient_id

    return make


@pytest.fixture
def client(fhir_server_url: str) -> Iterator[FhirClient]:
    """A FHIR client on the local HAPI test server."""
    with make_http_client(fhir_server_url, timeout=60) as http:
        yield FhirClient(http)


@pytest.fixture
def patient(new_patient: Callable[[], str]) -> str:
    """A fresh Patient on the server (referential integrity: it must exist before anything refers to
    it); it and everything that refers to it is deleted after the test."""
    return new_patient()
