"""Finished CBT exercises (thought records, activity plans, worry lists), for the patient and
their care team."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from mindway.errors import InvalidInput
from mindway.security.policy import Actor, Permission
from mindway.services import access
from mindway.services.runtime import Runtime
from mindway.services.views import View
from mindway.store.models import ExerciseRecord

EXERCISES = ("thought_record", "activity_plan", "worry")


class ExercisePublic(View):
    id: uuid.UUID
    exercise: str
    created_at: datetime
    source: str
    fields: dict[str, Any]


def list_exercises(
    rt: Runtime, actor: Actor, patient_id: uuid.UUID, exercise: str | None = None
) -> list[ExercisePublic]:
    """The patient's finished exercises, newest first (one kind if ``exercise`` is given)."""
    if exercise is not None and exercise not in EXERCISES:
        raise InvalidInput(f"exercise must be one of {', '.join(EXERCISES)}")
    with rt.use_case(actor, "exercise.list", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.RECORD_READ, patient_id)
        query = select(ExerciseRecord).where(ExerciseRecord.patient_id == patient_id)
        if exercise:
            query = query.where(ExerciseRecord.exercise == exercise)
        rows = uc.db.scalars(query.order_by(ExerciseRecord.created_at.desc()).limit(200))
        return [
            ExercisePublic(
                id=r.id,
                exercise=r.exercise,
                created_at=r.created_at,
                source=r.source,
                fields=json.loads(uc.vault.open("exercise_record", "fields", r.id, r.fields_enc)),
            )
            for r in rows
        ]
