"""The check-in and reminder routes: shapes, refused input, crisis-first flag, and erasure."""

from __future__ import annotations

from fastapi.testclient import TestClient

from mindway.services import privacy
from mindway.services.runtime import Runtime
from mindway.store.models import CheckinReminder, MoodCheckin
from tests.api.calls import API, assert_problem, sign_in
from tests.clinic import Clinic

BODY = {"mood": 4, "anxiety": 6, "energy": 3, "sleep_hours": 6.5, "sleep_quality": 4}


def test_checkin_over_http(rt: Runtime, client: TestClient, clinic: Clinic) -> None:
    headers = sign_in(client, clinic.usernames["patient_a"])
    base = f"{API}/patients/{clinic.patient_a_id}"
    assert_problem(client.post(f"{base}/checkins", json={**BODY, "mood": 11}, headers=headers), 422)
    refused = client.post(
        f"{base}/checkins", json={**BODY, "mood": 11, "note": "kms"}, headers=headers
    )
    assert "crisis resources first" in assert_problem(refused, 422)["title"]
    assert client.get(f"{base}/checkins", headers=headers).json() == []
    made = client.post(f"{base}/checkins", json={**BODY, "note": "ok day"}, headers=headers)
    assert made.status_code == 201 and made.json()["show_crisis_resources"] is False
    flagged = client.post(f"{base}/checkins", json={**BODY, "note": "unalive"}, headers=headers)
    assert flagged.json()["show_crisis_resources"] is True and flagged.json()["edited"] is True
    (listed,) = client.get(f"{base}/checkins?days=7", headers=headers).json()
    assert listed["values"]["mood"] == 4
    summary = client.get(f"{base}/checkins/summary", headers=headers).json()
    assert summary["days_last_7"] == 1 and summary["message"].startswith("You've checked in 1")
    bad_zone = {"times": ["08:00"], "timezone": "Atlantis/Lost"}
    assert_problem(client.put(f"{base}/reminders", json=bad_zone, headers=headers), 422)
    good = {"times": ["08:00"], "timezone": "Asia/Tokyo"}
    assert client.put(f"{base}/reminders", json=good, headers=headers).json()["active"] is True
    exported = privacy.export_patient(rt, clinic.patient_a, clinic.patient_a_id)
    assert exported["mood_checkins"]["reminder"]["timezone"] == "Asia/Tokyo"
    assert exported["mood_checkins"]["checkins"][0]["note"] == "unalive"
    privacy.erase_patient(rt, clinic.admin, clinic.patient_a_id)
    with rt.transaction() as db:
        assert db.query(MoodCheckin).count() == 0 and db.query(CheckinReminder).count() == 0


def test_a_malformed_checkin_still_has_its_note_screened(
    rt: Runtime, client: TestClient, clinic: Clinic
) -> None:
    """Crisis first (DESIGN.md safety rules): a wrong type or a missing rating must not stop
    the note reaching the screen; the care team is told, nothing else is stored."""
    headers = sign_in(client, clinic.usernames["patient_a"])
    base = f"{API}/patients/{clinic.patient_a_id}"
    body = {"mood": "awful", "note": "I am going to kill myself tonight"}
    refused = client.post(f"{base}/checkins", json=body, headers=headers)
    assert "crisis resources first" in assert_problem(refused, 422)["title"]
    assert client.get(f"{base}/checkins", headers=headers).json() == []
    clinician = sign_in(client, clinic.usernames["clinician_a"])
    alerts = client.get(f"{API}/clinical-alerts", headers=clinician).json()
    assert [(a["kind"], a["level"]) for a in alerts] == [("risk", "urgent")]
