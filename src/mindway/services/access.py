"""Loads the facts the policy needs and enforces its decision inside a use case."""

from __future__ import annotations

import uuid

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from mindway.errors import Forbidden
from mindway.security.policy import Actor, Decision, Permission, Relation, Role, decide
from mindway.services.runtime import OutOfScope, UseCase
from mindway.store.models import BreakGlass, CareTeamClinician, CareTeamPatient, Patient
from mindway.store.types import utcnow


def on_care_team(db: Session, clinician_id: uuid.UUID, patient_id: uuid.UUID) -> bool:
    return bool(
        db.scalar(
            select(
                exists()
                .where(CareTeamPatient.patient_id == patient_id)
                .where(CareTeamClinician.team_id == CareTeamPatient.team_id)
                .where(CareTeamClinician.account_id == clinician_id)
            )
        )
    )


def break_glass_active(db: Session, clinician_id: uuid.UUID, patient_id: uuid.UUID) -> bool:
    return bool(
        db.scalar(
            select(
                exists()
                .where(BreakGlass.clinician_id == clinician_id)
                .where(BreakGlass.patient_id == patient_id)
                .where(BreakGlass.expires_at > utcnow())
            )
        )
    )


def relation(db: Session, actor: Actor, patient_id: uuid.UUID) -> Relation:
    if actor.role is not Role.CLINICIAN or actor.account_id is None:
        return Relation(patient_id)
    return Relation(
        patient_id,
        on_care_team=on_care_team(db, actor.account_id, patient_id),
        break_glass_active=break_glass_active(db, actor.account_id, patient_id),
    )


def require_role(uc: UseCase, permission: Permission) -> None:
    """Refuse (403) a caller whose role lacks ``permission``; unauthenticated is never allowed."""
    if uc.actor is None:
        raise Forbidden("sign in first")
    decision = decide(uc.actor, permission)
    if not decision.allowed:
        uc.failure_reason = decision.reason
        raise Forbidden(f"your role may not do this ({permission})")


def require_patient(uc: UseCase, permission: Permission, patient_id: uuid.UUID) -> Patient:
    """The patient if the caller may exercise ``permission`` on them; else 404 or 403."""
    if uc.actor is None:
        raise Forbidden("sign in first")
    decision = decide(uc.actor, permission, None)
    if not decision.allowed and not decision.not_found:
        uc.failure_reason = decision.reason
        raise Forbidden(f"your role may not do this ({permission})")
    patient = uc.db.get(Patient, patient_id)
    if patient is None or patient.erased_at is not None:
        uc.failure_reason = "no such patient"
        raise OutOfScope("patient not found")
    decision = decide(uc.actor, permission, relation(uc.db, uc.actor, patient_id))
    _enforce(uc, decision)
    return patient


def _enforce(uc: UseCase, decision: Decision) -> None:
    if decision.allowed:
        if decision.via_break_glass:
            uc.reason = "break-glass"
        return
    uc.failure_reason = decision.reason
    if decision.not_found:
        raise OutOfScope("patient not found")
    raise Forbidden("you may not do this")
