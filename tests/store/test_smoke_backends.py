"""The store migrates and round-trips an audited use case on both backends."""

from __future__ import annotations

from mindway.services import audit_log, patients
from mindway.services.runtime import Runtime
from tests.clinic import build_clinic


def test_clinic_builds_and_audit_chain_holds(rt: Runtime) -> None:
    clinic = build_clinic(rt)
    note = patients.add_note(
        rt, clinic.clinician_a, clinic.patient_a_id, "session", "Discussed sleep."
    )
    assert note.body == "Discussed sleep."
    result = audit_log.verify(rt)
    assert result.ok, result.problem
    assert result.rows_checked > 5
