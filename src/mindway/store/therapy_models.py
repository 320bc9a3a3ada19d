"""ORM models of the digital therapeutics part: programme enrolments, exercise drafts, and
the just-in-time prompts (JITAI) with their logged decisions.

Which programme a person is on says something about their health, so the plan and progress
are sealed; so are drafts (free text) and each decision's features (they hold mood). The
prompt type and its probability stay in the clear, keyed by the pseudonymous patient id, so
off-policy evaluation can read the log without opening anyone's data.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mindway.store.models import Base
from mindway.store.types import new_id, utcnow

__all__ = ["ExerciseDraft", "JitaiDecision", "JitaiState", "ProgrammeEnrolment"]


class ProgrammeEnrolment(Base):
    """One patient on one programme: the (possibly tailored) plan and progress sealed as JSON.
    At most one is ``active`` per patient; enrolling again ends the previous one."""

    __tablename__ = "programme_enrolment"
    __table_args__ = (Index("ix_programme_enrolment_active", "patient_id", "status"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"))
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    enrolled_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("account.id"), default=None)
    assigned: Mapped[bool] = mapped_column(default=False)  # by a clinician (else self-enrolled)
    status: Mapped[str] = mapped_column(String(12), default="active")
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    plan_enc: Mapped[str] = mapped_column(Text)
    progress_enc: Mapped[str] = mapped_column(Text)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    disengagement_alerted_at: Mapped[datetime | None] = mapped_column(default=None)
    # Programme reminders: the patient's switch, when the daily rule last looked, last sent.
    reminders_on: Mapped[bool] = mapped_column(default=True)
    reminder_checked_at: Mapped[datetime | None] = mapped_column(default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(default=None)


class ExerciseDraft(Base):
    """An exercise form saved as the person goes (one per exercise kind), fields sealed."""

    __tablename__ = "exercise_draft"
    __table_args__ = (UniqueConstraint("patient_id", "exercise"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    exercise: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    fields_enc: Mapped[str] = mapped_column(Text)


class JitaiState(Base):
    """A patient's JITAI policy (settings and posterior), sealed as JSON."""

    __tablename__ = "jitai_state"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), primary_key=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    policy_enc: Mapped[str] = mapped_column(Text)


class JitaiDecision(Base):
    """One decision point: the action and its probability (for off-policy evaluation), the
    full sealed record, and the proximal outcome once the hour after it has passed."""

    __tablename__ = "jitai_decision"
    __table_args__ = (Index("ix_jitai_decision_patient_time", "patient_id", "decided_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(30))
    probability: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(30))
    record_enc: Mapped[str] = mapped_column(Text)
    outcome: Mapped[float | None] = mapped_column(Float, default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    dismissed_at: Mapped[datetime | None] = mapped_column(default=None)
