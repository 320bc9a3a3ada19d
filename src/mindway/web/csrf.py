"""CSRF protection for every state-changing form: a signed double-submit token.

Each form carries an HMAC, under the server's secret key, of the value held in an HttpOnly
cookie: the session token once signed in, a random pre-session nonce on the sign-in form
(OWASP CSRF Prevention Cheat Sheet, "signed double-submit cookie"). Another site can make a
browser send the cookie, but can neither read it nor compute the token from it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.exceptions import HTTPException

from mindway.errors import InvalidInput
from mindway.security import crypto
from mindway.services.runtime import Runtime
from mindway.web.forms import Form
from mindway.web.session import CSRF_COOKIE, cookie_name, runtime_of, session_token

FIELD = "csrf"
MAX_FIELDS = 64


class CsrfRejected(Exception):
    """The form's token is missing or does not match its cookie: refuse (403), change nothing."""


def _token(rt: Runtime, purpose: str, value: str) -> str:
    return crypto.keyed_hash(rt.keyring.secret_key, f"mindway.csrf:{purpose}:{value}".encode())


def session_csrf(rt: Runtime, token: str) -> str:
    return _token(rt, "session", token)


def login_csrf(rt: Runtime, nonce: str) -> str:
    return _token(rt, "login", nonce)


def login_nonce(request: Request) -> str | None:
    """The pre-session nonce from its cookie, if the browser sent a plausible one."""
    settings = runtime_of(request).settings
    nonce = request.cookies.get(cookie_name(settings, CSRF_COOKIE))
    return nonce if nonce and 20 <= len(nonce) <= 128 else None


def new_login_nonce() -> str:
    return crypto.new_token()


async def read_form(request: Request) -> Form:
    try:
        data = await request.form(max_files=0, max_fields=MAX_FIELDS)
    except HTTPException as exc:
        if exc.status_code != 400:
            raise
        raise InvalidInput("the form could not be read; please try again") from exc
    return Form.from_form_data(data)


def _check(form: Form, expected: str | None) -> Form:
    sent = form.values.get(FIELD, "")
    if expected is None or not sent or not crypto.same(sent, expected):
        raise CsrfRejected
    return form


async def checked_form(request: Request) -> Form:
    """A signed-in form whose token matches the session cookie."""
    form = await read_form(request)
    token = session_token(request)
    return _check(form, session_csrf(runtime_of(request), token) if token else None)


async def checked_login_form(request: Request) -> Form:
    """The sign-in form, whose token matches the pre-session cookie set with the form."""
    form = await read_form(request)
    nonce = login_nonce(request)
    return _check(form, login_csrf(runtime_of(request), nonce) if nonce else None)


CheckedForm = Annotated[Form, Depends(checked_form)]
CheckedLoginForm = Annotated[Form, Depends(checked_login_form)]
