"""Data-subject rights: a complete export, and an erasure that leaves nothing readable."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from mindway.errors import AuthenticationError, NotFound
from mindway.security.vault import KeyDestroyed, Vault
from mindway.services import (
    audit_log,
    auth,
    break_glass,
    consent,
    patients,
    privacy,
    research,
)
from mindway.services.runtime import Runtime
from mindway.store.models import Account, ClinicalNote, DataKey, Patient
from tests.clinic import PASSWORD, Clinic
from tests.services.audit_trail import AuditWatch

NOTE = "Low mood since the move; agreed activity scheduling."
REASON = "Covering the crisis line tonight for team A"


def _history(rt: Runtime, clinic: Clinic) -> uuid.UUID:
    """Patient A gets a note, a research consent, a break-glass access and a few reads."""
    pid = clinic.patient_a_id
    patients.add_note(rt, clinic.clinician_a, pid, "session", NOTE)
    consent.record(rt, clinic.patient_a, pid, "research", True)
    break_glass.start(rt, clinic.clinician_b, pid, REASON)
    patients.read_record(rt, clinic.clinician_b, pid)
    return pid


@pytest.mark.parametrize("who", ["patient_a", "admin"])
def test_export_holds_everything_about_the_patient(rt: Runtime, clinic: Clinic, who: str) -> None:
    pid = _history(rt, clinic)
    document = privacy.export_patient(rt, getattr(clinic, who), pid)
    json.dumps(document)  # one JSON document
    assert (document["format"], document["version"]) == ("mindway.patient-export", 1)
    record = document["patient"]
    assert (record["id"], record["given_name"], record["family_name"]) == (
        str(pid),
        "Alice",
        "Archer",
    )
    assert (record["birth_date"], record["care_teams"]) == ("1985-03-14", ["Team A"])
    assert document["account"]["username"] == "patient.a"
    assert [(n["kind"], n["body"], n["author_id"]) for n in document["notes"]] == [
        ("session", NOTE, str(clinic.clinician_a.account_id))
    ]
    current = {c["purpose"]: c["granted"] for c in document["consents"]["current"]}
    assert current == {"care": False, "research": True, "ai_features": False}
    assert [h["purpose"] for h in document["consents"]["history"]] == ["research"]
    assert [(g["clinician_id"], g["reason"]) for g in document["emergency_access"]] == [
        (str(clinic.clinician_b.account_id), REASON)
    ]
    log = [(e["action"], e["actor_id"]) for e in document["access_log"]]
    for seen in (
        ("note.create", clinic.clinician_a),
        ("break_glass.start", clinic.clinician_b),
        ("patient.read", clinic.clinician_b),
    ):
        assert (seen[0], str(seen[1].account_id)) in log


def test_erasure_leaves_nothing_readable(rt: Runtime, clinic: Clinic) -> None:
    pid = _history(rt, clinic)
    session = auth.login(rt, "patient.a", PASSWORD, "192.0.2.9").token
    with rt.transaction() as db:
        sealed_note = db.scalars(select(ClinicalNote).where(ClinicalNote.patient_id == pid)).one()
        note_id, note_body = sealed_note.id, sealed_note.body_enc

    watch = AuditWatch(rt)
    privacy.erase_patient(rt, clinic.admin, pid)
    erased = watch.single()
    assert (erased.action, erased.outcome, erased.resource_id) == (
        "patient.erase",
        "success",
        str(pid),
    )

    assert patients.caseload(rt, clinic.clinician_a) == []
    missing = uuid.uuid4()
    for unknown in (pid, missing):
        with pytest.raises(NotFound, match="patient not found"):
            patients.read_record(rt, clinic.clinician_a, unknown)
    for call in (privacy.export_patient, privacy.erase_patient):
        with pytest.raises(NotFound):
            call(rt, clinic.admin, pid)
    with pytest.raises(NotFound):
        break_glass.start(rt, clinic.clinician_b, pid, REASON)
    assert research.export(rt, clinic.researcher)["patients"] == []

    with rt.transaction() as db:
        keys = db.scalars(select(DataKey).where(DataKey.owner == str(pid))).all()
        assert keys and all(k.wrapped is None and k.destroyed_at for k in keys)
        with pytest.raises(KeyDestroyed):
            Vault(db, rt.keyring).open("clinical_note", "body", note_id, note_body)
        assert db.scalars(select(ClinicalNote).where(ClinicalNote.patient_id == pid)).all() == []
        row = db.get(Patient, pid)
        assert row is not None and row.erased_at is not None
        assert row.given_name_enc is None and row.birth_date_enc is None
        account = db.get(Account, clinic.patient_a.account_id)
        assert account is not None and account.disabled and account.username != "patient.a"
    with pytest.raises(AuthenticationError):
        auth.authenticate(rt, session)
    with pytest.raises(AuthenticationError):
        auth.login(rt, "patient.a", PASSWORD, "192.0.2.9")

    assert patients.read_record(rt, clinic.clinician_b, clinic.patient_b.patient_id or missing)
    verification = audit_log.verify(rt)
    assert verification.ok, verification.problem
