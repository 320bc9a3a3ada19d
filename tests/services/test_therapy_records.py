"""The therapy part's patient data is in the export and gone after erasure; insights and
recommendations read the patient's own record, for the patient and their team only."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from mindway.clinical.mood import CheckinValues
from mindway.services import exercise_forms, measures, privacy, programmes, therapy_feedback
from mindway.services.checkins import TABLE
from mindway.services.runtime import OutOfScope, Runtime
from mindway.store.models import MoodCheckin
from mindway.store.therapy_models import ExerciseDraft, ProgrammeEnrolment
from mindway.store.types import utcnow
from tests.clinic import Clinic


def _walking_history(rt: Runtime, patient_id: uuid.UUID) -> None:
    """20 days: mood 7-8 on the 10 walking days, 4-5 on the others."""
    with rt.use_case(None, "test.seed") as uc:
        for back in range(1, 21):
            walked = back % 2 == 0
            values = CheckinValues(
                mood=(7 if walked else 4) + back % 4 // 2, activities=["walk"] if walked else []
            )
            row = MoodCheckin(
                id=uuid.uuid4(),
                patient_id=patient_id,
                local_date=(utcnow() - timedelta(days=back)).date(),
                values_enc="",
            )
            row.values_enc = uc.vault.seal(
                str(patient_id), TABLE, "values", row.id, values.model_dump_json()
            )
            uc.db.add(row)


def test_insights_and_recommendations_from_the_record(rt: Runtime, clinic: Clinic) -> None:
    _walking_history(rt, clinic.patient_a_id)
    found = therapy_feedback.personal_insights(rt, clinic.clinician_a, clinic.patient_a_id)
    assert found.days == 20
    (walk,) = [f for f in found.findings if f.kind == "activity_mood"]
    assert walk.subject == "walk" and walk.estimate == 3.0
    measures.submit(rt, clinic.patient_a, clinic.patient_a_id, "isi", [3, 3, 2, 3, 3, 2, 2])
    recs = therapy_feedback.recommendations(rt, clinic.patient_a, clinic.patient_a_id)
    assert recs[0].ref == "sleep" and "ISI" in recs[0].reason and recs[0].href
    with pytest.raises(OutOfScope):
        therapy_feedback.personal_insights(rt, clinic.clinician_a, clinic.patient_b_id)


def test_export_and_erasure_cover_programmes_and_drafts(rt: Runtime, clinic: Clinic) -> None:
    pid = clinic.patient_a_id
    programmes.enrol(rt, clinic.patient_a, pid, "sleep_better")
    exercise_forms.save(rt, clinic.patient_a, pid, "activity_plan", {"activity": "Swim"})
    document = privacy.export_patient(rt, clinic.patient_a, pid)
    therapy = document["therapy"]
    assert therapy["programmes"][0]["plan"]["programme"] == "sleep_better"
    assert therapy["exercise_drafts"][0]["fields"]["activity"] == "Swim"
    privacy.erase_patient(rt, clinic.admin, pid)
    with rt.transaction() as db:
        assert db.scalars(select(ProgrammeEnrolment)).all() == []
        assert db.scalars(select(ExerciseDraft)).all() == []
