"""vr exposure: hierarchy items, sessions, sealed session logs and controller progress

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import mindway.store.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vr_hierarchy_item",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mindway.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("item_enc", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("vr_hierarchy_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vr_hierarchy_item_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "vr_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("started_at", mindway.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.Uuid(), nullable=True),
        sa.Column("ended_at", mindway.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["vr_hierarchy_item.id"]),
        sa.ForeignKeyConstraint(["started_by"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "number", name="uq_vr_session_item_number"),
    )
    with op.batch_alter_table("vr_session", schema=None) as batch_op:
        batch_op.create_index(
            "ix_vr_session_patient_started", ["patient_id", "started_at"], unique=False
        )

    op.create_table(
        "vr_session_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("created_at", mindway.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("records_enc", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["vr_session.id"]),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "seq", name="uq_vr_session_log_seq"),
    )
    with op.batch_alter_table("vr_session_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vr_session_log_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_vr_session_log_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "vr_progress",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", mindway.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("progress_enc", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["vr_hierarchy_item.id"]),
        sa.PrimaryKeyConstraint("patient_id", "item_id"),
    )


def downgrade() -> None:
    op.drop_table("vr_progress")
    with op.batch_alter_table("vr_session_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vr_session_log_patient_id"))
        batch_op.drop_index(batch_op.f("ix_vr_session_log_session_id"))
    op.drop_table("vr_session_log")
    with op.batch_alter_table("vr_session", schema=None) as batch_op:
        batch_op.drop_index("ix_vr_session_patient_started")
    op.drop_table("vr_session")
    with op.batch_alter_table("vr_hierarchy_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vr_hierarchy_item_patient_id"))
    op.drop_table("vr_hierarchy_item")
