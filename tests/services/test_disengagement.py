"""Disengagement: one routine alert for a patient quiet for N days, never a second while open,
and nothing written at all when nobody is due."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from mindway.services import checkins, clinical_alerts, schedules
from mindway.services.disengagement import disengagement_alerts, watch_engagement
from mindway.services.runtime import Runtime
from mindway.store.models import MoodCheckin, QuestionnaireSchedule
from tests.clinic import Clinic
from tests.services.audit_trail import AuditWatch
from tests.services.test_checkins import GOOD


def _age_checkins(rt: Runtime, days: int) -> None:
    with rt.transaction() as db:
        for row in db.scalars(select(MoodCheckin)):
            row.recorded_at -= timedelta(days=days)


def test_quiet_patient_raises_one_alert_not_two(rt: Runtime, clinic: Clinic) -> None:
    checkins.record(rt, clinic.patient_a, clinic.patient_a_id, GOOD, None)
    watch = AuditWatch(rt)
    assert disengagement_alerts(rt) == 0 and watch.new() == []  # active: nothing, no audit
    _age_checkins(rt, 8)
    assert disengagement_alerts(rt) == 1
    assert watch.single().action == "clinical_alert.disengagement"
    watch = AuditWatch(rt)
    assert disengagement_alerts(rt) == 0 and watch.new() == []  # open already
    (alert,) = clinical_alerts.inbox(rt, clinic.clinician_a)
    assert (alert.kind, alert.level) == ("disengagement", "routine")
    assert alert.due_at - alert.created_at == timedelta(days=3)
    assert "more than 7 days" in alert.detail


def test_days_setting_and_schedules_count_as_taking_part(rt: Runtime, clinic: Clinic) -> None:
    schedules.set_schedule(rt, clinic.clinician_a, clinic.patient_a_id, "phq9", 14)
    assert disengagement_alerts(rt, days=3) == 0
    with rt.transaction() as db:
        for row in db.scalars(select(QuestionnaireSchedule)):
            row.starts_at -= timedelta(days=4)
    assert disengagement_alerts(rt, days=5) == 0
    watch_engagement(rt)  # the server's tick: default 7 days, nothing due
    assert disengagement_alerts(rt, days=3) == 1


def test_patients_not_taking_part_are_left_alone(rt: Runtime, clinic: Clinic) -> None:
    assert disengagement_alerts(rt, days=1) == 0
