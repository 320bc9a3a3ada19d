"""Researchers get de-identified data of consenting patients only."""

from __future__ import annotations

import re
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
    # Dates are shifted per patient, so a shifted date may fall on any month-day:
    # the birth date itself and the birth year must not appear.
    for identifier in ("Alice", "Archer", "Bob", "Baker", "patient.a"):
        assert identifier not in text
    # a birth year as a value of its own (random hex pseudonyms may hold the digits)
    assert not re.search(r"(?<![0-9a-f])1985(?![0-9a-f])", text)
    for actor in (clinic.patient_a, clinic.patient_b):
        assert str(actor.patient_id) not in text and str(actor.account_id) not in text


def test_export_carries_a_k_anonymity_report_and_suppresses_on_request(
    clinic: Clinic, client: TestClient
) -> None:
    researcher = sign_in(client, "researcher")
    _consent(client, clinic, "patient_a", True)
    _consent(client, clinic, "patient_b", True)
    plain = client.get(f"{API}/research/export", headers=researcher).json()
    report = plain["deidentification"]
    assert (report["k"], report["target_k"], report["records_below_target_k"]) == (1, 5, 2)
    assert report["quasi_identifiers"] == ["age_band", "sex", "ethnicity"]
    assert len(plain["patients"]) == 2
    pseudonyms = {r["pseudonym"] for r in plain["patients"]}
    assert {str(clinic.patient_a_id), str(clinic.patient_b_id)}.isdisjoint(pseudonyms)
    strict = client.get(f"{API}/research/export", params={"k": 2}, headers=researcher).json()
    assert strict["patients"] == [] and strict["deidentification"]["suppressed"] == 2
    for bad in (0, 1, 101, "two"):
        answer = client.get(f"{API}/research/export", params={"k": bad}, headers=researcher)
        assert answer.status_code == 422
