"""The care team's alerts inbox: risk, deterioration and other signals, acknowledged by a
clinician, escalated when nobody acknowledges them by their due time."""

from __future__ import annotations

import uuid
from typing import TypeVarTuple

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import Session

from mindway.clinical.alert_rules import LEVEL_ORDER
from mindway.errors import Conflict
from mindway.security.policy import OPERATOR, Actor, Permission, Role, decide
from mindway.services import access
from mindway.services.patients import display_name
from mindway.services.runtime import OutOfScope, Runtime, UseCase
from mindway.services.views import ClinicalAlertPublic
from mindway.store.models import Alert, CareTeamClinician, CareTeamPatient, ClinicalAlert, Patient
from mindway.store.types import utcnow

Row = TypeVarTuple("Row")


def alert_view(uc: UseCase, alert: ClinicalAlert, patient: Patient) -> ClinicalAlertPublic:
    now = utcnow()
    return ClinicalAlertPublic(
        id=alert.id,
        patient_id=alert.patient_id,
        patient_name=display_name(uc.vault, patient),
        kind=alert.kind,
        level=alert.level,
        created_at=alert.created_at,
        due_at=alert.due_at,
        detail=uc.vault.open_field(alert, "detail") or "",
        acknowledged_at=alert.acknowledged_at,
        escalated_at=alert.escalated_at,
        overdue=alert.acknowledged_at is None and alert.due_at <= now,
    )


def _order(alert: ClinicalAlertPublic) -> tuple[int, int, float]:
    return (
        alert.acknowledged_at is not None,
        LEVEL_ORDER.get(alert.level, 9),
        alert.due_at.timestamp(),
    )


def _on_caseload(query: Select[*Row], actor: Actor) -> Select[*Row]:
    """``query`` narrowed to the alerts of patients on the clinician's care teams."""
    return (
        query.join(Patient, Patient.id == ClinicalAlert.patient_id)
        .join(CareTeamPatient, CareTeamPatient.patient_id == Patient.id)
        .join(CareTeamClinician, CareTeamClinician.team_id == CareTeamPatient.team_id)
        .where(CareTeamClinician.account_id == actor.account_id, Patient.erased_at.is_(None))
    )


def inbox(
    rt: Runtime, actor: Actor, *, include_acknowledged: bool = False
) -> list[ClinicalAlertPublic]:
    """Open alerts of the clinician's caseload: most urgent, then soonest due, first."""
    with rt.use_case(actor, "clinical_alert.inbox", "care_team") as uc:
        access.require_role(uc, Permission.CLINICAL_ALERTS)
        query = _on_caseload(select(ClinicalAlert, Patient), actor).distinct()
        if not include_acknowledged:
            query = query.where(ClinicalAlert.acknowledged_at.is_(None))
        rows = uc.db.execute(query).all()
        return sorted((alert_view(uc, a, p) for a, p in rows), key=_order)


def open_count(rt: Runtime, actor: Actor) -> int:
    """How many alerts on the clinician's caseload are open: the badge in the page menu.
    A bare number, no names or health data; it is not audited because every page shows it
    (opening the inbox itself is audited)."""
    if not decide(actor, Permission.CLINICAL_ALERTS).allowed:
        return 0
    query = _on_caseload(select(func.count(distinct(ClinicalAlert.id))), actor)
    with rt.transaction() as db:
        return int(db.scalar(query.where(ClinicalAlert.acknowledged_at.is_(None))) or 0)


def for_patient(rt: Runtime, actor: Actor, patient_id: uuid.UUID) -> list[ClinicalAlertPublic]:
    with rt.use_case(actor, "clinical_alert.list", "patient", patient_id) as uc:
        patient = access.require_patient(uc, Permission.RECORD_READ, patient_id)
        if uc.actor is not None and uc.actor.role is Role.PATIENT:
            return []  # alerts are the care team's worklist, not the patient's
        rows = uc.db.scalars(select(ClinicalAlert).where(ClinicalAlert.patient_id == patient_id))
        return sorted((alert_view(uc, a, patient) for a in rows), key=_order)


def acknowledge(rt: Runtime, actor: Actor, alert_id: uuid.UUID) -> ClinicalAlertPublic:
    """A clinician on the patient's team takes the alert on."""
    with rt.use_case(actor, "clinical_alert.acknowledge", "clinical_alert", alert_id) as uc:
        access.require_role(uc, Permission.CLINICAL_ALERTS)
        alert = uc.db.get(ClinicalAlert, alert_id)
        if alert is None:
            uc.failure_reason = "no such alert"
            raise OutOfScope("alert not found")
        patient = access.require_patient(uc, Permission.RECORD_WRITE, alert.patient_id)
        if alert.acknowledged_at is not None:
            raise Conflict("this alert was acknowledged already")
        alert.acknowledged_at = utcnow()
        alert.acknowledged_by = actor.account_id
        return alert_view(uc, alert, patient)


def _overdue(db: Session, *, lock: bool = False) -> list[ClinicalAlert]:
    query = select(ClinicalAlert).where(
        ClinicalAlert.acknowledged_at.is_(None),
        ClinicalAlert.escalated_at.is_(None),
        ClinicalAlert.due_at <= utcnow(),
    )
    if lock:  # several server processes escalate; each overdue alert is escalated once
        query = query.with_for_update(skip_locked=True)
    return list(db.scalars(query))


def escalate_overdue(rt: Runtime) -> int:
    """Mark alerts nobody acknowledged by their due time and tell the admins (no health data
    in their notice), so the clinical lead can step in. Safe to run often: it audits only
    when it escalates something."""
    with rt.transaction() as db:
        if not _overdue(db):
            return 0
    with rt.use_case(OPERATOR, "clinical_alert.escalate", "clinical_alert") as uc:
        now = utcnow()
        overdue = _overdue(uc.db, lock=True)
        for alert in overdue:
            alert.escalated_at = now
            uc.db.add(
                Alert(
                    audience_role=Role.ADMIN,
                    kind="clinical_alert_overdue",
                    message=f"A {alert.level} care-team alert ({alert.kind}) for patient "
                    f"{alert.patient_id} is past its due time unacknowledged: "
                    "ask the clinical lead to follow up now.",
                    subject_type="clinical_alert",
                    subject_id=str(alert.id),
                )
            )
        uc.reason = f"{len(overdue)} escalated"
        return len(overdue)
