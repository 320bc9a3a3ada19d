"""Admins browse the audit log over the API and filter it by action prefix, outcome, actor."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from mindway.services.runtime import Runtime
from tests.api.calls import API, login, sign_in
from tests.clinic import Clinic


@pytest.fixture
def browse(clinic: Clinic, client: TestClient) -> Any:
    """Some history (a read, a denied read, a failed login), then a reader for the admin."""
    clinician = sign_in(client, "clinician.a")
    client.get(f"{API}/patients/{clinic.patient_a.patient_id}", headers=clinician)
    client.get(f"{API}/patients/{clinic.patient_b.patient_id}", headers=clinician)
    login(client, "patient.a", "not the right password")
    admin = sign_in(client, "admin")

    def read(**query: Any) -> list[dict[str, Any]]:
        answer = client.get(f"{API}/audit-events", params=query, headers=admin)
        assert answer.status_code == 200, answer.text
        return list(answer.json())

    return read


def test_filters_by_action_prefix_outcome_and_actor(
    rt: Runtime, clinic: Clinic, browse: Any
) -> None:
    everything = browse(limit=500)
    seqs = [e["seq"] for e in everything]
    assert seqs == sorted(seqs, reverse=True) and len(seqs) > 10

    auth_events = browse(action="auth.")
    assert auth_events and {e["action"] for e in auth_events} <= {"auth.login"}
    assert {e["outcome"] for e in auth_events} == {"success", "failure"}

    denied = browse(outcome="denied")
    assert [(e["action"], e["resource_id"]) for e in denied] == [
        ("patient.read", str(clinic.patient_b.patient_id))
    ]

    clinician_id = str(clinic.clinician_a.account_id)
    by_clinician = browse(actor_id=clinician_id)
    assert {e["actor_id"] for e in by_clinician} == {clinician_id}
    assert [e["action"] for e in by_clinician] == ["patient.read", "patient.read", "auth.login"]

    assert browse(actor_id=clinician_id, outcome="success", action="patient.") == [by_clinician[1]]
    assert browse(resource_id=str(clinic.patient_a.patient_id), action="patient.read") == [
        by_clinician[1]
    ]
    assert browse(action="%") == [] and browse(action="_uth") == []  # no wildcards


def test_pages_backwards(browse: Any) -> None:
    first = browse(limit=3)
    second = browse(limit=3, before_seq=first[-1]["seq"])
    assert len(first) == len(second) == 3
    assert [e["seq"] for e in first + second] == list(
        range(first[0]["seq"], first[0]["seq"] - 6, -1)
    )
