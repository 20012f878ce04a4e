"""The service's tables (SQLAlchemy Core): responses with their versions, and the outbox.

The tables themselves are made by the Alembic migrations shipped in ``migrations/`` (run on
start); these definitions are what the queries are written against and must match the newest
migration (a test compares them).

- ``responses``: the current version of each QuestionnaireResponse and the columns it is
  searched by (subject, status, authored in UTC, identifier).
- ``response_versions``: every version ever stored, with the Bundle extracted from it.
- ``deliveries``: the outbox, one job per response version and target, with the patient the
  response is about (the jobs of one patient and target are delivered in order).
- ``plan_resources``: the local copy of each resource the extraction made (CarePlan, Goals,
  Observations …), as the newest response that yielded it left it.
- ``ledger``: what delivery last wrote to each target, per extracted resource (the
  :class:`fhir_werk.delivery.LedgerStore` of the service, :mod:`._ledger`): in the database and
  not in a file of the data folder, so every machine of one outbox judges an amended response
  by the same memory.
- ``audit_events``: the audit log (every push, every read and write through the API), append-only
  (triggers refuse UPDATE and DELETE; :mod:`._audit`), one log for every machine.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa

metadata: Final = sa.MetaData()

responses: Final = sa.Table(
    "responses",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("subject", sa.String(256), nullable=True, index=True),
    sa.Column("authored", sa.String(40), nullable=True, index=True),
    sa.Column("identifier", sa.String(512), nullable=True, index=True, unique=True),
    sa.Column("last_updated", sa.String(40), nullable=False),
)

response_versions: Final = sa.Table(
    "response_versions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("resource", sa.Text, nullable=False),
    sa.Column("bundle", sa.Text, nullable=True),
    sa.Column("last_updated", sa.String(40), nullable=False),
)

deliveries: Final = sa.Table(
    "deliveries",
    metadata,
    sa.Column("job", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("response_id", sa.String(64), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("target", sa.String(128), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_try", sa.Float, nullable=False),
    sa.Column("claimed_until", sa.Float, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("result", sa.Text, nullable=True),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("updated", sa.Float, nullable=False),
    sa.Column("patient", sa.String(256), nullable=True),
    sa.Index("deliveries_due", "state", "next_try"),
    sa.Index("deliveries_in_order", "patient", "target", "state"),
)

plan_resources: Final = sa.Table(
    "plan_resources",
    metadata,
    sa.Column("resource_type", sa.String(64), primary_key=True),
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("patient", sa.String(256), nullable=True),
    sa.Column("response_id", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("resource", sa.Text, nullable=False),
    sa.Column("last_updated", sa.String(40), nullable=False),
    sa.Index("plan_resources_by_patient", "resource_type", "patient"),
)

ledger: Final = sa.Table(
    "ledger",
    metadata,
    sa.Column("target", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("response", sa.Text, nullable=False),
    sa.Column("patient", sa.String(256), nullable=True),
    sa.Column("resource_type", sa.String(64), nullable=False),
    sa.Column("resource_id", sa.String(64), nullable=True),
    sa.Column("version", sa.String(64), nullable=True),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("resource", sa.Text, nullable=False),
    sa.Index("ledger_by_response", "target", "response"),
)

audit_events: Final = sa.Table(
    "audit_events",
    metadata,
    # BIGINT on PostgreSQL (a log outgrows 2^31 rows); INTEGER on SQLite, where only that is the
    # auto-incrementing row id.
    sa.Column(
        "seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    sa.Column("id", sa.String(64), nullable=False, index=True, unique=True),
    sa.Column("recorded", sa.String(40), nullable=False),
    sa.Column("patient", sa.String(256), nullable=True),
    sa.Column("recipient", sa.String(64), nullable=True),
    sa.Column("outcome", sa.String(2), nullable=False),
    sa.Column("resource", sa.Text, nullable=False),
    sa.Index("audit_events_recorded", "recorded"),
    sa.Index("audit_events_by_patient", "patient", "recorded"),
)
