"""TOTP multi-factor authentication over the API, and its enforcement in production mode."""

from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from mindway.security import crypto
from mindway.security.keys import load_keyring
from mindway.services.runtime import Runtime
from tests.api.calls import (
    API,
    assert_problem,
    bearer,
    enrol,
    login,
    serve,
    sign_in,
    totp_now,
    wrong_code,
)
from tests.clinic import Clinic, build_clinic
from tests.conftest import fast_settings
from tests.services.audit_trail import AuditWatch


def _verify(client: TestClient, token: str, code: str) -> tuple[int, dict[str, object]]:
    answer = client.post(f"{API}/auth/mfa/verify", headers=bearer(token), json={"code": code})
    return answer.status_code, answer.json()


def test_enrol_then_sign_in_with_a_code(rt: Runtime, clinic: Clinic, client: TestClient) -> None:
    first = sign_in(client, "clinician.a")["Authorization"].removeprefix("Bearer ")
    secret, enrolled = enrol(client, first)
    assert enrolled != first
    assert_problem(client.get(f"{API}/me", headers=bearer(first)), 401)  # replaced at enrolment
    me = client.get(f"{API}/me", headers=bearer(enrolled)).json()
    assert me["mfa_enabled"] is True
    conflict = client.post(f"{API}/auth/mfa/enrol", headers=bearer(enrolled))
    assert_problem(conflict, 409)

    watch = AuditWatch(rt)
    issued = login(client, "clinician.a").json()
    assert (issued["mfa_required"], issued["mfa_enrolment_required"]) == (True, False)
    pending = issued["token"]
    for path in ("/me", "/patients", f"/patients/{clinic.patient_a.patient_id}"):
        assert_problem(client.get(API + path, headers=bearer(pending)), 401)
    status, _body = _verify(client, pending, wrong_code(secret))
    assert status == 401
    assert_problem(client.get(f"{API}/me", headers=bearer(pending)), 401)  # still pending
    status, body = _verify(client, pending, totp_now(secret))
    assert status == 200 and body["mfa_required"] is False
    complete = str(body["token"])
    assert complete not in (pending, enrolled)
    assert client.get(f"{API}/patients", headers=bearer(complete)).status_code == 200
    assert_problem(client.get(f"{API}/me", headers=bearer(pending)), 401)
    assert _verify(client, pending, totp_now(secret))[0] == 401  # the pending token is spent
    assert [(e.action, e.outcome, e.reason) for e in watch.new() if e.action[:5] == "auth."] == [
        ("auth.login", "success", "mfa pending"),
        ("auth.mfa", "failure", "wrong code"),
        ("auth.mfa", "success", None),
    ]


def test_a_wrong_code_does_not_turn_mfa_on(client: TestClient, clinic: Clinic) -> None:
    token = sign_in(client, "patient.a")["Authorization"].removeprefix("Bearer ")
    secret = client.post(f"{API}/auth/mfa/enrol", headers=bearer(token)).json()["secret"]
    confirm = client.post(
        f"{API}/auth/mfa/enrol/confirm", headers=bearer(token), json={"code": wrong_code(secret)}
    )
    assert_problem(confirm, 422)
    assert client.get(f"{API}/me", headers=bearer(token)).json()["mfa_enabled"] is False
    assert login(client, "patient.a").json()["mfa_required"] is False


@pytest.mark.parametrize("code", ["12345", "abcdef", "1234567", "12 456", ""])
def test_malformed_codes_are_refused(client: TestClient, clinic: Clinic, code: str) -> None:
    token = sign_in(client, "patient.a")["Authorization"]
    answer = client.post(
        f"{API}/auth/mfa/verify", headers={"Authorization": token}, json={"code": code}
    )
    assert_problem(answer, 422)


def _production(rt: Runtime) -> Runtime:
    """Production settings with proper random keys from the environment, on the same store."""
    settings = fast_settings(
        rt.settings.data_dir,
        rt.settings.database_url,
        production=True,
        master_keys=SecretStr(f"prod1:{crypto.encode_key(crypto.new_key())}"),
        secret_key=SecretStr(crypto.encode_key(crypto.new_key())),
    )
    return dataclasses.replace(rt, settings=settings, keyring=load_keyring(settings))


@pytest.mark.parametrize(
    ("username", "forced", "page"),
    [
        ("clinician.a", True, "/patients"),
        ("admin", True, "/accounts"),
        ("patient.a", False, "/me"),
    ],
)
def test_production_requires_mfa_for_staff(
    rt: Runtime, username: str, forced: bool, page: str
) -> None:
    prod = _production(rt)
    build_clinic(prod)
    with serve(prod) as client:
        issued = login(client, username).json()
        assert issued["mfa_required"] is forced
        assert issued["mfa_enrolment_required"] is forced
        token = issued["token"]
        if forced:
            assert_problem(client.get(API + page, headers=bearer(token)), 401)
            assert _verify(client, token, "123456")[0] == 401  # nothing to verify yet
            _secret, token = enrol(client, token)
        assert client.get(API + page, headers=bearer(token)).status_code == 200
