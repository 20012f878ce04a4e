"""Scale-out across machines against a real FHIR server (HAPI, marker ``hapi``): two machines
(each a ``serve`` and a ``worker --once`` with a data folder of its own) on one throw-away
PostgreSQL; machine 1 delivers a response, machine 2 its amended version. On the server the
amended response is version 2 of the same resource and nothing else was added. With a ledger
per data folder machine 2 would not know the resources as fhir-werk's: the push would be a
conflict ("op het doel, niet door fhir-werk geschreven") and the job dead."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from fhir_werk.service import make_engine

from .kit import FHIR, Serve, body, example
from .test_postgresql import postgres_url as postgres_url
from .test_scaleout import QR, _deliver, _delivery
from hapi_kit import HapiCleanup

pytestmark = pytest.mark.hapi


def _search(server: str, query: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{server}/{query}", headers={"Accept": "application/fhir+json"}, timeout=60)
    assert answer.status_code == 200, answer.text[:300]
    return [e["resource"] for e in answer.json().get("entry", [])]


def test_an_amended_response_from_another_machine_is_version_2_on_the_server(
    postgres_url: str, fhir_server_url: str, tmp_path: Path, hapi_cleanup: HapiCleanup
) -> None:
    engine = make_engine(postgres_url)
    with engine.begin() as db:
        db.execute(sa.text("DROP SCHEMA public CASCADE"))
        db.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    run = uuid.uuid4().hex[:10]
    patient = f"fw-schaal-{run}"
    hapi_cleanup.add(f"Patient/{patient}")  # and all delivered for it
    for resource_type, resource_id in (("Patient", patient), ("Practitioner", "voorbeeld-behandelaar")):
        put = httpx.put(
            f"{fhir_server_url}/{resource_type}/{resource_id}",
            json={"resourceType": resource_type, "id": resource_id, "name": [{"family": "Testpersoon"}]},
            headers=FHIR,
            timeout=60,
        )
        assert put.status_code in (200, 201), put.text[:300]
    env = {
        "FHIR_WERK_DATABASE_URL": postgres_url,
        "FHIR_WERK_SERVICE_TARGETS": '["fhir"]',
        "FHIR_WERK_FHIR_BASE_URL": fhir_server_url,
        "FHIR_WERK_FHIR_TIMEOUT": "30",
    }
    machines = [tmp_path / "machine-1", tmp_path / "machine-2"]
    serves = [Serve(folder, "--no-worker", env=env) for folder in machines]
    system = f"https://fhir-werk.nl/fhir/NamingSystem/test-schaal-{run}"
    response = example(
        identifier={"system": system, "value": "r1"}, subject={"reference": f"Patient/{patient}"}
    )
    try:
        created = httpx.post(f"{serves[0].base}{QR}", content=body(response), headers=FHIR, timeout=60)
        assert created.status_code == 201, created.text[:300]
        stored = created.json()
        _deliver(machines[0], env)
        first = _delivery(serves[1].base, stored["id"])
        assert first["state"] == "delivered", first
        goals = sorted(g["id"] for g in _search(fhir_server_url, f"Goal?subject=Patient/{patient}"))
        assert goals
        (on_server,) = _search(fhir_server_url, f"QuestionnaireResponse?identifier={system}|r1")
        assert on_server["meta"]["versionId"] == "1"

        updated = httpx.put(
            f"{serves[1].base}{QR}/{stored['id']}",
            content=body(stored | {"status": "amended"}),
            headers=FHIR | {"If-Match": 'W/"1"'},
            timeout=60,
        )
        assert updated.status_code == 200, updated.text[:300]
        _deliver(machines[1], env)
        second = _delivery(serves[0].base, stored["id"])
        assert (second["state"], second["version"]) == ("delivered", 2), second
        (after,) = _search(fhir_server_url, f"QuestionnaireResponse?identifier={system}|r1")
        assert (after["id"], after["meta"]["versionId"], after["status"]) == (on_server["id"], "2", "amended")
        assert sorted(g["id"] for g in _search(fhir_server_url, f"Goal?subject=Patient/{patient}")) == goals
        statuses = {(w["resourceType"], w["status"]) for w in second["written"]}
        assert ("QuestionnaireResponse", "updated") in statuses
        assert "created" not in {status for kind, status in statuses if kind != "Provenance"}
    finally:
        for serve in serves:
            serve.stop()
