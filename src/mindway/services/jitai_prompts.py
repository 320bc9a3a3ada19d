"""Just-in-time prompts for patients on a programme: the JITAI policy run at decision points.

Decision points are five local times a day (``DECISION_HOURS``, HeartSteps' five; Klasnja et
al. 2019), inside the person's waking hours (08:00-22:00 local, from their check-in reminder
time zone, UTC when none). At each, :class:`~mindway.therapy.jitai.ThompsonSamplingPolicy`
applies its burden rules (daily cap, minimum gap) and then randomises with a clipped
probability; every decision is logged with its probability (the action and probability in the
clear under the pseudonymous patient id, the full record sealed). A prompt shows on the
patient's programme and home pages for an hour. After that hour the proximal outcome is
read (1 if the person checked in or finished an exercise within the hour, else 0) and the
patient's posterior is updated (randomised decisions only). The person is "available"
unless a prompt from the last hour is still showing.

The server calls :func:`decide_prompts` every minute; it writes nothing (not even an audit
event) when no decision point is due and no outcome is ready.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mindway.errors import InvalidInput
from mindway.security.policy import OPERATOR, Actor, Permission
from mindway.services import access
from mindway.services.checkins import checkin_view
from mindway.services.runtime import Runtime, UseCase
from mindway.services.views import View
from mindway.store.models import CheckinReminder, ExerciseRecord, MoodCheckin
from mindway.store.therapy_models import JitaiDecision, JitaiState, ProgrammeEnrolment
from mindway.store.types import utcnow
from mindway.therapy.jitai import NO_PROMPT, DecisionContext, DecisionRecord, ThompsonSamplingPolicy

DECISION_HOURS: Final = (9, 12, 15, 18, 20)
WAKING: Final = (8.0, 22.0)
OUTCOME_WINDOW: Final = timedelta(hours=1)
PROMPTS: Final[dict[str, tuple[str, str]]] = {
    "breathing": (
        "Take a minute to breathe slowly with us.",
        "/patient/programme/modules/paced_breathing",
    ),
    "activity_suggestion": (
        "Could you plan one small thing you enjoy today?",
        "/patient/programme/exercises/activity_plan",
    ),
    "check_in": (
        "How are you right now? A quick check-in helps you see patterns.",
        "/patient/checkin",
    ),
    "thought_record_nudge": (
        "Noticed a difficult thought today? Try a thought record.",
        "/patient/programme/exercises/thought_record",
    ),
}


class PromptPublic(View):
    id: uuid.UUID
    prompt: str
    text: str
    href: str
    decided_at: datetime


def _zone(db: Session, patient_id: uuid.UUID) -> ZoneInfo:
    reminder = db.get(CheckinReminder, patient_id)
    return ZoneInfo(reminder.timezone if reminder else "UTC")


def _point(db: Session, patient_id: uuid.UUID, now: datetime) -> datetime | None:
    """The start (UTC) of the decision point the patient is in now, or ``None``."""
    local = now.astimezone(_zone(db, patient_id))
    if local.hour not in DECISION_HOURS:
        return None
    start = datetime.combine(local.date(), time(local.hour), local.tzinfo).astimezone(now.tzinfo)
    taken = db.scalar(
        select(func.count(JitaiDecision.id)).where(
            JitaiDecision.patient_id == patient_id, JitaiDecision.decided_at >= start
        )
    )
    return None if taken else start


def _enrolled(db: Session) -> list[uuid.UUID]:
    query = select(ProgrammeEnrolment.patient_id).where(ProgrammeEnrolment.status == "active")
    return sorted(set(db.scalars(query)))


def _ready(db: Session, now: datetime) -> list[JitaiDecision]:
    return list(
        db.scalars(
            select(JitaiDecision).where(
                JitaiDecision.resolved_at.is_(None),
                JitaiDecision.decided_at <= now - OUTCOME_WINDOW,
            )
        )
    )


def _due(db: Session, now: datetime) -> dict[uuid.UUID, datetime]:
    points = {pid: _point(db, pid, now) for pid in _enrolled(db)}
    return {pid: at for pid, at in points.items() if at is not None}


def _policy(uc: UseCase, patient_id: uuid.UUID) -> tuple[JitaiState, ThompsonSamplingPolicy]:
    state = uc.db.get(JitaiState, patient_id)
    if state is None:
        state = JitaiState(patient_id=patient_id, policy_enc="")
        uc.db.add(state)
        return state, ThompsonSamplingPolicy()
    data = json.loads(uc.vault.open("jitai_state", "policy", patient_id, state.policy_enc))
    return state, ThompsonSamplingPolicy.from_state(data)


def _save_policy(
    uc: UseCase, state: JitaiState, policy: ThompsonSamplingPolicy, now: datetime
) -> None:
    value = json.dumps(policy.to_state())
    state.policy_enc = uc.vault.seal(
        str(state.patient_id), "jitai_state", "policy", state.patient_id, value
    )
    state.updated_at = now


def _mood(uc: UseCase, patient_id: uuid.UUID, now: datetime) -> tuple[float, float]:
    """The latest mood (5 when none) and its trend per day over the last week."""
    rows = list(
        uc.db.scalars(
            select(MoodCheckin)
            .where(
                MoodCheckin.patient_id == patient_id,
                MoodCheckin.recorded_at >= now - timedelta(days=7),
            )
            .order_by(MoodCheckin.local_date)
        )
    )
    if not rows:
        return 5.0, 0.0
    moods = [float(checkin_view(uc, r).values.mood) for r in rows]
    if len(moods) < 2:
        return moods[-1], 0.0
    days = [(r.local_date - rows[0].local_date).days for r in rows]
    trend = float(np.polyfit(days, moods, 1)[0]) if len(set(days)) > 1 else 0.0
    return moods[-1], trend


def _context(uc: UseCase, patient_id: uuid.UUID, now: datetime) -> DecisionContext:
    local = now.astimezone(_zone(uc.db, patient_id))
    midnight = datetime.combine(local.date(), time(0), local.tzinfo)
    history = list(
        uc.db.scalars(
            select(JitaiDecision)
            .where(
                JitaiDecision.patient_id == patient_id,
                JitaiDecision.decided_at >= now - timedelta(days=7),
            )
            .order_by(JitaiDecision.decided_at)
        )
    )
    prompts = [d for d in history if d.action != NO_PROMPT]
    resolved = [d.outcome for d in prompts if d.outcome is not None][-10:]
    showing = any(d.decided_at > now - OUTCOME_WINDOW and d.dismissed_at is None for d in prompts)
    mood, trend = _mood(uc, patient_id, now)
    return DecisionContext(
        time=now,
        hour=local.hour + local.minute / 60,
        weekday=local.weekday(),
        recent_mood=mood,
        mood_trend=trend,
        prompts_today=sum(d.decided_at >= midnight for d in prompts),
        prompts_last_24h=sum(d.decided_at >= now - timedelta(days=1) for d in prompts),
        hours_since_last_prompt=(now - prompts[-1].decided_at).total_seconds() / 3600
        if prompts
        else None,
        engagement_rate=sum(resolved) / len(resolved) if resolved else 0.5,
        available=not showing,
        waking_start=WAKING[0],
        waking_end=WAKING[1],
    )


def _rng(patient_id: uuid.UUID, point: datetime) -> np.random.Generator:
    """A generator seeded by patient and decision point: reproducible decisions."""
    digest = hashlib.sha256(f"{patient_id}|{point.isoformat()}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def _decide(uc: UseCase, patient_id: uuid.UUID, point: datetime, now: datetime) -> JitaiDecision:
    state, policy = _policy(uc, patient_id)
    decision_id = uuid.uuid4()
    record = policy.decide(_context(uc, patient_id, now), _rng(patient_id, point), str(decision_id))
    row = JitaiDecision(
        id=decision_id,
        patient_id=patient_id,
        decided_at=now,
        action=record.action,
        probability=record.probability,
        reason=record.reason[:30],
        record_enc="",
    )
    row.record_enc = uc.vault.seal(
        str(patient_id), "jitai_decision", "record", row.id, json.dumps(record.to_dict())
    )
    uc.db.add(row)
    _save_policy(uc, state, policy, now)
    return row


def _outcome(uc: UseCase, row: JitaiDecision) -> float:
    """1 if the person checked in or finished an exercise within the hour after, else 0."""
    end = row.decided_at + OUTCOME_WINDOW
    checkin = uc.db.scalar(
        select(func.count(MoodCheckin.id)).where(
            MoodCheckin.patient_id == row.patient_id,
            MoodCheckin.recorded_at > row.decided_at,
            MoodCheckin.recorded_at <= end,
        )
    )
    exercise = uc.db.scalar(
        select(func.count(ExerciseRecord.id)).where(
            ExerciseRecord.patient_id == row.patient_id,
            ExerciseRecord.created_at > row.decided_at,
            ExerciseRecord.created_at <= end,
        )
    )
    return 1.0 if (checkin or exercise) else 0.0


def _resolve(uc: UseCase, row: JitaiDecision, now: datetime) -> bool:
    row.outcome = _outcome(uc, row)
    row.resolved_at = now
    record = DecisionRecord.from_dict(
        json.loads(uc.vault.open("jitai_decision", "record", row.id, row.record_enc))
    )
    state, policy = _policy(uc, row.patient_id)
    learned = policy.update(record, row.outcome)
    _save_policy(uc, state, policy, now)
    return learned


def decide_prompts(rt: Runtime, now: datetime | None = None) -> int:
    """Resolve outcomes an hour old, then decide at every due decision point; returns the
    number of decisions made. Call it every minute (``now`` is for tests)."""
    now = now or utcnow()
    with rt.transaction() as db:
        if not _ready(db, now) and not _due(db, now):
            return 0
    with rt.use_case(OPERATOR, "jitai.decide", "jitai") as uc:
        learned = sum(_resolve(uc, row, now) for row in _ready(uc.db, now))
        uc.db.flush()
        made = [_decide(uc, pid, at, now) for pid, at in _due(uc.db, now).items()]
        prompted = sum(d.action != NO_PROMPT for d in made)
        uc.reason = f"{len(made)} decisions, {prompted} prompts, {learned} updates"
        return len(made)


def _showing(uc: UseCase, patient_id: uuid.UUID, now: datetime) -> JitaiDecision | None:
    return uc.db.scalars(
        select(JitaiDecision)
        .where(
            JitaiDecision.patient_id == patient_id,
            JitaiDecision.action != NO_PROMPT,
            JitaiDecision.dismissed_at.is_(None),
            JitaiDecision.decided_at > now - OUTCOME_WINDOW,
        )
        .order_by(JitaiDecision.decided_at.desc())
    ).first()


def pending_prompt(
    rt: Runtime, actor: Actor, patient_id: uuid.UUID, now: datetime | None = None
) -> PromptPublic | None:
    """The prompt the patient should see now (from the last hour, not dismissed)."""
    now = now or utcnow()
    with rt.use_case(actor, "jitai.prompt_read", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.CHECKIN_SUBMIT, patient_id)
        row = _showing(uc, patient_id, now)
        if row is None:
            return None
        text, href = PROMPTS[row.action]
        return PromptPublic(
            id=row.id, prompt=row.action, text=text, href=href, decided_at=row.decided_at
        )


def dismiss_prompt(rt: Runtime, actor: Actor, patient_id: uuid.UUID, prompt_id: uuid.UUID) -> None:
    """Hide a prompt ("not now"); its outcome is still read after the hour."""
    with rt.use_case(actor, "jitai.prompt_dismiss", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.CHECKIN_SUBMIT, patient_id)
        row = uc.db.get(JitaiDecision, prompt_id)
        if row is None or row.patient_id != patient_id or row.action == NO_PROMPT:
            raise InvalidInput("no such prompt")
        row.dismissed_at = utcnow()
