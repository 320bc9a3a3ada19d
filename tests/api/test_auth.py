"""Signing in over the API: tokens, uniform failures, throttling, and how sessions end."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from mindway.services.runtime import Runtime
from mindway.store.types import utcnow
from tests.api.calls import (
    API,
    assert_problem,
    bearer,
    login,
    serve,
    session_revoked,
    set_session,
    sign_in,
    with_settings,
)
from tests.clinic import PASSWORD, Clinic
from tests.services.audit_trail import AuditWatch


def test_login_gives_a_new_working_token_every_time(
    rt: Runtime, clinic: Clinic, client: TestClient
) -> None:
    watch = AuditWatch(rt)
    first, second = (login(client, "Clinician.A ").json() for _ in range(2))
    assert first["token"] != second["token"]
    assert first["role"] == "clinician" and first["mfa_required"] is False
    lifetime = datetime.fromisoformat(first["expires_at"]) - utcnow()
    assert timedelta(hours=rt.settings.session_absolute_hours - 1) < lifetime
    assert lifetime <= timedelta(hours=rt.settings.session_absolute_hours)
    for issued in (first, second):
        me = client.get(f"{API}/me", headers=bearer(issued["token"]))
        assert me.status_code == 200
        assert me.json()["username"] == "clinician.a"
    assert [(e.action, e.outcome, e.actor_id) for e in watch.new()] == [
        ("auth.login", "success", str(clinic.clinician_a.account_id))
    ] * 2


def test_wrong_password_answers_like_an_unknown_user(
    rt: Runtime, clinic: Clinic, client: TestClient
) -> None:
    watch = AuditWatch(rt)
    wrong = assert_problem(login(client, "patient.a", "not the password at all"), 401)
    unknown = assert_problem(login(client, "nobody.here", PASSWORD), 401)
    assert wrong == unknown
    events = watch.new()
    assert [(e.action, e.outcome, e.reason) for e in events] == [
        ("auth.login", "failure", "wrong password"),
        ("auth.login", "failure", "unknown account"),
    ]
    assert events[0].actor_id == str(clinic.patient_a.account_id)


def test_account_lockout_holds_even_with_the_right_password(rt: Runtime, clinic: Clinic) -> None:
    strict = with_settings(rt, login_max_failures_account=3, login_max_failures_address=50)
    with serve(strict) as client:
        for _ in range(3):
            assert_problem(login(client, "patient.a", "wrong password guess"), 401)
        watch = AuditWatch(rt)
        locked = login(client, "patient.a", PASSWORD)
        assert_problem(locked, 429)
        assert locked.headers["retry-after"] == str(rt.settings.lockout_minutes * 60)
        assert [(e.action, e.outcome, e.reason) for e in watch.new()] == [
            ("auth.login", "denied", "locked out")
        ]
        assert login(client, "patient.b", PASSWORD).status_code == 200  # others unaffected


def test_address_lockout_spans_accounts(rt: Runtime, clinic: Clinic) -> None:
    strict = with_settings(rt, login_max_failures_account=50, login_max_failures_address=4)
    with serve(strict, address="10.0.0.7") as client:
        for username in ("patient.a", "patient.b", "clinician.a", "no.such.user"):
            assert_problem(login(client, username, "wrong password guess"), 401)
        locked = login(client, "clinician.b", PASSWORD)
        assert_problem(locked, 429)
        assert int(locked.headers["retry-after"]) > 0
    with serve(strict, address="10.0.0.8") as client:
        assert login(client, "clinician.b", PASSWORD).status_code == 200


def _idle(rt: Runtime, _client: TestClient, _clinic: Clinic, token: str) -> None:
    idle = timedelta(minutes=rt.settings.session_idle_minutes, seconds=1)
    set_session(rt, token, last_seen_at=utcnow() - idle)


def _expired(rt: Runtime, _client: TestClient, _clinic: Clinic, token: str) -> None:
    set_session(rt, token, expires_at=utcnow() - timedelta(seconds=1))


def _logout(_rt: Runtime, client: TestClient, _clinic: Clinic, token: str) -> None:
    assert client.post(f"{API}/auth/logout", headers=bearer(token)).status_code == 204


def _disabled(_rt: Runtime, client: TestClient, clinic: Clinic, _token: str) -> None:
    url = f"{API}/accounts/{clinic.clinician_a.account_id}"
    answer = client.patch(url, json={"disabled": True}, headers=sign_in(client, "admin"))
    assert answer.status_code == 200 and answer.json()["disabled"] is True


Ending = Callable[[Runtime, TestClient, Clinic, str], None]


@pytest.mark.parametrize(
    ("end", "audit_reason", "can_sign_in_again"),
    [
        pytest.param(_idle, "idle timeout", True, id="idle-timeout"),
        pytest.param(_expired, "absolute lifetime reached", True, id="absolute-lifetime"),
        pytest.param(_logout, None, True, id="logout"),
        pytest.param(_disabled, None, False, id="account-disabled"),
    ],
)
def test_session_ends_and_is_revoked(
    rt: Runtime,
    clinic: Clinic,
    client: TestClient,
    end: Ending,
    audit_reason: str | None,
    can_sign_in_again: bool,
) -> None:
    token = sign_in(client, "clinician.a")["Authorization"].removeprefix("Bearer ")
    assert client.get(f"{API}/patients", headers=bearer(token)).status_code == 200
    end(rt, client, clinic, token)
    watch = AuditWatch(rt)
    assert_problem(client.get(f"{API}/patients", headers=bearer(token)), 401)
    assert session_revoked(rt, token)
    ended = [(e.action, e.reason) for e in watch.new()]
    assert ended == ([("auth.session_end", audit_reason)] if audit_reason else [])
    set_session(rt, token, last_seen_at=utcnow(), expires_at=utcnow() + timedelta(hours=1))
    assert_problem(client.get(f"{API}/me", headers=bearer(token)), 401)  # revoked for good
    assert (login(client, "clinician.a").status_code == 200) is can_sign_in_again


def test_a_session_just_inside_the_idle_limit_lives_on(rt: Runtime, client: TestClient) -> None:
    token = sign_in(client, "patient.a")["Authorization"].removeprefix("Bearer ")
    almost = timedelta(minutes=rt.settings.session_idle_minutes) - timedelta(seconds=20)
    set_session(rt, token, last_seen_at=utcnow() - almost)
    assert client.get(f"{API}/me", headers=bearer(token)).status_code == 200
    assert not session_revoked(rt, token)


def test_disabled_account_signs_in_again_once_enabled(clinic: Clinic, client: TestClient) -> None:
    admin = sign_in(client, "admin")
    url = f"{API}/accounts/{clinic.patient_b.account_id}"
    assert client.patch(url, json={"disabled": True}, headers=admin).status_code == 200
    refused = assert_problem(login(client, "patient.b"), 401)
    assert refused == assert_problem(login(client, "patient.b", "some other password"), 401)
    assert client.patch(url, json={"disabled": False}, headers=admin).status_code == 200
    assert login(client, "patient.b").status_code == 200


def test_admin_cannot_disable_themselves(clinic: Clinic, client: TestClient) -> None:
    admin = sign_in(client, "admin")
    url = f"{API}/accounts/{clinic.admin.account_id}"
    assert_problem(client.patch(url, json={"disabled": True}, headers=admin), 422)
    assert client.get(f"{API}/me", headers=admin).status_code == 200
