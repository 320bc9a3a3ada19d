"""Programme reminders, run by the server every minute: a new session open, homework due.

The rule (once a day, in the evening window of the patient's own time zone, each reminder
once) is :mod:`mindway.therapy.programme_reminders`. Delivery uses the check-in reminders'
channels: in-app (the line on the patient's programme page, until they next do something in
the programme) and Web Push to each browser they subscribed, whose text carries no health data
(:data:`~mindway.therapy.programme_reminders.PUSH_TEXT`). Nothing is sent once the patient
leaves the programme or switches reminders off; erased patients are never looked at.

Each enrolment is looked at once a day, when its window opens: the look opens the sealed plan,
so it is one audited use case per minute in which anyone's window opened; nothing at all is
written (not even an audit event) in the other minutes.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from mindway.security.policy import OPERATOR
from mindway.services import programmes, web_push
from mindway.services.runtime import Runtime
from mindway.store.models import CheckinReminder, Patient
from mindway.store.therapy_models import ProgrammeEnrolment
from mindway.store.types import utcnow
from mindway.therapy.programme_reminders import PUSH_TEXT, reminder_window

PROGRAMME_PATH = "/patient/programme"
MIN_GAP = timedelta(hours=20)  # one a day, whatever the time zone does
PUSH_PAYLOAD = json.dumps(
    {"title": "Mindway", "body": PUSH_TEXT, "url": PROGRAMME_PATH}, separators=(",", ":")
)


def _due(db: Session, now: datetime) -> list[ProgrammeEnrolment]:
    """Active enrolments with reminders on whose window is open now and not looked at yet
    (in the time zone the patient chose for reminders, UTC when none)."""
    rows = db.execute(
        select(ProgrammeEnrolment, CheckinReminder.timezone)
        .join(Patient, Patient.id == ProgrammeEnrolment.patient_id)
        .outerjoin(CheckinReminder, CheckinReminder.patient_id == ProgrammeEnrolment.patient_id)
        .where(
            ProgrammeEnrolment.status == "active",
            ProgrammeEnrolment.reminders_on.is_(True),
            Patient.erased_at.is_(None),
        )
    )
    due = []
    for row, zone in rows:
        window = reminder_window(ZoneInfo(zone or "UTC"), now)
        if window is None:
            continue
        if row.reminded_at is not None and now - row.reminded_at < MIN_GAP:
            continue  # e.g. the patient moved their time zone west since the last one
        if row.reminder_checked_at is None or row.reminder_checked_at < window[0]:
            due.append(row)
    return due


def send_programme_reminders(rt: Runtime, now: datetime | None = None) -> int:
    """Send the programme reminders owed now; returns how many patients were reminded."""
    now = now or utcnow()
    with rt.transaction() as db:
        if not _due(db, now):
            return 0
    with rt.use_case(OPERATOR, "programme_reminder.prompt", "programme_enrolment") as uc:
        due = _due(uc.db, now)
        reminded = []
        for row in due:
            row.reminder_checked_at = now
            if programmes.remind(uc, row, now) is not None:
                reminded.append(row.patient_id)
        uc.reason = f"{len(due)} looked at, {len(reminded)} reminded"
    web_push.notify(
        rt, reminded, "programme_reminder.push", "programme_enrolment", payload=PUSH_PAYLOAD
    )
    return len(reminded)
