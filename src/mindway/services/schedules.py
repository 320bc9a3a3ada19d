"""Questionnaires scheduled by the clinician (e.g. PHQ-9 and GAD-7 every two weeks), with
due and overdue states.

Measurement-based care works when the same measure is repeated on a fixed rhythm (Lewis et
al. 2019, JAMA Psychiatry 76:324); a schedule says which questionnaire a patient completes
every how many days. A clinician on the patient's team sets, changes or stops it; the patient
and their clinicians read it with its state:

- ``done``: a result since the current period started; ``due_at`` is the next period's start;
- ``due``: no result since the period that is now open started (``due_at``);
- ``overdue``: more than ``OVERDUE_AFTER`` (3 days) past ``due_at``. A patient who skipped
  whole periods stays overdue from the first period they skipped.
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select

from mindway.clinical.instruments import get_instrument
from mindway.errors import InvalidInput
from mindway.security.policy import Actor, Permission
from mindway.services import access, measures
from mindway.services.runtime import Runtime, UseCase
from mindway.services.views import View
from mindway.store.models import QuestionnaireSchedule
from mindway.store.types import utcnow

__all__ = [
    "MAX_EVERY_DAYS",
    "MIN_EVERY_DAYS",
    "OVERDUE_AFTER",
    "SchedulePublic",
    "due_state",
    "list_schedules",
    "set_schedule",
    "stop_schedule",
]

MIN_EVERY_DAYS, MAX_EVERY_DAYS = 7, 90
OVERDUE_AFTER = timedelta(days=3)
DueState = Literal["done", "due", "overdue"]


class SchedulePublic(View):
    instrument: str
    every_days: int
    starts_at: datetime
    state: DueState
    due_at: datetime  # when the open or the next period starts
    last_completed_at: datetime | None


def due_state(
    starts_at: datetime, every_days: int, last_completed_at: datetime | None, now: datetime
) -> tuple[DueState, datetime]:
    """The state and due time of a schedule, given the newest result of its instrument."""
    period = timedelta(days=every_days)
    if last_completed_at is None or last_completed_at < starts_at:
        due_at = starts_at
    else:
        done_periods = math.floor((last_completed_at - starts_at) / period) + 1
        due_at = starts_at + done_periods * period
    if now < due_at:
        return "done", due_at
    return ("overdue" if now - due_at > OVERDUE_AFTER else "due"), due_at


def set_schedule(
    rt: Runtime, actor: Actor, patient_id: uuid.UUID, instrument: str, every_days: int
) -> SchedulePublic:
    """Start or change a schedule; a stopped one starts afresh from now."""
    with rt.use_case(actor, "schedule.set", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.RECORD_WRITE, patient_id)
        instrument_id = get_instrument(instrument).id
        if not MIN_EVERY_DAYS <= every_days <= MAX_EVERY_DAYS:
            uc.failure_reason = "every_days out of range"
            raise InvalidInput(
                f"every_days must be {MIN_EVERY_DAYS} to {MAX_EVERY_DAYS} days, not {every_days}"
            )
        row = _schedule(uc, patient_id, instrument_id)
        assert actor.account_id is not None
        if row is None:
            row = QuestionnaireSchedule(
                id=uuid.uuid4(), patient_id=patient_id, instrument=instrument_id
            )
            uc.db.add(row)
        if row.active is not True:
            row.starts_at, row.created_by, row.active = utcnow(), actor.account_id, True
        row.every_days = every_days
        uc.db.flush()
        uc.reason = f"{instrument_id} every {every_days} days"
        return _view(uc, row)


def stop_schedule(rt: Runtime, actor: Actor, patient_id: uuid.UUID, instrument: str) -> None:
    """Stop a schedule (kept, inactive, for the record); stopping none is not an error."""
    with rt.use_case(actor, "schedule.stop", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.RECORD_WRITE, patient_id)
        row = _schedule(uc, patient_id, get_instrument(instrument).id)
        if row is None or not row.active:
            uc.reason = "no active schedule"
            return
        row.active = False


def list_schedules(rt: Runtime, actor: Actor, patient_id: uuid.UUID) -> list[SchedulePublic]:
    """The patient's active schedules with their states, soonest due first."""
    with rt.use_case(actor, "schedule.list", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.RECORD_READ, patient_id)
        rows = uc.db.scalars(
            select(QuestionnaireSchedule).where(
                QuestionnaireSchedule.patient_id == patient_id,
                QuestionnaireSchedule.active.is_(True),
            )
        )
        return sorted((_view(uc, row) for row in rows), key=lambda s: (s.due_at, s.instrument))


def _schedule(uc: UseCase, patient_id: uuid.UUID, instrument: str) -> QuestionnaireSchedule | None:
    return uc.db.scalars(
        select(QuestionnaireSchedule).where(
            QuestionnaireSchedule.patient_id == patient_id,
            QuestionnaireSchedule.instrument == instrument,
        )
    ).first()


def _view(uc: UseCase, row: QuestionnaireSchedule) -> SchedulePublic:
    newest = measures.latest(uc, row.patient_id, row.instrument)
    last = newest.completed_at if newest else None
    state, due_at = due_state(row.starts_at, row.every_days, last, utcnow())
    return SchedulePublic(
        instrument=row.instrument,
        every_days=row.every_days,
        starts_at=row.starts_at,
        state=state,
        due_at=due_at,
        last_completed_at=last,
    )
