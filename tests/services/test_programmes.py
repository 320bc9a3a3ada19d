"""Programme enrolment and progress: who may enrol, tailoring, unlocking, completion, the
streak, and one disengagement alert per quiet episode."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from mindway.errors import Conflict, Forbidden, InvalidInput
from mindway.services import measures, programmes
from mindway.services.runtime import OutOfScope, Runtime
from mindway.store.models import ClinicalAlert
from mindway.store.therapy_models import ProgrammeEnrolment
from mindway.store.types import utcnow
from tests.clinic import Clinic
from tests.services.audit_trail import AuditWatch


def _alerts(rt: Runtime) -> list[str]:
    with rt.transaction() as db:
        return [a.kind for a in db.scalars(select(ClinicalAlert))]


def test_step_one_patient_self_enrols_and_completes_a_session(rt: Runtime, clinic: Clinic) -> None:
    watch = AuditWatch(rt)
    plan = programmes.enrol(rt, clinic.patient_a, clinic.patient_a_id, "sleep_better")
    assert watch.single().action == "programme.enrol" and not plan.assigned
    first, second = plan.sessions[0], plan.sessions[1]
    assert first.unlocked and not second.unlocked
    for item in first.items:
        done = programmes.mark_done(rt, clinic.patient_a, clinic.patient_a_id, 1, item.key)
    assert done.completed == 1 and done.sessions[0].complete and done.sessions[1].unlocked
    assert done.streak_days == 1
    seen = programmes.current(rt, clinic.clinician_a, clinic.patient_a_id)
    assert seen is not None and seen.completed == 1
    with pytest.raises(OutOfScope):
        programmes.current(rt, clinic.clinician_a, clinic.patient_b_id)


def test_a_locked_session_and_an_unknown_item_are_refused(rt: Runtime, clinic: Clinic) -> None:
    programmes.enrol(rt, clinic.patient_a, clinic.patient_a_id, "depression_cbt")
    with pytest.raises(InvalidInput, match="not open"):
        programmes.mark_done(rt, clinic.patient_a, clinic.patient_a_id, 3, "module:problem_solving")
    with pytest.raises(InvalidInput, match="no item"):
        programmes.mark_done(rt, clinic.patient_a, clinic.patient_a_id, 1, "module:sleep")


def test_a_patient_above_step_one_cannot_self_enrol(rt: Runtime, clinic: Clinic) -> None:
    """A PHQ-9 of 16 (moderately severe) routes above step 1 (NICE NG222 1.4): the record's
    scores, not the request, decide, and the clinician chooses the programme."""
    measures.submit(rt, clinic.patient_a, clinic.patient_a_id, "phq9", [2] * 8 + [0])
    with pytest.raises(Forbidden):
        programmes.enrol(rt, clinic.patient_a, clinic.patient_a_id, "depression_cbt")


def test_clinician_tailors_and_the_patient_cannot_replace_it(rt: Runtime, clinic: Clinic) -> None:
    plan = programmes.enrol(
        rt, clinic.clinician_a, clinic.patient_a_id, "depression_cbt", [6], ["sleep_better:2"]
    )
    assert plan.assigned and len(plan.sessions) == 8
    assert plan.sessions[-1].key == "sleep_better:2"
    with pytest.raises(Conflict):
        programmes.enrol(rt, clinic.patient_a, clinic.patient_a_id, "sleep_better")
    with pytest.raises(InvalidInput):
        programmes.enrol(rt, clinic.patient_a, clinic.patient_a_id, "sleep_better", [1])
    with pytest.raises(OutOfScope):
        programmes.enrol(rt, clinic.clinician_a, clinic.patient_b_id, "sleep_better")
    with pytest.raises(Forbidden):
        programmes.enrol(rt, clinic.admin, clinic.patient_a_id, "sleep_better")


def test_disengagement_is_alerted_once_per_quiet_episode(rt: Runtime, clinic: Clinic) -> None:
    programmes.enrol(rt, clinic.patient_a, clinic.patient_a_id, "sleep_better")
    assert programmes.programme_disengagement(rt, utcnow() + timedelta(days=3)) == 0
    later = utcnow() + timedelta(days=8)
    assert programmes.programme_disengagement(rt, later) == 1
    assert programmes.programme_disengagement(rt, later + timedelta(days=2)) == 0
    assert _alerts(rt) == ["disengagement"]
    programmes.mark_done(rt, clinic.patient_a, clinic.patient_a_id, 1, "module:sleep")
    with rt.transaction() as db:
        row = db.scalars(select(ProgrammeEnrolment)).one()
        assert row.disengagement_alerted_at is None  # a new episode may be alerted later
