"""``GET /AuditEvent?patient=``: the audit log of the deliveries, by patient, newest first."""

from __future__ import annotations

from fhir_werk.service import ServiceSettings, Worker

from .kit import TestClient, assert_outcome, example, post


def test_each_delivery_is_an_audit_event_of_its_patient(
    client: TestClient, worker: Worker, settings: ServiceSettings
) -> None:
    assert client.get("/fhir/AuditEvent").json()["total"] == 0  # no log yet: nothing, no error
    post(client, example())
    post(client, example("sanne-werkt-met-klachten"))
    worker.deliver_one()
    worker.deliver_one()
    els = client.get("/fhir/AuditEvent", params={"patient": "voorbeeld-els"}).json()
    # The pushes (DICOM 110106 Export); the API's own reads and writes are audited too ('rest').
    (event,) = [e["resource"] for e in els["entry"] if e["resource"]["type"]["code"] == "110106"]
    assert event["resourceType"] == "AuditEvent"
    assert event["outcome"] == "0"
    both = client.get(
        "/fhir/AuditEvent", params={"patient": "voorbeeld-els,Patient/voorbeeld-sanne", "_count": "100"}
    ).json()
    exports = [e for e in both["entry"] if e["resource"]["type"]["code"] == "110106"]
    assert len(exports) == 2
    assert len(client.get("/fhir/AuditEvent", params={"_count": "1"}).json()["entry"]) == 1
    assert_outcome(client.get("/fhir/AuditEvent", params={"outcome": "0"}), 400, "invalid", "'outcome'")
