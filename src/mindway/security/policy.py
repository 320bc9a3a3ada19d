"""The one place that decides who may do what: deny by default.

Role rules say which permissions a role has at all (else 403). Object rules decide access to
one patient's data: a patient only their own record, a clinician only patients on their care
teams or under an active break-glass grant, nobody else. A patient outside the caller's scope
is reported as "not found" so that its existence does not leak (OWASP API Top 10 2023 #1).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    PATIENT = "patient"
    CLINICIAN = "clinician"
    ADMIN = "admin"
    RESEARCHER = "researcher"


class Permission(StrEnum):
    RECORD_READ = "record.read"
    RECORD_WRITE = "record.write"
    CONSENT_READ = "consent.read"
    CONSENT_WRITE = "consent.write"
    CASELOAD_READ = "caseload.read"
    BREAK_GLASS = "break_glass.start"
    PATIENT_EXPORT = "patient.export"
    PATIENT_ERASE = "patient.erase"
    ACCOUNTS_MANAGE = "accounts.manage"
    AUDIT_READ = "audit.read"
    ALERTS_READ = "alerts.read"
    KEYS_MANAGE = "keys.manage"
    RESEARCH_EXPORT = "research.export"
    QUESTIONNAIRE_SUBMIT = "questionnaire.submit"
    CLINICAL_ALERTS = "clinical_alerts.read"
    CHECKIN_SUBMIT = "checkin.submit"  # a patient records their own mood check-ins
    CHAT = "chat.message"  # a patient talks with the companion


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.PATIENT: frozenset(
        {
            Permission.RECORD_READ,
            Permission.CONSENT_READ,
            Permission.CONSENT_WRITE,
            Permission.PATIENT_EXPORT,
            Permission.QUESTIONNAIRE_SUBMIT,
            Permission.CHECKIN_SUBMIT,
            Permission.CHAT,
        }
    ),
    Role.CLINICIAN: frozenset(
        {
            Permission.QUESTIONNAIRE_SUBMIT,
            Permission.CLINICAL_ALERTS,
            Permission.RECORD_READ,
            Permission.RECORD_WRITE,
            Permission.CONSENT_READ,
            Permission.CONSENT_WRITE,
            Permission.CASELOAD_READ,
            Permission.BREAK_GLASS,
        }
    ),
    # Admins run the clinic's accounts, keys and audit, and answer statutory access and
    # erasure requests; they read no clinical content through the app.
    Role.ADMIN: frozenset(
        {
            Permission.ACCOUNTS_MANAGE,
            Permission.AUDIT_READ,
            Permission.ALERTS_READ,
            Permission.KEYS_MANAGE,
            Permission.PATIENT_EXPORT,
            Permission.PATIENT_ERASE,
        }
    ),
    Role.RESEARCHER: frozenset({Permission.RESEARCH_EXPORT}),
}

# Permissions that concern one patient and so need an object-level check as well.
PATIENT_SCOPED = frozenset(
    {
        Permission.QUESTIONNAIRE_SUBMIT,
        Permission.CHECKIN_SUBMIT,
        Permission.CHAT,
        Permission.RECORD_READ,
        Permission.RECORD_WRITE,
        Permission.CONSENT_READ,
        Permission.CONSENT_WRITE,
        Permission.PATIENT_EXPORT,
        Permission.PATIENT_ERASE,
    }
)

# What break-glass opens: reading and documenting, never consent or export.
BREAK_GLASS_OPENS = frozenset({Permission.RECORD_READ, Permission.RECORD_WRITE})

# What a patient may do to their own record.
SELF_SERVICE = frozenset(
    {
        Permission.QUESTIONNAIRE_SUBMIT,
        Permission.CHECKIN_SUBMIT,
        Permission.CHAT,
        Permission.RECORD_READ,
        Permission.CONSENT_READ,
        Permission.CONSENT_WRITE,
        Permission.PATIENT_EXPORT,
    }
)


@dataclass(frozen=True)
class Actor:
    """Who is asking: an account with a role, or the local operator at the command line."""

    role: Role
    account_id: uuid.UUID | None = None
    patient_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None

    @property
    def audit_id(self) -> str:
        return str(self.account_id) if self.account_id else "operator"


OPERATOR = Actor(role=Role.ADMIN)


@dataclass(frozen=True)
class Relation:
    """Facts about the actor and one patient, loaded by the access service."""

    patient_id: uuid.UUID
    on_care_team: bool = False
    break_glass_active: bool = False


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    not_found: bool = False  # deny as 404 rather than 403
    via_break_glass: bool = False


def role_allows(actor: Actor, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(actor.role, frozenset())


def decide(actor: Actor, permission: Permission, relation: Relation | None = None) -> Decision:
    """Decide one request. Patient-scoped permissions need the :class:`Relation`."""
    if not role_allows(actor, permission):
        return Decision(False, f"role {actor.role} lacks {permission}")
    if permission not in PATIENT_SCOPED:
        return Decision(True, "role")
    if relation is None:
        return Decision(False, "no patient given", not_found=True)
    if actor.role is Role.PATIENT:
        if actor.patient_id == relation.patient_id and permission in SELF_SERVICE:
            return Decision(True, "own record")
        return Decision(False, "not own record", not_found=True)
    if actor.role is Role.CLINICIAN:
        if relation.on_care_team:
            return Decision(True, "care team")
        if relation.break_glass_active and permission in BREAK_GLASS_OPENS:
            return Decision(True, "break-glass", via_break_glass=True)
        return Decision(False, "not on care team", not_found=True)
    if actor.role is Role.ADMIN and permission in {
        Permission.PATIENT_EXPORT,
        Permission.PATIENT_ERASE,
    }:
        return Decision(True, "statutory request")
    return Decision(False, "outside scope", not_found=True)
