"""therapy reminders: the patient's switch and the daily reminder rule's bookkeeping

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import mindway.store.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UTC_TIME = mindway.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("programme_enrolment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminders_on", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("reminder_checked_at", UTC_TIME, nullable=True))
        batch_op.add_column(sa.Column("reminded_at", UTC_TIME, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("programme_enrolment", schema=None) as batch_op:
        batch_op.drop_column("reminded_at")
        batch_op.drop_column("reminder_checked_at")
        batch_op.drop_column("reminders_on")
