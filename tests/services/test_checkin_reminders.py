"""Check-in reminders: validated settings, prompts owed across time zones, in-app delivery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mindway.errors import Forbidden, InvalidInput
from mindway.services import checkin_reminders as reminders
from mindway.services import checkins
from mindway.services.runtime import Runtime
from tests.clinic import Clinic
from tests.services.audit_trail import AuditWatch
from tests.services.test_checkins import GOOD

BERLIN, AUCKLAND, NEW_YORK = (
    ZoneInfo("Europe/Berlin"),
    ZoneInfo("Pacific/Auckland"),
    ZoneInfo("America/New_York"),
)


@pytest.mark.parametrize(
    ("zone", "now", "last", "due"),
    [
        # 20:00 Berlin (CEST, UTC+2) is 18:00 UTC
        (BERLIN, datetime(2026, 6, 1, 17, 59, tzinfo=UTC), None, None),
        (BERLIN, datetime(2026, 6, 1, 18, 0, tzinfo=UTC), None, datetime(2026, 6, 1, 18, 0)),
        (BERLIN, datetime(2026, 6, 1, 18, 30, tzinfo=UTC), datetime(2026, 6, 1, 18, 0), None),
        (BERLIN, datetime(2026, 6, 2, 1, 0, tzinfo=UTC), None, None),  # > 6 h late: not sent
        # 20:00 Auckland (NZST, UTC+12) is 08:00 UTC the same calendar day
        (AUCKLAND, datetime(2026, 6, 1, 8, 5, tzinfo=UTC), None, datetime(2026, 6, 1, 8, 0)),
        # 20:00 New York (EDT, UTC-4) is 00:00 UTC the next day
        (NEW_YORK, datetime(2026, 6, 2, 0, 1, tzinfo=UTC), None, datetime(2026, 6, 2, 0, 0)),
        (NEW_YORK, datetime(2026, 6, 1, 20, 0, tzinfo=UTC), None, None),
    ],
)
def test_due_moment_across_time_zones(
    zone: ZoneInfo, now: datetime, last: datetime | None, due: datetime | None
) -> None:
    last_utc = last.replace(tzinfo=UTC) if last else None
    moment = reminders.due_moment(["20:00"], zone, last_utc, now)
    assert (moment.astimezone(UTC).replace(tzinfo=None) if moment else None) == due


@pytest.mark.parametrize(
    ("times", "zone"),
    [(["24:00"], "UTC"), (["7:30"], "UTC"), (["08:00"], "Mars/Olympus"), (["08:00"], "")],
)
def test_bad_settings_are_refused(rt: Runtime, clinic: Clinic, times: list[str], zone: str) -> None:
    with pytest.raises(InvalidInput):
        reminders.set_reminder(rt, clinic.patient_a, clinic.patient_a_id, times, zone)


def test_patient_sets_reminders_and_the_clinician_reads_them(rt: Runtime, clinic: Clinic) -> None:
    unset = reminders.get_reminder(rt, clinic.patient_a, clinic.patient_a_id)
    assert not unset.active and unset.times == []
    made = reminders.set_reminder(
        rt, clinic.patient_a, clinic.patient_a_id, ["20:00", "08:30", "20:00"], "Europe/Berlin"
    )
    assert made.times == ["08:30", "20:00"] and made.timezone == "Europe/Berlin"
    assert reminders.get_reminder(rt, clinic.clinician_a, clinic.patient_a_id) == made
    with pytest.raises(Forbidden):
        reminders.set_reminder(rt, clinic.clinician_a, clinic.patient_a_id, ["09:00"], "UTC")


def test_in_app_prompt_until_the_patient_checks_in(rt: Runtime, clinic: Clinic) -> None:
    now = datetime.now(UTC)
    hhmm = (now - timedelta(minutes=1)).strftime("%H:%M")
    reminders.set_reminder(rt, clinic.patient_a, clinic.patient_a_id, [hhmm], "UTC")
    assert not reminders.prompt_pending(rt, clinic.patient_a)
    watch = AuditWatch(rt)
    assert reminders.send_due_prompts(rt, now) == 1
    assert watch.single().action == "checkin_reminder.prompt"
    watch = AuditWatch(rt)
    assert reminders.send_due_prompts(rt, now) == 0 and watch.new() == []  # once, then quiet
    assert reminders.prompt_pending(rt, clinic.patient_a)
    assert not reminders.prompt_pending(rt, clinic.clinician_a)
    checkins.record(rt, clinic.patient_a, clinic.patient_a_id, GOOD, None)
    assert not reminders.prompt_pending(rt, clinic.patient_a)


def test_no_prompt_after_todays_checkin(rt: Runtime, clinic: Clinic) -> None:
    now = datetime.now(UTC)
    reminders.set_reminder(
        rt,
        clinic.patient_a,
        clinic.patient_a_id,
        [(now - timedelta(minutes=1)).strftime("%H:%M")],
        "UTC",
    )
    checkins.record(rt, clinic.patient_a, clinic.patient_a_id, GOOD, None)
    assert reminders.send_due_prompts(rt, now) == 0
