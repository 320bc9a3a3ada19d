"""The programme page's reminder line, its reminders switch and leaving the programme."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from mindway.services import programmes
from mindway.services.runtime import Runtime
from mindway.services.therapy_reminders import send_programme_reminders
from mindway.store.therapy_models import ProgrammeEnrolment
from mindway.store.types import utcnow
from tests.clinic import Clinic
from tests.web.visitor import Visitor, browser

BASE = "/patient/programme"


@pytest.fixture
def visitor(rt: Runtime, clinic: Clinic) -> Iterator[Visitor]:
    with browser(rt) as v:
        yield v


def test_reminders_switch_and_leaving(rt: Runtime, clinic: Clinic, visitor: Visitor) -> None:
    visitor.sign_in("patient.a")
    visitor.submit(f"{BASE}/enrol", {"programme": "sleep_better"}, page=BASE)
    page = visitor.get(BASE).text
    assert "Turn reminders off" in page and 'id="programme-reminder"' not in page

    plan = programmes.current(rt, clinic.patient_a, clinic.patient_a_id)
    assert plan is not None
    day_8 = datetime.combine(plan.enrolled_at.date() + timedelta(days=8), time(18, 30), UTC)
    assert send_programme_reminders(rt, day_8) == 1  # session 2 opened on day 7
    with rt.transaction() as db:  # back to real time: the reminder went just now
        (row,) = db.scalars(select(ProgrammeEnrolment))
        row.reminded_at = utcnow()
    page = visitor.get(BASE).text
    assert 'id="programme-reminder"' in page and "Session 2 of your programme is open." in page

    reply = visitor.submit(f"{BASE}/reminders", {"on": "no"}, page=BASE)
    assert reply.status_code == 303
    page = visitor.get(BASE).text
    assert "Programme reminders are off." in page and "Turn reminders on" in page
    plan = programmes.current(rt, clinic.patient_a, clinic.patient_a_id)
    assert plan is not None and not plan.reminders_on

    reply = visitor.submit(f"{BASE}/leave", {}, page=BASE)
    assert reply.status_code == 303
    assert programmes.current(rt, clinic.patient_a, clinic.patient_a_id) is None
    page = visitor.get(BASE).text
    assert "Choose a programme" in page
    again = visitor.submit(f"{BASE}/leave", {}, page=BASE)
    assert again.status_code == 422 and "no active programme" in again.text
