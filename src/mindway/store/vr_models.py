"""ORM models of VR exposure: hierarchy items, sessions, their sealed logs, carried progress.

What a patient fears (the item, hence the scene), every second of a session and the
controller's progress are health data: sealed. Plain columns hold only what queries need.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mindway.store.models import Base
from mindway.store.types import new_id, utcnow

__all__ = ["VrHierarchyItem", "VrProgress", "VrSession", "VrSessionLog"]


class VrHierarchyItem(Base):
    """One rung of a patient's exposure hierarchy; label, SUDS, scene and range sealed as JSON."""

    __tablename__ = "vr_hierarchy_item"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("account.id"), default=None)
    item_enc: Mapped[str] = mapped_column(Text)


class VrSession(Base):
    """One exposure session on one hierarchy item; ``number`` counts sessions on that item."""

    __tablename__ = "vr_session"
    __table_args__ = (
        UniqueConstraint("item_id", "number", name="uq_vr_session_item_number"),
        Index("ix_vr_session_patient_started", "patient_id", "started_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"))
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vr_hierarchy_item.id"))
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("account.id"), default=None)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    state: Mapped[str] = mapped_column(String(10), default="baseline")


class VrSessionLog(Base):
    """A sealed chunk of a session's log (samples with replies, overrides, controller events),
    appended as the session runs so that a crash loses seconds, not the session."""

    __tablename__ = "vr_session_log"
    __table_args__ = (UniqueConstraint("session_id", "seq", name="uq_vr_session_log_seq"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vr_session.id"), index=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    records_enc: Mapped[str] = mapped_column(Text)


class VrProgress(Base):
    """The exposure controller's progress for one patient on one item, sealed JSON."""

    __tablename__ = "vr_progress"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), primary_key=True)
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vr_hierarchy_item.id"), primary_key=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    progress_enc: Mapped[str] = mapped_column(Text)
