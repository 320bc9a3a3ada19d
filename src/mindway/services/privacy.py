"""Data-subject rights: access and portability (GDPR Art. 15, 20) and erasure (Art. 17).

Each part of Mindway that holds patient data registers a :class:`PatientData` section, so an
export is complete and an erasure leaves nothing behind. Erasure also destroys the
patient's data keys, so copies in backups can no longer be read (crypto-shredding).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select

from mindway import __version__
from mindway.security.policy import Actor, Permission
from mindway.services import access, auth, web_push
from mindway.services.checkins import checkin_view
from mindway.services.clinical_alerts import alert_view
from mindway.services.consent import state as consent_state
from mindway.services.measures import result_view
from mindway.services.names import name_of
from mindway.services.patients import record_view
from mindway.services.runtime import Runtime, UseCase
from mindway.services.views import ConsentEntry, NotePublic
from mindway.store.models import (
    Account,
    AuditEvent,
    BreakGlass,
    CareTeamPatient,
    ChatConversation,
    ChatMessage,
    CheckinReminder,
    ClinicalAlert,
    ClinicalNote,
    ClinicianMessage,
    Consent,
    ExerciseRecord,
    MoodCheckin,
    Patient,
    PushSubscription,
    QuestionnaireResponse,
)
from mindway.store.types import utcnow

EXPORT_FORMAT = "mindway.patient-export"
EXPORT_VERSION = 1
ERASED_PASSWORD_HASH = "!erased"  # noqa: S105 - not a hash: no password matches it


@dataclass(frozen=True)
class PatientData:
    """One kind of patient data: how to export it and how to erase it."""

    name: str
    export: Callable[[UseCase, Patient], Any]
    erase: Callable[[UseCase, Patient], None]


SECTIONS: list[PatientData] = []


def register(section: PatientData) -> None:
    if any(s.name == section.name for s in SECTIONS):
        raise ValueError(f"patient data section {section.name!r} registered twice")
    SECTIONS.append(section)


def _export_notes(uc: UseCase, patient: Patient) -> list[dict[str, Any]]:
    notes = uc.db.scalars(
        select(ClinicalNote)
        .where(ClinicalNote.patient_id == patient.id)
        .order_by(ClinicalNote.created_at)
    )
    return [
        NotePublic(
            id=n.id,
            patient_id=n.patient_id,
            author_id=n.author_id,
            author_name="",
            kind=n.kind,
            body=uc.vault.open_field(n, "body") or "",
            created_at=n.created_at,
        ).model_dump(mode="json", exclude={"author_name"})
        for n in notes
    ]


def _export_consents(uc: UseCase, patient: Patient) -> dict[str, Any]:
    rows = uc.db.scalars(
        select(Consent).where(Consent.patient_id == patient.id).order_by(Consent.recorded_at)
    )
    return {
        "current": [c.model_dump(mode="json") for c in consent_state(uc.db, patient.id)],
        "history": [
            ConsentEntry.model_validate(r, from_attributes=True).model_dump(mode="json")
            for r in rows
        ],
    }


def _export_emergency_access(uc: UseCase, patient: Patient) -> list[dict[str, Any]]:
    grants = uc.db.scalars(select(BreakGlass).where(BreakGlass.patient_id == patient.id))
    return [
        {
            "clinician_id": str(g.clinician_id),
            "started_at": g.started_at.isoformat(),
            "expires_at": g.expires_at.isoformat(),
            "reason": uc.vault.open_field(g, "reason"),
        }
        for g in grants
    ]


def _export_access_log(uc: UseCase, patient: Patient) -> list[dict[str, Any]]:
    """Who accessed the record and when (GDPR Art. 15(1)(c): recipients of the data)."""
    events = uc.db.scalars(
        select(AuditEvent).where(AuditEvent.resource_id == str(patient.id)).order_by(AuditEvent.seq)
    )
    return [
        {
            "at": e.at.isoformat(),
            "actor_id": e.actor_id,
            "actor_role": e.actor_role,
            "action": e.action,
            "outcome": e.outcome,
        }
        for e in events
    ]


def _erase_rows(model: Any) -> Callable[[UseCase, Patient], None]:
    def erase(uc: UseCase, patient: Patient) -> None:
        uc.db.execute(delete(model).where(model.patient_id == patient.id))

    return erase


def _keep(_uc: UseCase, _patient: Patient) -> None:
    """The audit trail holds no health data and must stay intact (HIPAA 164.316(b)(2))."""


register(PatientData("notes", _export_notes, _erase_rows(ClinicalNote)))
register(PatientData("consents", _export_consents, _erase_rows(Consent)))
register(PatientData("emergency_access", _export_emergency_access, _erase_rows(BreakGlass)))
register(PatientData("access_log", _export_access_log, _keep))


def _export_questionnaires(uc: UseCase, patient: Patient) -> list[dict[str, Any]]:
    rows = uc.db.scalars(
        select(QuestionnaireResponse)
        .where(QuestionnaireResponse.patient_id == patient.id)
        .order_by(QuestionnaireResponse.completed_at)
    )
    return [result_view(uc.vault, r).model_dump(mode="json") for r in rows]


def _export_clinical_alerts(uc: UseCase, patient: Patient) -> list[dict[str, Any]]:
    rows = uc.db.scalars(
        select(ClinicalAlert)
        .where(ClinicalAlert.patient_id == patient.id)
        .order_by(ClinicalAlert.created_at)
    )
    return [
        alert_view(uc, a, patient).model_dump(mode="json", exclude={"patient_name"}) for a in rows
    ]


register(PatientData("questionnaires", _export_questionnaires, _erase_rows(QuestionnaireResponse)))
register(PatientData("clinical_alerts", _export_clinical_alerts, _erase_rows(ClinicalAlert)))


def _export_checkins(uc: UseCase, patient: Patient) -> dict[str, Any]:
    rows = uc.db.scalars(
        select(MoodCheckin)
        .where(MoodCheckin.patient_id == patient.id)
        .order_by(MoodCheckin.local_date)
    )
    reminder = uc.db.get(CheckinReminder, patient.id)
    return {
        "checkins": [checkin_view(uc, r).model_dump(mode="json") for r in rows],
        "reminder": None
        if reminder is None
        else {"times": json.loads(reminder.times), "timezone": reminder.timezone},
    }


def _erase_checkins(uc: UseCase, patient: Patient) -> None:
    _erase_rows(MoodCheckin)(uc, patient)
    _erase_rows(CheckinReminder)(uc, patient)


register(PatientData("mood_checkins", _export_checkins, _erase_checkins))


def _export_push(uc: UseCase, patient: Patient) -> list[dict[str, Any]]:
    return web_push.export_subscriptions(uc, patient.id)


register(PatientData("push_subscriptions", _export_push, _erase_rows(PushSubscription)))


def _export_chat(uc: UseCase, patient: Patient) -> dict[str, Any]:
    rows = uc.db.scalars(
        select(ChatMessage)
        .where(ChatMessage.patient_id == patient.id)
        .order_by(ChatMessage.created_at)
    )
    handoffs = uc.db.scalars(
        select(ClinicianMessage).where(ClinicianMessage.patient_id == patient.id)
    )
    return {
        "messages": [
            {
                "role": m.role,
                "text": uc.vault.open("chat_message", "text", m.id, m.text_enc),
                "risk": m.risk,
                "created_at": m.created_at.isoformat(),
            }
            for m in rows
        ],
        "messages_to_clinician": [
            {
                "message": uc.vault.open("clinician_message", "body", h.id, h.body_enc),
                "created_at": h.created_at.isoformat(),
            }
            for h in handoffs
        ],
    }


def _erase_chat(uc: UseCase, patient: Patient) -> None:
    for model in (ChatMessage, ChatConversation, ClinicianMessage):
        _erase_rows(model)(uc, patient)


def _export_exercises(uc: UseCase, patient: Patient) -> list[dict[str, Any]]:
    rows = uc.db.scalars(
        select(ExerciseRecord)
        .where(ExerciseRecord.patient_id == patient.id)
        .order_by(ExerciseRecord.created_at)
    )
    return [
        {
            "exercise": r.exercise,
            "created_at": r.created_at.isoformat(),
            "fields": json.loads(uc.vault.open("exercise_record", "fields", r.id, r.fields_enc)),
        }
        for r in rows
    ]


register(PatientData("chat", _export_chat, _erase_chat))
register(PatientData("exercises", _export_exercises, _erase_rows(ExerciseRecord)))

from mindway.services.therapy_records import erase_therapy, export_therapy  # noqa: E402

register(PatientData("therapy", export_therapy, erase_therapy))

from mindway.services.vr_reports import erase_vr, export_vr  # noqa: E402

register(PatientData("vr_exposure", export_vr, erase_vr))


def _account_of(uc: UseCase, patient_id: uuid.UUID) -> Account | None:
    return uc.db.scalars(select(Account).where(Account.patient_id == patient_id)).first()


def export_patient(rt: Runtime, actor: Actor, patient_id: uuid.UUID) -> dict[str, Any]:
    """One JSON document of everything Mindway holds about the patient."""
    with rt.use_case(actor, "patient.export", "patient", patient_id) as uc:
        patient = access.require_patient(uc, Permission.PATIENT_EXPORT, patient_id)
        account = _account_of(uc, patient_id)
        document: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "generator": f"Mindway {__version__}",
            "exported_at": datetime.now(UTC).isoformat(),
            "patient": record_view(uc.db, uc.vault, patient).model_dump(mode="json"),
            "account": None
            if account is None
            else {
                "username": account.username,
                "display_name": name_of(uc.vault, account),
                "locale": account.locale,
                "mfa_enabled": account.mfa_enabled,
                "created_at": account.created_at.isoformat(),
            },
        }
        for section in SECTIONS:
            document[section.name] = section.export(uc, patient)
        return document


def erase_patient(rt: Runtime, actor: Actor, patient_id: uuid.UUID) -> None:
    """Delete the patient's data, destroy their keys and close their account; audited."""
    with rt.use_case(actor, "patient.erase", "patient", patient_id) as uc:
        patient = access.require_patient(uc, Permission.PATIENT_ERASE, patient_id)
        for section in SECTIONS:
            section.erase(uc, patient)
        uc.db.execute(delete(CareTeamPatient).where(CareTeamPatient.patient_id == patient_id))
        account = _account_of(uc, patient_id)
        if account is not None:
            auth.revoke_all(uc.db, account.id)
            account.username = f"erased-{account.id.hex}"
            account.display_name_enc = None
            account.password_hash = ERASED_PASSWORD_HASH
            account.totp_secret_enc = None
            account.mfa_enabled = False
            account.disabled = True
        for column in ("given_name", "family_name", "birth_date", "sex", "ethnicity"):
            setattr(patient, f"{column}_enc", None)
        patient.erased_at = utcnow()
        uc.reason = f"{uc.vault.destroy(str(patient_id))} data keys destroyed"


from mindway.services.recommendations import erase_recommend, export_recommend  # noqa: E402

register(PatientData("treatment_recommendations", export_recommend, erase_recommend))
