"""ORM models of the foundation: accounts, sessions, care teams, patients, consent, keys, audit.

Columns ending in ``_enc`` hold AES-256-GCM ciphertext from :mod:`mindway.security.vault`,
never plaintext. Timestamps are UTC; identifiers are UUIDs (the audit chain uses a sequence).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mindway.store.types import UTCDateTime, new_id, utcnow


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: Uuid()}


class Account(Base):
    """A person who signs in: patient, clinician, admin or researcher."""

    __tablename__ = "account"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name_enc: Mapped[str | None] = mapped_column(Text, default=None)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    totp_secret_enc: Mapped[str | None] = mapped_column(Text, default=None)
    mfa_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, default=None)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str] = mapped_column(String(20), default="en-US")
    patient_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("patient.id"), unique=True, default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuthSession(Base):
    """A signed-in session; only the SHA-256 of its opaque token is stored."""

    __tablename__ = "auth_session"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    mfa_passed: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class LoginAttempt(Base):
    """One password attempt, kept for throttling; the account is named by a keyed hash."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_account_at", "account_key", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    account_key: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)


class Patient(Base):
    """A patient's record; identifying and health fields are encrypted with the patient's key."""

    __tablename__ = "patient"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    given_name_enc: Mapped[str | None] = mapped_column(Text, default=None)
    family_name_enc: Mapped[str | None] = mapped_column(Text, default=None)
    birth_date_enc: Mapped[str | None] = mapped_column(Text, default=None)
    sex_enc: Mapped[str | None] = mapped_column(Text, default=None)
    ethnicity_enc: Mapped[str | None] = mapped_column(Text, default=None)
    locale: Mapped[str] = mapped_column(String(20), default="en-US")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(default=None)


class CareTeam(Base):
    __tablename__ = "care_team"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CareTeamClinician(Base):
    __tablename__ = "care_team_clinician"

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("care_team.id"), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("account.id"), primary_key=True)


class CareTeamPatient(Base):
    __tablename__ = "care_team_patient"

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("care_team.id"), primary_key=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), primary_key=True)


class ClinicalNote(Base):
    """A clinician's note on a contact; the body is free text and always encrypted."""

    __tablename__ = "clinical_note"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("account.id"))
    kind: Mapped[str] = mapped_column(String(40))
    body_enc: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Consent(Base):
    """One consent decision; the newest row per patient and purpose is in force (append-only)."""

    __tablename__ = "consent"
    __table_args__ = (Index("ix_consent_patient_purpose", "patient_id", "purpose"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"))
    purpose: Mapped[str] = mapped_column(String(40))
    granted: Mapped[bool] = mapped_column(Boolean)
    policy_version: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("account.id"))


class BreakGlass(Base):
    """Emergency access by a clinician outside the care team: time-limited, reason encrypted."""

    __tablename__ = "break_glass"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    clinician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("account.id"), index=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"))
    reason_enc: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class Alert(Base):
    """A notice for a role (e.g. admins told of break-glass access); holds no health data."""

    __tablename__ = "alert"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    audience_role: Mapped[str] = mapped_column(String(20), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(String(500))
    subject_type: Mapped[str | None] = mapped_column(String(40), default=None)
    subject_id: Mapped[str | None] = mapped_column(String(64), default=None)
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledged_by: Mapped[uuid.UUID | None] = mapped_column(default=None)


class DataKey(Base):
    """A data-encryption key, stored wrapped by the active master key (envelope encryption).

    ``owner`` is a patient id or ``"system"``. Destroying a patient's key (``wrapped`` set to
    null) makes every field sealed with it unreadable, in backups too.
    """

    __tablename__ = "data_key"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    wrapped: Mapped[str | None] = mapped_column(Text)
    kek_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    destroyed_at: Mapped[datetime | None] = mapped_column(default=None)


class AuditEvent(Base):
    """An append-only audit row, chained: ``hash = HMAC(key, prev_hash || canonical content)``."""

    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=new_id)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[str | None] = mapped_column(String(64), index=True)
    actor_role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60), index=True)
    resource_type: Mapped[str | None] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(200))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's newest sequence number and hash: a lock for appends and a tail anchor."""

    __tablename__ = "audit_head"
    __table_args__ = (UniqueConstraint("id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    hash: Mapped[str] = mapped_column(String(64))


# --- measurement-based care ------------------------------------------------------------------


class QuestionnaireResponse(Base):
    """One completed questionnaire; the answers and the score are health data, so sealed."""

    __tablename__ = "questionnaire_response"
    __table_args__ = (Index("ix_questionnaire_response_patient_at", "patient_id", "completed_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"))
    instrument: Mapped[str] = mapped_column(String(20))
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)
    entered_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("account.id"))
    answers_enc: Mapped[str] = mapped_column(Text)
    result_enc: Mapped[str] = mapped_column(Text)


class QuestionnaireSchedule(Base):
    """A clinician's plan: this patient completes this instrument every N days."""

    __tablename__ = "questionnaire_schedule"
    __table_args__ = (UniqueConstraint("patient_id", "instrument"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    instrument: Mapped[str] = mapped_column(String(20))
    every_days: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("account.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ClinicalAlert(Base):
    """A signal for the patient's care team (risk, deterioration, not on track, disengagement),
    with a due time, acknowledgement and escalation. The detail is sealed; the kind and level
    drive the inbox and say no more than that the patient needs a look."""

    __tablename__ = "clinical_alert"
    __table_args__ = (Index("ix_clinical_alert_open", "patient_id", "acknowledged_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"))
    kind: Mapped[str] = mapped_column(String(30))
    level: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime]
    detail_enc: Mapped[str] = mapped_column(Text)
    source_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledged_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("account.id"), default=None
    )
    escalated_at: Mapped[datetime | None] = mapped_column(default=None)


# --- mood tracking (ecological momentary assessment) -----------------------------------------


class MoodCheckin(Base):
    """One daily check-in: ratings, activities and tags sealed as JSON, the note sealed apart.
    One row per patient and local day; a second check-in that day edits it."""

    __tablename__ = "mood_checkin"
    __table_args__ = (UniqueConstraint("patient_id", "local_date"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    local_date: Mapped[date] = mapped_column(Date)
    values_enc: Mapped[str] = mapped_column(Text)
    note_enc: Mapped[str | None] = mapped_column(Text, default=None)


class CheckinReminder(Base):
    """When a patient wants to be prompted to check in: times of day in their time zone."""

    __tablename__ = "checkin_reminder"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), primary_key=True)
    times: Mapped[str] = mapped_column(String(200))  # JSON list of "HH:MM"
    timezone: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(20), default="in_app")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_prompted_at: Mapped[datetime | None] = mapped_column(default=None)


class PushSubscription(Base):
    """A browser's Web Push subscription (RFC 8030) for check-in reminders. The endpoint URL
    and the browser's keys (RFC 8291 p256dh and auth) are sealed: together they let anyone
    message the device."""

    __tablename__ = "push_subscription"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    endpoint_enc: Mapped[str] = mapped_column(Text)
    keys_enc: Mapped[str] = mapped_column(Text)  # JSON {"p256dh": ..., "auth": ...}, sealed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)


class ChatConversation(Base):
    """A patient's conversation with the companion: its dialogue state (flows, memory, key
    points) sealed as JSON, and the highest risk level screened in it, for the team's view."""

    __tablename__ = "chat_conversation"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), primary_key=True)
    state_enc: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    flagged_level: Mapped[str] = mapped_column(String(10), default="none")
    flagged_at: Mapped[datetime | None] = mapped_column(default=None)


class ChatMessage(Base):
    """One message of a conversation, sealed; ``risk`` is the screening of a person's message
    (``none`` for the companion's replies)."""

    __tablename__ = "chat_message"
    __table_args__ = (Index("ix_chat_message_patient_time", "patient_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    role: Mapped[str] = mapped_column(String(10))
    text_enc: Mapped[str] = mapped_column(Text)
    risk: Mapped[str] = mapped_column(String(10), default="none")
    flow: Mapped[str | None] = mapped_column(String(40), default=None)


class ClinicianMessage(Base):
    """A message a patient asked the companion to pass to their care team (a handoff), sealed
    with the conversation's key points; read by a clinician on the team."""

    __tablename__ = "clinician_message"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    body_enc: Mapped[str] = mapped_column(Text)
    key_points_enc: Mapped[str] = mapped_column(Text)
    read_at: Mapped[datetime | None] = mapped_column(default=None)
    read_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("account.id"), default=None)


class ExerciseRecord(Base):
    """A finished CBT exercise (thought record, activity plan, worry list), its fields sealed
    as JSON; ``source`` says where it was done (chat or the exercise pages)."""

    __tablename__ = "exercise_record"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    exercise: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    fields_enc: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20), default="chat")


from mindway.store.recommend_models import *  # noqa: E402,F403
from mindway.store.therapy_models import *  # noqa: E402,F403
from mindway.store.vr_models import *  # noqa: E402,F403
