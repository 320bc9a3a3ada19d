"""The progress and schedule routes: shapes of the answers and refused input."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.calls import API, assert_problem, sign_in
from tests.clinic import Clinic


def test_schedule_and_progress_over_http(client: TestClient, clinic: Clinic) -> None:
    headers = sign_in(client, clinic.usernames["clinician_a"])
    base = f"{API}/patients/{clinic.patient_a_id}"
    too_often = client.put(f"{base}/schedules/phq9", json={"every_days": 3}, headers=headers)
    assert_problem(too_often, 422)
    made = client.put(f"{base}/schedules/phq9", json={"every_days": 14}, headers=headers)
    assert made.status_code == 200
    assert {k: made.json()[k] for k in ("instrument", "every_days", "state")} == {
        "instrument": "phq9",
        "every_days": 14,
        "state": "due",
    }
    answers = {"instrument": "phq9", "answers": [2, 2, 2, 2, 1, 1, 1, 1, 0]}
    assert client.post(f"{base}/questionnaires", json=answers, headers=headers).status_code == 201
    (listed,) = client.get(f"{base}/schedules", headers=headers).json()
    assert listed["state"] == "done"
    body = client.get(f"{base}/progress", headers=headers).json()
    assert body["time_unit"] == "weeks"
    phq = body["instruments"][0]
    assert (phq["instrument"], phq["intake"], phq["latest_signal"]) == ("phq9", 12, "green")
    assert phq["curve"]["method"] == "rational" and phq["points"][0]["reason"] == "intake"
    assert client.delete(f"{base}/schedules/phq9", headers=headers).status_code == 204
    assert client.get(f"{base}/schedules", headers=headers).json() == []
