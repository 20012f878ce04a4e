"""The milestone Tasks the service stores go to a real FHIR server (HAPI, marker ``hapi``) and
stay in step there: one Task per milestone under the service's ids, a corrected first sick day
updates them in place, and the server's own ``Task?owner=&status=`` finds them."""

from __future__ import annotations

import copy
import uuid
from pathlib import Path
from typing import Any

import pytest

from fhir_werk.client import FhirClient, make_http_client
from fhir_werk.service import ServiceSettings, Worker, create_app

from .kit import FHIR, TestClient, body, post, reintegratie
from hapi_kit import HapiCleanup

pytestmark = pytest.mark.hapi


def _first_sick_day(response: dict[str, Any], day: str) -> dict[str, Any]:
    changed = copy.deepcopy(response)
    for item in changed["item"]:
        if item["linkId"] == "ri-eerste-ziektedag":
            item["answer"] = [{"valueDate": day}]
    return changed


def test_the_delivered_tasks_land_on_hapi_and_move_with_a_correction(
    fhir_server_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hapi_cleanup: HapiCleanup
) -> None:
    run = uuid.uuid4().hex[:10]
    patient = f"fw-ri-{run}"
    hapi_cleanup.add(f"Patient/{patient}")  # and all delivered for it
    monkeypatch.setenv("FHIR_WERK_FHIR_BASE_URL", fhir_server_url)
    monkeypatch.setenv("FHIR_WERK_FHIR_TIMEOUT", "60")
    settings = ServiceSettings(data_dir=tmp_path / "data", targets=["fhir"], backoff_seconds=0.001)
    with make_http_client(fhir_server_url, timeout=60) as http:
        server = FhirClient(http)
        for kind, resource_id in (("Patient", patient), ("Practitioner", "voorbeeld-behandelaar")):
            server.update({"resourceType": kind, "id": resource_id, "name": [{"family": "Testpersoon"}]})

        def on_server(query: dict[str, str]) -> list[dict[str, Any]]:
            found = server.search("Task", query | {"_count": "100"})
            return [e["resource"] for e in found.get("entry", [])]

        response = reintegratie(
            identifier={"system": f"https://fhir-werk.nl/fhir/NamingSystem/test-ri-{run}", "value": "r1"},
            subject={"reference": f"Patient/{patient}"},
        )
        with TestClient(create_app(settings, worker=False)) as client:
            worker = Worker(client.app.state.service.store, settings)  # type: ignore[attr-defined]
            try:
                stored = post(client, response).json()
                assert worker.deliver_one() is not None
                ours = client.get("/fhir/Task", params={"patient": f"Patient/{patient}"}).json()
                ids = {e["resource"]["id"] for e in ours["entry"]}
                landed = on_server({"patient": f"Patient/{patient}"})
                assert {t["id"] for t in landed} == ids
                assert len(ids) == 10
                # The server's worklist query: the patient owns the WIA application, planned.
                (wia,) = on_server({"owner": f"Patient/{patient}", "status": "requested"})
                assert wia["code"]["coding"][0]["code"] == "nl-wia-aanvraag"
                assert len(on_server({"patient": f"Patient/{patient}", "status": "completed"})) == 2

                corrected = _first_sick_day(stored, "2026-09-21")
                put = client.put(
                    f"/fhir/QuestionnaireResponse/{stored['id']}", content=body(corrected), headers=FHIR
                )
                assert put.status_code == 200, put.text[:300]
                assert worker.deliver_one() is not None
            finally:
                worker.close()
        after = {t["id"]: t for t in on_server({"patient": f"Patient/{patient}"})}
        assert set(after) == ids  # updated in place: no duplicate Task
        moved = after[wia["id"]]
        assert moved["meta"]["versionId"] == "2"
        assert moved["executionPeriod"]["end"] > wia["executionPeriod"]["end"]
        (still,) = on_server({"owner": f"Patient/{patient}", "status": "requested"})
        assert still["id"] == wia["id"]
