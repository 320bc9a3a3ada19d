"""Request bodies and the few response bodies that are the API's own (not service views)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mindway.services.views import ConsentState


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        # PostgreSQL text cannot hold NUL, and no real text has one: refuse it up front (422).
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text may not contain NUL characters")
        return value


class LoginRequest(Body):
    username: str = Field(min_length=1, max_length=120)
    password: str = Field(min_length=1, max_length=1024)


class CodeRequest(Body):
    code: str = Field(min_length=6, max_length=8, pattern=r"^\d{6}$")


class SessionIssued(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type name
    expires_at: datetime
    role: str
    mfa_required: bool
    mfa_enrolment_required: bool


class EnrolmentStarted(BaseModel):
    secret: str
    otpauth_uri: str


class MePublic(BaseModel):
    account_id: uuid.UUID
    username: str
    display_name: str
    role: str
    locale: str
    mfa_enabled: bool
    patient_id: uuid.UUID | None


class NoteCreate(Body):
    kind: str = Field(default="session", max_length=40)
    body: str = Field(min_length=1, max_length=20_000)


class ConsentUpdate(Body):
    purpose: str = Field(max_length=40)
    granted: bool


class ConsentList(BaseModel):
    consents: list[ConsentState]


class BreakGlassCreate(Body):
    reason: str = Field(min_length=10, max_length=2000)


class RegistrationCreate(Body):
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    birth_date: date
    sex: str | None = Field(default=None, max_length=40)
    ethnicity: str | None = Field(default=None, max_length=100)
    care_team_id: uuid.UUID | None = None


class AccountCreate(Body):
    username: str = Field(min_length=3, max_length=120)
    display_name: str = Field(min_length=1, max_length=200)
    role: Literal["patient", "clinician", "admin", "researcher"]
    password: str = Field(min_length=12, max_length=128)
    locale: str = Field(default="en-US", max_length=20)
    registration: RegistrationCreate | None = None


class AccountUpdate(Body):
    disabled: bool


class CareTeamCreate(Body):
    name: str = Field(min_length=2, max_length=120)


class BreakGlassReason(BaseModel):
    reason: str


class QuestionnaireSubmit(Body):
    instrument: str = Field(max_length=20, pattern=r"^[a-z0-9]+$")
    answers: list[int | None] = Field(min_length=1, max_length=60)
