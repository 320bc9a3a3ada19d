"""Four weeks of daily check-ins for the demo patient, so the programme page has personal
insights to show (synthetic data: walking days lift mood by about 1.5 points, sleep
varies, and the noise is that of a real diary). Run once after the demo clinic is seeded;
days that already have a check-in are left alone."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

from sqlalchemy import select

from mindway.clinical.mood import CheckinValues
from mindway.security.policy import OPERATOR
from mindway.services.checkins import TABLE, zone_of
from mindway.services.demo import DEMO_LOGINS
from mindway.services.runtime import Runtime
from mindway.store.models import Account, MoodCheckin
from mindway.store.types import utcnow

DAYS = 28
WALK_LIFT = 1.5


def _values(rng: random.Random, weekday: int) -> CheckinValues:
    walked = rng.random() < 0.5
    sleep = rng.choice([5.5, 6.0, 6.5, 7.0, 7.5, 8.0])
    mood = 4.0 + WALK_LIFT * walked + 0.3 * (sleep - 6.5) + rng.gauss(0, 1.0)
    activities = ["walk"] if walked else []
    if weekday < 5:
        activities.append("work")
    return CheckinValues(
        mood=max(0, min(10, round(mood))),
        anxiety=max(0, min(10, round(rng.gauss(5, 1.5)))),
        energy=max(0, min(10, round(rng.gauss(5, 1.5)))),
        sleep_hours=sleep,
        sleep_quality=max(0, min(10, round(sleep - 1 + rng.gauss(0, 1)))),
        activities=activities,
    )


def seed_therapy_demo(rt: Runtime, seed: int = 1) -> int:
    """Add up to ``DAYS`` past check-ins for the demo patient; returns how many were added
    (0 when there is no demo patient)."""
    rng = random.Random(f"{seed}/therapy")  # noqa: S311 - synthetic data, not secrets
    with rt.use_case(OPERATOR, "demo.seed_therapy", "clinic") as uc:
        username = DEMO_LOGINS["patient"][0]
        account = uc.db.scalars(select(Account).where(Account.username == username)).first()
        if account is None or account.patient_id is None:
            return 0
        patient_id = account.patient_id
        today = utcnow().astimezone(zone_of(uc, patient_id)).date()
        taken = set(
            uc.db.scalars(
                select(MoodCheckin.local_date).where(MoodCheckin.patient_id == patient_id)
            )
        )
        added = 0
        for back in range(DAYS, 0, -1):
            day = today - timedelta(days=back)
            values = _values(rng, day.weekday())
            if day in taken:
                continue
            row = MoodCheckin(id=uuid.uuid4(), patient_id=patient_id, local_date=day, values_enc="")
            row.recorded_at = utcnow() - timedelta(days=back)
            row.values_enc = uc.vault.seal(
                str(patient_id), TABLE, "values", row.id, values.model_dump_json()
            )
            uc.db.add(row)
            added += 1
        uc.reason = f"{added} check-ins for the demo patient"
        return added
