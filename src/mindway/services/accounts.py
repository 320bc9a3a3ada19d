"""Accounts and care teams, run by admins."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mindway.errors import Conflict, InvalidInput, NotFound
from mindway.security import passwords
from mindway.security.policy import OPERATOR, Actor, Permission, Role
from mindway.security.vault import Vault
from mindway.services import access, auth
from mindway.services.names import name_of, set_name
from mindway.services.runtime import Runtime, UseCase
from mindway.services.views import AccountPublic, CareTeamPublic
from mindway.store.models import Account, CareTeam, CareTeamClinician, CareTeamPatient, Patient

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{2,119}$")
LOCALES = ("en-US", "en-GB", "es-US", "es-ES")


@dataclass(frozen=True)
class Registration:
    """Identity data for a new patient, entered by the clinic at registration."""

    given_name: str
    family_name: str
    birth_date: date
    sex: str | None = None
    ethnicity: str | None = None
    care_team_id: uuid.UUID | None = None


def account_view(vault: Vault, account: Account) -> AccountPublic:
    return AccountPublic(
        id=account.id,
        username=account.username,
        display_name=name_of(vault, account),
        role=account.role,
        disabled=account.disabled,
        mfa_enabled=account.mfa_enabled,
        locale=account.locale,
        patient_id=account.patient_id,
        created_at=account.created_at,
    )


def _check_new_account(username: str, role: str, password: str, locale: str) -> str:
    username = auth.normalise_username(username)
    if not USERNAME.match(username):
        raise InvalidInput(
            "a username has 3-120 characters: letters, digits and . _ @ + - (lower case)"
        )
    try:
        Role(role)
    except ValueError as exc:
        raise InvalidInput(f"role must be one of {', '.join(r.value for r in Role)}") from exc
    if locale not in LOCALES:
        raise InvalidInput(f"locale must be one of {', '.join(LOCALES)}")
    passwords.check_strength(password)
    return username


def register_patient(db: Session, vault: Vault, data: Registration, locale: str) -> Patient:
    """Create the patient record with its identity fields sealed under the patient's own key."""
    if data.birth_date > date.today() or data.birth_date.year < 1900:
        raise InvalidInput("birth date must be a real date in the past")
    if not data.given_name.strip() or not data.family_name.strip():
        raise InvalidInput("a patient needs a given and a family name")
    patient = Patient(id=uuid.uuid4(), locale=locale)
    owner = str(patient.id)
    patient.given_name_enc = vault.seal_field(owner, patient, "given_name", data.given_name.strip())
    patient.family_name_enc = vault.seal_field(
        owner, patient, "family_name", data.family_name.strip()
    )
    patient.birth_date_enc = vault.seal_field(
        owner, patient, "birth_date", data.birth_date.isoformat()
    )
    patient.sex_enc = vault.seal_field(owner, patient, "sex", data.sex)
    patient.ethnicity_enc = vault.seal_field(owner, patient, "ethnicity", data.ethnicity)
    db.add(patient)
    if data.care_team_id is not None:
        if db.get(CareTeam, data.care_team_id) is None:
            raise InvalidInput("no such care team")
        db.add(CareTeamPatient(team_id=data.care_team_id, patient_id=patient.id))
    db.flush()
    return patient


def create_account(
    rt: Runtime,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str,
    locale: str = "en-US",
    registration: Registration | None = None,
) -> AccountPublic:
    with rt.use_case(actor, "account.create", "account") as uc:
        access.require_role(uc, Permission.ACCOUNTS_MANAGE)
        username = _check_new_account(username, role, password, locale)
        if not display_name.strip() or "\x00" in display_name:
            raise InvalidInput("a display name is needed (printable text)")
        if (role == Role.PATIENT) != (registration is not None):
            raise InvalidInput("patient accounts, and only they, need registration details")
        account = _insert_account(uc, username, display_name, role, password, locale, registration)
        return account_view(uc.vault, account)


def _insert_account(
    uc: UseCase,
    username: str,
    display_name: str,
    role: str,
    password: str,
    locale: str,
    registration: Registration | None,
) -> Account:
    if uc.db.scalars(select(Account.id).where(Account.username == username)).first():
        raise Conflict("that username is taken")
    patient = register_patient(uc.db, uc.vault, registration, locale) if registration else None
    account = Account(
        id=uuid.uuid4(),
        username=username,
        role=role,
        password_hash=passwords.hash_password(uc.settings, password),
        locale=locale,
        patient_id=patient.id if patient else None,
    )
    set_name(uc.vault, account, display_name.strip())
    uc.db.add(account)
    try:
        uc.db.flush()
    except IntegrityError as exc:
        raise Conflict("that username is taken") from exc
    uc.about(account.id)
    return account


def bootstrap_admin(rt: Runtime, username: str, display_name: str, password: str) -> AccountPublic:
    """``mindway init``: the first admin, created by the operator at the command line; later
    accounts are created by an admin who signs in."""
    username = _check_new_account(username, Role.ADMIN, password, "en-US")
    with rt.use_case(OPERATOR, "account.create", "account") as uc:
        if uc.db.scalars(select(Account.id).where(Account.role == Role.ADMIN)).first():
            raise Conflict("an admin exists already: sign in as an admin to add accounts")
        account = _insert_account(uc, username, display_name, Role.ADMIN, password, "en-US", None)
        return account_view(uc.vault, account)


def list_accounts(rt: Runtime, actor: Actor, role: str | None = None) -> list[AccountPublic]:
    with rt.use_case(actor, "account.list", "account") as uc:
        access.require_role(uc, Permission.ACCOUNTS_MANAGE)
        query = select(Account).order_by(Account.role, Account.username)
        if role:
            query = query.where(Account.role == role)
        return [account_view(uc.vault, a) for a in uc.db.scalars(query)]


def set_disabled(rt: Runtime, actor: Actor, account_id: uuid.UUID, disabled: bool) -> AccountPublic:
    """Disable (revoking every session at once) or re-enable an account."""
    action = "account.disable" if disabled else "account.enable"
    with rt.use_case(actor, action, "account", account_id) as uc:
        access.require_role(uc, Permission.ACCOUNTS_MANAGE)
        account = uc.db.get(Account, account_id)
        if account is None:
            raise NotFound("account not found")
        if disabled and actor.account_id == account.id:
            raise InvalidInput("you cannot disable your own account")
        account.disabled = disabled
        if disabled:
            auth.revoke_all(uc.db, account.id)
        return account_view(uc.vault, account)


def reset_mfa(rt: Runtime, actor: Actor, account_id: uuid.UUID) -> AccountPublic:
    """Clear a lost authenticator; the person enrols again at the next sign-in."""
    with rt.use_case(actor, "account.mfa_reset", "account", account_id) as uc:
        access.require_role(uc, Permission.ACCOUNTS_MANAGE)
        account = uc.db.get(Account, account_id)
        if account is None:
            raise NotFound("account not found")
        account.mfa_enabled = False
        account.totp_secret_enc = None
        account.totp_last_step = None
        auth.revoke_all(uc.db, account.id)
        return account_view(uc.vault, account)


def _team_view(db: Session, team: CareTeam) -> CareTeamPublic:
    return CareTeamPublic(
        id=team.id,
        name=team.name,
        clinician_ids=list(
            db.scalars(
                select(CareTeamClinician.account_id).where(CareTeamClinician.team_id == team.id)
            )
        ),
        patient_ids=list(
            db.scalars(select(CareTeamPatient.patient_id).where(CareTeamPatient.team_id == team.id))
        ),
    )


def create_team(rt: Runtime, actor: Actor, name: str) -> CareTeamPublic:
    name = name.strip()
    if not 2 <= len(name) <= 120 or "\x00" in name:
        raise InvalidInput("a care team name has 2-120 printable characters")
    with rt.use_case(actor, "care_team.create", "care_team") as uc:
        access.require_role(uc, Permission.ACCOUNTS_MANAGE)
        if uc.db.scalars(select(CareTeam.id).where(CareTeam.name == name)).first():
            raise Conflict("a care team with that name exists")
        team = CareTeam(id=uuid.uuid4(), name=name)
        uc.db.add(team)
        uc.db.flush()
        uc.about(team.id)
        return _team_view(uc.db, team)


def list_teams(rt: Runtime, actor: Actor) -> list[CareTeamPublic]:
    with rt.use_case(actor, "care_team.list", "care_team") as uc:
        access.require_role(uc, Permission.ACCOUNTS_MANAGE)
        return [
            _team_view(uc.db, t) for t in uc.db.scalars(select(CareTeam).order_by(CareTeam.name))
        ]


def set_membership(
    rt: Runtime, actor: Actor, team_id: uuid.UUID, account_id: uuid.UUID, member: bool
) -> CareTeamPublic:
    """Add or remove a clinician, or a patient (named by their account), on a care team."""
    with rt.use_case(actor, "care_team.update", "care_team", team_id) as uc:
        access.require_role(uc, Permission.ACCOUNTS_MANAGE)
        team = uc.db.get(CareTeam, team_id)
        account = uc.db.get(Account, account_id)
        if team is None:
            raise NotFound("care team not found")
        if account is None:
            raise NotFound("account not found")
        if account.role == Role.CLINICIAN:
            _set_link(uc.db, CareTeamClinician, team_id, "account_id", account.id, member)
        elif account.role == Role.PATIENT and account.patient_id is not None:
            _set_link(uc.db, CareTeamPatient, team_id, "patient_id", account.patient_id, member)
        else:
            raise InvalidInput("only clinicians and patients belong to care teams")
        uc.db.flush()
        return _team_view(uc.db, team)


def _set_link(
    db: Session,
    model: type[CareTeamClinician] | type[CareTeamPatient],
    team_id: uuid.UUID,
    column: str,
    value: uuid.UUID,
    member: bool,
) -> None:
    existing = db.get(model, {"team_id": team_id, column: value})
    if member and existing is None:
        db.add(model(team_id=team_id, **{column: value}))
    elif not member and existing is not None:
        db.execute(delete(model).where(model.team_id == team_id, getattr(model, column) == value))
