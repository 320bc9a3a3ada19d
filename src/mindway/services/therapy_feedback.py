"""Personal insights and recommendations from the patient's own record, for the patient and
their care team (the statistics live in :mod:`mindway.therapy.insights`, the rules in
:mod:`mindway.therapy.recommendations`)."""

from __future__ import annotations

import math
import uuid
from datetime import timedelta
from statistics import fmean

from sqlalchemy import select

from mindway.clinical.mood import ACTIVITIES
from mindway.security.policy import Actor, Permission
from mindway.services import access
from mindway.services.checkins import CheckinPublic, checkin_view, zone_of
from mindway.services.measures import latest, stored_result
from mindway.services.programmes import active_row, enrolment_view
from mindway.services.runtime import Runtime, UseCase
from mindway.services.views import View
from mindway.store.models import ExerciseRecord, MoodCheckin, QuestionnaireResponse
from mindway.store.types import utcnow
from mindway.therapy.exercise_forms import HOMEWORK_OF
from mindway.therapy.insights import DayRecord, ScorePoint, insights
from mindway.therapy.library import load_library
from mindway.therapy.programmes import load_programmes
from mindway.therapy.recommendations import ACTIVE, Profile, recommend

WINDOW_DAYS = 90
RECENT_DAYS = 14


class FindingPublic(View):
    kind: str
    subject: str
    statement: str
    certainty: str
    estimate: float
    ci_low: float | None
    ci_high: float | None
    n: int


class InsightsPublic(View):
    findings: list[FindingPublic]
    notes: list[str]
    days: int


class RecommendationPublic(View):
    kind: str
    ref: str
    title: str
    reason: str
    href: str | None


def _checkins(uc: UseCase, patient_id: uuid.UUID, days: int) -> list[CheckinPublic]:
    today = utcnow().astimezone(zone_of(uc, patient_id)).date()
    rows = uc.db.scalars(
        select(MoodCheckin)
        .where(
            MoodCheckin.patient_id == patient_id,
            MoodCheckin.local_date > today - timedelta(days=days),
        )
        .order_by(MoodCheckin.local_date)
    )
    return [checkin_view(uc, r) for r in rows]


def _scores(uc: UseCase, patient_id: uuid.UUID) -> list[ScorePoint]:
    rows = uc.db.scalars(
        select(QuestionnaireResponse).where(
            QuestionnaireResponse.patient_id == patient_id,
            QuestionnaireResponse.instrument.in_(("phq9", "gad7")),
        )
    )
    points = []
    for row in rows:
        result = stored_result(uc.vault, row)
        if result.valid and result.total is not None:
            points.append(ScorePoint(row.completed_at.date(), row.instrument, result.total))
    return points


def day_records(checkins: list[CheckinPublic]) -> list[DayRecord]:
    return [
        DayRecord(
            c.local_date, float(c.values.mood), c.values.sleep_hours, frozenset(c.values.activities)
        )
        for c in checkins
    ]


def personal_insights(
    rt: Runtime, actor: Actor, patient_id: uuid.UUID, days: int = WINDOW_DAYS
) -> InsightsPublic:
    """The patterns the last ``days`` days of check-ins and the questionnaires support."""
    with rt.use_case(actor, "insight.read", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.RECORD_READ, patient_id)
        records = day_records(_checkins(uc, patient_id, days))
        found = insights(records, _scores(uc, patient_id), ACTIVITIES)
        return InsightsPublic(
            findings=[
                FindingPublic(
                    kind=f.kind,
                    subject=f.subject,
                    statement=f.statement,
                    certainty=f.certainty,
                    estimate=f.estimate,
                    ci_low=None if math.isnan(f.ci_low) else f.ci_low,
                    ci_high=None if math.isnan(f.ci_high) else f.ci_high,
                    n=f.n,
                )
                for f in found.findings
            ],
            notes=list(found.notes),
            days=len(records),
        )


def _total(uc: UseCase, patient_id: uuid.UUID, instrument: str) -> int | None:
    row = latest(uc, patient_id, instrument)
    if row is None:
        return None
    result = stored_result(uc.vault, row)
    return result.total if result.valid else None


def _mean(values: list[float | None]) -> float | None:
    given = [v for v in values if v is not None]
    return fmean(given) if given else None


def profile_of(uc: UseCase, patient_id: uuid.UUID) -> Profile:
    """The symptom profile, recent check-ins, and progress the recommendation rules read."""
    recent = _checkins(uc, patient_id, RECENT_DAYS)
    done = set(
        uc.db.scalars(
            select(ExerciseRecord.exercise).where(ExerciseRecord.patient_id == patient_id)
        )
    )
    row = active_row(uc, patient_id)
    read: set[str] = set()
    if row is not None:
        plan = enrolment_view(uc, row)
        read = {i.ref for s in plan.sessions for i in s.items if i.done and i.kind == "module"}
        done |= {i.ref for s in plan.sessions for i in s.items if i.done and i.kind == "homework"}
    return Profile(
        phq9=_total(uc, patient_id, "phq9"),
        gad7=_total(uc, patient_id, "gad7"),
        isi=_total(uc, patient_id, "isi"),
        sleep_quality=_mean([c.values.sleep_quality for c in recent]),
        sleep_hours=_mean([c.values.sleep_hours for c in recent]),
        anxiety=_mean([c.values.anxiety for c in recent]),
        active_day_share=(
            sum(bool(ACTIVE & set(c.values.activities)) for c in recent) / len(recent)
            if recent
            else None
        ),
        modules_read=frozenset(read),
        exercises_done=frozenset(done | {HOMEWORK_OF.get(d, d) for d in done}),
        enrolled=row is not None,
    )


def _title_and_link(kind: str, ref: str) -> tuple[str, str | None]:
    if kind == "programme":
        return load_programmes()[ref].title, "/patient/programme"
    library = load_library()
    if kind == "module":
        return library.get(ref).meta.title, f"/patient/programme/modules/{ref}"
    module = next(m for m in library.by_kind("skill") if m.meta.exercise == ref)
    return module.meta.title, f"/patient/programme/modules/{module.id}"


def recommendations(rt: Runtime, actor: Actor, patient_id: uuid.UUID) -> list[RecommendationPublic]:
    """What to read or practise next, each with its reason."""
    with rt.use_case(actor, "recommendation.read", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.RECORD_READ, patient_id)
        found = []
        for rec in recommend(profile_of(uc, patient_id)):
            title, href = _title_and_link(rec.kind, rec.ref)
            found.append(
                RecommendationPublic(
                    kind=rec.kind, ref=rec.ref, title=title, reason=rec.reason, href=href
                )
            )
        return found
