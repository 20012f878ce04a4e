"""The delivery ledger and the audit log in the service's database (one for every machine).

Revision ID: 0004
Revises: 0003

Until now both were SQLite files in each data folder: machines sharing one PostgreSQL outbox
each judged an amended response by their own ledger, and each kept its own part of the log.
Triggers keep the audit log append-only, as the SQLite file's did.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"

_SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
)
_POSTGRESQL_TRIGGERS = (
    "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$",
    "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
)


def upgrade() -> None:
    """Create ``ledger`` and ``audit_events`` with their indexes and the append-only triggers."""
    op.create_table(
        "ledger",
        sa.Column("target", sa.Text, primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("patient", sa.String(256), nullable=True),
        sa.Column("resource_type", sa.String(64), nullable=False),
        sa.Column("resource_id", sa.String(64), nullable=True),
        sa.Column("version", sa.String(64), nullable=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("resource", sa.Text, nullable=False),
    )
    op.create_index("ledger_by_response", "ledger", ["target", "response"])
    op.create_table(
        "audit_events",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("recorded", sa.String(40), nullable=False),
        sa.Column("patient", sa.String(256), nullable=True),
        sa.Column("recipient", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(2), nullable=False),
        sa.Column("resource", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_events_id", "audit_events", ["id"], unique=True)
    op.create_index("audit_events_recorded", "audit_events", ["recorded"])
    op.create_index("audit_events_by_patient", "audit_events", ["patient", "recorded"])
    triggers = _POSTGRESQL_TRIGGERS if op.get_bind().dialect.name == "postgresql" else _SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    """Drop what :func:`upgrade` made."""
    op.drop_table("audit_events")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_events_append_only()")
    op.drop_table("ledger")
