"""Signing in and out through the pages: passwords, lockout, sessions, and the MFA steps."""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
from sqlalchemy import update

from mindway.security import totp
from mindway.services.runtime import Runtime
from mindway.store.models import AuthSession
from mindway.store.types import utcnow
from tests.clinic import Clinic
from tests.web.visitor import Visitor, browser


def test_sign_in_sends_each_role_home(rt: Runtime, clinic: Clinic) -> None:
    homes = {
        "patient.a": "/patient",
        "clinician.a": "/clinician",
        "admin": "/admin/accounts",
        "researcher": "/research",
    }
    for username, home in homes.items():
        with browser(rt) as v:
            reply = v.sign_in(username)
            assert reply.status_code == 303
            assert reply.headers["location"] == home
            assert v.get("/").headers["location"] == home
            assert v.get(home).status_code == 200


def test_wrong_password_shows_a_message_and_no_session(visitor: Visitor) -> None:
    reply = visitor.sign_in("clinician.a", "not the password at all")
    assert reply.status_code == 401
    assert "do not match" in reply.text
    assert 'value="clinician.a"' in reply.text  # the username stays in the form
    assert "mindway_session" not in reply.headers.get("set-cookie", "")
    assert visitor.get("/clinician").headers["location"] == "/login"


def test_empty_form_is_a_message_not_an_error(visitor: Visitor) -> None:
    reply = visitor.post("/login", {"csrf": visitor.csrf("/login"), "username": ""})
    assert reply.status_code == 422
    assert "enter your username and your password" in reply.text


def test_oversized_or_odd_input_is_a_message_on_the_form(visitor: Visitor) -> None:
    for data in (
        {"username": "a" * 500, "password": "x"},
        {"username": "nul\x00", "password": "x"},
    ):
        reply = visitor.post("/login", {**data, "csrf": visitor.csrf("/login")})
        assert reply.status_code == 422
        assert '<form method="post" action="/login"' in reply.text
        assert 'role="alert"' in reply.text


def test_lockout_is_explained(rt: Runtime, clinic: Clinic) -> None:
    with browser(rt) as v:
        for _ in range(rt.settings.login_max_failures_account):
            assert v.sign_in("patient.a", "wrong password, wrong").status_code == 401
        reply = v.sign_in("patient.a")  # even the right password waits now
        assert reply.status_code == 429
        assert "Too many tries" in reply.text
        assert "minutes" in reply.text


def test_unauthenticated_pages_redirect_to_sign_in(visitor: Visitor) -> None:
    for path in ("/", "/patient", "/clinician", "/admin/accounts", "/admin/audit", "/research"):
        reply = visitor.get(path)
        assert reply.status_code == 303, path
        assert reply.headers["location"] == "/login"


def test_sign_out_ends_the_session_on_the_server(rt: Runtime, visitor: Visitor) -> None:
    visitor.sign_in("patient.a")
    token = visitor.client.cookies["mindway_session"]
    reply = visitor.submit("/logout", {})
    assert reply.status_code == 303
    assert reply.headers["location"] == "/login"
    # Even a browser that kept the cookie gets nowhere with it.
    with browser(rt) as other:
        other.client.cookies.set("mindway_session", token)
        assert other.get("/patient").headers["location"] == "/login"


def test_idle_session_is_sent_back_to_sign_in(rt: Runtime, visitor: Visitor) -> None:
    visitor.sign_in("clinician.a")
    assert visitor.get("/clinician").status_code == 200
    idle = utcnow() - timedelta(minutes=rt.settings.session_idle_minutes + 1)
    with rt.transaction() as db:
        db.execute(update(AuthSession).values(last_seen_at=idle))
    reply = visitor.get("/clinician")
    assert reply.status_code == 303
    assert reply.headers["location"] == "/login"
    assert 'mindway_session=""' in reply.headers["set-cookie"]  # the stale cookie is cleared


def wrong_code(secret: str) -> str:
    """A six-digit code that is surely not accepted now (nor one step either side)."""
    now = time.time()
    valid = {pyotp.TOTP(secret).at(now + shift) for shift in (-60, -30, 0, 30, 60)}
    return next(code for code in ("000000", "111111", "222222") if code not in valid)


def _turn_on_mfa(v: Visitor) -> str:
    """Set up two-step sign-in through the pages; returns the secret the page showed."""
    page = v.submit("/account/mfa/start", {}, page="/account/mfa")
    assert page.status_code == 200
    assert "<svg" in page.text  # the QR code, inline
    secret = page.text.split('<p class="secret"><code>')[1].split("</code>")[0].replace(" ", "")
    wrong = v.submit("/account/mfa/confirm", {"code": wrong_code(secret)}, page="/account/mfa")
    assert wrong.status_code == 422
    assert "not right" in wrong.text
    done = v.submit("/account/mfa/confirm", {"code": totp.current_code(secret)})
    assert done.status_code == 303
    assert "Two-step sign-in is on" in v.get("/account/mfa").text
    return secret


def test_patient_turns_on_mfa_and_then_needs_the_code(rt: Runtime, clinic: Clinic) -> None:
    with browser(rt) as v:
        v.sign_in("patient.a")
        secret = _turn_on_mfa(v)
    with browser(rt) as v:
        reply = v.sign_in("patient.a")
        assert reply.headers["location"] == "/login/mfa"
        # A session waiting for its second step reaches only the MFA pages.
        assert v.get("/patient").headers["location"] == "/login/mfa"
        assert v.get("/").headers["location"] == "/login/mfa"
        wrong = v.submit("/login/mfa", {"code": wrong_code(secret)}, page="/login/mfa")
        assert wrong.status_code == 401
        assert "not right" in wrong.text
        # The next step's code: the one used to confirm set-up may not be used twice.
        code = pyotp.TOTP(secret).at(time.time() + 30)
        reply = v.submit("/login/mfa", {"code": code}, page="/login/mfa")
        assert reply.status_code == 303
        assert v.get("/patient").status_code == 200
