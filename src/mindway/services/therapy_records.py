"""The digital therapeutics part's patient data, for export (GDPR Art. 15, 20) and erasure
(Art. 17): programmes and progress, exercise drafts, and the JITAI prompts and decisions."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select

from mindway.services.programmes import export_enrolments
from mindway.services.runtime import UseCase
from mindway.store.models import Patient
from mindway.store.therapy_models import (
    ExerciseDraft,
    JitaiDecision,
    JitaiState,
    ProgrammeEnrolment,
)


def _drafts(uc: UseCase, patient: Patient) -> list[dict[str, Any]]:
    rows = uc.db.scalars(select(ExerciseDraft).where(ExerciseDraft.patient_id == patient.id))
    return [
        {
            "exercise": r.exercise,
            "updated_at": r.updated_at.isoformat(),
            "fields": json.loads(uc.vault.open("exercise_draft", "fields", r.id, r.fields_enc)),
        }
        for r in rows
    ]


def _decisions(uc: UseCase, patient: Patient) -> list[dict[str, Any]]:
    rows = uc.db.scalars(
        select(JitaiDecision)
        .where(JitaiDecision.patient_id == patient.id)
        .order_by(JitaiDecision.decided_at)
    )
    return [
        {
            "decided_at": r.decided_at.isoformat(),
            "prompt": r.action,
            "probability": r.probability,
            "reason": r.reason,
            "outcome": r.outcome,
        }
        for r in rows
    ]


def export_therapy(uc: UseCase, patient: Patient) -> dict[str, Any]:
    return {
        "programmes": export_enrolments(uc, patient),
        "exercise_drafts": _drafts(uc, patient),
        "prompts": _decisions(uc, patient),
    }


def erase_therapy(uc: UseCase, patient: Patient) -> None:
    for model in (ProgrammeEnrolment, ExerciseDraft, JitaiDecision, JitaiState):
        uc.db.execute(delete(model).where(model.patient_id == patient.id))
