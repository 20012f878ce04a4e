"""The first schema: responses, their versions and the delivery outbox.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    """Create the three tables and their indexes."""
    op.create_table(
        "responses",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(256), nullable=True),
        sa.Column("authored", sa.String(40), nullable=True),
        sa.Column("identifier", sa.String(512), nullable=True),
        sa.Column("last_updated", sa.String(40), nullable=False),
    )
    op.create_index("ix_responses_subject", "responses", ["subject"])
    op.create_index("ix_responses_authored", "responses", ["authored"])
    op.create_index("ix_responses_identifier", "responses", ["identifier"], unique=True)
    op.create_table(
        "response_versions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("resource", sa.Text, nullable=False),
        sa.Column("bundle", sa.Text, nullable=True),
        sa.Column("last_updated", sa.String(40), nullable=False),
    )
    op.create_table(
        "deliveries",
        sa.Column("job", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("response_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("target", sa.String(128), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_try", sa.Float, nullable=False),
        sa.Column("claimed_until", sa.Float, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("result", sa.Text, nullable=True),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("updated", sa.Float, nullable=False),
    )
    op.create_index("ix_deliveries_response_id", "deliveries", ["response_id"])
    op.create_index("deliveries_due", "deliveries", ["state", "next_try"])


def downgrade() -> None:
    """Drop what :func:`upgrade` made."""
    op.drop_table("deliveries")
    op.drop_table("response_versions")
    op.drop_table("responses")
