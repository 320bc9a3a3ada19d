"""Exercise forms: drafts sealed as you go, a finished thought record stored as an exercise
record (source "app") that ticks the homework, and a disclosure that stops the exercise,
alerts the team and asks for the crisis resources first."""

from __future__ import annotations

from sqlalchemy import select

from mindway.services import exercise_forms, exercises, programmes
from mindway.services.runtime import Runtime
from mindway.store.models import ClinicalAlert
from mindway.store.therapy_models import ExerciseDraft
from tests.clinic import Clinic

THOUGHT = {
    "situation": "Quetzal-meeting-5521 at work, my idea was ignored",
    "automatic_thought": "Nobody ever listens to me",
    "emotion": "sad",
    "intensity_before": "80",
    "evidence_for": "They moved on quickly",
    "evidence_against": "Sam asked me about it later",
    "thinking_trap": "overgeneralisation",
    "balanced_thought": "Some people listen, this meeting was rushed",
    "intensity_after": "40",
}
RISKY = "I want to kill myself tonight, I have the pills ready"


def test_draft_then_finish_a_thought_record(rt: Runtime, clinic: Clinic) -> None:
    programmes.enrol(rt, clinic.patient_a, clinic.patient_a_id, "depression_cbt")
    partial = {k: THOUGHT[k] for k in ("situation", "automatic_thought")}
    saved = exercise_forms.save(
        rt, clinic.patient_a, clinic.patient_a_id, "thought_record", partial
    )
    assert not saved.finished and not saved.stopped
    draft = exercise_forms.draft(rt, clinic.patient_a, clinic.patient_a_id, "thought_record")
    assert draft["situation"] == THOUGHT["situation"] and draft["emotion"] == ""
    with rt.transaction() as db:
        sealed = db.scalars(select(ExerciseDraft)).one().fields_enc
    assert "Quetzal" not in sealed
    missing = exercise_forms.save(
        rt, clinic.patient_a, clinic.patient_a_id, "thought_record", partial, finish=True
    )
    assert not missing.finished and len(missing.errors) == 7
    done = exercise_forms.save(
        rt, clinic.patient_a, clinic.patient_a_id, "thought_record", THOUGHT, finish=True
    )
    assert done.finished and done.record_id is not None
    (record,) = exercises.list_exercises(rt, clinic.clinician_a, clinic.patient_a_id)
    assert record.source == "app" and record.fields["balanced_thought"].startswith("Some")
    assert exercise_forms.draft(rt, clinic.patient_a, clinic.patient_a_id, "thought_record") == {}
    plan = programmes.current(rt, clinic.patient_a, clinic.patient_a_id)
    assert plan is not None
    ticked = {i.key for s in plan.sessions for i in s.items if i.done}
    assert ticked == set()  # session 3 (thought records) is not open yet: nothing to tick


def test_finishing_homework_ticks_the_open_session(rt: Runtime, clinic: Clinic) -> None:
    programmes.enrol(rt, clinic.patient_a, clinic.patient_a_id, "sleep_better")
    diary = {
        "bedtime": "23:15",
        "minutes_to_sleep": "30",
        "awakenings": "2",
        "final_wake": "07:00",
        "hours_slept": "6.5",
        "quality": "5",
    }
    done = exercise_forms.save(
        rt, clinic.patient_a, clinic.patient_a_id, "sleep_diary", diary, finish=True
    )
    assert done.finished
    plan = programmes.current(rt, clinic.patient_a, clinic.patient_a_id)
    assert plan is not None and plan.sessions[0].items[-1].done


def test_a_disclosure_stops_the_exercise_and_alerts_the_team(rt: Runtime, clinic: Clinic) -> None:
    values = {**THOUGHT, "automatic_thought": RISKY}
    saved = exercise_forms.save(
        rt, clinic.patient_a, clinic.patient_a_id, "thought_record", values, finish=True
    )
    assert saved.stopped and saved.show_crisis_resources and not saved.finished
    assert saved.alerts_raised == ["risk:urgent"]
    assert exercises.list_exercises(rt, clinic.patient_a, clinic.patient_a_id) == []
    with rt.transaction() as db:
        (alert,) = db.scalars(select(ClinicalAlert)).all()
        assert (alert.kind, alert.level) == ("risk", "urgent")


def test_every_word_is_screened_even_past_the_length_limit(rt: Runtime, clinic: Clinic) -> None:
    """A draft save screens too, and text beyond what is kept (1000 characters) or in a
    field the form does not have is read by the screen all the same."""
    long_text = "It was a long day at work. " * 60 + RISKY
    for values in ({"situation": long_text}, {"surprise": RISKY}):
        saved = exercise_forms.save(
            rt, clinic.patient_a, clinic.patient_a_id, "thought_record", values
        )
        assert saved.stopped and saved.show_crisis_resources
