"""Typed dependencies: the runtime, the caller's address, and the signed-in actor."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mindway.errors import AuthenticationError, MfaRequired
from mindway.security.policy import Actor
from mindway.services import auth
from mindway.services.runtime import Runtime

bearer = HTTPBearer(auto_error=False, description="Session token from POST /api/v1/auth/login")


def get_runtime(request: Request) -> Runtime:
    runtime = request.app.state.runtime
    assert isinstance(runtime, Runtime)
    return runtime


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise AuthenticationError("sign in and send 'Authorization: Bearer <token>'")
    return credentials.credentials


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
AddressDep = Annotated[str, Depends(client_address)]
TokenDep = Annotated[str, Depends(bearer_token)]


def current_session(rt: RuntimeDep, token: TokenDep) -> auth.SessionInfo:
    """A complete session (multi-factor step done where it applies)."""
    info = auth.authenticate(rt, token)
    if not info.mfa_passed:
        raise MfaRequired("finish multi-factor authentication first (POST /api/v1/auth/mfa/verify)")
    return info


def current_actor(info: Annotated[auth.SessionInfo, Depends(current_session)]) -> Actor:
    return info.actor


CurrentSession = Annotated[auth.SessionInfo, Depends(current_session)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
