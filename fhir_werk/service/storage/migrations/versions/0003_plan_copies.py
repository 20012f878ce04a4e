"""Local copies of what the extraction made (CarePlan, Goals, Observations …), by patient.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    """Create ``plan_resources`` and its patient index."""
    op.create_table(
        "plan_resources",
        sa.Column("resource_type", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("patient", sa.String(256), nullable=True),
        sa.Column("response_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("resource", sa.Text, nullable=False),
        sa.Column("last_updated", sa.String(40), nullable=False),
    )
    op.create_index("plan_resources_by_patient", "plan_resources", ["resource_type", "patient"])


def downgrade() -> None:
    """Drop what :func:`upgrade` made."""
    op.drop_table("plan_resources")
