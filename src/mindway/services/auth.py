"""Sign-in, multi-factor authentication, sessions and sign-out.

Sessions are opaque 256-bit tokens stored as SHA-256 digests, with an idle timeout
(automatic logoff, HIPAA 164.312(a)(2)(iii)) and an absolute lifetime; a new token is issued
at sign-in and when MFA completes (OWASP ASVS 7.2.4). Failed attempts are throttled per
account and per address (ASVS 6.3.1). Every outcome writes one audit event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from mindway.errors import AuthenticationError, Conflict, InvalidInput, LockedOut
from mindway.security import crypto, passwords, totp
from mindway.security.audit import AuditRecord
from mindway.security.policy import Actor, Role
from mindway.security.vault import SYSTEM_OWNER, Vault
from mindway.services.names import name_of
from mindway.services.runtime import Runtime
from mindway.store.models import Account, AuthSession, LoginAttempt
from mindway.store.types import utcnow

LAST_SEEN_RESOLUTION = timedelta(seconds=30)


@dataclass(frozen=True)
class IssuedSession:
    """A new session token, shown once to the client; the server keeps only its digest."""

    token: str
    expires_at: datetime
    mfa_passed: bool
    mfa_enrolment_required: bool
    role: Role


@dataclass(frozen=True)
class SessionInfo:
    """A valid session and who holds it."""

    session_id: uuid.UUID
    actor: Actor
    mfa_passed: bool
    username: str
    display_name: str
    locale: str
    mfa_enabled: bool


def normalise_username(username: str) -> str:
    return username.strip().lower()


def _account_key(rt: Runtime, username: str) -> str:
    return crypto.keyed_hash(rt.keyring.secret_key, b"login:" + username.encode())


def _recent_failures(
    db: Session, column: InstrumentedAttribute[str], value: str, since: datetime
) -> int:
    count = db.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(column == value, LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False))
    )
    return int(count or 0)


def _check_throttle(rt: Runtime, db: Session, account_key: str, address: str) -> None:
    s = rt.settings
    since = utcnow() - timedelta(minutes=s.login_window_minutes)
    if _recent_failures(db, LoginAttempt.account_key, account_key, since) >= (
        s.login_max_failures_account
    ) or _recent_failures(db, LoginAttempt.address, address, since) >= (
        s.login_max_failures_address
    ):
        raise LockedOut("too many failed sign-in attempts; try again later", s.lockout_minutes * 60)


def _issue(rt: Runtime, db: Session, account: Account, *, mfa_passed: bool) -> IssuedSession:
    token = crypto.new_token()
    now = utcnow()
    lifetime = timedelta(hours=rt.settings.session_absolute_hours)
    if not mfa_passed:
        lifetime = min(lifetime, timedelta(minutes=10))
    session = AuthSession(
        token_hash=crypto.token_digest(token),
        account_id=account.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
        mfa_passed=mfa_passed,
    )
    db.add(session)
    db.flush()
    return IssuedSession(
        token=token,
        expires_at=session.expires_at,
        mfa_passed=mfa_passed,
        mfa_enrolment_required=not mfa_passed and not account.mfa_enabled,
        role=Role(account.role),
    )


def _audit(
    rt: Runtime,
    db: Session,
    action: str,
    outcome: str,
    account: Account | None,
    reason: str | None = None,
) -> None:
    rt.audit(
        db,
        AuditRecord(
            action=action,
            outcome=outcome,
            actor_id=str(account.id) if account else None,
            actor_role=account.role if account else None,
            resource_type="account",
            resource_id=str(account.id) if account else None,
            reason=reason,
        ),
    )


def login(rt: Runtime, username: str, password: str, address: str) -> IssuedSession:
    """Check a password; the session is complete unless MFA is enabled or required."""
    username = normalise_username(username)
    key = _account_key(rt, username)
    with rt.transaction() as db:
        account = (
            None  # no username holds NUL, and PostgreSQL cannot even compare one
            if "\x00" in username
            else db.scalars(select(Account).where(Account.username == username)).first()
        )
        try:
            _check_throttle(rt, db, key, address)
        except LockedOut:
            _audit(rt, db, "auth.login", "denied", account, "locked out")
            failure: Exception = LockedOut(
                "too many failed sign-in attempts; try again later",
                rt.settings.lockout_minutes * 60,
            )
        else:
            failure = AuthenticationError("wrong username or password")
            if account is None:
                passwords.burn_time(rt.settings, password)
                reason = "unknown account"
            elif not passwords.verify_password(rt.settings, account.password_hash, password):
                reason = "wrong password"
            elif account.disabled:
                reason = "account disabled"
            else:
                if passwords.needs_rehash(rt.settings, account.password_hash):
                    account.password_hash = passwords.hash_password(rt.settings, password)
                db.add(LoginAttempt(account_key=key, address=address, succeeded=True))
                needs_mfa = account.mfa_enabled or account.role in rt.settings.mfa_required_roles
                issued = _issue(rt, db, account, mfa_passed=not needs_mfa)
                _audit(
                    rt, db, "auth.login", "success", account, "mfa pending" if needs_mfa else None
                )
                return issued
            db.add(LoginAttempt(account_key=key, address=address, succeeded=False))
            _audit(rt, db, "auth.login", "failure", account, reason)
    raise failure


def _session_row(db: Session, token: str) -> AuthSession | None:
    return db.scalars(
        select(AuthSession).where(AuthSession.token_hash == crypto.token_digest(token))
    ).first()


def authenticate(rt: Runtime, token: str) -> SessionInfo:
    """The session behind ``token``; expired, revoked or disabled sessions are refused."""
    with rt.transaction() as db:
        row = _session_row(db, token) if token else None
        if row is None or row.revoked_at is not None:
            raise AuthenticationError("not signed in, or the session has ended")
        account = db.get(Account, row.account_id)
        now = utcnow()
        idle = timedelta(minutes=rt.settings.session_idle_minutes)
        reason = None
        if account is None or account.disabled:
            reason = "account disabled"
        elif now >= row.expires_at:
            reason = "absolute lifetime reached"
        elif now - row.last_seen_at >= idle:
            reason = "idle timeout"
        if reason is not None:
            row.revoked_at = now
            _audit(rt, db, "auth.session_end", "success", account, reason)
            failure = AuthenticationError(f"the session has ended ({reason}); sign in again")
        else:
            assert account is not None
            if now - row.last_seen_at >= LAST_SEEN_RESOLUTION:
                row.last_seen_at = now
            return SessionInfo(
                session_id=row.id,
                actor=Actor(
                    role=Role(account.role),
                    account_id=account.id,
                    patient_id=account.patient_id,
                    session_id=row.id,
                ),
                mfa_passed=row.mfa_passed,
                username=account.username,
                display_name=name_of(Vault(db, rt.keyring), account),
                locale=account.locale,
                mfa_enabled=account.mfa_enabled,
            )
    raise failure


def logout(rt: Runtime, token: str) -> None:
    with rt.transaction() as db:
        row = _session_row(db, token)
        if row is None or row.revoked_at is not None:
            return
        row.revoked_at = utcnow()
        _audit(rt, db, "auth.logout", "success", db.get(Account, row.account_id))


def revoke_all(db: Session, account_id: uuid.UUID) -> int:
    """End every open session of an account (disable, password change, erasure)."""
    result = db.execute(
        update(AuthSession)
        .where(AuthSession.account_id == account_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _pending(db: Session, token: str) -> tuple[AuthSession, Account]:
    row = _session_row(db, token)
    if row is None or row.revoked_at is not None or utcnow() >= row.expires_at:
        raise AuthenticationError("not signed in, or the session has ended")
    account = db.get(Account, row.account_id)
    if account is None or account.disabled:
        raise AuthenticationError("not signed in, or the session has ended")
    return row, account


def _totp_secret(rt: Runtime, db: Session, account: Account) -> str | None:
    if account.totp_secret_enc is None:
        return None
    return Vault(db, rt.keyring).open("account", "totp_secret", account.id, account.totp_secret_enc)


def verify_mfa(rt: Runtime, token: str, code: str, address: str) -> IssuedSession:
    """Complete sign-in with a TOTP code; the pending token is replaced by a new one."""
    with rt.transaction() as db:
        row, account = _pending(db, token)
        key = _account_key(rt, account.username)
        failure: Exception
        try:
            _check_throttle(rt, db, key, address)
        except LockedOut as exc:
            _audit(rt, db, "auth.mfa", "denied", account, "locked out")
            failure = exc
        else:
            secret = _totp_secret(rt, db, account) if account.mfa_enabled else None
            if secret is not None and _accept_code(db, account, secret, code):
                row.revoked_at = utcnow()
                issued = _issue(rt, db, account, mfa_passed=True)
                _audit(rt, db, "auth.mfa", "success", account)
                return issued
            db.add(LoginAttempt(account_key=key, address=address, succeeded=False))
            _audit(
                rt,
                db,
                "auth.mfa",
                "failure",
                account,
                "wrong code" if secret else "mfa not enrolled",
            )
            failure = AuthenticationError("that code is not right; try the newest one")
    raise failure


def _accept_code(db: Session, account: Account, secret: str, code: str) -> bool:
    """Check a TOTP code and use it up: RFC 6238 5.2 forbids accepting one code twice, so the
    accepted time step is recorded and no code of that step or an earlier one passes again.
    The account row is locked so two concurrent sign-ins cannot both spend the same code."""
    db.refresh(account, with_for_update=True)
    step = totp.matching_step(secret, code, after_step=account.totp_last_step)
    if step is None:
        return False
    account.totp_last_step = step
    return True


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str
    qr_svg: str


def start_enrolment(rt: Runtime, token: str) -> Enrolment:
    """A new TOTP secret for the session's account, kept encrypted until it is confirmed."""
    with rt.transaction() as db:
        _row, account = _pending(db, token)
        if account.mfa_enabled:
            raise Conflict("multi-factor authentication is already on for this account")
        secret = totp.new_secret()
        account.totp_last_step = None
        account.totp_secret_enc = Vault(db, rt.keyring).seal(
            SYSTEM_OWNER, "account", "totp_secret", account.id, secret
        )
        _audit(rt, db, "auth.mfa_enrol_start", "success", account)
        uri = totp.provisioning_uri(secret, account.username)
        return Enrolment(secret=secret, uri=uri, qr_svg=totp.qr_svg(uri))


def confirm_enrolment(rt: Runtime, token: str, code: str) -> IssuedSession:
    """Turn MFA on once the user proves their app has the secret; issues a new token."""
    with rt.transaction() as db:
        row, account = _pending(db, token)
        if account.mfa_enabled:
            raise Conflict("multi-factor authentication is already on for this account")
        secret = _totp_secret(rt, db, account)
        if secret is None:
            raise InvalidInput("start enrolment first")
        if _accept_code(db, account, secret, code):
            account.mfa_enabled = True
            row.revoked_at = utcnow()
            issued = _issue(rt, db, account, mfa_passed=True)
            _audit(rt, db, "auth.mfa_enrol", "success", account)
            return issued
        _audit(rt, db, "auth.mfa_enrol", "failure", account, "wrong code")
    raise InvalidInput("that code is not right; check your authenticator app's clock")
