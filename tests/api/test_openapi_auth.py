"""Every operation under /api/ outside /api/v1/auth/ refuses a request without a complete
session with 401 (problem+json), whatever the credentials' defect; nothing answers 5xx."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient

from mindway.services import auth
from mindway.services.runtime import Runtime
from mindway.store.types import utcnow
from tests.api.calls import API, assert_problem, bearer, login, random_id, set_session
from tests.clinic import PASSWORD, Clinic
from tests.services.audit_trail import AuditWatch, table_counts


def _operations(client: TestClient) -> list[tuple[str, str, bool]]:
    """(method, path with random UUIDs, takes a body) for each guarded operation."""
    spec = client.get("/openapi.json").json()
    operations = []
    for path, item in spec["paths"].items():
        if not path.startswith("/api/") or path.startswith(f"{API}/auth/"):
            continue
        for method, operation in item.items():
            url = re.sub(r"\{[^}]+\}", lambda _m: random_id(), path)
            operations.append((method.upper(), url, "requestBody" in operation))
    return operations


def _no_header(_rt: Runtime, _client: TestClient, _clinic: Clinic) -> dict[str, str]:
    return {}


def _garbage(_rt: Runtime, _client: TestClient, _clinic: Clinic) -> dict[str, str]:
    return bearer("not-a-token")


def _wrong_scheme(_rt: Runtime, client: TestClient, clinic: Clinic) -> dict[str, str]:
    token = login(client, clinic.usernames["clinician_a"]).json()["token"]
    return {"Authorization": f"Basic {token}"}


def _logged_out(_rt: Runtime, client: TestClient, clinic: Clinic) -> dict[str, str]:
    headers = bearer(login(client, clinic.usernames["clinician_a"]).json()["token"])
    assert client.post(f"{API}/auth/logout", headers=headers).status_code == 204
    return headers


def _idle(rt: Runtime, client: TestClient, clinic: Clinic) -> dict[str, str]:
    token = login(client, clinic.usernames["admin"]).json()["token"]
    set_session(rt, token, last_seen_at=utcnow().replace(year=2000))
    return bearer(token)


def _mfa_pending(rt: Runtime, client: TestClient, clinic: Clinic) -> dict[str, str]:
    """The password was right but the TOTP step is still to come."""
    token = auth.login(rt, clinic.usernames["admin"], PASSWORD, "testclient").token
    enrolment = auth.start_enrolment(rt, token)
    auth.confirm_enrolment(rt, token, pyotp.TOTP(enrolment.secret).now())
    pending = login(client, clinic.usernames["admin"]).json()
    assert pending["mfa_required"] is True
    return bearer(pending["token"])


CREDENTIALS: dict[str, Callable[[Runtime, TestClient, Clinic], dict[str, str]]] = {
    "none": _no_header,
    "garbage": _garbage,
    "wrong-scheme": _wrong_scheme,
    "logged-out": _logged_out,
    "idle": _idle,
    "mfa-pending": _mfa_pending,
}


@pytest.mark.parametrize("credentials", CREDENTIALS)
def test_every_guarded_operation_needs_a_session(
    rt: Runtime, clinic: Clinic, client: TestClient, credentials: str
) -> None:
    headers = CREDENTIALS[credentials](rt, client, clinic)
    operations = _operations(client)
    assert len(operations) >= 20, "the spec should list the whole API"
    counts, watch = table_counts(rt), AuditWatch(rt)
    answers: dict[str, Any] = {}
    for method, url, has_body in operations:
        response = client.request(method, url, headers=headers, json={} if has_body else None)
        answers[f"{method} {url}"] = response.status_code
        assert_problem(response, response.status_code)
        assert response.headers.get("www-authenticate") == "Bearer", url
    assert answers == dict.fromkeys(answers, 401)
    assert table_counts(rt) == counts
    assert all(e.action.startswith("auth.") for e in watch.new())


def test_auth_operations_that_need_a_token_refuse_without_one(client: TestClient) -> None:
    for path in ("/logout", "/mfa/enrol", "/mfa/enrol/confirm", "/mfa/verify"):
        body = {"code": "123456"} if "enrol/" in path or "verify" in path else None
        assert_problem(client.post(f"{API}/auth{path}", json=body), 401)


JUNK_BODIES: list[Any] = [None, {}, [], "text", 7, {"unexpected": True}, {"name": None}]


def test_no_operation_answers_5xx_to_junk(
    rt: Runtime, clinic: Clinic, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signed in as each role, every operation gets junk bodies and unknown ids."""
    # A burst of ~700 requests per role from one address: the API rate limits (tested on
    # their own in tests/scale) would answer 429 long before the walk ends.
    for limit in ("rate_limit_per_address", "rate_limit_per_account"):
        monkeypatch.setattr(rt.settings, limit, 1_000_000)
    operations = _operations(client)
    counts = table_counts(rt)
    for username in ("admin", "clinician.a", "patient.a", "researcher"):
        headers = bearer(login(client, username).json()["token"])
        for method, url, _has_body in operations:
            for body in JUNK_BODIES:
                response = client.request(method, url, headers=headers, json=body)
                assert response.status_code < 500, (method, url, body, response.text)
                if response.status_code >= 400:
                    assert_problem(response, response.status_code)
    assert table_counts(rt) == counts | {"auth_session": counts["auth_session"] + 4}
