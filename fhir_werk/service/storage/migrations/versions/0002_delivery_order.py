"""Deliveries keep the patient, so those of one patient to one target go out in order.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    """Add ``deliveries.patient`` (filled from the response's subject) and its index."""
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("patient", sa.String(256), nullable=True))
    op.execute(
        "UPDATE deliveries SET patient = COALESCE("
        "(SELECT subject FROM responses WHERE responses.id = deliveries.response_id),"
        " 'QuestionnaireResponse/' || response_id)"
    )
    op.create_index("deliveries_in_order", "deliveries", ["patient", "target", "state"])


def downgrade() -> None:
    """Drop what :func:`upgrade` added."""
    op.drop_index("deliveries_in_order", "deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("patient")
