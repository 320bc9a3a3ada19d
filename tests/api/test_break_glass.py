"""Break-glass: emergency access outside the care team, time-limited, audited, alerted."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from mindway.security.policy import Role
from mindway.services.runtime import Runtime
from mindway.store.models import BreakGlass
from mindway.store.types import utcnow
from tests.api.calls import API, assert_problem, sign_in
from tests.clinic import Clinic, add_account
from tests.services.audit_trail import AuditWatch

REASON = "Patient in acute crisis in A&E; their team cannot be reached"


def test_break_glass_opens_reading_and_notes_until_it_expires(
    rt: Runtime, clinic: Clinic, client: TestClient
) -> None:
    add_account(rt, clinic.admin, "admin.two", Role.ADMIN)
    clinician = sign_in(client, "clinician.a")
    record = f"{API}/patients/{clinic.patient_b.patient_id}"
    before = assert_problem(client.get(record, headers=clinician), 404)

    watch = AuditWatch(rt)
    started = client.post(f"{record}/break-glass", json={"reason": REASON}, headers=clinician)
    assert started.status_code == 201, started.text
    grant = started.json()
    length = datetime.fromisoformat(grant["expires_at"]) - datetime.fromisoformat(
        grant["started_at"]
    )
    assert length == timedelta(minutes=rt.settings.break_glass_minutes)

    assert client.get(record, headers=clinician).json()["family_name"] == "Baker"
    note = {"kind": "risk", "body": "Seen in A&E; safety plan agreed."}
    assert client.post(f"{record}/notes", json=note, headers=clinician).status_code == 201
    assert client.get(f"{record}/notes", headers=clinician).status_code == 200
    # Break-glass opens reading and documenting only: never consent or export.
    consent = {"purpose": "research", "granted": True}
    assert_problem(client.post(f"{record}/consents", json=consent, headers=clinician), 404)
    assert_problem(client.get(f"{record}/consents", headers=clinician), 404)
    assert_problem(client.get(f"{record}/export", headers=clinician), 403)

    events = watch.new()
    assert [(e.action, e.outcome, e.reason) for e in events[:4]] == [
        ("break_glass.start", "success", f"grant {grant['id']}"),
        ("patient.read", "success", "break-glass"),
        ("note.create", "success", "break-glass"),
        ("note.list", "success", "break-glass"),
    ]
    assert all(REASON not in str(e) for e in events)

    for admin in ("admin", "admin.two"):
        alerts = client.get(f"{API}/alerts", headers=sign_in(client, admin)).json()
        assert [(a["kind"], a["subject_id"]) for a in alerts] == [("break_glass", grant["id"])]
        assert REASON not in alerts[0]["message"]
    reason_url = f"{API}/break-glass/{grant['id']}/reason"
    assert client.get(reason_url, headers=sign_in(client, "admin")).json() == {"reason": REASON}
    assert_problem(client.get(reason_url, headers=clinician), 403)

    with rt.transaction() as db:
        db.execute(update(BreakGlass).values(expires_at=utcnow() - timedelta(seconds=1)))
    after = assert_problem(client.get(record, headers=clinician), 404)
    assert after == before
    assert_problem(client.post(f"{record}/notes", json=note, headers=clinician), 404)


def test_break_glass_is_personal_and_needs_a_reason(
    rt: Runtime, clinic: Clinic, client: TestClient
) -> None:
    add_account(rt, clinic.admin, "clinician.c", Role.CLINICIAN)
    record = f"{API}/patients/{clinic.patient_b.patient_id}"
    clinician_a = sign_in(client, "clinician.a")
    for body in ({"reason": "  urgent   "}, {}, {"reason": None}):
        assert_problem(client.post(f"{record}/break-glass", json=body, headers=clinician_a), 422)
    assert_problem(client.get(record, headers=clinician_a), 404)
    started = client.post(f"{record}/break-glass", json={"reason": REASON}, headers=clinician_a)
    assert started.status_code == 201
    assert client.get(record, headers=clinician_a).status_code == 200
    assert_problem(client.get(record, headers=sign_in(client, "clinician.c")), 404)
