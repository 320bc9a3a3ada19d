"""Mood check-ins: validated, sealed, screened before storage, one per local day, with a
gentle summary; only the patient records, their team reads."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from mindway.clinical.mood import CheckinValues, summarise
from mindway.errors import Forbidden, InvalidInput
from mindway.services import checkins, clinical_alerts
from mindway.services.runtime import OutOfScope, Runtime
from mindway.store.models import ClinicalAlert, MoodCheckin
from tests.clinic import Clinic
from tests.services.audit_trail import AuditWatch

GOOD: dict[str, Any] = {
    "mood": 6,
    "anxiety": 3,
    "energy": 5,
    "sleep_hours": 7.5,
    "sleep_quality": 6,
    "activities": ["walk", "social"],
    "tags": ["family"],
}
NOTE = "Quetzal-picnic-8812 with my sister by the river"
RISKY = "Honestly I want to kill myself after the Quetzal-row-4471"


def _count(rt: Runtime, model: type[Any]) -> int:
    with rt.transaction() as db:
        return len(list(db.scalars(select(model))))


def test_patient_records_and_a_second_checkin_today_edits_it(rt: Runtime, clinic: Clinic) -> None:
    watch = AuditWatch(rt)
    first = checkins.record(rt, clinic.patient_a, clinic.patient_a_id, GOOD, NOTE)
    event = watch.single()
    assert (event.action, event.outcome) == ("checkin.record", "success")
    assert not first.edited and not first.show_crisis_resources and first.alerts_raised == []
    assert first.checkin.note == NOTE and first.checkin.values.mood == 6
    second = checkins.record(rt, clinic.patient_a, clinic.patient_a_id, {**GOOD, "mood": 4}, None)
    assert second.edited and second.checkin.id == first.checkin.id
    assert second.checkin.note is None
    (seen,) = checkins.list_checkins(rt, clinic.clinician_a, clinic.patient_a_id)
    assert seen.values.mood == 4 and _count(rt, MoodCheckin) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"mood": 11},
        {"anxiety": -1},
        {"sleep_hours": 7.3},
        {"sleep_hours": 25},
        {"activities": ["skydiving"]},
        {"tags": ["x" * 31]},
        {"tags": [f"t{i}" for i in range(11)]},
        {"surprise": 1},
    ],
)
def test_bad_values_are_refused_and_nothing_is_stored(
    rt: Runtime, clinic: Clinic, change: dict[str, Any]
) -> None:
    watch = AuditWatch(rt)
    with pytest.raises(InvalidInput):
        checkins.record(rt, clinic.patient_a, clinic.patient_a_id, {**GOOD, **change}, None)
    assert watch.single().outcome == "failure"
    assert _count(rt, MoodCheckin) == 0


def test_too_long_a_note_is_refused(rt: Runtime, clinic: Clinic) -> None:
    with pytest.raises(InvalidInput):
        checkins.record(rt, clinic.patient_a, clinic.patient_a_id, GOOD, "a" * 2001)
    assert _count(rt, MoodCheckin) == 0


def test_flagged_note_alerts_the_team_without_quoting_and_shows_crisis_first(
    rt: Runtime, clinic: Clinic
) -> None:
    done = checkins.record(rt, clinic.patient_a, clinic.patient_a_id, GOOD, RISKY)
    assert done.show_crisis_resources and done.alerts_raised == ["risk:urgent"]
    (alert,) = clinical_alerts.inbox(rt, clinic.clinician_a)
    assert (alert.kind, alert.level) == ("risk", "urgent")
    assert "check-in note mentions active suicidal ideation" in alert.detail
    assert "Quetzal" not in alert.detail and "kill" not in alert.detail


def test_flagged_tags_alert_too(rt: Runtime, clinic: Clinic) -> None:
    done = checkins.record(rt, clinic.patient_a, clinic.patient_a_id, {**GOOD, "tags": ["kms"]}, "")
    assert done.show_crisis_resources


def test_a_flagged_note_still_alerts_when_the_values_are_refused(
    rt: Runtime, clinic: Clinic
) -> None:
    with pytest.raises(InvalidInput):
        checkins.record(rt, clinic.patient_a, clinic.patient_a_id, {**GOOD, "mood": 99}, RISKY)
    assert _count(rt, MoodCheckin) == 0 and _count(rt, ClinicalAlert) == 1


def test_negated_note_is_stored_without_an_alert(rt: Runtime, clinic: Clinic) -> None:
    note = "I'm not going to kill myself, just tired"
    done = checkins.record(rt, clinic.patient_a, clinic.patient_a_id, GOOD, note)
    assert not done.show_crisis_resources and _count(rt, ClinicalAlert) == 0


def test_note_and_values_are_sealed_in_the_database(rt: Runtime, clinic: Clinic) -> None:
    checkins.record(rt, clinic.patient_a, clinic.patient_a_id, GOOD, NOTE)
    with rt.transaction() as db:
        rows = db.execute(text("SELECT * FROM mood_checkin")).all()
    raw = repr(rows)
    assert "Quetzal-picnic-8812" not in raw and "sister" not in raw
    assert "family" not in raw and "walk" not in raw and '"mood"' not in raw


def test_only_the_patient_records_and_outsiders_see_nothing(rt: Runtime, clinic: Clinic) -> None:
    with pytest.raises(Forbidden):
        checkins.record(rt, clinic.clinician_a, clinic.patient_a_id, GOOD, None)
    with pytest.raises(OutOfScope):
        checkins.record(rt, clinic.patient_a, clinic.patient_b_id, GOOD, RISKY)
    with pytest.raises(OutOfScope):
        checkins.list_checkins(rt, clinic.clinician_b, clinic.patient_a_id)
    assert _count(rt, ClinicalAlert) == 0  # an outsider's text raises nothing


def test_summary_counts_days_without_blame(rt: Runtime, clinic: Clinic) -> None:
    checkins.record(rt, clinic.patient_a, clinic.patient_a_id, GOOD, None)
    with rt.transaction() as db:
        row = db.scalars(select(MoodCheckin)).one()
        row.local_date -= timedelta(days=3)  # one old check-in, one today
    checkins.record(rt, clinic.patient_a, clinic.patient_a_id, {**GOOD, "mood": 8}, None)
    summary = checkins.summary(rt, clinic.patient_a, clinic.patient_a_id)
    assert summary.days_last_7 == 2 and summary.current_run == 1
    assert summary.averages_7["mood"] == 7.0
    assert summary.message == "You've checked in 2 of the last 7 days."


def test_summarise_runs_and_empty_weeks() -> None:
    today = date(2026, 5, 10)
    values = CheckinValues.model_validate(GOOD)
    days = [today - timedelta(days=n) for n in (1, 2, 3, 9)]
    summary = summarise([(d, values) for d in days], today)
    assert (summary.days_last_7, summary.days_last_30, summary.current_run) == (3, 4, 3)
    empty = summarise([], today)
    assert empty.days_last_7 == 0 and "broke" not in empty.message and empty.averages_7 == {}
