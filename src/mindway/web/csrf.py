"""CSRF protection for every state-changing form: a signed double-submit token.

Each form carries an HMAC, under the server's secret key, of the value held in an HttpOnly
cookie: the session token once signed in, a random pre-session nonce on the sign-in form
(OWASP CSRF Prevention Cheat Sheet, "signed double-submit cookie"). Another site can make a
browser send the cookie, but can neither read it nor compute the token from it.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.exceptions import HTTPException

from mindway.errors import InvalidInput
from mindway.security import crypto
from mindway.services.runtime import Runtime
from mindway.web.forms import Form
from mindway.web.session import CSRF_COOKIE, cookie_name, runtime_of, session_token

FIELD = "csrf"
HEADER = "x-csrf-token"
MAX_FIELDS = 64
MAX_JSON_BYTES = 8192


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


async def checked_json(request: Request) -> Any:
    """A signed-in JSON body (from a page's script) whose ``X-CSRF-Token`` header matches the
    session cookie. Only ``application/json`` is read: a cross-site form cannot send it
    without a CORS preflight, which Mindway never answers."""
    token = session_token(request)
    expected = session_csrf(runtime_of(request), token) if token else None
    sent = request.headers.get(HEADER, "")
    if expected is None or not sent or not crypto.same(sent, expected):
        raise CsrfRejected
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise InvalidInput("send JSON (Content-Type: application/json)")
    body = await request.body()
    if len(body) > MAX_JSON_BYTES:
        raise InvalidInput("the request is too large")
    try:
        return json.loads(body)
    except ValueError:
        raise InvalidInput("the request is not valid JSON") from None


CheckedForm = Annotated[Form, Depends(checked_form)]
CheckedLoginForm = Annotated[Form, Depends(checked_login_form)]
CheckedJson = Annotated[Any, Depends(checked_json)]
