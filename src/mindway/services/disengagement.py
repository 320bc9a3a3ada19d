"""Disengagement alerts: a patient who was taking part (check-ins or a questionnaire schedule)
and has shown no activity for N days (``MINDWAY_DISENGAGEMENT_DAYS``, default 7).

Drop-out from digital mental health care is common and often silent (Torous et al. 2020,
Evid Based Ment Health 23:18); a routine nudge for the care team to reach out, due within
three days, raised once while it is open. It runs every minute from the server and writes
nothing (not even an audit event) when nobody is due.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from mindway.clinical.alert_rules import THIS_WEEK, AlertSpec
from mindway.security.policy import OPERATOR
from mindway.services.checkin_reminders import send_due_prompts
from mindway.services.measures import raise_alert
from mindway.services.runtime import Runtime
from mindway.store.models import (
    ClinicalAlert,
    MoodCheckin,
    Patient,
    QuestionnaireResponse,
    QuestionnaireSchedule,
)
from mindway.store.types import utcnow

KIND: Final = "disengagement"


def _newest(db: Session, query: Select[uuid.UUID, datetime]) -> dict[uuid.UUID, datetime]:
    return {pid: at for pid, at in db.execute(query).all() if at is not None}


def last_activity(db: Session) -> dict[uuid.UUID, datetime]:
    """For every patient taking part (check-ins or an active schedule): when they were last
    active, i.e. their newest check-in, questionnaire result or schedule start."""
    checkins = _newest(
        db,
        select(MoodCheckin.patient_id, func.max(MoodCheckin.recorded_at)).group_by(
            MoodCheckin.patient_id
        ),
    )
    scheduled = _newest(
        db,
        select(QuestionnaireSchedule.patient_id, func.max(QuestionnaireSchedule.starts_at))
        .where(QuestionnaireSchedule.active.is_(True))
        .group_by(QuestionnaireSchedule.patient_id),
    )
    results = _newest(
        db,
        select(QuestionnaireResponse.patient_id, func.max(QuestionnaireResponse.completed_at))
        .where(QuestionnaireResponse.patient_id.in_(set(checkins) | set(scheduled)))
        .group_by(QuestionnaireResponse.patient_id),
    )
    return {
        pid: max(t for t in (checkins.get(pid), scheduled.get(pid), results.get(pid)) if t)
        for pid in set(checkins) | set(scheduled)
    }


def _due(db: Session, days: int) -> list[uuid.UUID]:
    cutoff = utcnow() - timedelta(days=days)
    quiet = {pid for pid, at in last_activity(db).items() if at < cutoff}
    if not quiet:
        return []
    open_alerts = set(
        db.scalars(
            select(ClinicalAlert.patient_id).where(
                ClinicalAlert.kind == KIND, ClinicalAlert.acknowledged_at.is_(None)
            )
        )
    )
    erased = set(db.scalars(select(Patient.id).where(Patient.erased_at.is_not(None))))
    return sorted(quiet - open_alerts - erased)


def disengagement_alerts(rt: Runtime, days: int | None = None) -> int:
    """Raise one routine ``disengagement`` alert per quiet patient with none open; returns
    how many. Audited only when it raises something."""
    days = days or rt.settings.disengagement_days
    with rt.transaction() as db:
        if not _due(db, days):
            return 0
    with rt.use_case(OPERATOR, "clinical_alert.disengagement", "clinical_alert") as uc:
        due = _due(uc.db, days)
        spec = AlertSpec(
            KIND,
            "routine",
            THIS_WEEK,
            f"No check-ins or questionnaires for more than {days} days: consider reaching out.",
        )
        for patient_id in due:
            raise_alert(uc, patient_id, spec)
        uc.reason = f"{len(due)} raised"
        return len(due)


def watch_engagement(rt: Runtime) -> None:
    """The server's minute tick for mood tracking: owed check-in prompts, then quiet patients."""
    send_due_prompts(rt)
    disengagement_alerts(rt)
