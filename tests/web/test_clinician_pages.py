"""Clinician pages: caseload, one patient's record and notes, emergency access."""

from __future__ import annotations

import uuid

from mindway.services import alerts, patients
from mindway.services.runtime import Runtime
from tests.clinic import Clinic
from tests.web.visitor import Visitor, snapshot


def test_caseload_lists_own_patients_only(clinic: Clinic, visitor: Visitor) -> None:
    visitor.sign_in("clinician.a")
    page = visitor.get("/clinician").text
    assert f'href="/clinician/patients/{clinic.patient_a.patient_id}"' in page
    assert "Alice Archer" in page
    assert "Bob Baker" not in page


def test_patient_page_shows_record_consent_and_notes(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    pid = clinic.patient_a_id
    patients.add_note(rt, clinic.clinician_a, pid, "intake", "First meeting.")
    visitor.sign_in("clinician.a")
    page = visitor.get(f"/clinician/patients/{pid}").text
    for text in ("Alice", "Archer", "14 Mar 1985", "Team A", "First meeting.", "not given"):
        assert text in page


def test_foreign_patient_is_not_found(clinic: Clinic, visitor: Visitor) -> None:
    visitor.sign_in("clinician.a")
    for path in (
        f"/clinician/patients/{clinic.patient_b.patient_id}",
        f"/clinician/patients/{uuid.uuid4()}",
        "/clinician/patients/not-an-id",
    ):
        reply = visitor.get(path)
        assert reply.status_code == 404, path
        assert "We could not find that page" in reply.text
        assert "Bob" not in reply.text


def test_adding_a_note(rt: Runtime, clinic: Clinic, visitor: Visitor) -> None:
    pid = clinic.patient_a_id
    visitor.sign_in("clinician.a")
    reply = visitor.submit(
        f"/clinician/patients/{pid}/notes", {"kind": "phone", "body": "Called to check in."}
    )
    assert reply.status_code == 303
    notes = patients.list_notes(rt, clinic.clinician_a, pid)
    assert [(n.kind, n.body) for n in notes] == [("phone", "Called to check in.")]


def test_bad_note_is_a_message_and_changes_nothing(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    pid = clinic.patient_a_id
    visitor.sign_in("clinician.a")
    token = visitor.csrf()
    for data, message in (
        ({"kind": "session", "body": "   "}, "A note needs some text."),
        ({"kind": "gossip", "body": "text"}, "Note kind must be one of"),
        ({"kind": "session", "body": "x" * 20_001}, "At most 20000 characters"),
        ({"kind": "session", "body": "nul\x00byte"}, "characters that are not allowed"),
        ({"kind": "s" * 100, "body": "text"}, "at most 40 characters"),
    ):
        before = snapshot(rt)
        reply = visitor.post(f"/clinician/patients/{pid}/notes", {**data, "csrf": token})
        assert reply.status_code == 422
        assert message.lower() in reply.text.lower()
        assert snapshot(rt)["clinical_note"] == before["clinical_note"] == 0


def test_note_on_a_foreign_patient_is_refused(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    visitor.sign_in("clinician.a")
    reply = visitor.submit(
        f"/clinician/patients/{clinic.patient_b.patient_id}/notes",
        {"kind": "session", "body": "should not land"},
    )
    assert reply.status_code == 404
    assert snapshot(rt)["clinical_note"] == 0


def test_break_glass_needs_a_reason_then_opens_the_record(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    foreign = str(clinic.patient_b.patient_id)
    visitor.sign_in("clinician.a")
    short = visitor.submit("/clinician/break-glass", {"patient_id": foreign, "reason": "urgent"})
    assert short.status_code == 422
    assert "at least 10 characters" in short.text
    assert visitor.get(f"/clinician/patients/{foreign}").status_code == 404

    bad_id = visitor.submit("/clinician/break-glass", {"patient_id": "123", "reason": "x" * 20})
    assert bad_id.status_code == 422
    unknown = visitor.submit(
        "/clinician/break-glass", {"patient_id": str(uuid.uuid4()), "reason": "x" * 20}
    )
    assert unknown.status_code == 404
    assert "No patient has that ID" in unknown.text
    assert alerts.list_alerts(rt, clinic.admin) == []

    reason = "Bob called in crisis; his clinician is away."
    reply = visitor.submit("/clinician/break-glass", {"patient_id": foreign, "reason": reason})
    assert reply.status_code == 303
    assert reply.headers["location"] == f"/clinician/patients/{foreign}"
    page = visitor.get(f"/clinician/patients/{foreign}")
    assert page.status_code == 200
    assert "Bob" in page.text
    assert "emergency access" in page.text
    assert len(alerts.list_alerts(rt, clinic.admin)) == 1


def test_patient_cannot_use_clinician_pages(clinic: Clinic, visitor: Visitor) -> None:
    visitor.sign_in("patient.a")
    assert visitor.get("/clinician").status_code == 403
    # Not even for their own record: the clinician page is for clinicians.
    assert visitor.get(f"/clinician/patients/{clinic.patient_a.patient_id}").status_code == 403
