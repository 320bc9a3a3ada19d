"""Every state-changing form refuses a missing or wrong CSRF token (403) and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from mindway.security import crypto
from mindway.services import alerts, break_glass
from mindway.services.runtime import Runtime
from mindway.web.csrf import session_csrf
from tests.clinic import PASSWORD, Clinic
from tests.web.visitor import Visitor, snapshot

Form = tuple[str, dict[str, str]]


def _alert_form(rt: Runtime, c: Clinic) -> Form:
    break_glass.start(rt, c.clinician_a, c.patient_b_id, "patient unreachable, at risk")
    alert = alerts.list_alerts(rt, c.admin)[0]
    return f"/admin/alerts/{alert.id}/acknowledge", {}


@dataclass(frozen=True)
class Case:
    user: str | None
    form: Callable[[Runtime, Clinic], Form]


CASES: dict[str, Case] = {
    "login": Case(None, lambda rt, c: ("/login", {"username": "admin", "password": PASSWORD})),
    "logout": Case("patient.a", lambda rt, c: ("/logout", {})),
    "mfa verify": Case("patient.a", lambda rt, c: ("/login/mfa", {"code": "123456"})),
    "mfa start": Case("patient.a", lambda rt, c: ("/account/mfa/start", {})),
    "mfa confirm": Case("patient.a", lambda rt, c: ("/account/mfa/confirm", {"code": "123456"})),
    "consent": Case(
        "patient.a", lambda rt, c: ("/patient/consent", {"purpose": "research", "granted": "yes"})
    ),
    "check-in": Case(
        "patient.a",
        lambda rt, c: (
            "/patient/checkin",
            {"mood": "5", "anxiety": "5", "energy": "5", "sleep_quality": "5", "sleep_hours": "7"},
        ),
    ),
    "reminders": Case(
        "patient.a",
        lambda rt, c: (
            "/patient/reminders",
            {"times": "08:30", "timezone": "UTC", "active": "yes"},
        ),
    ),
    "note": Case(
        "clinician.a",
        lambda rt, c: (
            f"/clinician/patients/{c.patient_a.patient_id}/notes",
            {"kind": "session", "body": "Talked through the week."},
        ),
    ),
    "break-glass": Case(
        "clinician.a",
        lambda rt, c: (
            "/clinician/break-glass",
            {"patient_id": str(c.patient_b.patient_id), "reason": "patient unreachable, at risk"},
        ),
    ),
    "create account": Case(
        "admin",
        lambda rt, c: (
            "/admin/accounts",
            {
                "username": "new.clinician",
                "display_name": "New Clinician",
                "role": "clinician",
                "locale": "en-US",
                "password": "a long enough password",
            },
        ),
    ),
    "disable account": Case(
        "admin",
        lambda rt, c: (f"/admin/accounts/{c.clinician_b.account_id}/disabled", {"disabled": "yes"}),
    ),
    "reset mfa": Case(
        "admin", lambda rt, c: (f"/admin/accounts/{c.clinician_b.account_id}/mfa-reset", {})
    ),
    "create team": Case("admin", lambda rt, c: ("/admin/teams", {"name": "Team C"})),
    "team member": Case(
        "admin",
        lambda rt, c: (
            f"/admin/teams/{c.team_b}/members",
            {"account_id": str(c.clinician_a.account_id), "member": "yes"},
        ),
    ),
    "acknowledge alert": Case("admin", _alert_form),
    "research export": Case("researcher", lambda rt, c: ("/research/export", {})),
}


def _foreign_token(rt: Runtime) -> str:
    """A well-formed token, rightly signed, that belongs to some other session."""
    return session_csrf(rt, crypto.new_token())


@pytest.mark.parametrize("name", list(CASES))
def test_form_refuses_missing_or_wrong_token(
    name: str, rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    case = CASES[name]
    path, data = case.form(rt, clinic)
    if case.user is not None:
        visitor.sign_in(case.user)
    right = visitor.csrf("/login" if case.user is None else "/")
    wrong_tokens = [None, "", "0" * 64, _foreign_token(rt), right + "x"]
    before = snapshot(rt)
    for token in wrong_tokens:
        body = data if token is None else {**data, "csrf": token}
        reply = visitor.post(path, body)
        assert reply.status_code == 403, (name, token, reply.status_code)
        assert "Nothing was changed" in reply.text
        assert snapshot(rt) == before, (name, token)
    # The same form with the right token gets past the check: the token alone decided.
    assert visitor.post(path, {**data, "csrf": right}).status_code != 403
