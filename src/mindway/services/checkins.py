"""Daily mood check-ins: record (the patient), list and summary (the patient and their team).

Crisis first (DESIGN.md safety rules): the note and the tags are risk-screened before the
check-in is validated, stored or shown. A moderate or high screening raises an urgent ``risk``
alert for the care team (saying what the note mentions, never quoting it) and tells the app
to show the crisis resources first; the alert is raised even when the check-in itself is
refused for bad values. One check-in per local day: a second one that day edits the first
(a daily diary, Shiffman et al. 2008), so day counts and charts need no deduplication.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mindway.chat.safety import Screening, screen
from mindway.clinical.alert_rules import AlertSpec
from mindway.clinical.mood import MAX_NOTE, CheckinSummary, CheckinValues, summarise
from mindway.errors import Conflict, InvalidInput
from mindway.security.policy import Actor, Permission
from mindway.services import access
from mindway.services.measures import raise_alert
from mindway.services.risk_alerts import risk_alert_spec
from mindway.services.runtime import Runtime, UseCase
from mindway.services.views import View
from mindway.store.models import CheckinReminder, MoodCheckin
from mindway.store.types import utcnow

TABLE = "mood_checkin"
MAX_DAYS = 366


class RefusedButFlagged(InvalidInput):
    """The check-in was refused for its values, but its note was flagged: the team has been
    alerted, and the app shows the crisis resources first all the same (the problem's
    title says so)."""

    title = "Invalid input; the note was flagged: show the crisis resources first"


class CheckinPublic(View):
    id: uuid.UUID
    patient_id: uuid.UUID
    recorded_at: datetime
    local_date: date
    values: CheckinValues
    note: str | None


class CheckinRecorded(View):
    """What the person sees after checking in; crisis resources first when the note is flagged."""

    checkin: CheckinPublic
    edited: bool
    alerts_raised: list[str]
    show_crisis_resources: bool


def zone_of(uc: UseCase, patient_id: uuid.UUID) -> ZoneInfo:
    """The patient's time zone (from their reminder settings), UTC when they set none."""
    reminder = uc.db.get(CheckinReminder, patient_id)
    return ZoneInfo(reminder.timezone if reminder else "UTC")


def _risk_spec(screening: Screening) -> AlertSpec:
    return risk_alert_spec(screening.level, screening.categories, "A mood check-in note")


def _screen(note: str | None, raw: dict[str, Any], locale: str) -> Screening:
    tags = raw.get("tags")
    words = [str(t) for t in tags] if isinstance(tags, list) else []
    return screen("\n".join([note or "", *words]), locale=locale)


def _parse(raw: dict[str, Any], note: str | None) -> CheckinValues:
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidInput(f"the note may be at most {MAX_NOTE} characters")
    try:
        return CheckinValues.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(f"{where}: {first['msg']}") from None


def checkin_view(uc: UseCase, row: MoodCheckin) -> CheckinPublic:
    values = json.loads(uc.vault.open(TABLE, "values", row.id, row.values_enc))
    return CheckinPublic(
        id=row.id,
        patient_id=row.patient_id,
        recorded_at=row.recorded_at,
        local_date=row.local_date,
        values=CheckinValues.model_validate(values),
        note=uc.vault.open_field(row, "note"),
    )


def _store(
    uc: UseCase, patient_id: uuid.UUID, values: CheckinValues, note: str | None
) -> tuple[MoodCheckin, bool]:
    """Seal and store today's check-in, editing it if there is one (then ``True``)."""
    now = utcnow()
    today = now.astimezone(zone_of(uc, patient_id)).date()
    row = uc.db.scalars(
        select(MoodCheckin).where(
            MoodCheckin.patient_id == patient_id, MoodCheckin.local_date == today
        )
    ).first()
    edited = row is not None
    if row is None:
        row = MoodCheckin(id=uuid.uuid4(), patient_id=patient_id, local_date=today, values_enc="")
        uc.db.add(row)
    owner = str(patient_id)
    row.recorded_at = now
    row.values_enc = uc.vault.seal(owner, TABLE, "values", row.id, values.model_dump_json())
    row.note_enc = uc.vault.seal(owner, TABLE, "note", row.id, note) if note else None
    try:
        uc.db.flush()
    except IntegrityError as exc:  # the same patient's other device saved today's first
        raise Conflict(
            "another check-in for today was saved at the same moment: send again"
        ) from exc
    uc.reason = "edited" if edited else None
    return row, edited


def store_mood(uc: UseCase, patient_id: uuid.UUID, mood: int, note: str | None) -> MoodCheckin:
    """Today's check-in from the chat companion (mood only; the text was screened by the
    chat): it edits today's check-in if there is one, keeping its other ratings."""
    existing = uc.db.scalars(
        select(MoodCheckin).where(
            MoodCheckin.patient_id == patient_id,
            MoodCheckin.local_date == _today(uc, patient_id),
        )
    ).first()
    base = checkin_view(uc, existing) if existing else None
    values = base.values.model_copy(update={"mood": mood}) if base else CheckinValues(mood=mood)
    kept_note = note if note else (base.note if base else None)
    row, _ = _store(uc, patient_id, CheckinValues.model_validate(values.model_dump()), kept_note)
    return row


def record(
    rt: Runtime, actor: Actor, patient_id: uuid.UUID, raw: dict[str, Any], note: str | None
) -> CheckinRecorded:
    """Screen the text, then validate, seal and store the day's check-in, all or nothing."""
    note = note.strip() if note and note.strip() else None
    flagged: Screening | None = None
    try:
        with rt.use_case(actor, "checkin.record", "patient", patient_id) as uc:
            patient = access.require_patient(uc, Permission.CHECKIN_SUBMIT, patient_id)
            screening = _screen(note, raw, patient.locale)
            flagged = screening if screening.needs_care_team else None
            values = _parse(raw, note)
            row, edited = _store(uc, patient_id, values, note)
            specs = [_risk_spec(flagged)] if flagged else []
            for spec in specs:
                raise_alert(uc, patient_id, spec, row.id)
            if specs:
                uc.reason = f"{len(specs)} alerts raised"
            return CheckinRecorded(
                checkin=checkin_view(uc, row),
                edited=edited,
                alerts_raised=[f"{s.kind}:{s.level}" for s in specs],
                show_crisis_resources=flagged is not None,
            )
    except InvalidInput as exc:
        if flagged is None:
            raise
        _alert_only(rt, actor, patient_id, flagged)  # refused values never silence a disclosure
        raise RefusedButFlagged(exc.detail) from exc


def _alert_only(rt: Runtime, actor: Actor, patient_id: uuid.UUID, screening: Screening) -> None:
    with rt.use_case(actor, "checkin.risk_alert", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.CHECKIN_SUBMIT, patient_id)
        raise_alert(uc, patient_id, _risk_spec(screening))
        uc.reason = "check-in refused; its note was flagged"


def _rows(uc: UseCase, patient_id: uuid.UUID, since: date) -> list[MoodCheckin]:
    query = select(MoodCheckin).where(
        MoodCheckin.patient_id == patient_id, MoodCheckin.local_date >= since
    )
    return list(uc.db.scalars(query.order_by(MoodCheckin.local_date)))


def _today(uc: UseCase, patient_id: uuid.UUID) -> date:
    return datetime.now(UTC).astimezone(zone_of(uc, patient_id)).date()


def list_checkins(
    rt: Runtime, actor: Actor, patient_id: uuid.UUID, days: int = 30
) -> list[CheckinPublic]:
    """The check-ins of the last ``days`` local days, oldest first (charts, reviews)."""
    with rt.use_case(actor, "checkin.list", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.RECORD_READ, patient_id)
        if not 1 <= days <= MAX_DAYS:
            raise InvalidInput(f"days must be 1 to {MAX_DAYS}")
        since = _today(uc, patient_id) - timedelta(days=days - 1)
        return [checkin_view(uc, r) for r in _rows(uc, patient_id, since)]


def summary(rt: Runtime, actor: Actor, patient_id: uuid.UUID) -> CheckinSummary:
    """Days checked in and averages over the last 7 and 30 days, phrased without blame."""
    with rt.use_case(actor, "checkin.summary", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.RECORD_READ, patient_id)
        today = _today(uc, patient_id)
        views = [checkin_view(uc, r) for r in _rows(uc, patient_id, today - timedelta(days=60))]
        return summarise([(v.local_date, v.values) for v in views], today)
