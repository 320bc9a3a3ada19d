"""Questionnaire schedules: set by a clinician on the patient's team, read by the patient and
their clinicians, with due, overdue and done states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from mindway.clinical.instruments import UnknownInstrument
from mindway.errors import Forbidden, InvalidInput
from mindway.services import measures, schedules
from mindway.services.runtime import OutOfScope, Runtime
from mindway.store.models import QuestionnaireSchedule
from tests.clinic import Clinic
from tests.services.audit_trail import AuditWatch

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("last", "now", "state", "due_at"),
    [
        (None, START, "due", START),  # nothing yet: due from the start
        (None, START + 3 * DAY, "due", START),
        (None, START + 3 * DAY + timedelta(minutes=1), "overdue", START),  # > 3 days past due
        (START + DAY, START + 10 * DAY, "done", START + 14 * DAY),
        (START + DAY, START + 15 * DAY, "due", START + 14 * DAY),  # a new period has opened
        (START + DAY, START + 40 * DAY, "overdue", START + 14 * DAY),  # skipped two periods
        (START + 15 * DAY, START + 20 * DAY, "done", START + 28 * DAY),
        (START - DAY, START + DAY, "due", START),  # a result before the schedule does not count
    ],
)
def test_due_state(last: datetime | None, now: datetime, state: str, due_at: datetime) -> None:
    assert schedules.due_state(START, 14, last, now) == (state, due_at)


def test_clinician_schedules_phq9_fortnightly_and_a_result_makes_it_done(
    rt: Runtime, clinic: Clinic
) -> None:
    watch = AuditWatch(rt)
    made = schedules.set_schedule(rt, clinic.clinician_a, clinic.patient_a_id, "PHQ9", 14)
    event = watch.single()
    assert (event.action, event.outcome, event.resource_id) == (
        "schedule.set",
        "success",
        str(clinic.patient_a_id),
    )
    assert (made.instrument, made.every_days, made.state) == ("phq9", 14, "due")
    assert made.due_at == made.starts_at and made.last_completed_at is None
    measures.submit(rt, clinic.patient_a, clinic.patient_a_id, "phq9", [1] * 8 + [0])
    (seen,) = schedules.list_schedules(rt, clinic.patient_a, clinic.patient_a_id)
    assert seen.state == "done" and seen.due_at == made.starts_at + timedelta(days=14)
    assert seen.last_completed_at is not None


def test_overdue_after_three_days_and_changes_keep_the_rhythm(rt: Runtime, clinic: Clinic) -> None:
    schedules.set_schedule(rt, clinic.clinician_a, clinic.patient_a_id, "gad7", 14)
    with rt.transaction() as db:
        for row in db.scalars(select(QuestionnaireSchedule)):
            row.starts_at -= 4 * DAY  # set four days ago, nothing completed since
    (late,) = schedules.list_schedules(rt, clinic.clinician_a, clinic.patient_a_id)
    assert late.state == "overdue"
    changed = schedules.set_schedule(rt, clinic.clinician_a, clinic.patient_a_id, "gad7", 28)
    assert (changed.every_days, changed.starts_at, changed.state) == (28, late.starts_at, "overdue")


def test_stopping_hides_it_and_setting_again_starts_afresh(rt: Runtime, clinic: Clinic) -> None:
    first = schedules.set_schedule(rt, clinic.clinician_a, clinic.patient_a_id, "phq9", 7)
    schedules.stop_schedule(rt, clinic.clinician_a, clinic.patient_a_id, "phq9")
    assert schedules.list_schedules(rt, clinic.clinician_a, clinic.patient_a_id) == []
    watch = AuditWatch(rt)
    schedules.stop_schedule(rt, clinic.clinician_a, clinic.patient_a_id, "phq9")  # idempotent
    assert watch.single().reason == "no active schedule"
    again = schedules.set_schedule(rt, clinic.clinician_a, clinic.patient_a_id, "phq9", 14)
    assert again.starts_at >= first.starts_at and again.every_days == 14
    with rt.transaction() as db:
        assert len(list(db.scalars(select(QuestionnaireSchedule)))) == 1  # one row, reused


@pytest.mark.parametrize("every_days", [6, 91])
def test_every_days_must_be_7_to_90(rt: Runtime, clinic: Clinic, every_days: int) -> None:
    watch = AuditWatch(rt)
    with pytest.raises(InvalidInput, match="7 to 90"):
        schedules.set_schedule(rt, clinic.clinician_a, clinic.patient_a_id, "phq9", every_days)
    assert watch.single().outcome == "failure"
    assert schedules.list_schedules(rt, clinic.clinician_a, clinic.patient_a_id) == []


def test_only_the_patients_clinicians_set_schedules(rt: Runtime, clinic: Clinic) -> None:
    with pytest.raises(Forbidden):
        schedules.set_schedule(rt, clinic.patient_a, clinic.patient_a_id, "phq9", 14)
    with pytest.raises(OutOfScope):
        schedules.set_schedule(rt, clinic.clinician_b, clinic.patient_a_id, "phq9", 14)
    with pytest.raises(OutOfScope):
        schedules.list_schedules(rt, clinic.patient_b, clinic.patient_a_id)
    with pytest.raises(UnknownInstrument):
        schedules.set_schedule(rt, clinic.clinician_a, clinic.patient_a_id, "phq10", 14)
