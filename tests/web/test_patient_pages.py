"""The patient's pages: the crisis link everywhere, open notes, and consent both ways."""

from __future__ import annotations

from mindway.services import consent, patients
from mindway.services.runtime import Runtime
from tests.clinic import Clinic
from tests.web.visitor import Visitor

CRISIS_LINK = '<a class="crisis-link" href="/crisis">Need help now?</a>'
PATIENT_PAGES = ("/patient", "/patient/notes", "/account/mfa", "/crisis", "/clinician", "/nowhere")


def test_every_patient_page_has_the_crisis_link(visitor: Visitor) -> None:
    """Home, notes, settings, and even the refusal and not-found pages a patient might hit."""
    visitor.sign_in("patient.a")
    statuses = {}
    for path in PATIENT_PAGES:
        reply = visitor.get(path, headers={"accept": "text/html"})
        statuses[path] = reply.status_code
        assert CRISIS_LINK in reply.text, path
    assert statuses == {
        "/patient": 200,
        "/patient/notes": 200,
        "/account/mfa": 200,
        "/crisis": 200,
        "/clinician": 403,
        "/nowhere": 404,
    }


def test_crisis_link_is_on_the_sign_in_page_too(visitor: Visitor) -> None:
    assert CRISIS_LINK in visitor.get("/login").text


def test_home_greets_and_shows_team_notes_and_choices(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    patients.add_note(
        rt, clinic.clinician_a, clinic.patient_a_id, "session", "We practised <breathing>."
    )
    visitor.sign_in("patient.a")
    page = visitor.get("/patient").text
    assert "Hello, Alice" in page
    assert "Team A" in page
    assert "We practised &lt;breathing&gt;." in page  # the note, escaped
    assert "Clinician.A" in page  # who wrote it
    for title in ("Care through Mindway", "Research with de-identified data", "AI-assisted"):
        assert title in page


def test_consent_is_given_and_withdrawn_with_one_button(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    pid = clinic.patient_a_id

    def research() -> bool:
        states = consent.current(rt, clinic.patient_a, pid)
        return next(s.granted for s in states if s.purpose == "research")

    visitor.sign_in("patient.a")
    assert not research()
    reply = visitor.submit("/patient/consent", {"purpose": "research", "granted": "yes"})
    assert reply.status_code == 303
    assert research()
    assert "Your choice is saved." in visitor.client.get(reply.headers["location"]).text
    reply = visitor.submit("/patient/consent", {"purpose": "research", "granted": "no"})
    assert reply.status_code == 303
    assert not research()


def test_consent_by_htmx_returns_just_the_section(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    visitor.sign_in("patient.a")
    reply = visitor.post(
        "/patient/consent",
        {"purpose": "ai_features", "granted": "yes", "csrf": visitor.csrf()},
        headers={"HX-Request": "true"},
    )
    assert reply.status_code == 200
    assert reply.text.lstrip().startswith('<section class="card" id="consent"')
    assert "<html" not in reply.text
    assert "Your choice is saved." in reply.text


def test_bad_consent_input_is_a_message_and_changes_nothing(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    pid = clinic.patient_a_id
    visitor.sign_in("patient.a")
    before = consent.history(rt, clinic.patient_a, pid)
    for data in ({"purpose": "marketing", "granted": "yes"}, {"purpose": "care", "granted": "?"}):
        reply = visitor.submit("/patient/consent", data)
        assert reply.status_code == 422
        assert 'role="alert"' in reply.text
    assert consent.history(rt, clinic.patient_a, pid) == before


def test_patient_sees_only_their_own_notes(rt: Runtime, clinic: Clinic, visitor: Visitor) -> None:
    patients.add_note(rt, clinic.clinician_b, clinic.patient_b_id, "session", "Bob's note")
    visitor.sign_in("patient.a")
    assert "Bob's note" not in visitor.get("/patient/notes").text
    assert "Bob&#39;s note" not in visitor.get("/patient/notes").text
