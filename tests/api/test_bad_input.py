"""Bad input never gives a 5xx and never half-writes: each case answers RFC 9457 problem+json
with a clear message, and afterwards the database holds what it held before (a use case that
failed inside its transaction leaves exactly its one 'failure' audit event)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mindway.services.runtime import Runtime
from tests.api.calls import API, assert_problem, random_id, serve, sign_in
from tests.clinic import PASSWORD, Clinic, build_clinic
from tests.conftest import BACKENDS, fast_settings
from tests.databases import open_empty
from tests.services.audit_trail import AuditWatch, table_counts

CLINICIAN, ADMIN = "clinician.a", "admin"
NOTES, CONSENTS = "/patients/{patient}/notes", "/patients/{patient}/consents"
REGISTRATION = {"given_name": "Carol", "family_name": "Cole", "birth_date": "1990-01-01"}


def account(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "username": "new.person",
        "display_name": "New Person",
        "role": "clinician",
        "password": PASSWORD,
    }
    return body | changes


def patient_account(**registration: Any) -> dict[str, Any]:
    return account(role="patient", registration=REGISTRATION | registration)


@dataclass(frozen=True)
class Bad:
    name: str
    method: str
    path: str
    user: str
    body: Any = None  # bytes are sent as they are, anything else as JSON
    status: int = 422
    mentions: str = ""  # what the problem's detail must name
    audited: str | None = None  # the action of the one 'failure' event, if a use case ran


CASES = [
    Bad(
        "malformed-json", "POST", NOTES, CLINICIAN, b'{"kind": "session", "body": ', mentions="JSON"
    ),
    Bad("not-an-object", "POST", NOTES, CLINICIAN, ["session", "text"]),
    Bad("wrong-types", "POST", NOTES, CLINICIAN, {"kind": 5, "body": ["x"]}, mentions="body"),
    Bad("null-body", "POST", NOTES, CLINICIAN, {"kind": "session", "body": None}),
    Bad(
        "extra-field",
        "POST",
        NOTES,
        CLINICIAN,
        {"kind": "session", "body": "x", "author_id": random_id()},
        mentions="author_id",
    ),
    Bad("over-long-note", "POST", NOTES, CLINICIAN, {"body": "x" * 20_001}, mentions="body"),
    Bad("blank-note", "POST", NOTES, CLINICIAN, {"kind": "session", "body": "   "}),
    Bad(
        "unknown-note-kind",
        "POST",
        NOTES,
        CLINICIAN,
        {"kind": "gossip", "body": "x"},
        mentions="kind",
    ),
    Bad(
        "invalid-uuid",
        "POST",
        "/patients/not-a-uuid/notes",
        CLINICIAN,
        {"body": "x"},
        mentions="patient_id",
    ),
    Bad("short-uuid", "GET", "/patients/1234", CLINICIAN, mentions="patient_id"),
    Bad(
        "unknown-purpose",
        "POST",
        CONSENTS,
        CLINICIAN,
        {"purpose": "marketing", "granted": True},
        mentions="purpose",
    ),
    Bad("consent-wrong-type", "POST", CONSENTS, CLINICIAN, {"purpose": "care", "granted": "maybe"}),
    Bad(
        "consent-missing-field",
        "POST",
        CONSENTS,
        CLINICIAN,
        {"purpose": "care"},
        mentions="granted",
    ),
    Bad(
        "consent-extra-field",
        "POST",
        CONSENTS,
        CLINICIAN,
        {"purpose": "care", "granted": True, "policy_version": "1999-01"},
    ),
    Bad("over-long-purpose", "POST", CONSENTS, CLINICIAN, {"purpose": "p" * 41, "granted": True}),
    Bad(
        "duplicate-username",
        "POST",
        "/accounts",
        ADMIN,
        account(username="patient.a"),
        status=409,
        audited="account.create",
    ),
    Bad(
        "duplicate-username-case",
        "POST",
        "/accounts",
        ADMIN,
        account(username="Patient.A"),
        status=409,
        audited="account.create",
    ),
    Bad(
        "short-password", "POST", "/accounts", ADMIN, account(password="short"), mentions="password"
    ),
    Bad(
        "repetitive-password",
        "POST",
        "/accounts",
        ADMIN,
        account(password="a" * 16),
        mentions="password",
        audited="account.create",
    ),
    Bad("over-long-password", "POST", "/accounts", ADMIN, account(password="x1" * 100)),
    Bad("unknown-role", "POST", "/accounts", ADMIN, account(role="superuser"), mentions="role"),
    Bad("mass-assignment", "POST", "/accounts", ADMIN, account(mfa_enabled=True)),
    Bad(
        "bad-username",
        "POST",
        "/accounts",
        ADMIN,
        account(username="has spaces"),
        mentions="username",
        audited="account.create",
    ),
    Bad("over-long-display-name", "POST", "/accounts", ADMIN, account(display_name="n" * 201)),
    # Refused by the service after the admin's role was checked: one failure event each.
    *(
        Bad(name, "POST", "/accounts", ADMIN, body, mentions=mentions, audited="account.create")
        for name, body, mentions in (
            ("unknown-locale", account(locale="xx-XX"), "locale"),
            ("patient-without-registration", account(role="patient"), "registration"),
            ("registration-for-staff", account(registration=REGISTRATION), "registration"),
        )
    ),
    Bad(
        "future-birth-date",
        "POST",
        "/accounts",
        ADMIN,
        patient_account(birth_date="2999-01-01"),
        mentions="birth date",
        audited="account.create",
    ),
    Bad(
        "unknown-care-team",
        "POST",
        "/accounts",
        ADMIN,
        patient_account(care_team_id=random_id()),
        mentions="care team",
        audited="account.create",
    ),
    Bad("impossible-date", "POST", "/accounts", ADMIN, patient_account(birth_date="2023-02-30")),
    Bad(
        "registration-extra-field",
        "POST",
        "/accounts",
        ADMIN,
        patient_account(erased_at="2020-01-01T00:00:00Z"),
    ),
    Bad("account-invalid-uuid", "PATCH", "/accounts/xyz", ADMIN, {"disabled": True}),
    Bad("account-wrong-type", "PATCH", "/accounts/{account}", ADMIN, {"disabled": "perhaps"}),
    Bad(
        "account-unknown",
        "PATCH",
        f"/accounts/{random_id()}",
        ADMIN,
        {"disabled": True},
        status=404,
        audited="account.disable",
    ),
    Bad(
        "member-unknown-team",
        "PUT",
        f"/care-teams/{random_id()}/members/{{account}}",
        ADMIN,
        status=404,
        audited="care_team.update",
    ),
    Bad(
        "short-break-glass-reason",
        "POST",
        "/patients/{patient}/break-glass",
        CLINICIAN,
        {"reason": "because"},
        mentions="reason",
    ),
    Bad(
        "duplicate-care-team",
        "POST",
        "/care-teams",
        ADMIN,
        {"name": "Team A"},
        status=409,
        audited="care_team.create",
    ),
    Bad("audit-unknown-outcome", "GET", "/audit-events?outcome=maybe", ADMIN, mentions="outcome"),
    Bad("audit-zero-limit", "GET", "/audit-events?limit=0", ADMIN, mentions="limit"),
    Bad("audit-bad-date", "GET", "/audit-events?since=yesterday", ADMIN, mentions="since"),
    Bad(
        "audit-naive-time",
        "GET",
        "/audit-events?since=2026-01-01T00:00:00",
        ADMIN,
        mentions="since",
    ),
    Bad("audit-date-only", "GET", "/audit-events?until=2026-01-01", ADMIN, mentions="until"),
    Bad("audit-huge-seq", "GET", f"/audit-events?before_seq={2**64}", ADMIN, mentions="before_seq"),
    Bad("audit-nul-filter", "GET", "/audit-events?action=auth%00", ADMIN, mentions="action"),
    Bad("accounts-nul-role", "GET", "/accounts?role=%00", ADMIN, mentions="role"),
    Bad(
        "nul-display-name",
        "POST",
        "/accounts",
        ADMIN,
        account(display_name="Ann\x00"),
        mentions="NUL",
    ),
    Bad("nul-team-name", "POST", "/care-teams", ADMIN, {"name": "Team\x00Z"}, mentions="NUL"),
    Bad("nul-note", "POST", NOTES, CLINICIAN, {"body": "text\x00"}, mentions="NUL"),
    Bad("nul-login", "POST", "/auth/login", ADMIN, {"username": "admin\x00", "password": "x"}),
    Bad("login-wrong-types", "POST", "/auth/login", ADMIN, {"username": 1, "password": None}),
    Bad(
        "login-extra-field",
        "POST",
        "/auth/login",
        ADMIN,
        {"username": "admin", "password": PASSWORD, "remember": True},
    ),
]


def _send(client: TestClient, method: str, url: str, headers: dict[str, str], body: Any) -> Any:
    if isinstance(body, bytes):
        headers = headers | {"content-type": "application/json"}
        return client.request(method, url, content=body, headers=headers)
    return client.request(method, url, json=body, headers=headers)


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Runtime, Clinic, TestClient]]:
    """Bad input changes nothing (each case checks that), so one clinic per backend serves
    every case; this module holds only such cases."""
    url = request.getfixturevalue("pg_database") if request.param == "postgresql" else None
    runtime = open_empty(fast_settings(tmp_path_factory.mktemp("bad-input"), url))
    try:
        clinic = build_clinic(runtime)
        with serve(runtime) as client:
            yield runtime, clinic, client
    finally:
        runtime.close()


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_bad_input_is_refused_cleanly(world: tuple[Runtime, Clinic, TestClient], case: Bad) -> None:
    rt, clinic, client = world
    headers = sign_in(client, case.user)
    url = API + case.path.format(
        patient=clinic.patient_a.patient_id, account=clinic.clinician_b.account_id
    )
    counts, watch = table_counts(rt), AuditWatch(rt)
    problem = assert_problem(_send(client, case.method, url, headers, case.body), case.status)
    assert case.mentions in problem["detail"]
    assert table_counts(rt) == counts
    expected = [(case.audited, "failure")] if case.audited else []
    assert [(e.action, e.outcome) for e in watch.new()] == expected
