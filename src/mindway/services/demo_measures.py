"""PHQ-9 and GAD-7 histories and schedules for the demo clinic's synthetic patients.

Every patient completes both questionnaires at intake and then every two weeks across their
course, as in NHS Talking Therapies' session-by-session measurement (Clark et al. 2018), here
fortnightly. Totals follow a log-linear course (the shape Finch, Lambert & Schaalje 2001
found in routine data): most improve, some improve slowly, stay flat or get worse, so that the
caseload shows green, yellow and red not-on-track signals. Results are stored exactly as
``measures`` stores a submitted questionnaire (scored, sealed); ongoing patients get
fortnightly schedules. Only a couple of patients outside the demo clinician's team answer
PHQ-9 item 9 above 0 (with the risk alert that raises), so the demo clinician's inbox starts
empty of risk alerts.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from mindway.clinical.alert_rules import risk_alerts
from mindway.clinical.scoring import ScoreResult, score
from mindway.services import measures
from mindway.services.demo_history import Course
from mindway.services.runtime import UseCase
from mindway.store.models import QuestionnaireResponse, QuestionnaireSchedule

__all__ = ["MeasurePlan", "add_measures", "add_schedules", "answers_for", "plan_measures"]

EVERY_DAYS = 14
PLATEAU_WEEKS = 16  # the course's change is complete by then
LAPSE_RATE = 0.2  # share who have not filled in the latest one or two
MIN_RESULTS = 3  # every course of care shows at least three results of each questionnaire
ITEMS = {"phq9": 9, "gad7": 7}
MAX_TOTAL = {"phq9": 27, "gad7": 21}
# (kind, weight, share of intake gone by the plateau: lowest, highest; negative is worse)
COURSE_KINDS = (
    ("improving", 62, 0.6, 0.85),
    ("slow", 18, 0.35, 0.5),
    ("flat", 10, -0.1, 0.1),
    ("worsening", 10, -0.5, -0.3),
)


@dataclass(frozen=True)
class MeasurePlan:
    """One patient's questionnaire totals over time: instrument -> [(when, total)]."""

    kind: str
    totals: dict[str, list[tuple[datetime, int]]]


def plan_measures(rng: random.Random, course: Course, end: datetime) -> MeasurePlan:
    """Totals at intake and every two weeks until ``end`` (discharge, or yesterday)."""
    kind, _weight, low, high = rng.choices(COURSE_KINDS, [k[1] for k in COURSE_KINDS])[0]
    share = rng.uniform(low, high)
    intakes = {"phq9": rng.randint(9, 18), "gad7": rng.randint(7, 15)}
    primary = {"PHQ-9": "phq9", "GAD-7": "gad7"}.get(course.concern.measure)
    if primary is not None:
        intakes[primary] = min(course.baseline, MAX_TOTAL[primary])
    times: list[datetime] = []
    slot, skipped = 0, None
    while (at := _slot_time(rng, course.start, slot)) < end:
        if slot and skipped is None and rng.random() < 0.08:
            skipped = at  # one missed questionnaire now and then
        else:
            times.append(at)
        slot += 1
    if len(times) < MIN_RESULTS and skipped is not None:
        times = sorted([*times, skipped])  # a short course keeps every questionnaire
    if len(times) > MIN_RESULTS and rng.random() < LAPSE_RATE:
        lapsed = rng.randint(1, 2)  # lately not filled in: due or overdue
        del times[-min(lapsed, len(times) - MIN_RESULTS) :]
    totals = {
        instrument: [
            (when, _total(rng, intake, share, (when - course.start).days / 7, instrument))
            for when in times
        ]
        for instrument, intake in intakes.items()
    }
    return MeasurePlan(kind, totals)


def _slot_time(rng: random.Random, start: datetime, slot: int) -> datetime:
    """Intake at the first session; later ones within a day or so of their fortnight."""
    if slot == 0:
        return start
    return start + timedelta(days=EVERY_DAYS * slot, hours=rng.randint(0, 30))


def _total(rng: random.Random, intake: int, share: float, weeks: float, instrument: str) -> int:
    if weeks == 0:
        return intake
    progress = min(1.0, math.log1p(weeks) / math.log1p(PLATEAU_WEEKS))
    value = round(intake * (1 - share * progress) + rng.gauss(0, 1.0))
    return max(0, min(MAX_TOTAL[instrument], value))


def answers_for(rng: random.Random, instrument: str, total: int, item9: int = 0) -> list[int]:
    """Item answers (0-3) adding up to ``total``; PHQ-9 item 9 is ``item9``."""
    n_items = ITEMS[instrument]
    spread = n_items - 1 if instrument == "phq9" else n_items
    answers = [0] * n_items
    remaining = min(total - (item9 if instrument == "phq9" else 0), 3 * spread)
    while remaining > 0:
        item = rng.randrange(spread)
        if answers[item] < 3:
            answers[item] += 1
            remaining -= 1
    if instrument == "phq9":
        answers[8] = item9
    return answers


def add_measures(
    uc: UseCase,
    patient_id: uuid.UUID,
    plan: MeasurePlan,
    entered_by: uuid.UUID,
    *,
    risk_now: datetime | None = None,
) -> int:
    """Store the plan's results sealed; with ``risk_now``, the last PHQ-9 is taken again at
    that time with item 9 answered 1, and its risk alert is raised. Returns results stored."""
    stored = 0
    for instrument, series in plan.totals.items():
        rng = random.Random(f"{patient_id}/{instrument}")  # noqa: S311 - made-up data
        for when, total in series:
            result = score(instrument, answers_for(rng, instrument, total))
            _store(uc, patient_id, result, when, entered_by)
            stored += 1
    if risk_now is not None and plan.totals["phq9"]:
        rng = random.Random(f"{patient_id}/risk")  # noqa: S311 - made-up data
        total = max(plan.totals["phq9"][-1][1], 1)
        result = score("phq9", answers_for(rng, "phq9", total, item9=1))
        row = _store(uc, patient_id, result, risk_now, entered_by)
        for spec in risk_alerts(result):
            alert = measures.raise_alert(uc, patient_id, spec, row.id)
            alert.created_at, alert.due_at = risk_now, risk_now + spec.due_in
        stored += 1
    return stored


def add_schedules(
    uc: UseCase, patient_id: uuid.UUID, starts_at: datetime, created_by: uuid.UUID
) -> None:
    """PHQ-9 and GAD-7 every two weeks from the start of care."""
    for instrument in ITEMS:
        uc.db.add(
            QuestionnaireSchedule(
                id=uuid.uuid4(),
                patient_id=patient_id,
                instrument=instrument,
                every_days=EVERY_DAYS,
                starts_at=starts_at,
                created_by=created_by,
                active=True,
            )
        )


def _store(
    uc: UseCase, patient_id: uuid.UUID, result: ScoreResult, when: datetime, by: uuid.UUID
) -> QuestionnaireResponse:
    row = measures.sealed_response(uc.vault, patient_id, result, by, when)
    uc.db.add(row)
    return row
