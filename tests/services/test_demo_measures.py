"""The demo clinic's questionnaires: fortnightly PHQ-9 and GAD-7 histories that show green,
yellow and red progress, schedules for ongoing care, and no risk answers on the demo
clinician's team (a browser test adds exactly one)."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from mindway.clinical.scoring import score
from mindway.security.policy import OPERATOR, Actor, Role
from mindway.services import demo, measures, progress, schedules
from mindway.services.demo_history import Course, Person
from mindway.services.demo_measures import MIN_RESULTS, answers_for, plan_measures
from mindway.services.runtime import Runtime
from mindway.store.models import (
    Account,
    CareTeam,
    CareTeamPatient,
    ClinicalAlert,
    QuestionnaireResponse,
    QuestionnaireSchedule,
)

FORTNIGHT_LESS_A_DAY = 13 / 7 - 0.25  # weeks: each result within a day or so of its fortnight


@pytest.mark.parametrize(("instrument", "total"), [("phq9", 0), ("phq9", 24), ("gad7", 13)])
def test_answers_add_up_to_the_total_with_item9_at_zero(instrument: str, total: int) -> None:
    answers = answers_for(random.Random(1), instrument, total)
    result = score(instrument, answers)
    assert result.total == total and "suicidal_ideation" not in result.flags


def test_every_course_shows_at_least_three_results_whatever_the_hour() -> None:
    """The shortest demo course (six weekly sessions) still has three fortnightly results of
    each questionnaire after a missed one and a lapse, at any time of day the demo is made."""
    person = Person("Ana", "Lopez", "female", "Hispanic or Latino", date(1990, 1, 1))
    for seed in range(60):
        rng = random.Random(seed)
        now = datetime(2026, 11, 27, tzinfo=UTC) + timedelta(hours=rng.randint(0, 23))
        for span_days in (35, 36, 42, 60, 90, 185):
            course = Course.draw(rng, person, now, ongoing=rng.random() < 0.5)
            start = now - timedelta(days=span_days)
            course = dataclasses.replace(course, start=start)
            plan = plan_measures(rng, course, start + timedelta(days=span_days))
            assert min(len(t) for t in plan.totals.values()) >= MIN_RESULTS, (seed, span_days)


def test_demo_questionnaires_schedules_and_signals(rt: Runtime) -> None:
    demo.seed(rt, patients=24, seed=7)
    with rt.use_case(OPERATOR, "test.read") as uc:
        accounts = list(uc.db.scalars(select(Account).where(Account.role == "patient")))
        demo_team = set(
            uc.db.scalars(
                select(CareTeamPatient.patient_id)
                .join(CareTeam)
                .where(CareTeam.name == demo.TEAMS[0])
            )
        )
        rows = list(uc.db.scalars(select(QuestionnaireResponse)))
        results = {row.id: measures.stored_result(uc.vault, row) for row in rows}
        alerts = list(uc.db.scalars(select(ClinicalAlert)))
        plans = list(uc.db.scalars(select(QuestionnaireSchedule)))
    demo_patient = next(a for a in accounts if a.username == demo.DEMO_LOGINS["patient"][0])
    assert demo_patient.patient_id in demo_team
    quiet = [row for row in rows if row.patient_id in demo_team]
    item9 = [results[row.id].answers[8] for row in quiet if row.instrument == "phq9"]
    assert item9 and set(item9) == {0}
    risky = [a for a in alerts if a.kind == "risk"]
    assert 1 <= len(risky) <= 2 and not {a.patient_id for a in alerts} & demo_team
    assert all(a.acknowledged_at is None for a in risky)

    per_patient = Counter((row.patient_id, row.instrument) for row in rows)
    assert len(per_patient) == 48 and min(per_patient.values()) >= 3
    assert {(p.instrument, p.every_days) for p in plans} == {("phq9", 14), ("gad7", 14)}
    assert 24 > len({p.patient_id for p in plans}) > 10  # ongoing care only

    signals: Counter[str] = Counter()
    states: Counter[str] = Counter()
    for account in accounts:
        actor = Actor(Role.PATIENT, account_id=account.id, patient_id=account.patient_id)
        assert account.patient_id is not None
        view = progress.for_patient(rt, actor, account.patient_id)
        signals.update(i.latest_signal for i in view.instruments)
        phq = view.instruments[0]
        gaps = [b.weeks - a.weeks for a, b in zip(phq.points, phq.points[1:], strict=False)]
        if account.patient_id not in {a.patient_id for a in risky}:  # one extra PHQ-9 today
            assert all(gap >= FORTNIGHT_LESS_A_DAY for gap in gaps)
        states.update(s.state for s in schedules.list_schedules(rt, actor, account.patient_id))
    assert min(signals[level] for level in ("green", "yellow", "red")) >= 2
    assert signals["green"] > signals["red"]
    assert states["done"] > states["due"] + states["overdue"] > 0
