"""therapy: programme enrolments, exercise drafts, JITAI state and decisions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import mindway.store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC_TIME = mindway.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "programme_enrolment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("enrolled_at", UTC_TIME, nullable=False),
        sa.Column("enrolled_by", sa.Uuid(), nullable=True),
        sa.Column("assigned", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("ended_at", UTC_TIME, nullable=True),
        sa.Column("plan_enc", sa.Text(), nullable=False),
        sa.Column("progress_enc", sa.Text(), nullable=False),
        sa.Column("last_activity_at", UTC_TIME, nullable=False),
        sa.Column("disengagement_alerted_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.ForeignKeyConstraint(["enrolled_by"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("programme_enrolment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_programme_enrolment_active", ["patient_id", "status"], unique=False
        )

    op.create_table(
        "exercise_draft",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("exercise", sa.String(length=40), nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.Column("fields_enc", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("patient_id", "exercise"),
    )
    with op.batch_alter_table("exercise_draft", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exercise_draft_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "jitai_state",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.Column("policy_enc", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.PrimaryKeyConstraint("patient_id"),
    )
    op.create_table(
        "jitai_decision",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("decided_at", UTC_TIME, nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("record_enc", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Float(), nullable=True),
        sa.Column("resolved_at", UTC_TIME, nullable=True),
        sa.Column("dismissed_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("jitai_decision", schema=None) as batch_op:
        batch_op.create_index(
            "ix_jitai_decision_patient_time", ["patient_id", "decided_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("jitai_decision", schema=None) as batch_op:
        batch_op.drop_index("ix_jitai_decision_patient_time")
    op.drop_table("jitai_decision")
    op.drop_table("jitai_state")
    with op.batch_alter_table("exercise_draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exercise_draft_patient_id"))
    op.drop_table("exercise_draft")
    with op.batch_alter_table("programme_enrolment", schema=None) as batch_op:
        batch_op.drop_index("ix_programme_enrolment_active")
    op.drop_table("programme_enrolment")
