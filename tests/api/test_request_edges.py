"""Requests at the edges: bodies over the size limit, retrying after a failed write, and
routes or methods that do not exist."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from mindway.services.runtime import Runtime
from tests.api.calls import API, assert_problem, random_id, serve, sign_in, with_settings
from tests.api.test_bad_input import ADMIN, CLINICIAN, patient_account
from tests.clinic import Clinic
from tests.services.audit_trail import AuditWatch, table_counts


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_the_limit_is_refused(rt: Runtime, clinic: Clinic, chunked: bool) -> None:
    limit = 2048
    url = f"{API}/patients/{clinic.patient_a.patient_id}/notes"
    payload = json.dumps({"kind": "session", "body": "x" * 2 * limit}).encode()
    with serve(with_settings(rt, max_body_bytes=limit)) as client:
        headers = sign_in(client, CLINICIAN) | {"content-type": "application/json"}
        counts, watch = table_counts(rt), AuditWatch(rt)
        content = iter([payload[:limit], payload[limit:]]) if chunked else payload
        problem = assert_problem(client.post(url, content=content, headers=headers), 413)
        assert str(limit) in problem["detail"]
        assert table_counts(rt) == counts
        assert watch.new() == []
        small = {"kind": "session", "body": "x" * (limit // 2)}
        assert client.post(url, json=small, headers=headers).status_code == 201


def test_a_failed_registration_can_be_retried(
    rt: Runtime, clinic: Clinic, client: TestClient
) -> None:
    """Nothing of the failed attempt lingers: the same username works the second time."""
    headers = sign_in(client, ADMIN)
    bad = patient_account(care_team_id=random_id())
    assert_problem(client.post(f"{API}/accounts", json=bad, headers=headers), 422)
    good = patient_account(care_team_id=str(clinic.team_a))
    created = client.post(f"{API}/accounts", json=good, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["username"] == "new.person" and created.json()["patient_id"]


def test_unknown_routes_and_methods_answer_problems(client: TestClient) -> None:
    headers = sign_in(client, ADMIN)
    assert_problem(client.get(f"{API}/no-such-thing", headers=headers), 404)
    assert_problem(client.put(f"{API}/accounts", headers=headers), 405)
