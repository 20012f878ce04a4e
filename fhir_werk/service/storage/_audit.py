"""The audit log in the service's database: the :class:`fhir_werk.delivery.AuditStore` of the
worker's pushes and of the API's read/write audit, and what ``GET /fhir/AuditEvent`` reads.

One log for every process and machine that shares the database (a file per data folder split it
per machine). Append-only: the table's triggers (migration 0004) refuse UPDATE and DELETE. Each
event is the AuditEvent's JSON plus the columns it is found by (:func:`fhir_werk.delivery.audit_index`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from fhir_werk.delivery import audit_index
from fhir_werk.service.storage._database import writing
from fhir_werk.service.storage._schema import audit_events
from fhir_werk.shared import Resource


class SqlAuditLog:
    """The ``audit_events`` table of ``engine`` (SQLite or PostgreSQL) as an audit log."""

    def __init__(self, engine: sa.Engine, *, observer: str = "fhir-werk") -> None:
        self.engine = engine
        self.observer = observer

    def write(self, event: Resource) -> None:
        """Append one AuditEvent (its own transaction: it stays even when the push fails after it)."""
        with writing(self.engine) as db:
            db.execute(sa.insert(audit_events), [row(event)])

    def query(
        self,
        *,
        patient: str | None = None,
        since: datetime | None = None,
        recipient: str | None = None,
        outcome: str | None = None,
    ) -> list[Resource]:
        """The AuditEvents matching every filter given, oldest first."""
        clauses = []
        if patient is not None:
            clauses.append(audit_events.c.patient == patient)
        if since is not None:
            clauses.append(
                audit_events.c.recorded >= since.astimezone(UTC).isoformat(timespec="milliseconds")
            )
        if recipient is not None:
            clauses.append(audit_events.c.recipient == recipient)
        if outcome is not None:
            clauses.append(audit_events.c.outcome == outcome)
        query = sa.select(audit_events.c.resource).where(*clauses).order_by(audit_events.c.seq)
        with self.engine.connect() as db:
            return [json.loads(text) for text in db.scalars(query)]

    def read(self, event_id: str) -> Resource | None:
        """The AuditEvent with ``event_id``, or None."""
        query = sa.select(audit_events.c.resource).where(audit_events.c.id == event_id)
        with self.engine.connect() as db:
            text = db.scalar(query)
        return json.loads(text) if text is not None else None

    def owner(self, event_id: str) -> tuple[bool, str | None]:
        """Whether the event exists, and its patient reference (``Patient/x``)."""
        query = sa.select(audit_events.c.patient).where(audit_events.c.id == event_id)
        with self.engine.connect() as db:
            found = db.execute(query).first()
        return (found is not None, found[0] if found is not None else None)

    def page(self, patients: Sequence[str] | None, count: int, offset: int) -> tuple[int, list[Resource]]:
        """The number of events of ``patients`` (None: all) and the page at ``offset``, newest first."""
        where = [audit_events.c.patient.in_(list(patients))] if patients is not None else []
        total = sa.select(sa.func.count()).select_from(audit_events).where(*where)
        newest = (
            sa.select(audit_events.c.resource)
            .where(*where)
            .order_by(audit_events.c.recorded.desc(), audit_events.c.id.desc())
            .limit(count)
            .offset(offset)
        )
        with self.engine.connect() as db:
            return int(db.scalar(total) or 0), [json.loads(text) for text in db.scalars(newest)]


def row(event: Resource) -> dict[str, Any]:
    """The table row of ``event``."""
    return {**audit_index(event), "resource": json.dumps(event, ensure_ascii=False, sort_keys=True)}
