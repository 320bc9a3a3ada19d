"""Programmes over the API: a clinician assigns, the patient switches reminders off, and
either of them ends the programme; each step is audited and leaves no programme behind."""

from __future__ import annotations

from fastapi.testclient import TestClient

from mindway.services.runtime import Runtime
from tests.api.calls import API, assert_problem, sign_in
from tests.clinic import Clinic
from tests.services.audit_trail import AuditWatch


def test_reminders_are_the_patients_choice_and_either_may_leave(
    rt: Runtime, clinic: Clinic, client: TestClient
) -> None:
    base = f"{API}/patients/{clinic.patient_a_id}/programme"
    clinician, patient = sign_in(client, "clinician.a"), sign_in(client, "patient.a")
    enrolled = client.post(base, json={"programme": "sleep_better"}, headers=clinician)
    assert enrolled.status_code == 201, enrolled.text
    assert enrolled.json()["reminders_on"] is True  # on by default: the patient may say no

    assert_problem(client.put(f"{base}/reminders", json={"on": False}, headers=clinician), 403)
    off = client.put(f"{base}/reminders", json={"on": False}, headers=patient)
    assert off.status_code == 200 and off.json()["reminders_on"] is False
    assert client.get(base, headers=clinician).json()["reminders_on"] is False
    for bad in ({"on": "maybe"}, {}, {"on": False, "extra": 1}):
        assert_problem(client.put(f"{base}/reminders", json=bad, headers=patient), 422)

    watch = AuditWatch(rt)
    assert client.delete(base, headers=patient).status_code == 204
    assert [(e.action, e.outcome) for e in watch.new()] == [("programme.leave", "success")]
    assert client.get(base, headers=patient).json() is None
    assert_problem(client.delete(base, headers=clinician), 422)  # nothing left to end
    assert_problem(client.put(f"{base}/reminders", json={"on": True}, headers=patient), 422)

    again = client.post(base, json={"programme": "sleep_better"}, headers=clinician)
    assert again.status_code == 201, again.text
    assert client.delete(base, headers=clinician).status_code == 204
    assert client.get(base, headers=clinician).json() is None
