"""AuditEvents (BALP shape, NEN 7513 fields) and the append-only SQLite audit log."""

from __future__ import annotations

import copy
import json
import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.auditevent import AuditEvent

from fhir_werk.client._errors import error_from_status
from fhir_werk.delivery import PushContext, PushEntry, PushProgress, run_push
from fhir_werk.delivery._audit import AuditLog, AuditSettings, audit_event
from fhir_werk.shared._outcomes import ConsentRefusedError, FhirWerkError, RemoteRejectedError, Resource

BUNDLE = json.loads((Path(__file__).parent / "fixtures" / "push" / "bundle.json").read_text(encoding="utf-8"))
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CONTEXT = PushContext(recipient="werkgever", actor="j.jansen", address="10.1.2.3", now=NOW)


@dataclass
class FakeTarget:
    """An in-memory PushTarget that writes the first ``succeed`` entries, then raises ``error``."""

    error: Exception | None = None
    succeed: int = 1000
    audits: list[Resource] = field(default_factory=list)
    audit_error: FhirWerkError | None = None
    address: str = "https://epd.test/fhir"

    def existing_consents(self, patient: str) -> Sequence[Resource]:
        return []

    def send(self, bundle: Resource, progress: PushProgress) -> None:
        progress.interaction = "batch"
        for index, entry in enumerate(bundle["entry"]):
            if index == self.succeed and self.error is not None:
                raise self.error
            resource_type = entry["resource"]["resourceType"]
            progress.entries.append(
                PushEntry(resource_type, "created", f"id{index}", full_url=entry["fullUrl"])
            )
        if self.error is not None:
            raise self.error

    def send_audit(self, event: Resource) -> None:
        if self.audit_error is not None:
            raise self.audit_error
        self.audits.append(event)


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "audit.sqlite3", observer="ggz-instelling-1")


def test_event_follows_balp_privacy_disclosure(log: AuditLog) -> None:
    entries = [
        PushEntry("CarePlan", "created", "cp1"),
        PushEntry(
            "Goal", "refused", identifier="identifier=https://fhir-werk.nl/fhir/NamingSystem/extractie|g1"
        ),
    ]
    event = audit_event(
        context=CONTEXT,
        patient="Patient/p1",
        target="https://epd.test/fhir",
        interaction="transaction",
        outcome="0",
        description="Verzonden.",
        entries=entries,
        observer="ggz-instelling-1",
    )
    AuditEvent.model_validate(event)  # a valid R4(B) AuditEvent
    assert event["type"] == {
        "system": "http://dicom.nema.org/resources/ontology/DCM",
        "code": "110106",
        "display": "Export",
    }
    assert [c["code"] for c in event["subtype"]] == ["disclose", "transaction"]
    assert (event["action"], event["recorded"], event["outcome"]) == (
        "E",
        "2026-11-24T12:00:00.000+00:00",
        "0",
    )
    user, recipient = event["agent"]
    assert (user["who"], user["requestor"], user["network"]) == (
        {"identifier": {"value": "j.jansen"}},
        True,
        {"address": "10.1.2.3", "type": "2"},
    )
    assert recipient["type"]["coding"][0]["code"] == "110152"
    assert recipient["role"][0]["coding"][0]["code"] == "IRCP"
    assert recipient["network"] == {"address": "https://epd.test/fhir", "type": "5"}
    assert event["source"]["observer"] == {"identifier": {"value": "ggz-instelling-1"}}
    patient, plan, goal = event["entity"]
    assert (patient["what"], patient["role"]["code"]) == ({"reference": "Patient/p1"}, "1")
    assert (plan["what"], plan["role"]["code"]) == ({"reference": "CarePlan/cp1"}, "4")
    assert goal["what"] == {
        "type": "Goal",
        "identifier": {"system": "https://fhir-werk.nl/fhir/NamingSystem/extractie", "value": "g1"},
    }


def test_create_interaction_is_action_c() -> None:
    event = audit_event(
        context=PushContext(),
        patient=None,
        target="file:///tmp/x",
        interaction="create",
        outcome="0",
        description="ok",
        entries=[],
        observer="o",
    )
    assert (event["action"], event["entity"], "network" in event["agent"][0]) == ("C", [], False)


def test_log_query_filters(log: AuditLog) -> None:
    def event(patient: str, recipient: str, outcome: str, at: datetime) -> Resource:
        context = PushContext(recipient=recipient, now=at)
        return audit_event(
            context=context,
            patient=patient,
            target="t",
            interaction="batch",
            outcome=outcome,  # type: ignore[arg-type]
            description="d",
            entries=[],
            observer="o",
        )

    first = event("Patient/a", "werkgever", "0", NOW - timedelta(days=2))
    second = event("Patient/b", "eigen-epd", "4", NOW - timedelta(days=1))
    third = event("Patient/a", "uwv", "8", NOW)
    for e in (first, second, third):
        log.write(e)
    assert log.query() == [first, second, third]
    assert log.query(patient="Patient/a") == [first, third]
    assert log.query(since=NOW - timedelta(hours=36)) == [second, third]
    assert log.query(recipient="eigen-epd") == [second]
    assert log.query(outcome="8", patient="Patient/a") == [third]
    assert AuditLog(log.path).query(patient="Patient/b") == [second]  # persisted in the file


def test_log_is_append_only(log: AuditLog) -> None:
    run_push(BUNDLE, CONTEXT, target=FakeTarget(), audit=log)
    with sqlite3.connect(log.path) as db:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("UPDATE audit_event SET outcome = '0'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("DELETE FROM audit_event")
    assert len(log.query()) == 1


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FHIR_WERK_AUDIT_PATH", str(tmp_path / "elders.sqlite3"))
    monkeypatch.setenv("FHIR_WERK_AUDIT_OBSERVER", "instelling-42")
    log = AuditLog.from_settings(AuditSettings())
    assert (log.path, log.observer) == (tmp_path / "elders.sqlite3", "instelling-42")
    assert log.path.exists()


# --- push, refusal and failure all leave one event ----------------------------------------------


def test_failure_halfway_records_what_was_written(log: AuditLog) -> None:
    server_outcome = {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": "processing",
                "diagnostics": "Goal.description: Binnen drie maanden",
            }
        ],
    }
    target = FakeTarget(error=error_from_status(422, server_outcome), succeed=2)
    with pytest.raises(RemoteRejectedError):
        run_push(BUNDLE, CONTEXT, target=target, audit=log)
    (event,) = log.query()
    assert (event["outcome"], event["outcomeDesc"]) == (
        "4",
        "De server weigerde de aanvraag (HTTP 422 Unprocessable Entity).",
    )
    assert event["subtype"][1]["code"] == "batch"
    assert [e["what"]["reference"] for e in event["entity"]] == ["Patient/fw-push-1", "Goal/id0", "Goal/id1"]


def test_server_failure_is_a_serious_failure(log: AuditLog) -> None:
    with pytest.raises(FhirWerkError):
        run_push(BUNDLE, CONTEXT, target=FakeTarget(error=error_from_status(503)), audit=log)
    assert [e["outcome"] for e in log.query()] == ["8"]


def test_unexpected_error_is_audited_and_raised_unchanged(log: AuditLog) -> None:
    with pytest.raises(ZeroDivisionError):
        run_push(BUNDLE, CONTEXT, target=FakeTarget(error=ZeroDivisionError()), audit=log)
    (event,) = log.query()
    assert (event["outcome"], event["outcomeDesc"]) == ("12", "Onverwachte fout in fhir-werk.")


def test_audit_event_is_sent_with_the_push_when_asked(log: AuditLog) -> None:
    target = FakeTarget()
    result = run_push(BUNDLE, CONTEXT, target=target, audit=log, send_audit=True)
    assert result.audit_sent is True
    assert target.audits == [result.audit_event] == log.query()


def test_audit_event_that_cannot_be_sent_is_kept_locally(
    log: AuditLog, caplog: pytest.LogCaptureFixture
) -> None:
    target = FakeTarget(audit_error=error_from_status(500))
    with caplog.at_level(logging.WARNING, logger="fhir_werk.push"):
        result = run_push(BUNDLE, CONTEXT, target=target, audit=log, send_audit=True)
    assert result.audit_sent is False
    assert log.query() == [result.audit_event]
    assert f"AuditEvent {result.audit_event['id']} niet bij de ontvanger afgeleverd" in caplog.text


def _texts(value: Any) -> list[str]:
    """Every free-text string in a resource: answers, texts, descriptions."""
    if isinstance(value, dict):
        found = [
            v for k, v in value.items() if k in ("valueString", "text", "display") and isinstance(v, str)
        ]
        return found + [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def test_no_answer_text_reaches_the_audit_log(log: AuditLog) -> None:
    own = PushContext(now=NOW)
    run_push(BUNDLE, own, target=FakeTarget(), audit=log)
    run_push(BUNDLE, CONTEXT, target=FakeTarget(), audit=log)
    no_consent = copy.deepcopy(BUNDLE)
    no_consent["entry"] = [e for e in no_consent["entry"] if e["resource"]["resourceType"] != "Consent"]
    with pytest.raises(ConsentRefusedError):
        run_push(no_consent, CONTEXT, target=FakeTarget(), audit=log)
    leaky = {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": "invalid", "diagnostics": "Ik wil graag weer als kok werken"}
        ],
    }
    with pytest.raises(RemoteRejectedError):
        run_push(BUNDLE, own, target=FakeTarget(error=error_from_status(400, leaky)), audit=log)
    texts = {t for t in _texts(BUNDLE) if len(t) > 12} - {"Patient Consent", "Employment detail"}
    assert "Ik wil graag weer als kok werken in de keuken van De Gouden Leeuw" in texts
    # The file and its write-ahead log (WAL mode): what is stored is in one of them.
    files = [log.path, log.path.with_name(log.path.name + "-wal")]
    raw = b"".join(f.read_bytes() for f in files if f.exists())
    stored = raw.decode("utf-8", errors="replace") + json.dumps(log.query(), ensure_ascii=False)
    assert len(log.query()) == 4
    assert [t for t in texts if t in stored] == []
    assert "kok" not in stored
