"""Questionnaires in care: scored, sealed, risk-checked in one transaction; alerts for the team."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from mindway.errors import Conflict, InvalidInput
from mindway.services import clinical_alerts, measures, stepped_care
from mindway.services.runtime import OutOfScope, Runtime
from mindway.store.models import Alert, ClinicalAlert
from mindway.store.types import utcnow
from tests.clinic import Clinic
from tests.services.audit_trail import AuditWatch, table_counts

PHQ9_ITEM9_YES = [1, 1, 1, 1, 1, 1, 1, 1, 2]  # total 10, item 9 "more than half the days"
PHQ9_NO_RISK = [2, 2, 1, 1, 1, 1, 1, 1, 0]


def test_a_patient_submits_a_phq9_and_sees_it_scored(rt: Runtime, clinic: Clinic) -> None:
    """Kroenke, Spitzer & Williams 2001: total 0-27, 10-14 moderate."""
    watch = AuditWatch(rt)
    done = measures.submit(rt, clinic.patient_a, clinic.patient_a_id, "phq9", PHQ9_NO_RISK)
    assert (done.result.total, done.result.severity, done.result.valid) == (10, "moderate", True)
    assert done.alerts_raised == [] and done.show_crisis_resources is False
    event = watch.single()
    assert (event.action, event.outcome, event.resource_id) == (
        "questionnaire.submit",
        "success",
        str(clinic.patient_a_id),
    )
    history = measures.history(rt, clinic.clinician_a, clinic.patient_a_id, "phq9")
    assert [r.total for r in history] == [10]


def test_item9_above_zero_raises_an_urgent_same_day_alert_and_crisis_first(
    rt: Runtime, clinic: Clinic
) -> None:
    """PHQ-9 item 9 > 0 starts the risk workflow whatever the total (Simon et al. 2013)."""
    low_total = [0, 0, 0, 0, 0, 0, 0, 0, 1]
    done = measures.submit(rt, clinic.patient_a, clinic.patient_a_id, "phq9", low_total)
    assert "suicidal_ideation" in done.result.flags and done.result.severity == "minimal"
    assert done.alerts_raised == ["risk:urgent"]
    assert done.show_crisis_resources is True
    (alert,) = clinical_alerts.inbox(rt, clinic.clinician_a)
    assert (alert.kind, alert.level, alert.patient_id) == ("risk", "urgent", clinic.patient_a_id)
    assert timedelta(0) < alert.due_at - alert.created_at <= timedelta(hours=4)  # same day
    assert "item 9" in alert.detail
    assert clinical_alerts.inbox(rt, clinic.clinician_b) == []  # other team sees nothing


def test_a_reliable_rise_raises_a_deterioration_alert(rt: Runtime, clinic: Clinic) -> None:
    """NHS Talking Therapies: a rise of 6 or more on the PHQ-9 is a reliable deterioration."""
    measures.submit(rt, clinic.patient_a, clinic.patient_a_id, "phq9", [1] * 8 + [0])
    risen = measures.submit(rt, clinic.patient_a, clinic.patient_a_id, "phq9", [2] * 7 + [0, 0])
    assert (risen.result.total, risen.alerts_raised) == (14, ["deterioration:high"])
    smaller = measures.submit(rt, clinic.patient_a, clinic.patient_a_id, "phq9", [2] * 8 + [0])
    # +2 is within measurement error: no deterioration alert (8 above intake is still
    # not on track, which tests/services/test_progress.py covers).
    assert smaller.alerts_raised == ["not_on_track:high"]


@pytest.mark.parametrize(
    ("instrument", "answers"),
    [("phq9", [1] * 8), ("phq9", [4] + [0] * 8), ("gad7", [0] * 7 + [1]), ("nope", [1])],
)
def test_bad_answers_store_nothing(
    rt: Runtime, clinic: Clinic, instrument: str, answers: list[int | None]
) -> None:
    before = table_counts(rt)
    watch = AuditWatch(rt)
    with pytest.raises(InvalidInput):
        measures.submit(rt, clinic.patient_a, clinic.patient_a_id, instrument, answers)
    assert table_counts(rt) == before
    assert [(e.action, e.outcome) for e in watch.new()] == [("questionnaire.submit", "failure")]


def test_nobody_outside_the_care_team_submits_or_reads(rt: Runtime, clinic: Clinic) -> None:
    with pytest.raises(OutOfScope):
        measures.submit(rt, clinic.patient_b, clinic.patient_a_id, "phq9", PHQ9_NO_RISK)
    with pytest.raises(OutOfScope):
        measures.history(rt, clinic.clinician_b, clinic.patient_a_id)


def test_acknowledging_takes_the_alert_off_the_open_list(rt: Runtime, clinic: Clinic) -> None:
    measures.submit(rt, clinic.patient_a, clinic.patient_a_id, "phq9", PHQ9_ITEM9_YES)
    (alert,) = clinical_alerts.inbox(rt, clinic.clinician_a)
    with pytest.raises(OutOfScope):
        clinical_alerts.acknowledge(rt, clinic.clinician_b, alert.id)
    watch = AuditWatch(rt)
    done = clinical_alerts.acknowledge(rt, clinic.clinician_a, alert.id)
    assert done.acknowledged_at is not None
    event = watch.single()
    assert (event.action, event.outcome) == ("clinical_alert.acknowledge", "success")
    assert clinical_alerts.inbox(rt, clinic.clinician_a) == []
    with pytest.raises(Conflict):
        clinical_alerts.acknowledge(rt, clinic.clinician_a, alert.id)


def test_unacknowledged_alerts_escalate_once_past_due(rt: Runtime, clinic: Clinic) -> None:
    measures.submit(rt, clinic.patient_a, clinic.patient_a_id, "phq9", PHQ9_ITEM9_YES)
    assert clinical_alerts.escalate_overdue(rt) == 0  # not due yet: nothing, not even audit
    with rt.transaction() as db:
        db.execute(update(ClinicalAlert).values(due_at=utcnow() - timedelta(minutes=1)))
    assert clinical_alerts.escalate_overdue(rt) == 1
    assert clinical_alerts.escalate_overdue(rt) == 0
    (alert,) = clinical_alerts.inbox(rt, clinic.clinician_a)
    assert alert.overdue and alert.escalated_at is not None
    with rt.transaction() as db:
        (notice,) = db.scalars(select(Alert).where(Alert.kind == "clinical_alert_overdue"))
        assert "item 9" not in notice.message  # admins get no health data


def test_triage_routes_on_the_record_and_escalates_risk(rt: Runtime, clinic: Clinic) -> None:
    """NICE NG222: PHQ-9 >= 16 is more severe depression (step 3); any risk -> same-day review."""
    measures.submit(rt, clinic.patient_a, clinic.patient_a_id, "phq9", [2] * 8 + [1])
    decision = stepped_care.propose(
        rt, clinic.clinician_a, clinic.patient_a_id, {"preferences": ["declines_medication"]}
    )
    assert decision.step >= 3 and decision.urgent_review
    assert decision.reasons and "diagnosis" in decision.advisory
    with pytest.raises(OutOfScope):
        stepped_care.propose(rt, clinic.clinician_b, clinic.patient_a_id, {})
