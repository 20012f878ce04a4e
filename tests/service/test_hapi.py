"""Delivery to a real FHIR server (HAPI, marker ``hapi``) that is down at first: the service
accepts responses while every push fails, is killed with SIGKILL halfway, comes back with the
server reachable, and every acknowledged response arrives exactly once (counted on HAPI)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest

from .kit import FHIR, Serve, body, example, free_port, states
from hapi_kit import HapiCleanup

pytestmark = pytest.mark.hapi

COUNT = 40
PATIENTS = 4


def _env(base_url: str) -> dict[str, str]:
    return {
        "FHIR_WERK_SERVICE_TARGETS": '["fhir"]',
        "FHIR_WERK_FHIR_BASE_URL": base_url,
        "FHIR_WERK_FHIR_TIMEOUT": "20",
        "FHIR_WERK_SERVICE_BACKOFF_SECONDS": "0.2",
        "FHIR_WERK_SERVICE_BACKOFF_MAX_SECONDS": "1",
        "FHIR_WERK_SERVICE_MAX_ATTEMPTS": "1000",
    }


def _count(server: str, query: str) -> int:
    answer = httpx.get(
        f"{server}/{query}&_summary=count", headers={"Accept": "application/fhir+json"}, timeout=60
    )
    assert answer.status_code == 200, answer.text[:300]
    total: int = answer.json()["total"]
    return total


def test_a_down_target_and_a_kill_9_lose_nothing_and_duplicate_nothing(
    fhir_server_url: str, tmp_path: Path, hapi_cleanup: HapiCleanup
) -> None:
    run = uuid.uuid4().hex[:10]
    system = f"https://fhir-werk.nl/fhir/NamingSystem/test-hapi-{run}"
    patients = [f"fw-{run}-{k}" for k in range(PATIENTS)]
    hapi_cleanup.add(*(f"Patient/{p}" for p in patients))  # and all delivered for them
    # Referential integrity: whoever a response refers to exists on the server first.
    referred = [("Patient", p) for p in patients] + [("Practitioner", "voorbeeld-behandelaar")]
    for resource_type, resource_id in referred:
        put = httpx.put(
            f"{fhir_server_url}/{resource_type}/{resource_id}",
            json={"resourceType": resource_type, "id": resource_id, "name": [{"family": "Testpersoon"}]},
            headers=FHIR,
            timeout=60,
        )
        assert put.status_code in (200, 201), put.text[:300]
    folder = tmp_path / "data"
    acknowledged: list[str] = []

    def submit(base: str, numbers: range) -> None:
        for number in numbers:
            subject = {"reference": f"Patient/{patients[number % PATIENTS]}"}
            response = example(identifier={"system": system, "value": f"r{number}"}, subject=subject)
            answer = httpx.post(
                f"{base}/fhir/QuestionnaireResponse", content=body(response), headers=FHIR, timeout=60
            )
            assert answer.status_code == 201, answer.text[:300]
            acknowledged.append(answer.json()["id"])

    down = Serve(folder, env=_env(f"http://127.0.0.1:{free_port()}/fhir"))  # nothing listens there
    submit(down.base, range(COUNT // 2))
    before = states(down.base, acknowledged)
    down.kill()
    assert "delivered" not in before.values()
    up = Serve(folder, env=_env(fhir_server_url))
    try:
        submit(up.base, range(COUNT // 2, COUNT))
        deadline = time.monotonic() + 600
        found = states(up.base, acknowledged)
        # Wait while anything is still on its way (a dead job would never become delivered).
        while set(found.values()) & {"queued", "retrying"} and time.monotonic() < deadline:
            time.sleep(1)
            found = states(up.base, acknowledged)
        assert set(found.values()) == {"delivered"}, found
    finally:
        up.stop()
    assert _count(fhir_server_url, f"QuestionnaireResponse?identifier={system}|") == COUNT
    for patient in patients:
        # One plan per patient, however many responses and retries: no duplicates on the server.
        assert _count(fhir_server_url, f"CarePlan?subject=Patient/{patient}") == 1
        assert (
            _count(fhir_server_url, f"QuestionnaireResponse?subject=Patient/{patient}") == COUNT // PATIENTS
        )
