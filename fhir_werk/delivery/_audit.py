"""AuditEvents for pushes, refusals and failures, and the local append-only audit log.

Each push writes one R4 AuditEvent shaped after IHE Basic Audit Log Patterns (BALP) "Privacy
Disclosure at Source": type DICOM 110106 Export, subtype ISO 21089 ``disclose`` plus the FHIR
interaction used, the requesting user/system as Source Role ID (with its network address), the
recipient as Destination Role ID, the patient and every resource sent as entities. That covers
what NEN 7513 asks of a log line: who, which patient, which action, when, from where, which
data. Entities carry references and identifiers only: no answer texts, no display texts.

BALP: https://profiles.ihe.net/ITI/BALP/ ; AuditEvent: https://hl7.org/fhir/R4/auditevent.html
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, Literal, Protocol, runtime_checkable

from pydantic_settings import BaseSettings, SettingsConfigDict

from fhir_werk.delivery._context import PURPOSE_SYSTEM, RECIPIENT_SYSTEM, PushContext, PushEntry
from fhir_werk.delivery._sqlite import ThreadConnections, write_ahead
from fhir_werk.shared import Resource

AuditOutcome = Literal["0", "4", "8", "12"]
"""0 success, 4 minor failure (refused, rejected: like HTTP 4xx), 8 serious failure (like 5xx),
12 major failure (an unexpected error in fhir-werk itself)."""

DCM: Final = "http://dicom.nema.org/resources/ontology/DCM"
LIFECYCLE: Final = "http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle"
RESTFUL: Final = "http://hl7.org/fhir/restful-interaction"
ENTITY_TYPE: Final = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE: Final = "http://terminology.hl7.org/CodeSystem/object-role"
PARTICIPATION: Final = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
SOURCE_TYPE: Final = "http://terminology.hl7.org/CodeSystem/security-source-type"
URI_SYSTEM: Final = "urn:ietf:rfc:3986"
_DESCRIPTION_LIMIT: Final = 500


class AuditSettings(BaseSettings):
    """Where the audit log lives and whose it is (env ``FHIR_WERK_AUDIT_PATH`` ...)."""

    model_config = SettingsConfigDict(env_prefix="FHIR_WERK_AUDIT_")

    path: Path = Path("fhir-werk-audit.sqlite3")
    observer: str = "fhir-werk"
    """The institution's id for this installation (AuditEvent.source.observer)."""


def _stable_identifier(query: str | None) -> Resource | None:
    """``identifier=system|value`` (or ``_tag=...``) from an ifNoneExist query as an Identifier."""
    if not query or "=" not in query:
        return None
    system, _, value = query.split("=", 1)[1].rpartition("|")
    return {"system": system, "value": value} if system else {"value": value}


def _entity(entry: PushEntry) -> Resource:
    if entry.id is not None:
        what: Resource = {"reference": f"{entry.resource_type}/{entry.id}"}
    else:
        what = {"type": entry.resource_type}
        identifier = _stable_identifier(entry.identifier)
        if identifier is not None:
            what["identifier"] = identifier
    return {
        "what": what,
        "type": {"system": ENTITY_TYPE, "code": "2", "display": "System Object"},
        "role": {"system": OBJECT_ROLE, "code": "4", "display": "Domain Resource"},
    }


def audit_event(
    *,
    context: PushContext,
    patient: str | None,
    target: str,
    interaction: str,
    outcome: AuditOutcome,
    description: str,
    entries: Sequence[PushEntry],
    observer: str,
    recorded: datetime | None = None,
) -> Resource:
    """One AuditEvent for a push, refusal or failure (BALP Privacy Disclosure at Source).

    ``description`` becomes ``outcomeDesc``: pass fhir-werk's own summary, never server text or
    resource content. ``entries`` are the resources sent (or, for a refusal, those asked for).
    """
    requestor: Resource = {
        "type": {"coding": [{"system": DCM, "code": "110153", "display": "Source Role ID"}]},
        "who": {"identifier": {"value": context.actor}},
        "requestor": True,
    }
    if context.address:
        requestor["network"] = {"address": context.address, "type": "2"}
    recipient: Resource = {
        "type": {"coding": [{"system": DCM, "code": "110152", "display": "Destination Role ID"}]},
        "role": [
            {
                "coding": [
                    {"system": PARTICIPATION, "code": "IRCP", "display": "information recipient"},
                    {"system": RECIPIENT_SYSTEM, "code": context.recipient},
                ]
            }
        ],
        "who": {"identifier": {"system": URI_SYSTEM, "value": target}},
        "requestor": False,
        "network": {"address": target, "type": "5"},
    }
    entities = [_entity(entry) for entry in entries]
    if patient:
        patient_entity = {
            "what": {"reference": patient},
            "type": {"system": ENTITY_TYPE, "code": "1", "display": "Person"},
            "role": {"system": OBJECT_ROLE, "code": "1", "display": "Patient"},
        }
        entities.insert(0, patient_entity)
    action = "C" if interaction == "create" else "E"
    return {
        "resourceType": "AuditEvent",
        "id": str(uuid.uuid4()),
        "type": {"system": DCM, "code": "110106", "display": "Export"},
        "subtype": [
            {"system": LIFECYCLE, "code": "disclose", "display": "Disclose Record Lifecycle Event"},
            {"system": RESTFUL, "code": interaction},
        ],
        "action": action,
        "recorded": (recorded or context.now or datetime.now(UTC))
        .astimezone(UTC)
        .isoformat(timespec="milliseconds"),
        "outcome": outcome,
        "outcomeDesc": description[:_DESCRIPTION_LIMIT],
        "purposeOfEvent": [{"coding": [{"system": PURPOSE_SYSTEM, "code": context.purpose}]}],
        "agent": [requestor, recipient],
        "source": {
            "observer": {"identifier": {"value": observer}},
            "type": [{"system": SOURCE_TYPE, "code": "4", "display": "Application Server"}],
        },
        "entity": entities,
    }


def _patient_of(event: Resource) -> str | None:
    for entity in event.get("entity", []):
        if entity.get("role", {}).get("code") == "1":
            return str(entity.get("what", {}).get("reference"))
    return None


def _recipient_of(event: Resource) -> str | None:
    for agent in event.get("agent", []):
        for role in agent.get("role", []):
            for coding in role.get("coding", []):
                if coding.get("system") == RECIPIENT_SYSTEM:
                    return str(coding.get("code"))
    return None


def audit_index(event: Resource) -> dict[str, str | None]:
    """What an audit log indexes an AuditEvent by: ``id``, ``recorded``, ``patient`` (the entity of
    role Patient), ``recipient`` (the ``deelontvanger`` code) and ``outcome``. The same for the
    SQLite file and the service's database, so both find an event by the same columns."""
    return {
        "id": str(event["id"]),
        "recorded": str(event["recorded"]),
        "patient": _patient_of(event),
        "recipient": _recipient_of(event),
        "outcome": str(event["outcome"]),
    }


_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS audit_event (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    recorded TEXT NOT NULL,
    patient TEXT,
    recipient TEXT,
    outcome TEXT NOT NULL,
    json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_event_recorded ON audit_event (recorded);
CREATE INDEX IF NOT EXISTS audit_event_patient ON audit_event (patient, recorded);
CREATE INDEX IF NOT EXISTS audit_event_recipient ON audit_event (recipient, recorded);
CREATE INDEX IF NOT EXISTS audit_event_outcome ON audit_event (outcome, recorded);
CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
"""


@runtime_checkable
class AuditStore(Protocol):
    """Where a push writes its AuditEvents: :class:`AuditLog` (a SQLite file, the CLI's ``push``)
    or the service's audit log in its own database (one log for every machine of one outbox)."""

    observer: str
    """The institution's id for this installation (AuditEvent.source.observer)."""

    def write(self, event: Resource) -> None:
        """Append one AuditEvent (an append-only log: nothing is changed or removed)."""
        ...

    def query(
        self,
        *,
        patient: str | None = None,
        since: datetime | None = None,
        recipient: str | None = None,
        outcome: AuditOutcome | None = None,
    ) -> list[Resource]:
        """The AuditEvents matching every filter given, oldest first."""
        ...


class AuditLog:
    """An append-only SQLite file of AuditEvents (the JSON plus indexed columns).

    Triggers refuse UPDATE and DELETE, so the log can only grow. One connection per thread
    (:class:`~._sqlite.ThreadConnections`) and WAL: safe to share between threads and processes
    (SQLite serialises the writers), one sync per event.
    """

    def __init__(self, path: Path | str, *, observer: str = "fhir-werk") -> None:
        self.path = Path(path)
        self.observer = observer
        self._connections = ThreadConnections(str(self.path))
        with self._connect() as db:
            write_ahead(db)
            db.executescript(_SCHEMA)

    @classmethod
    def from_settings(cls, settings: AuditSettings) -> AuditLog:
        """The log that ``settings`` (default: the environment) describe."""
        return cls(settings.path, observer=settings.observer)

    def _connect(self) -> sqlite3.Connection:
        return self._connections.get()

    def write(self, event: Resource) -> None:
        """Append one AuditEvent."""
        index = audit_index(event)
        row = (
            index["id"],
            index["recorded"],
            index["patient"],
            index["recipient"],
            index["outcome"],
            json.dumps(event, ensure_ascii=False, sort_keys=True),
        )
        with self._connect() as db:
            db.execute(
                "INSERT INTO audit_event (id, recorded, patient, recipient, outcome, json)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                row,
            )

    def query(
        self,
        *,
        patient: str | None = None,
        since: datetime | None = None,
        recipient: str | None = None,
        outcome: AuditOutcome | None = None,
    ) -> list[Resource]:
        """The AuditEvents matching every filter given, oldest first."""
        clauses, params = [], []
        if patient is not None:
            clauses.append("patient = ?")
            params.append(patient)
        if since is not None:
            clauses.append("recorded >= ?")
            params.append(since.astimezone(UTC).isoformat(timespec="milliseconds"))
        if recipient is not None:
            clauses.append("recipient = ?")
            params.append(recipient)
        if outcome is not None:
            clauses.append("outcome = ?")
            params.append(outcome)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._connect() as db:
            rows = db.execute(f"SELECT json FROM audit_event{where} ORDER BY seq", params).fetchall()  # noqa: S608
        return [json.loads(text) for (text,) in rows]
