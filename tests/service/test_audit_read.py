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
    assert els["total"] == 1
    (event,) = [e["resource"] for e in els["entry"]]
    assert event["resourceType"] == "AuditEvent"
    assert event["outcome"] == "0"
    both = client.get(
        "/fhir/AuditEvent", params={"patient": "voorbeeld-els,Patient/voorbeeld-sanne", "_count": "1"}
    )
    assert both.json()["total"] == 2
    assert len(both.json()["entry"]) == 1
    assert_outcome(client.get("/fhir/AuditEvent", params={"outcome": "0"}), 400, "invalid", "'outcome'")
