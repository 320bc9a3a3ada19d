"""Consent per patient and purpose: versioned, append-only, withdrawn as easily as given.

GDPR Art. 7(3): withdrawing consent shall be as easy as giving it. Features that need a
consent call :func:`has_consent` (e.g. research exports, AI features).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from mindway.content.loader import consent_policies
from mindway.errors import InvalidInput
from mindway.security.policy import Actor, Permission
from mindway.services import access
from mindway.services.runtime import Runtime
from mindway.services.views import ConsentEntry, ConsentState
from mindway.store.models import Consent


def purposes() -> list[str]:
    return list(consent_policies())


def _latest(db: Session, patient_id: uuid.UUID, purpose: str) -> Consent | None:
    return db.scalars(
        select(Consent)
        .where(Consent.patient_id == patient_id, Consent.purpose == purpose)
        .order_by(Consent.recorded_at.desc(), Consent.id)
        .limit(1)
    ).first()


def has_consent(db: Session, patient_id: uuid.UUID, purpose: str) -> bool:
    """True when the newest decision for ``purpose`` grants it."""
    latest = _latest(db, patient_id, purpose)
    return bool(latest and latest.granted)


def state(db: Session, patient_id: uuid.UUID) -> list[ConsentState]:
    result = []
    for purpose in purposes():
        latest = _latest(db, patient_id, purpose)
        result.append(
            ConsentState(
                purpose=purpose,
                granted=bool(latest and latest.granted),
                policy_version=latest.policy_version if latest else None,
                recorded_at=latest.recorded_at if latest else None,
            )
        )
    return result


def current(rt: Runtime, actor: Actor, patient_id: uuid.UUID) -> list[ConsentState]:
    with rt.use_case(actor, "consent.read", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.CONSENT_READ, patient_id)
        return state(uc.db, patient_id)


def history(rt: Runtime, actor: Actor, patient_id: uuid.UUID) -> list[ConsentEntry]:
    with rt.use_case(actor, "consent.history", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.CONSENT_READ, patient_id)
        rows = uc.db.scalars(
            select(Consent)
            .where(Consent.patient_id == patient_id)
            .order_by(Consent.recorded_at.desc())
        )
        return [ConsentEntry.model_validate(r, from_attributes=True) for r in rows]


def record(
    rt: Runtime, actor: Actor, patient_id: uuid.UUID, purpose: str, granted: bool
) -> list[ConsentState]:
    """Record a decision against the current version of the purpose's text."""
    policies = consent_policies()
    if purpose not in policies:
        raise InvalidInput(f"purpose must be one of {', '.join(policies)}")
    action = "consent.grant" if granted else "consent.withdraw"
    with rt.use_case(actor, action, "patient", patient_id) as uc:
        access.require_patient(uc, Permission.CONSENT_WRITE, patient_id)
        assert actor.account_id is not None
        uc.db.add(
            Consent(
                patient_id=patient_id,
                purpose=purpose,
                granted=granted,
                policy_version=policies[purpose].version,
                recorded_by=actor.account_id,
            )
        )
        uc.db.flush()
        return state(uc.db, patient_id)
