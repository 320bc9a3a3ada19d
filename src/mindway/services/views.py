"""What use cases hand back: plain pydantic models, decrypted and ready to serialise."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


class PatientSummary(View):
    id: uuid.UUID
    display_name: str
    birth_date: date | None
    care_teams: list[str]


class PatientRecord(View):
    id: uuid.UUID
    given_name: str | None
    family_name: str | None
    birth_date: date | None
    sex: str | None
    ethnicity: str | None
    locale: str
    care_teams: list[str]
    created_at: datetime


class NotePublic(View):
    id: uuid.UUID
    patient_id: uuid.UUID
    author_id: uuid.UUID
    author_name: str
    kind: str
    body: str
    created_at: datetime


class ConsentState(View):
    purpose: str
    granted: bool
    policy_version: str | None
    recorded_at: datetime | None


class ConsentEntry(View):
    id: uuid.UUID
    purpose: str
    granted: bool
    policy_version: str
    recorded_at: datetime
    recorded_by: uuid.UUID


class AccountPublic(View):
    id: uuid.UUID
    username: str
    display_name: str
    role: str
    disabled: bool
    mfa_enabled: bool
    locale: str
    patient_id: uuid.UUID | None
    created_at: datetime


class CareTeamPublic(View):
    id: uuid.UUID
    name: str
    clinician_ids: list[uuid.UUID]
    patient_ids: list[uuid.UUID]


class BreakGlassPublic(View):
    id: uuid.UUID
    patient_id: uuid.UUID
    started_at: datetime
    expires_at: datetime


class AuditEventPublic(View):
    seq: int
    id: uuid.UUID
    at: datetime
    actor_id: str | None
    actor_role: str | None
    action: str
    resource_type: str | None
    resource_id: str | None
    outcome: str
    reason: str | None


class AlertPublic(View):
    id: uuid.UUID
    created_at: datetime
    kind: str
    message: str
    subject_type: str | None
    subject_id: str | None
    acknowledged_at: datetime | None


class QuestionnaireResultPublic(View):
    """A scored questionnaire as stored: the ``mindway score --json`` fields and more."""

    id: uuid.UUID
    patient_id: uuid.UUID
    instrument: str
    completed_at: datetime
    total: int | None
    severity: str | None
    valid: bool
    flags: list[str]
    risk: str | None
    answers: list[int | None]
    prorated: bool


class ClinicalAlertPublic(View):
    id: uuid.UUID
    patient_id: uuid.UUID
    patient_name: str
    kind: str
    level: str
    created_at: datetime
    due_at: datetime
    detail: str
    acknowledged_at: datetime | None
    escalated_at: datetime | None
    overdue: bool


class SubmissionPublic(View):
    """What a person sees after submitting: the result, the alerts raised, and whether the
    crisis resources must be shown now (safety rule: crisis first)."""

    result: QuestionnaireResultPublic
    alerts_raised: list[str]
    show_crisis_resources: bool
