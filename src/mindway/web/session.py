"""Browser sessions: the API's opaque session tokens, carried in a hardened cookie.

The cookie is HttpOnly (scripts cannot read the token), SameSite=Lax (other sites cannot
post with it) and Path=/. In production it is Secure with the ``__Host-`` prefix, so the
browser only accepts it over TLS from this exact host (RFC 6265bis 4.1.3.2). Locally over
http on 127.0.0.1 Secure would stop the browser from sending it, so it is left off there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.responses import Response

from mindway.api.deps import RuntimeDep
from mindway.config import Settings
from mindway.errors import AuthenticationError, Forbidden
from mindway.security.policy import Actor, Role
from mindway.services import auth
from mindway.services.runtime import Runtime

SESSION_COOKIE = "mindway_session"
HOMES = {
    Role.PATIENT: "/patient",
    Role.CLINICIAN: "/clinician",
    Role.ADMIN: "/admin/accounts",
    Role.RESEARCHER: "/research",
}
CSRF_COOKIE = "mindway_csrf"


class SignInRequired(Exception):
    """No valid session: the browser is sent to the sign-in page."""


class MfaPending(Exception):
    """The password was right but the second step is not done yet."""

    def __init__(self, enrol: bool) -> None:
        super().__init__("multi-factor authentication pending")
        self.enrol = enrol

    @property
    def location(self) -> str:
        return "/account/mfa" if self.enrol else "/login/mfa"


@dataclass(frozen=True)
class WebSession:
    """The signed-in browser: its token (to derive the CSRF token) and who holds it."""

    token: str
    info: auth.SessionInfo

    @property
    def actor(self) -> Actor:
        return self.info.actor

    @property
    def role(self) -> Role:
        return self.info.actor.role


def cookie_name(settings: Settings, base: str) -> str:
    return f"__Host-{base}" if settings.secure_cookies else base


def set_cookie(response: Response, settings: Settings, base: str, value: str) -> None:
    """A session-lifetime cookie; the server enforces idle and absolute timeouts itself."""
    response.set_cookie(
        cookie_name(settings, base),
        value,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def clear_cookie(response: Response, settings: Settings, base: str) -> None:
    response.delete_cookie(
        cookie_name(settings, base),
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )


def runtime_of(request: Request) -> Runtime:
    runtime = request.app.state.runtime
    assert isinstance(runtime, Runtime)
    return runtime


def session_token(request: Request) -> str | None:
    settings = runtime_of(request).settings
    token = request.cookies.get(cookie_name(settings, SESSION_COOKIE))
    return token if token and len(token) <= 256 else None


def current(request: Request) -> WebSession | None:
    """The session a dependency already checked for this request, if any."""
    ws = getattr(request.state, "web_session", None)
    return ws if isinstance(ws, WebSession) else None


def _authenticate(request: Request, rt: Runtime) -> WebSession:
    token = session_token(request)
    if token is None:
        raise SignInRequired
    try:
        info = auth.authenticate(rt, token)
    except AuthenticationError as exc:
        raise SignInRequired from exc
    ws = WebSession(token, info)
    request.state.web_session = ws
    return ws


def any_session(request: Request, rt: RuntimeDep) -> WebSession:
    """A valid session, complete or still waiting for its second factor (MFA pages only)."""
    return _authenticate(request, rt)


def signed_in(request: Request, rt: RuntimeDep) -> WebSession:
    """A complete session; a pending one is sent to finish multi-factor sign-in first."""
    ws = _authenticate(request, rt)
    if not ws.info.mfa_passed:
        raise MfaPending(enrol=not ws.info.mfa_enabled)
    return ws


def maybe_signed_in(request: Request, rt: RuntimeDep) -> WebSession | None:
    """The session if there is a valid one; pages open to everyone use this."""
    if session_token(request) is None:
        return None
    try:
        return _authenticate(request, rt)
    except SignInRequired:
        return None


def require_role(ws: WebSession, *roles: Role) -> None:
    """Pages belong to roles; the services still decide access to every object on them."""
    if ws.role not in roles:
        raise Forbidden("this page is for another kind of account")


AnySession = Annotated[WebSession, Depends(any_session)]
SignedIn = Annotated[WebSession, Depends(signed_in)]
MaybeSignedIn = Annotated[WebSession | None, Depends(maybe_signed_in)]
