"""Researchers get de-identified data of consenting patients only."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from tests.api.calls import API, sign_in
from tests.clinic import Clinic


def _consent(client: TestClient, clinic: Clinic, who: str, granted: bool) -> None:
    patient = getattr(clinic, who)
    answer = client.post(
        f"{API}/patients/{patient.patient_id}/consents",
        json={"purpose": "research", "granted": granted},
        headers=sign_in(client, who.replace("_", ".")),
    )
    assert answer.status_code == 200, answer.text


def test_export_holds_only_consenting_patients_without_identifiers(
    clinic: Clinic, client: TestClient
) -> None:
    researcher = sign_in(client, "researcher")
    assert client.get(f"{API}/research/export", headers=researcher).json()["patients"] == []
    _consent(client, clinic, "patient_a", True)
    _consent(client, clinic, "patient_b", True)
    _consent(client, clinic, "patient_b", False)  # withdrawn: no longer exported
    answer = client.get(f"{API}/research/export", headers=researcher)
    assert answer.status_code == 200
    rows = answer.json()["patients"]
    today = date.today()
    age = today.year - 1985 - ((today.month, today.day) < (3, 14))
    assert [(r["sex"], r["age_band"]) for r in rows] == [
        ("female", f"{age // 10 * 10}-{age // 10 * 10 + 9}")
    ]
    assert rows[0]["consents"]["research"] is True
    text = answer.text
    for identifier in ("Alice", "Archer", "Bob", "Baker", "1985", "03-14", "patient.a"):
        assert identifier not in text
    for actor in (clinic.patient_a, clinic.patient_b):
        assert str(actor.patient_id) not in text and str(actor.account_id) not in text
