"""Programme use cases the local operator runs at the command line, in a named person's name.

Admins read no clinical content (:mod:`mindway.security.policy`), so, as with the FHIR import,
the operator acts in the name of someone who may: a clinician on the patient's care team
(``--by``), who assigns a programme and reads progress; or, without ``--by``, the patient
themselves, who may self-enrol under the step-1 rule (:mod:`mindway.services.programmes`) and
read their own progress. Each command is one use case with one audit event: the operator is
the actor, and the reason names in whose name it ran.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from mindway.errors import Conflict, Forbidden, InvalidInput
from mindway.security.policy import OPERATOR, Actor, Permission, Role, decide
from mindway.services import access, programmes
from mindway.services.runtime import OutOfScope, Runtime, UseCase
from mindway.store.models import Account, Patient


def _account(uc: UseCase, username: str, role: Role) -> Account:
    account = uc.db.scalars(select(Account).where(Account.username == username)).first()
    if account is None or account.disabled or account.role != role:
        uc.failure_reason = f"no such {role}"
        raise InvalidInput(f"no active {role} account {username!r}")
    return account


def _patient(uc: UseCase, username: str) -> tuple[Actor, uuid.UUID]:
    account = _account(uc, username, Role.PATIENT)
    patient = uc.db.get(Patient, account.patient_id) if account.patient_id else None
    if patient is None or patient.erased_at is not None:
        uc.failure_reason = "no such patient"
        raise OutOfScope("patient not found")
    uc.about(patient.id)
    return Actor(role=Role.PATIENT, account_id=account.id, patient_id=patient.id), patient.id


def _in_name_of(
    uc: UseCase, patient_username: str, clinician: str | None, permission: Permission
) -> tuple[Actor, uuid.UUID]:
    """Who the command acts for (the clinician, else the patient) and the patient's record,
    checked by the policy as if that person had asked."""
    patient_actor, patient_id = _patient(uc, patient_username)
    actor = patient_actor
    if clinician is not None:
        account = _account(uc, clinician, Role.CLINICIAN)
        actor = Actor(role=Role.CLINICIAN, account_id=account.id)
    decision = decide(actor, permission, access.relation(uc.db, actor, patient_id))
    if not decision.allowed or decision.via_break_glass:
        uc.failure_reason = decision.reason
        raise Forbidden(f"clinician {clinician!r} is not on this patient's care team")
    uc.reason = f"in the name of {clinician or patient_username} ({actor.role})"
    return actor, patient_id


def enrol(
    rt: Runtime,
    patient_username: str,
    programme_id: str,
    clinician: str | None = None,
    skip: list[int] | None = None,
    add: list[str] | None = None,
) -> programmes.EnrolmentPublic:
    """Assign a programme (with ``clinician``) or self-enrol the patient (without)."""
    with rt.use_case(OPERATOR, "programme.enrol", "patient") as uc:
        permission = Permission.RECORD_WRITE if clinician else Permission.CHECKIN_SUBMIT
        actor, patient_id = _in_name_of(uc, patient_username, clinician, permission)
        reason = uc.reason
        try:
            enrolled = programmes.start_programme(uc, actor, patient_id, programme_id, skip, add)
        except (Forbidden, Conflict) as exc:
            raise type(exc)(
                f"{patient_username} cannot self-enrol ({exc.detail}); "
                "assign it in a clinician's name with --by"
            ) from exc
        uc.reason = f"{uc.reason}, {reason}"
        return enrolled


def progress(
    rt: Runtime, patient_username: str, clinician: str | None = None
) -> programmes.EnrolmentPublic | None:
    """The patient's active programme and progress, or ``None``."""
    with rt.use_case(OPERATOR, "programme.read", "patient") as uc:
        _, patient_id = _in_name_of(uc, patient_username, clinician, Permission.RECORD_READ)
        row = programmes.active_row(uc, patient_id)
        return programmes.enrolment_view(uc, row) if row else None
