"""The research export: consenting patients only, no free text, shifted dates, k-anonymity."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from mindway.errors import InvalidInput
from mindway.interop.deidentify import date_shift_days
from mindway.services import chat, checkins, consent, exercise_forms, measures, patients, research
from mindway.services.runtime import Runtime
from mindway.store.models import MoodCheckin, Patient, QuestionnaireResponse
from tests.clinic import Clinic
from tests.services.audit_trail import AuditWatch

PLANTED = {
    "note": "Zephyrine-note-7301 told me about the divorce",
    "checkin_note": "Zephyrine-checkin-7302 walk with my sister",
    "tag": "zephyrine-tag-7303",
    "chat": "Zephyrine-chat-7304 I keep thinking about the exam",
    "exercise": "Zephyrine-exercise-7305 at the office party",
}
THOUGHT = {
    "situation": PLANTED["exercise"],
    "automatic_thought": "Zephyrine-thought-7306 nobody listens",
    "emotion": "sad",
    "intensity_before": "80",
    "evidence_for": "Zephyrine-for-7307",
    "evidence_against": "Zephyrine-against-7308",
    "thinking_trap": "overgeneralisation",
    "balanced_thought": "Zephyrine-balanced-7309 some people listen",
    "intensity_after": "40",
}
CHECKIN = {"mood": 6, "anxiety": 3, "energy": 5, "sleep_hours": 7.5, "sleep_quality": 6}
PHQ9 = [2, 2, 1, 1, 1, 1, 1, 1, 0]  # total 10, moderate (Kroenke et al. 2001)


def _plant(rt: Runtime, clinic: Clinic, actor_name: str, pid: uuid.UUID) -> None:
    """Free text in every field that holds any, and dated records 14 and 30 days apart."""
    actor = getattr(clinic, actor_name)
    consent.record(rt, actor, pid, "research", True)
    clinician = clinic.clinician_a if actor_name == "patient_a" else clinic.clinician_b
    patients.add_note(rt, clinician, pid, "session", PLANTED["note"])
    checkins.record(rt, actor, pid, {**CHECKIN, "tags": [PLANTED["tag"]]}, PLANTED["checkin_note"])
    chat.send(rt, actor, pid, PLANTED["chat"])
    exercise_forms.save(rt, actor, pid, "thought_record", THOUGHT, finish=True)
    measures.submit(rt, actor, pid, "phq9", PHQ9)
    measures.submit(rt, actor, pid, "phq9", PHQ9)
    with rt.transaction() as db:
        row = db.scalars(select(MoodCheckin).where(MoodCheckin.patient_id == pid)).one()
        row.local_date = date(2025, 1, 10)
        first, second = db.scalars(
            select(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == pid)
        ).all()
        first.completed_at = first.completed_at.replace(year=2024, month=12, day=27)
        second.completed_at = second.completed_at.replace(year=2025, month=1, day=26)
        db.commit()


@pytest.fixture
def planted(rt: Runtime, clinic: Clinic) -> Clinic:
    _plant(rt, clinic, "patient_a", clinic.patient_a_id)
    _plant(rt, clinic, "patient_b", clinic.patient_b_id)
    return clinic


def test_no_identifier_or_free_text_appears_anywhere(rt: Runtime, planted: Clinic) -> None:
    data = research.export(rt, planted.researcher)
    text = json.dumps(data)
    for secret in [*PLANTED.values(), *THOUGHT.values()]:
        if secret.startswith(("Zephyrine", "zephyrine")):
            assert secret not in text
    assert "ephyrine" not in text.lower()  # not even a fragment
    for identifier in ("Alice", "Archer", "Bob", "Baker", "patient.a", "sister"):
        assert identifier not in text
    for birth_year in ("1985", "1992"):  # as a value of its own, not inside a hex pseudonym
        assert not re.search(rf"(?<![0-9a-f]){birth_year}(?![0-9a-f])", text)
    with rt.transaction() as db:
        for patient in db.scalars(select(Patient)):
            assert str(patient.id) not in text and patient.id.hex not in text
            enrolled = patient.created_at.date().isoformat()
            assert enrolled not in json.dumps(data["patients"])  # only generated_on is real
    rows = data["patients"]
    assert len(rows) == 2
    assert all(r["exercises"][0]["exercise"] == "thought_record" for r in rows)
    assert all(r["checkins"][0]["mood"] == 6 and "tags" not in r["checkins"][0] for r in rows)
    assert all({m["role"] for m in r["chat_messages"]} == {"user", "companion"} for r in rows)


def test_dates_shift_by_one_secret_offset_per_patient(rt: Runtime, planted: Clinic) -> None:
    rows = research.export(rt, planted.researcher)["patients"]
    offsets = []
    for row in rows:
        first, second = (date.fromisoformat(q["date"]) for q in row["questionnaires"])
        (checkin,) = row["checkins"]
        assert second - first == timedelta(days=30)  # intervals are preserved
        assert date.fromisoformat(checkin["date"]) - first == timedelta(days=14)
        offset = (first - date(2024, 12, 27)).days
        assert offset != 0 and -180 <= offset <= 180
        offsets.append(offset)
        assert [q["total"] for q in row["questionnaires"]] == [10, 10]
    assert offsets[0] != offsets[1]  # different patients, different offsets
    secret = rt.keyring.secret_key
    expected = {
        date_shift_days(secret, str(p)) for p in (planted.patient_a_id, planted.patient_b_id)
    }
    assert set(offsets) == expected


def test_pseudonyms_are_stable_keyed_and_not_database_ids(rt: Runtime, planted: Clinic) -> None:
    first = [r["pseudonym"] for r in research.export(rt, planted.researcher)["patients"]]
    again = [r["pseudonym"] for r in research.export(rt, planted.researcher)["patients"]]
    assert first == again and len(set(first)) == 2
    ids = {str(planted.patient_a_id), str(planted.patient_b_id)}
    assert not ids & set(first)
    secret = rt.keyring.secret_key
    assert set(first) == {research.pseudonym(secret, i) for i in ids}


def test_only_current_research_consent_is_exported(rt: Runtime, planted: Clinic) -> None:
    consent.record(rt, planted.patient_b, planted.patient_b_id, "research", False)
    rows = research.export(rt, planted.researcher)["patients"]
    assert [r["sex"] for r in rows] == ["female"]


def test_report_names_method_quasi_identifiers_and_k(rt: Runtime, planted: Clinic) -> None:
    report = research.export(rt, planted.researcher)["deidentification"]
    assert report["quasi_identifiers"] == ["age_band", "sex", "ethnicity"]
    assert report["date_shift_days"]["min"] == -180 and report["date_shift_days"]["max"] == 180
    # Two patients who differ in sex: each is alone in their class, so k = 1.
    assert (report["k"], report["target_k"], report["records_below_target_k"]) == (1, 5, 2)
    assert report["share_below_target_k"] == 1.0
    assert (report["suppression_requested"], report["suppressed"]) == (False, 0)
    assert any("date shift" in m for m in report["method"])


def test_suppression_on_request_drops_records_in_small_classes(
    rt: Runtime, planted: Clinic
) -> None:
    watch = AuditWatch(rt)
    data = research.export(rt, planted.researcher, k=2)
    event = watch.single()
    assert (event.action, event.outcome) == ("research.export", "success")
    assert event.reason == "0 patients, k=0, 2 suppressed"
    assert data["patients"] == []
    report = data["deidentification"]
    assert (report["suppressed"], report["k_before_suppression"], report["target_k"]) == (2, 1, 2)
    # Ethnicities held by fewer than k patients are pooled before k is counted.
    assert all(
        r["ethnicity"] == "other" for r in research.export(rt, planted.researcher)["patients"]
    )


@pytest.mark.parametrize("k", [0, 1, 101])
def test_k_outside_its_range_is_refused_and_audited(rt: Runtime, clinic: Clinic, k: int) -> None:
    watch = AuditWatch(rt)
    with pytest.raises(InvalidInput):
        research.export(rt, clinic.researcher, k=k)
    assert watch.single().outcome == "failure"


def test_report_alone_discloses_no_records(rt: Runtime, planted: Clinic) -> None:
    watch = AuditWatch(rt)
    report = research.privacy_report(rt, planted.researcher, k=2)
    assert watch.single().action == "research.report"
    assert report["suppressed"] == 2 and "patients" not in report
