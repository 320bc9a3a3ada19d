"""The patient record: caseload, demographics and clinical notes."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from mindway.errors import InvalidInput
from mindway.security.policy import Actor, Permission
from mindway.security.vault import Vault
from mindway.services import access
from mindway.services.names import name_of
from mindway.services.runtime import Runtime, UseCase
from mindway.services.views import NotePublic, PatientRecord, PatientSummary
from mindway.store.models import (
    Account,
    CareTeam,
    CareTeamClinician,
    CareTeamPatient,
    ClinicalNote,
    Patient,
)

NOTE_KINDS = ("session", "intake", "phone", "review", "risk", "discharge")
MAX_NOTE_CHARS = 20_000


def team_names(db: Session, patient_id: uuid.UUID) -> list[str]:
    return list(
        db.scalars(
            select(CareTeam.name)
            .join(CareTeamPatient, CareTeamPatient.team_id == CareTeam.id)
            .where(CareTeamPatient.patient_id == patient_id)
            .order_by(CareTeam.name)
        )
    )


def _birth_date(vault: Vault, patient: Patient) -> date | None:
    text = vault.open_field(patient, "birth_date")
    return date.fromisoformat(text) if text else None


def display_name(vault: Vault, patient: Patient) -> str:
    given = vault.open_field(patient, "given_name") or ""
    family = vault.open_field(patient, "family_name") or ""
    return f"{given} {family}".strip() or "(no name)"


def record_view(db: Session, vault: Vault, patient: Patient) -> PatientRecord:
    return PatientRecord(
        id=patient.id,
        given_name=vault.open_field(patient, "given_name"),
        family_name=vault.open_field(patient, "family_name"),
        birth_date=_birth_date(vault, patient),
        sex=vault.open_field(patient, "sex"),
        ethnicity=vault.open_field(patient, "ethnicity"),
        locale=patient.locale,
        care_teams=team_names(db, patient.id),
        created_at=patient.created_at,
    )


def caseload_ids(uc: UseCase, actor: Actor) -> list[uuid.UUID]:
    """The ids of the patients on the clinician's care teams (erased ones left out)."""
    assert actor.account_id is not None
    return list(
        uc.db.scalars(
            select(Patient.id)
            .join(CareTeamPatient, CareTeamPatient.patient_id == Patient.id)
            .join(CareTeamClinician, CareTeamClinician.team_id == CareTeamPatient.team_id)
            .where(CareTeamClinician.account_id == actor.account_id, Patient.erased_at.is_(None))
            .distinct()
        )
    )


def caseload(rt: Runtime, actor: Actor) -> list[PatientSummary]:
    """The patients on the clinician's care teams, by family name."""
    with rt.use_case(actor, "caseload.read", "care_team") as uc:
        access.require_role(uc, Permission.CASELOAD_READ)
        assert actor.account_id is not None
        patients = uc.db.scalars(
            select(Patient)
            .join(CareTeamPatient, CareTeamPatient.patient_id == Patient.id)
            .join(CareTeamClinician, CareTeamClinician.team_id == CareTeamPatient.team_id)
            .where(CareTeamClinician.account_id == actor.account_id, Patient.erased_at.is_(None))
            .distinct()
        ).all()
        rows = [
            PatientSummary(
                id=p.id,
                display_name=display_name(uc.vault, p),
                birth_date=_birth_date(uc.vault, p),
                care_teams=team_names(uc.db, p.id),
            )
            for p in patients
        ]
        return sorted(rows, key=lambda r: (r.display_name.split()[-1].lower(), r.display_name))


def read_record(rt: Runtime, actor: Actor, patient_id: uuid.UUID) -> PatientRecord:
    with rt.use_case(actor, "patient.read", "patient", patient_id) as uc:
        patient = access.require_patient(uc, Permission.RECORD_READ, patient_id)
        return record_view(uc.db, uc.vault, patient)


def list_notes(rt: Runtime, actor: Actor, patient_id: uuid.UUID) -> list[NotePublic]:
    """A patient's notes, newest first (patients may read their own: open notes)."""
    with rt.use_case(actor, "note.list", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.RECORD_READ, patient_id)
        notes = uc.db.scalars(
            select(ClinicalNote)
            .where(ClinicalNote.patient_id == patient_id)
            .order_by(ClinicalNote.created_at.desc())
        ).all()
        authors = {
            a.id: name_of(uc.vault, a)
            for a in uc.db.scalars(
                select(Account).where(Account.id.in_({n.author_id for n in notes}))
            )
        }
        return [_note_view(uc.vault, n, authors.get(n.author_id, "")) for n in notes]


def _note_view(vault: Vault, note: ClinicalNote, author_name: str) -> NotePublic:
    return NotePublic(
        id=note.id,
        patient_id=note.patient_id,
        author_id=note.author_id,
        author_name=author_name,
        kind=note.kind,
        body=vault.open_field(note, "body") or "",
        created_at=note.created_at,
    )


def validate_note(kind: str, body: str) -> str:
    if kind not in NOTE_KINDS:
        raise InvalidInput(f"note kind must be one of {', '.join(NOTE_KINDS)}")
    body = body.strip()
    if not body:
        raise InvalidInput("a note needs some text")
    if len(body) > MAX_NOTE_CHARS:
        raise InvalidInput(f"a note may have at most {MAX_NOTE_CHARS} characters")
    return body


def add_note(rt: Runtime, actor: Actor, patient_id: uuid.UUID, kind: str, body: str) -> NotePublic:
    """A clinician documents a contact; the text is sealed with the patient's key."""
    body = validate_note(kind, body)
    with rt.use_case(actor, "note.create", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.RECORD_WRITE, patient_id)
        assert actor.account_id is not None
        note = ClinicalNote(
            id=uuid.uuid4(),
            patient_id=patient_id,
            author_id=actor.account_id,
            kind=kind,
            body_enc="",
        )
        note.body_enc = uc.vault.seal(str(patient_id), "clinical_note", "body", note.id, body)
        uc.db.add(note)
        uc.db.flush()
        author = uc.db.get(Account, actor.account_id)
        return _note_view(uc.vault, note, name_of(uc.vault, author) if author else "")
