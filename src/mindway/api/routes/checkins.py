"""Mood tracking: daily check-ins, their summary, and check-in reminders for one patient."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from mindway.api.deps import CurrentActor, RuntimeDep
from mindway.api.schemas import Body
from mindway.clinical.mood import CheckinSummary
from mindway.services import checkin_reminders, checkins
from mindway.services.checkin_reminders import MAX_TIMES, ReminderPublic
from mindway.services.checkins import MAX_DAYS, CheckinPublic, CheckinRecorded

router = APIRouter(prefix="/patients/{patient_id}", tags=["mood tracking"])


Rating = int | float | str | None  # validated by the service, after screening


class CheckinCreate(Body):
    """A daily check-in. Ranges (ratings 0-10, sleep 0-24 in halves, at most 10 tags of 30
    characters, a note of 2000) are checked by the service *after* the note and tags are
    risk-screened, so that a disclosure is never lost to a range error."""

    # Loosely typed on purpose: a wrong type must not stop the note being screened first.
    mood: Rating = None
    anxiety: Rating = None
    energy: Rating = None
    sleep_hours: Rating = None
    sleep_quality: Rating = None
    activities: list[str] = Field(default_factory=list, max_length=50)
    tags: list[str] = Field(default_factory=list, max_length=50)
    note: str | None = Field(default=None, max_length=20_000)


class ReminderSet(Body):
    times: list[str] = Field(max_length=MAX_TIMES * 4)
    timezone: str = Field(max_length=64)
    active: bool = True


@router.post("/checkins", response_model=CheckinRecorded, status_code=201)
def record_checkin(
    patient_id: uuid.UUID, body: CheckinCreate, rt: RuntimeDep, actor: CurrentActor
) -> CheckinRecorded:
    """Record today's check-in (a second one today edits it). ``show_crisis_resources`` tells
    the app to show the crisis resources first: the note was flagged and the team alerted."""
    values = body.model_dump(exclude={"note"})
    return checkins.record(rt, actor, patient_id, values, body.note)


@router.get("/checkins", response_model=list[CheckinPublic])
def list_checkins(
    patient_id: uuid.UUID,
    rt: RuntimeDep,
    actor: CurrentActor,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS)] = 30,
) -> list[CheckinPublic]:
    return checkins.list_checkins(rt, actor, patient_id, days)


@router.get("/checkins/summary", response_model=CheckinSummary)
def checkin_summary(patient_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor) -> CheckinSummary:
    """Days checked in of the last 7 and 30, the current run of days, and averages."""
    return checkins.summary(rt, actor, patient_id)


@router.get("/reminders", response_model=ReminderPublic)
def read_reminder(patient_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor) -> ReminderPublic:
    return checkin_reminders.get_reminder(rt, actor, patient_id)


@router.put("/reminders", response_model=ReminderPublic)
def set_reminder(
    patient_id: uuid.UUID, body: ReminderSet, rt: RuntimeDep, actor: CurrentActor
) -> ReminderPublic:
    """Times of day ("HH:MM") and an IANA time zone for in-app check-in prompts."""
    return checkin_reminders.set_reminder(
        rt, actor, patient_id, body.times, body.timezone, active=body.active
    )
