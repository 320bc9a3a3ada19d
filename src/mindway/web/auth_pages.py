"""Sign-in, the second step (TOTP), setting up two-step sign-in, and sign-out.

Every successful step gets a fresh session token in the cookie (the services issue a new one
at sign-in and after MFA), so a token seen before sign-in is never the signed-in one.
"""

from __future__ import annotations

import math

from babel.support import LazyProxy
from fastapi import APIRouter, Request
from starlette.responses import Response

from mindway.api.deps import AddressDep, RuntimeDep
from mindway.errors import AuthenticationError, Conflict, InvalidInput, LockedOut
from mindway.services import auth
from mindway.services.runtime import Runtime
from mindway.web.csrf import (
    CheckedForm,
    CheckedLoginForm,
    login_csrf,
    login_nonce,
    new_login_nonce,
)
from mindway.web.i18n import lazy_gettext, ngettext
from mindway.web.render import PageRoute, redirect, render, sentence
from mindway.web.session import (
    CSRF_COOKIE,
    HOMES,
    SESSION_COOKIE,
    AnySession,
    MaybeSignedIn,
    clear_cookie,
    session_token,
    set_cookie,
)

router = APIRouter(route_class=PageRoute)


def _locked_message(exc: LockedOut) -> LazyProxy:
    """In the page's language when it is drawn (the sign-in pages are in the patient app)."""
    minutes = max(1, math.ceil(exc.retry_after_seconds / 60))

    def text() -> str:
        return ngettext(
            "Too many tries. For your safety, signing in is paused. "
            "Please try again in %(num)s minute.",
            "Too many tries. For your safety, signing in is paused. "
            "Please try again in %(num)s minutes.",
            minutes,
        ) % {"num": minutes}

    return LazyProxy(text, enable_cache=False)


def _login_page(request: Request, rt: Runtime, status: int = 200, **context: object) -> Response:
    """The sign-in form, with a pre-session nonce cookie for its CSRF token."""
    nonce = login_nonce(request)
    fresh = nonce is None
    nonce = nonce or new_login_nonce()
    context.setdefault("username", "")
    response = render(
        request,
        "login.html",
        status,
        page_title="Sign in",
        login_token=login_csrf(rt, nonce),
        **context,
    )
    if fresh:
        set_cookie(response, rt.settings, CSRF_COOKIE, nonce)
    return response


def _after_sign_in(issued: auth.IssuedSession) -> str:
    if issued.mfa_passed:
        return HOMES[issued.role]
    return "/account/mfa" if issued.mfa_enrolment_required else "/login/mfa"


def _with_session(request: Request, rt: Runtime, location: str, token: str) -> Response:
    response = redirect(request, location)
    set_cookie(response, rt.settings, SESSION_COOKIE, token)
    return response


@router.get("/login")
def login_form(request: Request, rt: RuntimeDep, ws: MaybeSignedIn) -> Response:
    if ws is not None and ws.info.mfa_passed:
        return redirect(request, "/")
    return _login_page(request, rt)


@router.post("/login")
def login(
    request: Request, rt: RuntimeDep, address: AddressDep, form: CheckedLoginForm
) -> Response:
    """Check the password; the throttle counts failures per account and per address."""
    username = form.values.get("username", "").strip()[:200]
    try:
        username = form.text("username", max_chars=200)
        password = form.text("password", max_chars=1024, strip=False)
    except InvalidInput as exc:
        return _login_page(request, rt, 422, error=sentence(exc.detail), username=username)
    if not username or not password:
        message = lazy_gettext("Please enter your username and your password.")
        return _login_page(request, rt, 422, error=message, username=username)
    try:
        issued = auth.login(rt, username, password, address)
    except LockedOut as exc:
        return _login_page(request, rt, 429, error=_locked_message(exc), username=username)
    except AuthenticationError:
        message = lazy_gettext("That username and password do not match. Please try again.")
        return _login_page(request, rt, 401, error=message, username=username)
    old = session_token(request)
    if old is not None:
        auth.logout(rt, old)
    return _with_session(request, rt, _after_sign_in(issued), issued.token)


@router.get("/login/mfa")
def mfa_form(request: Request, ws: AnySession) -> Response:
    if ws.info.mfa_passed:
        return redirect(request, "/")
    if not ws.info.mfa_enabled:
        return redirect(request, "/account/mfa")
    return render(request, "mfa_verify.html", page_title="Two-step sign-in")


@router.post("/login/mfa")
def mfa_verify(
    request: Request, rt: RuntimeDep, address: AddressDep, ws: AnySession, form: CheckedForm
) -> Response:
    try:
        issued = auth.verify_mfa(rt, ws.token, form.text("code", max_chars=16), address)
    except LockedOut as exc:
        return render(request, "mfa_verify.html", 429, error=_locked_message(exc))
    except (AuthenticationError, InvalidInput):
        message = lazy_gettext("That code is not right. Please type the newest code from your app.")
        return render(request, "mfa_verify.html", 401, page_title="Two-step sign-in", error=message)
    return _with_session(request, rt, "/", issued.token)


@router.get("/account/mfa")
def mfa_settings(request: Request, ws: AnySession) -> Response:
    """Two-step sign-in: required for staff in production, a choice for everyone else."""
    if not ws.info.mfa_passed and ws.info.mfa_enabled:
        return redirect(request, "/login/mfa")
    return render(request, "mfa_settings.html", page_title="Two-step sign-in", stage="status")


@router.post("/account/mfa/start")
def mfa_start(request: Request, rt: RuntimeDep, ws: AnySession, form: CheckedForm) -> Response:
    """A POST, not a GET: each start replaces the secret that is waiting to be confirmed."""
    try:
        enrolment = auth.start_enrolment(rt, ws.token)
    except Conflict:
        return redirect(request, "/account/mfa")
    grouped = " ".join(enrolment.secret[i : i + 4] for i in range(0, len(enrolment.secret), 4))
    return render(
        request,
        "mfa_settings.html",
        page_title="Set up two-step sign-in",
        stage="scan",
        qr_svg=enrolment.qr_svg,
        secret=grouped,
    )


@router.post("/account/mfa/confirm")
def mfa_confirm(request: Request, rt: RuntimeDep, ws: AnySession, form: CheckedForm) -> Response:
    try:
        issued = auth.confirm_enrolment(rt, ws.token, form.text("code", max_chars=16))
    except Conflict:
        return redirect(request, "/account/mfa")
    except InvalidInput:
        message = lazy_gettext(
            "That code is not right. Check that your phone's clock is correct and try again."
        )
        return render(
            request,
            "mfa_settings.html",
            422,
            page_title="Set up two-step sign-in",
            stage="retry",
            error=message,
        )
    return _with_session(request, rt, "/account/mfa", issued.token)


@router.post("/logout")
def logout(request: Request, rt: RuntimeDep, form: CheckedForm) -> Response:
    """End the session on the server too, not just in this browser."""
    token = session_token(request)
    if token is not None:
        auth.logout(rt, token)
    response = redirect(request, "/login")
    clear_cookie(response, rt.settings, SESSION_COOKIE)
    return response
