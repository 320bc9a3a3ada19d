"""Programme reminders: the daily rule (pure), and the minute job that sends them in-app and
by Web Push: a session that opens is announced once, overdue homework is reminded, nothing
goes to people who switched reminders off or left, and nothing is sent twice."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import http_ece
import pytest
from sqlalchemy import select

from mindway.errors import Forbidden, InvalidInput
from mindway.services import checkin_reminders, programmes, web_push
from mindway.services.runtime import Runtime
from mindway.services.therapy_reminders import PUSH_PAYLOAD, send_programme_reminders
from mindway.store.therapy_models import ProgrammeEnrolment
from mindway.store.types import utcnow
from mindway.therapy.programme_reminders import (
    HOMEWORK_DUE_DAYS,
    SessionState,
    in_app_text,
    owed_reminder,
    reminder_window,
)
from tests.clinic import Clinic
from tests.services.audit_trail import AuditWatch
from tests.services.test_web_push import Browser, PushService, push_service  # noqa: F401

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _state(
    position: int, opened_days: float | None, started: bool = False, done: bool = False
) -> SessionState:
    opened = None if opened_days is None else MONDAY + timedelta(days=opened_days)
    return SessionState(position, opened, started, done)


# --- the rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sessions", "reminded", "days", "owed"),
    [
        # just enrolled: session 1 is never announced, homework not due yet
        ([_state(0, 0), _state(1, None)], [], 1, None),
        # homework of the current session not done by its due day
        ([_state(0, 0, started=True), _state(1, None)], [], HOMEWORK_DUE_DAYS, "homework_due:1"),
        ([_state(0, 0, started=True, done=True), _state(1, None)], [], 6, None),
        ([_state(0, 0), _state(1, None)], ["homework_due:1"], 6, None),  # once only
        # a new session opened and nothing in it was touched: announced, newest first
        ([_state(0, 0), _state(1, 7)], [], 7.5, "session_open:2"),
        ([_state(0, 0), _state(1, 7)], ["session_open:2"], 8, None),
        ([_state(0, 0), _state(1, 7, started=True)], [], 8, None),
        # then that session's homework
        ([_state(0, 0), _state(1, 7)], ["session_open:2"], 7 + HOMEWORK_DUE_DAYS, "homework_due:2"),
        # a session opened early (the one before completed) counts from when it opened
        ([_state(0, 0, True, True), _state(1, 2)], ["session_open:2"], 6, None),
        ([_state(0, 0, True, True), _state(1, 2)], ["session_open:2"], 7, "homework_due:2"),
    ],
)
def test_the_reminder_owed(
    sessions: list[SessionState], reminded: list[str], days: float, owed: str | None
) -> None:
    found = owed_reminder(sessions, reminded, MONDAY + timedelta(days=days))
    assert (found.key if found else None) == owed


@pytest.mark.parametrize(
    ("utc", "inside"),
    [
        # Berlin in March is UTC+1: the window is 17:00-21:00 UTC
        (datetime(2026, 3, 2, 16, 59, tzinfo=UTC), False),
        (datetime(2026, 3, 2, 17, 0, tzinfo=UTC), True),
        (datetime(2026, 3, 2, 20, 59, tzinfo=UTC), True),
        (datetime(2026, 3, 2, 21, 0, tzinfo=UTC), False),  # 22:00 local: asleep
        (datetime(2026, 3, 2, 3, 0, tzinfo=UTC), False),
    ],
)
def test_the_evening_window_is_local(utc: datetime, inside: bool) -> None:
    assert (reminder_window(BERLIN, utc) is not None) == inside


def test_the_push_text_says_nothing_about_health() -> None:
    """checkin_reminders: a channel carries no health data; the specific line is in-app."""
    payload = json.loads(PUSH_PAYLOAD)
    assert set(payload) == {"title", "body", "url"} and payload["url"] == "/patient/programme"
    for word in ("session", "homework", "programme", "sleep", "depress", "anxi", "mood"):
        assert word not in payload["body"].lower()
    assert "Session 2" in in_app_text("session_open:2")


# --- the minute job ------------------------------------------------------------------------


def _enrol(rt: Runtime, clinic: Clinic, zone: str = "Europe/Berlin") -> datetime:
    checkin_reminders.set_reminder(rt, clinic.patient_a, clinic.patient_a_id, ["09:00"], zone)
    plan = programmes.enrol(rt, clinic.patient_a, clinic.patient_a_id, "sleep_better")
    return plan.enrolled_at


def _evening(
    enrolled_at: datetime, days: int, zone: ZoneInfo = BERLIN, at: time = time(18, 30)
) -> datetime:
    """``days`` local days after enrolment, at ``at`` local time, in UTC."""
    day: date = enrolled_at.astimezone(zone).date() + timedelta(days=days)
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def test_a_new_session_is_announced_once_then_its_homework(rt: Runtime, clinic: Clinic) -> None:
    enrolled = _enrol(rt, clinic)
    watch = AuditWatch(rt)
    assert send_programme_reminders(rt, _evening(enrolled, 1, at=time(17, 59))) == 0
    assert watch.new() == []  # outside the window: nothing read, nothing written
    assert send_programme_reminders(rt, _evening(enrolled, 1)) == 0  # nothing owed yet
    assert watch.single().reason == "1 looked at, 0 reminded"

    opened = _evening(enrolled, 8)  # session 2 opened by the calendar on day 7
    watch = AuditWatch(rt)
    assert send_programme_reminders(rt, opened) == 1
    event = watch.single()  # no browser subscribed: no push event
    assert (event.action, event.reason) == ("programme_reminder.prompt", "1 looked at, 1 reminded")
    watch = AuditWatch(rt)
    assert send_programme_reminders(rt, opened + timedelta(minutes=1)) == 0
    assert watch.new() == []  # looked at today: not again, and no event
    assert send_programme_reminders(rt, _evening(enrolled, 9)) == 0  # announced already
    shown = programmes.current(rt, clinic.patient_a, clinic.patient_a_id)
    assert shown is not None and shown.reminder == "Session 2 of your programme is open."

    assert send_programme_reminders(rt, _evening(enrolled, 7 + HOMEWORK_DUE_DAYS + 1)) == 1
    shown = programmes.current(rt, clinic.patient_a, clinic.patient_a_id)
    assert shown is not None and shown.reminder is not None and "session 2" in shown.reminder
    with rt.transaction() as db:  # back to real time: the reminder went just now
        (row,) = db.scalars(select(ProgrammeEnrolment).where(ProgrammeEnrolment.status == "active"))
        row.reminded_at = utcnow()
    shown = programmes.current(rt, clinic.patient_a, clinic.patient_a_id)
    assert shown is not None and shown.reminder is not None
    item = shown.sessions[0].items[0]
    after = programmes.mark_done(rt, clinic.patient_a, clinic.patient_a_id, 1, item.key)
    assert after.reminder is None  # doing something in the programme clears the line


def test_overdue_homework_is_reminded_and_done_homework_is_not(rt: Runtime, clinic: Clinic) -> None:
    enrolled = _enrol(rt, clinic, "UTC")
    plan = programmes.enrol(rt, clinic.patient_b, clinic.patient_b_id, "sleep_better")
    homework = [i for i in plan.sessions[0].items if i.kind == "homework"]
    for item in homework:
        programmes.mark_done(rt, clinic.patient_b, clinic.patient_b_id, 1, item.key)
    due = _evening(enrolled, HOMEWORK_DUE_DAYS + 1, ZoneInfo("UTC"))
    watch = AuditWatch(rt)
    assert send_programme_reminders(rt, due) == 1  # patient A only
    assert watch.new()[0].reason == "2 looked at, 1 reminded"
    shown_a = programmes.current(rt, clinic.patient_a, clinic.patient_a_id)
    shown_b = programmes.current(rt, clinic.patient_b, clinic.patient_b_id)
    assert shown_a is not None and shown_a.reminder is not None and "practice" in shown_a.reminder
    assert shown_b is not None and shown_b.reminder is None


def test_switched_off_or_left_means_no_reminders(rt: Runtime, clinic: Clinic) -> None:
    enrolled = _enrol(rt, clinic)
    with pytest.raises(Forbidden):  # the patient's choice, not the clinician's
        programmes.set_reminders(rt, clinic.clinician_a, clinic.patient_a_id, False)
    off = programmes.set_reminders(rt, clinic.patient_a, clinic.patient_a_id, False)
    assert not off.reminders_on
    watch = AuditWatch(rt)
    assert send_programme_reminders(rt, _evening(enrolled, 8)) == 0
    assert watch.new() == []
    assert programmes.set_reminders(rt, clinic.patient_a, clinic.patient_a_id, True).reminders_on
    programmes.leave(rt, clinic.patient_a, clinic.patient_a_id)
    assert programmes.current(rt, clinic.patient_a, clinic.patient_a_id) is None
    assert send_programme_reminders(rt, _evening(enrolled, 8)) == 0
    with pytest.raises(InvalidInput):
        programmes.leave(rt, clinic.patient_a, clinic.patient_a_id)
    with pytest.raises(InvalidInput):
        programmes.set_reminders(rt, clinic.patient_a, clinic.patient_a_id, True)


def test_the_reminder_is_pushed_without_health_data(
    rt: Runtime,
    clinic: Clinic,
    push_service: PushService,  # noqa: F811
) -> None:
    enrolled = _enrol(rt, clinic)
    browser = Browser()
    endpoint = push_service.origin + "/wpush/device-1"
    web_push.subscribe(rt, clinic.patient_a, clinic.patient_a_id, browser.subscription(endpoint))
    watch = AuditWatch(rt)
    assert send_programme_reminders(rt, _evening(enrolled, 8)) == 1
    actions = [e.action for e in watch.new()]
    assert actions == ["programme_reminder.prompt", "programme_reminder.push"]
    assert watch.new()[-1].reason == "1 sent, 0 expired, 0 failed"
    (got,) = push_service.received
    plain = http_ece.decrypt(
        got.body, private_key=browser.private_key, auth_secret=browser.auth, version="aes128gcm"
    )
    assert json.loads(plain) == json.loads(PUSH_PAYLOAD)


def test_one_a_day_even_when_the_patient_moves_east(rt: Runtime, clinic: Clinic) -> None:
    """Honolulu's evening is early morning in Auckland: after moving there, the Auckland window
    opens an hour or two after the Honolulu reminder; the second owed reminder waits a day."""
    honolulu, auckland = ZoneInfo("Pacific/Honolulu"), ZoneInfo("Pacific/Auckland")
    enrolled = _enrol(rt, clinic, "Pacific/Honolulu")
    first = _evening(enrolled, 7 + HOMEWORK_DUE_DAYS, honolulu)  # session 2 and its homework
    assert send_programme_reminders(rt, first) == 1  # the announcement only
    checkin_reminders.set_reminder(
        rt, clinic.patient_a, clinic.patient_a_id, ["09:00"], "Pacific/Auckland"
    )
    moved = datetime.combine(first.astimezone(auckland).date(), time(18, 30), tzinfo=auckland)
    assert timedelta(0) < moved - first < timedelta(hours=3)
    assert send_programme_reminders(rt, moved) == 0
    assert send_programme_reminders(rt, moved + timedelta(days=1)) == 1  # the homework, next day
