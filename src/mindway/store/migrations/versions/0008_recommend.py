"""recommend: pharmacogenomic results, treatment history and treatment decisions

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import mindway.store.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UTC_TIME = mindway.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "pgx_result",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("gene", sa.String(length=12), nullable=False),
        sa.Column("recorded_at", UTC_TIME, nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("result_enc", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pgx_result", schema=None) as batch_op:
        batch_op.create_index("ix_pgx_result_patient_gene", ["patient_id", "gene"], unique=False)

    op.create_table(
        "treatment_episode",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", UTC_TIME, nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("details_enc", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("treatment_episode", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_treatment_episode_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "treatment_decision",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("decided_at", UTC_TIME, nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("model_version", sa.Integer(), nullable=True),
        sa.Column("details_enc", sa.Text(), nullable=False),
        sa.Column("outcome_enc", sa.Text(), nullable=True),
        sa.Column("outcome_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("treatment_decision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_treatment_decision_patient_id"), ["patient_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("treatment_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_treatment_decision_patient_id"))
    op.drop_table("treatment_decision")
    with op.batch_alter_table("treatment_episode", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_treatment_episode_patient_id"))
    op.drop_table("treatment_episode")
    with op.batch_alter_table("pgx_result", schema=None) as batch_op:
        batch_op.drop_index("ix_pgx_result_patient_gene")
    op.drop_table("pgx_result")
