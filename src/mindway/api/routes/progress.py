"""Progress monitoring and questionnaire schedules for one patient."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from mindway.api.deps import CurrentActor, RuntimeDep
from mindway.services import progress, schedules
from mindway.services.progress import ProgressPublic
from mindway.services.schedules import MAX_EVERY_DAYS, MIN_EVERY_DAYS, SchedulePublic

router = APIRouter(prefix="/patients/{patient_id}", tags=["measurement-based care"])
Instrument = Annotated[str, Path(max_length=20, pattern=r"^[a-z0-9]+$")]


class ScheduleSet(BaseModel):
    """How often the patient completes the questionnaire named in the path."""

    model_config = ConfigDict(extra="forbid")

    every_days: int = Field(ge=MIN_EVERY_DAYS, le=MAX_EVERY_DAYS)


@router.get("/progress", response_model=ProgressPublic)
def read_progress(patient_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor) -> ProgressPublic:
    """PHQ-9 and GAD-7 trajectories with reliable change and the not-on-track signal
    (green/yellow/red) at every measurement, its reasons and the curve method used."""
    return progress.for_patient(rt, actor, patient_id)


@router.get("/schedules", response_model=list[SchedulePublic])
def list_schedules(
    patient_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor
) -> list[SchedulePublic]:
    """Active questionnaire schedules with their state: done, due or overdue."""
    return schedules.list_schedules(rt, actor, patient_id)


@router.put("/schedules/{instrument}", response_model=SchedulePublic)
def set_schedule(
    patient_id: uuid.UUID,
    instrument: Instrument,
    body: ScheduleSet,
    rt: RuntimeDep,
    actor: CurrentActor,
) -> SchedulePublic:
    """Start or change a schedule (a clinician on the patient's team)."""
    return schedules.set_schedule(rt, actor, patient_id, instrument, body.every_days)


@router.delete("/schedules/{instrument}", status_code=204)
def stop_schedule(
    patient_id: uuid.UUID, instrument: Instrument, rt: RuntimeDep, actor: CurrentActor
) -> Response:
    """Stop a schedule; stopping one that is not running is not an error."""
    schedules.stop_schedule(rt, actor, patient_id, instrument)
    return Response(status_code=204)
