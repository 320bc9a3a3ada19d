"""ORM models of treatment recommendations: pharmacogenomic results, treatment history and the
treatment decisions clinicians record (which later become training data with their outcome).

Everything about a person's genes, treatments, responses and side effects is health data, so
it is sealed with the patient's key; only the gene name, dates and the model version used
stay in the clear (they say nothing without the sealed part).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mindway.store.models import Base
from mindway.store.types import new_id, utcnow

__all__ = ["PgxResult", "TreatmentDecision", "TreatmentEpisode"]


class PgxResult(Base):
    """One pharmacogenomic result: the gene, and sealed JSON of diplotype and phenotype."""

    __tablename__ = "pgx_result"
    __table_args__ = (Index("ix_pgx_result_patient_gene", "patient_id", "gene"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"))
    gene: Mapped[str] = mapped_column(String(12))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("account.id"), default=None)
    result_enc: Mapped[str] = mapped_column(Text)


class TreatmentEpisode(Base):
    """One past or current treatment: sealed JSON of the treatment, start and end, response
    and side effects."""

    __tablename__ = "treatment_episode"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("account.id"), default=None)
    details_enc: Mapped[str] = mapped_column(Text)


class TreatmentDecision(Base):
    """A treatment a clinician chose: sealed JSON of the options shown (expected improvement
    and interval), the features the model saw, the choice and the reason; later the outcome."""

    __tablename__ = "treatment_decision"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("account.id"), default=None)
    model_version: Mapped[int | None] = mapped_column(Integer, default=None)
    details_enc: Mapped[str] = mapped_column(Text)
    outcome_enc: Mapped[str | None] = mapped_column(Text, default=None)
    outcome_at: Mapped[datetime | None] = mapped_column(default=None)
