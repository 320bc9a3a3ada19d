"""The patient's check-in page: saves, keeps what was typed on a mistake, crisis first when
the note is flagged, reminder times, and the gentle summary and prompt on the home page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mindway.services import checkin_reminders, checkins, clinical_alerts
from mindway.services.runtime import Runtime
from tests.clinic import Clinic
from tests.services.test_checkins import GOOD
from tests.web.visitor import Visitor, browser

FORM = {
    "mood": "6",
    "anxiety": "3",
    "energy": "5",
    "sleep_quality": "6",
    "sleep_hours": "7.5",
    "activity_walk": "yes",
    "tags": "family, sun",
}


def test_patient_checks_in_and_sees_the_summary(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    visitor.sign_in("patient.a")
    page = visitor.get("/patient/checkin").text
    assert 'type="range"' in page and 'name="activity_walk"' in page
    reply = visitor.submit("/patient/checkin", FORM, page="/patient/checkin")
    assert reply.status_code == 303 and reply.headers["location"].endswith("?saved=yes")
    (seen,) = checkins.list_checkins(rt, clinic.patient_a, clinic.patient_a_id)
    assert seen.values.activities == ["walk"] and seen.values.tags == ["family", "sun"]
    after = visitor.get("/patient/checkin?saved=yes").text
    assert "You&#39;ve checked in 1 of the last 7 days." in after


def test_a_mistake_keeps_the_form_and_stores_nothing(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    visitor.sign_in("patient.a")
    reply = visitor.submit(
        "/patient/checkin", {**FORM, "mood": "12", "note": "kept words"}, page="/patient/checkin"
    )
    assert reply.status_code == 422 and "kept words" in reply.text
    assert checkins.list_checkins(rt, clinic.patient_a, clinic.patient_a_id) == []


def test_flagged_note_shows_crisis_resources_first(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    visitor.sign_in("patient.a")
    note = {"note": "I keep thinking I will end my life"}
    reply = visitor.submit("/patient/checkin", {**FORM, **note}, page="/patient/checkin")
    assert reply.headers["location"].endswith("?help=now")
    page = visitor.get(reply.headers["location"]).text
    assert page.index('class="crisis crisis-first"') < page.index('id="checkin-form"')
    assert "We have told your care team" in page
    assert [a.kind for a in clinical_alerts.inbox(rt, clinic.clinician_a)] == ["risk"]


def test_flagged_note_with_a_bad_value_still_goes_crisis_first(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    visitor.sign_in("patient.a")
    data = {**FORM, "mood": "abc", "note": "kms"}
    reply = visitor.submit("/patient/checkin", data, page="/patient/checkin")
    assert reply.headers["location"].endswith("?help=now")
    assert len(clinical_alerts.inbox(rt, clinic.clinician_a)) == 1


def test_reminder_times_are_saved_or_explained(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    visitor.sign_in("patient.a")
    data = {"times": "20:00, 08:30", "timezone": "Europe/Berlin", "active": "yes"}
    reply = visitor.submit("/patient/reminders", data, page="/patient/checkin")
    assert reply.status_code == 303
    saved = checkin_reminders.get_reminder(rt, clinic.patient_a, clinic.patient_a_id)
    assert saved.times == ["08:30", "20:00"]
    bad = visitor.submit(
        "/patient/reminders", {**data, "timezone": "Nowhere/Else"}, page="/patient/checkin"
    )
    assert bad.status_code == 422 and "unknown time zone" in bad.text.lower()


def test_home_shows_the_summary_and_the_prompt(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    now = datetime.now(UTC)
    hhmm = (now - timedelta(minutes=1)).strftime("%H:%M")
    checkin_reminders.set_reminder(rt, clinic.patient_a, clinic.patient_a_id, [hhmm], "UTC")
    checkin_reminders.send_due_prompts(rt, now)
    visitor.sign_in("patient.a")
    home = visitor.get("/patient").text
    assert "Time to check in" in home
    checkins.record(rt, clinic.patient_a, clinic.patient_a_id, GOOD, None)
    home = visitor.get("/patient").text
    assert "Time to check in" not in home and "checked in 1 of the last 7 days" in home


def test_mood_chart_on_progress_and_clinician_pages(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    checkins.record(rt, clinic.patient_a, clinic.patient_a_id, GOOD, None)
    visitor.sign_in("patient.a")
    progress = visitor.get("/patient/progress").text
    assert 'id="mood-chart-title"' in progress and "Mood and anxiety" in progress
    assert "<td>6</td>" in progress  # the table of the same numbers
    with browser(rt) as colleague:
        colleague.sign_in("clinician.a")
        clinician = colleague.get(f"/clinician/patients/{clinic.patient_a_id}").text
    assert 'id="mood-chart-title"' in clinician
