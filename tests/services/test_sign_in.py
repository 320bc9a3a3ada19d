"""Sign-in rules that the API tests do not reach: rehashing, the throttle window, and the
short life of a half-finished (MFA pending) sign-in."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, update

from mindway.errors import AuthenticationError, Conflict, LockedOut
from mindway.services import auth
from mindway.services.runtime import Runtime
from mindway.store.models import Account, LoginAttempt
from mindway.store.types import utcnow
from tests.clinic import PASSWORD, Clinic

ADDRESS = "192.0.2.44"


def _hash(rt: Runtime, username: str) -> str:
    with rt.transaction() as db:
        return db.scalars(select(Account.password_hash).where(Account.username == username)).one()


def test_password_is_rehashed_when_the_parameters_change(rt: Runtime, clinic: Clinic) -> None:
    before = _hash(rt, "patient.b")
    stronger = rt.settings.model_copy(update={"argon2_time_cost": rt.settings.argon2_time_cost + 1})
    auth.login(dataclasses.replace(rt, settings=stronger), "patient.b", PASSWORD, ADDRESS)
    after = _hash(rt, "patient.b")
    assert after != before and f"t={stronger.argon2_time_cost}" in after
    auth.login(rt, "patient.b", PASSWORD, ADDRESS)  # the new hash still verifies


def test_lockout_ends_when_the_failures_leave_the_window(rt: Runtime, clinic: Clinic) -> None:
    for _ in range(rt.settings.login_max_failures_account):
        with pytest.raises(AuthenticationError):
            auth.login(rt, "patient.a", "not the password", ADDRESS)
    with pytest.raises(LockedOut) as locked:
        auth.login(rt, "patient.a", PASSWORD, ADDRESS)
    assert locked.value.retry_after_seconds == rt.settings.lockout_minutes * 60
    window = timedelta(minutes=rt.settings.login_window_minutes, seconds=1)
    with rt.transaction() as db:
        db.execute(update(LoginAttempt).values(at=utcnow() - window))
    assert auth.login(rt, "patient.a", PASSWORD, ADDRESS).mfa_passed


def test_a_pending_sign_in_is_short_lived_and_cannot_enrol_again(
    rt: Runtime, clinic: Clinic
) -> None:
    token = auth.login(rt, "clinician.a", PASSWORD, ADDRESS).token
    secret = auth.start_enrolment(rt, token).secret
    auth.confirm_enrolment(rt, token, pyotp.TOTP(secret).now())
    pending = auth.login(rt, "clinician.a", PASSWORD, ADDRESS)
    assert not pending.mfa_passed and not pending.mfa_enrolment_required
    assert pending.expires_at - utcnow() <= timedelta(minutes=10)
    assert not auth.authenticate(rt, pending.token).mfa_passed
    with pytest.raises(Conflict, match="already on"):
        auth.start_enrolment(rt, pending.token)  # a password alone cannot replace the factor
