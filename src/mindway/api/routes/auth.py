"""Sign-in, MFA and sign-out (the only operations reachable without a full session)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from mindway.api.deps import AddressDep, RuntimeDep, TokenDep
from mindway.api.schemas import CodeRequest, EnrolmentStarted, LoginRequest, SessionIssued
from mindway.services import auth

router = APIRouter(prefix="/auth", tags=["auth"])


def _issued(issued: auth.IssuedSession) -> SessionIssued:
    return SessionIssued(
        token=issued.token,
        expires_at=issued.expires_at,
        role=issued.role,
        mfa_required=not issued.mfa_passed,
        mfa_enrolment_required=issued.mfa_enrolment_required,
    )


@router.post("/login", response_model=SessionIssued)
def login(body: LoginRequest, rt: RuntimeDep, address: AddressDep) -> SessionIssued:
    """Check a password. If ``mfa_required``, send a TOTP code to ``/auth/mfa/verify`` next."""
    return _issued(auth.login(rt, body.username, body.password, address))


@router.post("/mfa/verify", response_model=SessionIssued)
def verify_mfa(
    body: CodeRequest, rt: RuntimeDep, token: TokenDep, address: AddressDep
) -> SessionIssued:
    """Complete sign-in with a TOTP code; returns a new token that replaces the pending one."""
    return _issued(auth.verify_mfa(rt, token, body.code, address))


@router.post("/mfa/enrol", response_model=EnrolmentStarted)
def start_enrolment(rt: RuntimeDep, token: TokenDep) -> EnrolmentStarted:
    enrolment = auth.start_enrolment(rt, token)
    return EnrolmentStarted(secret=enrolment.secret, otpauth_uri=enrolment.uri)


@router.post("/mfa/enrol/confirm", response_model=SessionIssued)
def confirm_enrolment(body: CodeRequest, rt: RuntimeDep, token: TokenDep) -> SessionIssued:
    return _issued(auth.confirm_enrolment(rt, token, body.code))


@router.post("/logout", status_code=204)
def logout(rt: RuntimeDep, token: TokenDep) -> Response:
    auth.logout(rt, token)
    return Response(status_code=204)
