"""Check-in reminders: when a patient wants a prompt, and the channels that deliver it.

Prompts at times the person chose raise EMA compliance (Shiffman et al. 2008, Annu Rev Clin
Psychol 4:1). A channel is a :class:`ReminderChannel`: ``in_app`` always marks a prompt the
patient sees on their home page; :class:`~mindway.services.web_push.WebPushChannel` also
notifies each browser the patient subscribed (Web Push, RFC 8030/8291/8292). E-mail or SMS
adapters are future plug-ins: they implement ``deliver(db, reminder, now)``, and must carry no
health data in the message ("Time for your check-in", nothing more).
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, datetime, time, timedelta
from typing import Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from mindway.errors import InvalidInput
from mindway.security.policy import OPERATOR, Actor, Permission, role_allows
from mindway.services import access, web_push
from mindway.services.runtime import Runtime
from mindway.services.views import View
from mindway.store.models import CheckinReminder, MoodCheckin
from mindway.store.types import utcnow

TIME_OF_DAY = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")
MAX_TIMES = 6
# A prompt missed by more than this (e.g. the server was down) is not sent late.
LATE_LIMIT = timedelta(hours=6)
Channel = Literal["in_app"]


class ReminderPublic(View):
    times: list[str]
    timezone: str
    channel: Channel
    active: bool


class ReminderChannel(Protocol):
    """Delivers one prompt; must not put health data in the message."""

    name: str

    def deliver(self, db: Session, reminder: CheckinReminder, now: datetime) -> None: ...


class InAppChannel:
    """Marks a prompt the patient sees on their home page until they check in."""

    name = "in_app"

    def deliver(self, db: Session, reminder: CheckinReminder, now: datetime) -> None:
        reminder.last_prompted_at = now


CHANNELS: dict[str, ReminderChannel] = {"in_app": InAppChannel()}


def parse_zone(name: str) -> ZoneInfo:
    """An IANA time zone, or :class:`InvalidInput`."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"unknown time zone {name!r} (use an IANA name like Europe/Berlin)"
        ) from None


def parse_times(times: list[str]) -> list[str]:
    """Times of day as sorted, distinct "HH:MM" strings, or :class:`InvalidInput`."""
    bad = [t for t in times if not TIME_OF_DAY.match(t)]
    if bad:
        raise InvalidInput(f"times must be HH:MM (00:00 to 23:59), not {bad[0]!r}")
    distinct = sorted(set(times))
    if len(distinct) > MAX_TIMES:
        raise InvalidInput(f"at most {MAX_TIMES} reminder times a day")
    return distinct


def _view(row: CheckinReminder | None) -> ReminderPublic:
    if row is None:
        return ReminderPublic(times=[], timezone="UTC", channel="in_app", active=False)
    return ReminderPublic(
        times=json.loads(row.times), timezone=row.timezone, channel="in_app", active=row.active
    )


def get_reminder(rt: Runtime, actor: Actor, patient_id: uuid.UUID) -> ReminderPublic:
    """The patient's reminder settings (inactive with no times when never set)."""
    with rt.use_case(actor, "checkin_reminder.read", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.RECORD_READ, patient_id)
        return _view(uc.db.get(CheckinReminder, patient_id))


def set_reminder(
    rt: Runtime,
    actor: Actor,
    patient_id: uuid.UUID,
    times: list[str],
    timezone: str,
    *,
    active: bool = True,
) -> ReminderPublic:
    """The patient chooses when to be prompted and in which time zone."""
    with rt.use_case(actor, "checkin_reminder.set", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.CHECKIN_SUBMIT, patient_id)
        clean = parse_times(times)
        parse_zone(timezone)
        row = uc.db.get(CheckinReminder, patient_id)
        if row is None:
            row = CheckinReminder(patient_id=patient_id, channel="in_app")
            uc.db.add(row)
        row.times, row.timezone, row.active = json.dumps(clean), timezone, active
        uc.db.flush()
        uc.reason = f"{len(clean)} times, {'active' if active else 'off'}"
        return _view(row)


def due_moment(
    times: list[str], zone: ZoneInfo, last_prompted_at: datetime | None, now: datetime
) -> datetime | None:
    """The scheduled moment a prompt is owed for now, if any: the latest chosen time that has
    passed (within :data:`LATE_LIMIT`) and was not prompted for yet."""
    local_today = now.astimezone(zone).date()
    moments = [
        datetime.combine(day, time.fromisoformat(t), tzinfo=zone)
        for day in (local_today - timedelta(days=1), local_today)
        for t in times
    ]
    passed = [m for m in moments if m <= now and now - m <= LATE_LIMIT]
    if not passed:
        return None
    moment = max(passed)
    if last_prompted_at is not None and last_prompted_at >= moment:
        return None
    return moment


def _checked_in_today(db: Session, patient_id: uuid.UUID, today: date) -> bool:
    found = db.scalar(
        select(MoodCheckin.id).where(
            MoodCheckin.patient_id == patient_id, MoodCheckin.local_date == today
        )
    )
    return found is not None


def due_reminders(db: Session, now: datetime) -> list[CheckinReminder]:
    """Active reminders owed a prompt now, skipping patients who checked in today."""
    rows = db.scalars(select(CheckinReminder).where(CheckinReminder.active.is_(True)))
    due = []
    for row in rows:
        zone = ZoneInfo(row.timezone)
        if due_moment(json.loads(row.times), zone, row.last_prompted_at, now) is None:
            continue
        if not _checked_in_today(db, row.patient_id, now.astimezone(zone).date()):
            due.append(row)
    return due


def send_due_prompts(rt: Runtime, now: datetime | None = None) -> int:
    """Deliver the prompts owed now; audited only when it sends something (runs each minute)."""
    now = now or utcnow()
    with rt.transaction() as db:
        if not due_reminders(db, now):
            return 0
    with rt.use_case(OPERATOR, "checkin_reminder.prompt", "checkin_reminder") as uc:
        due = due_reminders(uc.db, now)
        for row in due:
            CHANNELS[row.channel].deliver(uc.db, row, now)
        uc.reason = f"{len(due)} prompts"
        patients = [row.patient_id for row in due]
    web_push.notify(rt, patients, "checkin_reminder.push", "checkin_reminder")
    return len(patients)


def prompt_pending(rt: Runtime, actor: Actor) -> bool:
    """Whether the patient's home page shows "time to check in": a prompt and no check-in
    since. A bare yes/no about the caller's own record, like the alert badge: not audited."""
    if actor.patient_id is None or not role_allows(actor, Permission.CHECKIN_SUBMIT):
        return False
    with rt.transaction() as db:
        return _pending(db, actor.patient_id)


def _pending(db: Session, patient_id: uuid.UUID) -> bool:
    row = db.get(CheckinReminder, patient_id)
    if row is None or not row.active or row.last_prompted_at is None:
        return False
    newest = db.scalar(
        select(MoodCheckin.recorded_at)
        .where(MoodCheckin.patient_id == patient_id)
        .order_by(MoodCheckin.recorded_at.desc())
        .limit(1)
    )
    return newest is None or newest < row.last_prompted_at
