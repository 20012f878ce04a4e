"""Scale-out across machines: two "machines" (each a ``fhir-werk serve`` and ``fhir-werk worker``
with a data folder of its own) share one throw-away PostgreSQL database and one delivery folder
(the *file* target, as a network share). Machine 1 delivers a response, machine 2 the amended
version: machine 2 finds machine 1's ledger rows in the database, so the target gets an update of
the same resources (not a second set of new ones), and the AuditEvents of both deliveries are in
the one log that either machine shows. With a ledger per data folder (before migration 0004)
machine 2 saw nothing of the first delivery and wrote everything again as new."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from fhir_werk.service import make_engine

from .kit import FHIR, Serve, body, example
from .test_postgresql import postgres_url as postgres_url

QR = "/fhir/QuestionnaireResponse"


def _deliver(folder: Path, env: dict[str, str]) -> None:
    """``fhir-werk worker --once`` on the machine with data folder ``folder``."""
    command = [str(Path(sys.executable).parent / "fhir-werk"), "worker", "--once"]
    done = subprocess.run(
        command, env=os.environ | env | {"FHIR_WERK_DATA_DIR": str(folder)}, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert "1 aflevering(en) geprobeerd." in done.stderr.decode()


def _delivery(base: str, resource_id: str) -> dict[str, Any]:
    answer = httpx.get(f"{base}{QR}/{resource_id}/$delivery", timeout=30)
    assert answer.status_code == 200, answer.text[:300]
    (part,) = answer.json()["parameter"]
    found: dict[str, Any] = {"written": []}
    for item in part["part"]:
        if item["name"] == "written":
            found["written"].append(
                {p["name"]: next(v for k, v in p.items() if k != "name") for p in item["part"]}
            )
        else:
            found[item["name"]] = next(v for k, v in item.items() if k != "name")
    return found


def _exports(base: str) -> list[dict[str, Any]]:
    """The delivery AuditEvents (DICOM 110106 Export) of the patient, as one machine shows them."""
    answer = httpx.get(
        f"{base}/fhir/AuditEvent", params={"patient": "voorbeeld-els", "_count": 100}, timeout=30
    )
    assert answer.status_code == 200, answer.text[:300]
    events = [e["resource"] for e in answer.json()["entry"]]
    return [e for e in events if e["type"]["code"] == "110106"]


def test_an_amended_response_delivered_by_another_machine_updates_the_same_resources(
    postgres_url: str, tmp_path: Path
) -> None:
    engine = make_engine(postgres_url)
    with engine.begin() as db:  # an empty database
        db.execute(sa.text("DROP SCHEMA public CASCADE"))
        db.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    shared = tmp_path / "gedeelde-aflevermap"
    env = {"FHIR_WERK_DATABASE_URL": postgres_url, "FHIR_WERK_SERVICE_FILE_DIRECTORY": str(shared)}
    machines = [tmp_path / "machine-1", tmp_path / "machine-2"]
    serves = [Serve(folder, "--no-worker", env=env) for folder in machines]
    try:
        created = httpx.post(f"{serves[0].base}{QR}", content=body(example()), headers=FHIR, timeout=30)
        assert created.status_code == 201, created.text[:300]
        stored = created.json()
        _deliver(machines[0], env)
        first = _delivery(serves[1].base, stored["id"])  # machine 2 sees machine 1's delivery
        assert (first["state"], first["version"]) == ("delivered", 1)
        assert {w["status"] for w in first["written"]} == {"created"}

        amended = stored | {"status": "amended"}
        updated = httpx.put(
            f"{serves[1].base}{QR}/{stored['id']}",
            content=body(amended),
            headers=FHIR | {"If-Match": 'W/"1"'},
            timeout=30,
        )
        assert updated.status_code == 200, updated.text[:300]
        _deliver(machines[1], env)
        second = _delivery(serves[0].base, stored["id"])
        assert (second["state"], second["version"]) == ("delivered", 2)
        statuses = {(w["resourceType"], w["status"]) for w in second["written"]}
        # Judged with machine 1's ledger: the response itself is updated, everything else it
        # yields is as machine 1 wrote it; only the Provenance of the new version is new (one per
        # extraction: history is added to, never rewritten). Nothing is created a second time.
        assert ("QuestionnaireResponse", "updated") in statuses
        assert {status for kind, status in statuses if kind != "Provenance"} == {"updated", "unchanged"}
        assert ("Provenance", "created") in statuses
        assert len(second["written"]) == len(first["written"])

        # The target: the first bundle, and the amended one as an update of the same resources.
        files = sorted(shared.glob("*.json"), key=lambda p: len(p.name))
        assert len(files) == 2
        bundles = [json.loads(p.read_text("utf-8")) for p in files]
        kept = [[e for e in b["entry"] if e["resource"]["resourceType"] != "Provenance"] for b in bundles]
        assert {e["request"]["method"] for e in kept[0]} == {"POST"}
        assert {e["request"]["method"] for e in kept[1]} == {"PUT"}  # conditional updates
        assert sorted(map(_identity, kept[0])) == sorted(map(_identity, kept[1]))

        # One audit log: both deliveries, and the same from either machine.
        from_1, from_2 = (_exports(serve.base) for serve in serves)
        assert sorted(e["id"] for e in from_1) == sorted(e["id"] for e in from_2)
        assert {e["id"] for e in from_1} == {first["auditEvent"], second["auditEvent"]}
        assert {e["outcome"] for e in from_1} == {"0"}
        for serve, event_id in zip(serves, (second["auditEvent"], first["auditEvent"]), strict=True):
            read = httpx.get(f"{serve.base}/fhir/AuditEvent/{event_id}", timeout=30)
            assert read.status_code == 200
            assert read.json()["id"] == event_id
    finally:
        for serve in serves:
            serve.stop()
    for folder in machines:  # nothing of the ledger or the log stayed behind on a machine
        assert not (folder / "ledger.sqlite3").exists()
        assert not (folder / "audit.sqlite3").exists()


def _identity(entry: dict[str, Any]) -> str:
    """What the file target knows a resource by: its conditional create's or PUT's query."""
    request = entry["request"]
    return (
        f"{entry['resource']['resourceType']}?{request.get('ifNoneExist') or request['url'].split('?', 1)[1]}"
    )
