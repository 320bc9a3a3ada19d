"""Consent: versioned and append-only, withdrawn as easily as given, history kept."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from mindway.content.loader import consent_policies
from mindway.errors import InvalidInput
from mindway.services import consent
from mindway.services.runtime import Runtime
from mindway.store.models import Consent
from tests.clinic import Clinic
from tests.services.audit_trail import AuditWatch, table_counts


def _has(rt: Runtime, patient_id: uuid.UUID, purpose: str) -> bool:
    with rt.transaction() as db:
        return consent.has_consent(db, patient_id, purpose)


def test_decisions_are_versioned_rows_and_the_newest_counts(rt: Runtime, clinic: Clinic) -> None:
    patient, pid = clinic.patient_a, clinic.patient_a_id
    start = consent.current(rt, patient, pid)
    assert (
        {c.purpose for c in start} == set(consent_policies()) == {"care", "research", "ai_features"}
    )
    assert all(not c.granted and c.policy_version is None for c in start)

    watch = AuditWatch(rt)
    for granted in (True, False, True, False):
        state = consent.record(rt, patient, pid, "research", granted)
        research = next(c for c in state if c.purpose == "research")
        assert research.granted is granted is _has(rt, pid, "research")
        assert research.policy_version == consent_policies()["research"].version
    assert [e.action for e in watch.new()] == ["consent.grant", "consent.withdraw"] * 2

    history = consent.history(rt, patient, pid)
    assert [h.granted for h in history] == [False, True, False, True]  # newest first
    assert [h.recorded_at for h in history] == sorted(
        (h.recorded_at for h in history), reverse=True
    )
    assert {(h.purpose, h.recorded_by) for h in history} == {("research", patient.account_id)}
    assert not _has(rt, pid, "care") and not _has(rt, pid, "ai_features")
    assert not _has(rt, clinic.patient_b.patient_id or uuid.uuid4(), "research")


def test_the_care_team_records_consent_on_the_patients_behalf(rt: Runtime, clinic: Clinic) -> None:
    pid = clinic.patient_a_id
    consent.record(rt, clinic.clinician_a, pid, "ai_features", True)
    consent.record(rt, clinic.patient_a, pid, "ai_features", False)  # the patient withdraws
    history = consent.history(rt, clinic.clinician_a, pid)
    assert [(h.granted, h.recorded_by) for h in history] == [
        (False, clinic.patient_a.account_id),
        (True, clinic.clinician_a.account_id),
    ]
    assert not _has(rt, pid, "ai_features")
    with rt.transaction() as db:
        rows = db.scalar(select(func.count()).select_from(Consent).where(Consent.patient_id == pid))
    assert rows == 2  # withdrawal adds a row; the grant is kept, not overwritten


@pytest.mark.parametrize("purpose", ["marketing", "", "Research"])
def test_unknown_purposes_change_nothing(rt: Runtime, clinic: Clinic, purpose: str) -> None:
    pid = clinic.patient_a_id
    counts = table_counts(rt)
    with pytest.raises(InvalidInput, match="purpose must be one of"):
        consent.record(rt, clinic.patient_a, pid, purpose, True)
    assert table_counts(rt) == counts
