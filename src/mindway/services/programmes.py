"""Programme enrolment and progress: clinicians assign and tailor, step-1 patients self-enrol.

Who may enrol whom: a clinician on the patient's care team assigns any programme, tailored
(skip or add sessions); a patient may enrol themselves, untailored, when stepped care puts
them at step 1 (guided self-help, NICE NG222 1.4; CG113 1.2). Mindway stores no triage
decision, so the step is the one :mod:`mindway.clinical.triage` gives on the record's latest
scores (:func:`mindway.services.stepped_care.scores_from_record`); with no scores yet the
triage routes to step 1, and self-enrolment is allowed. A patient never replaces a programme
their clinician assigned.

Leaving: the patient or their clinician ends the programme (:func:`leave`); reminders
(:mod:`mindway.services.therapy_reminders`) stop with it, or when the patient switches them
off (:func:`set_reminders`).

Progress: a session is complete when its modules are read and its homework done; sessions
unlock as :func:`mindway.therapy.programmes.unlocked` documents. Active days (items ticked,
exercises finished) give the streak. :func:`programme_disengagement` raises one routine
``disengagement`` alert per quiet episode (no activity for N days).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import func, select

from mindway.clinical.alert_rules import THIS_WEEK, AlertSpec
from mindway.clinical.triage import TriageInput, triage
from mindway.errors import Conflict, Forbidden, InvalidInput
from mindway.security.policy import OPERATOR, Actor, Permission, Role
from mindway.services import access
from mindway.services.checkins import zone_of
from mindway.services.measures import raise_alert
from mindway.services.runtime import Runtime, UseCase
from mindway.services.stepped_care import scores_from_record
from mindway.services.views import View
from mindway.store.models import ClinicalAlert, ExerciseRecord, MoodCheckin, Patient
from mindway.store.therapy_models import ProgrammeEnrolment
from mindway.store.types import utcnow
from mindway.therapy.library import load_library
from mindway.therapy.programme_reminders import SessionState, in_app_text, owed_reminder
from mindway.therapy.programmes import (
    load_programmes,
    opens_at,
    resolve,
    streak,
    tailor,
    unlocked,
)

TABLE = "programme_enrolment"
DISENGAGEMENT: Final = "disengagement"
SELF_ENROL_STEP = 1
EXPOSURE_LADDER: Final = "exposure_hierarchy"  # the skill whose exercise is the VR builder


class ItemPublic(View):
    key: str  # "module:<id>" or "homework:<exercise>"
    kind: str
    ref: str
    title: str
    done: bool


class SessionPublic(View):
    position: int  # 1-based place in the person's plan
    key: str
    title: str
    goal: str
    unlocked: bool
    complete: bool
    items: list[ItemPublic]


class EnrolmentPublic(View):
    id: uuid.UUID
    programme: str
    title: str
    assigned: bool
    enrolled_at: datetime
    sessions: list[SessionPublic]
    completed: int
    streak_days: int
    last_activity_at: datetime
    reminders_on: bool
    reminder: str | None  # the programme reminder not yet followed, on the patient's pages


@dataclass
class _Progress:
    done: dict[str, list[str]]  # position (str) -> item keys done
    completed: dict[str, str]  # position (str) -> ISO time
    days: list[str]  # ISO dates with activity (local)
    reminded: list[str] = field(default_factory=list)  # reminder keys sent, each once

    @classmethod
    def empty(cls) -> _Progress:
        return cls({}, {}, [])


def _open(uc: UseCase, row: ProgrammeEnrolment) -> tuple[dict[str, Any], _Progress]:
    plan = json.loads(uc.vault.open(TABLE, "plan", row.id, row.plan_enc))
    progress = _Progress(**json.loads(uc.vault.open(TABLE, "progress", row.id, row.progress_enc)))
    return plan, progress


def _seal_progress(uc: UseCase, row: ProgrammeEnrolment, progress: _Progress) -> None:
    value = json.dumps(progress.__dict__)
    row.progress_enc = uc.vault.seal(str(row.patient_id), TABLE, "progress", row.id, value)


def active_row(uc: UseCase, patient_id: uuid.UUID) -> ProgrammeEnrolment | None:
    query = select(ProgrammeEnrolment).where(
        ProgrammeEnrolment.patient_id == patient_id, ProgrammeEnrolment.status == "active"
    )
    return uc.db.scalars(query.order_by(ProgrammeEnrolment.enrolled_at.desc())).first()


def _items(session_key: str) -> list[tuple[str, str, str]]:
    """(item key, kind, title) for a session: modules to read, then homework."""
    library = load_library()
    session = resolve(session_key, load_programmes())
    items = [(f"module:{m}", "module", library.get(m).meta.title) for m in session.modules]
    by_exercise = {m.meta.exercise: m.meta.title for m in library.by_kind("skill")}
    items += [(f"homework:{e}", "homework", by_exercise[e]) for e in session.homework]
    return items


def enrolment_view(uc: UseCase, row: ProgrammeEnrolment) -> EnrolmentPublic:
    plan, progress = _open(uc, row)
    programme = load_programmes()[plan["programme"]]
    completed = {int(p) for p in progress.completed}
    now = utcnow()
    sessions = []
    for position, key in enumerate(plan["sessions"]):
        session = resolve(key, load_programmes())
        done = set(progress.done.get(str(position), []))
        sessions.append(
            SessionPublic(
                position=position + 1,
                key=key,
                title=session.title,
                goal=session.goal,
                unlocked=unlocked(position, completed, row.enrolled_at, now),
                complete=position in completed,
                items=[
                    ItemPublic(key=k, kind=kind, ref=k.split(":", 1)[1], title=t, done=k in done)
                    for k, kind, t in _items(key)
                ],
            )
        )
    today = now.astimezone(zone_of(uc, row.patient_id)).date()
    days = {datetime.fromisoformat(d).date() for d in progress.days}
    return EnrolmentPublic(
        id=row.id,
        programme=programme.id,
        title=programme.title,
        assigned=row.assigned,
        enrolled_at=row.enrolled_at,
        sessions=sessions,
        completed=len(completed),
        streak_days=streak(days, today),
        last_activity_at=row.last_activity_at,
        reminders_on=row.reminders_on,
        reminder=_pending_reminder(row, progress),
    )


def _pending_reminder(row: ProgrammeEnrolment, progress: _Progress) -> str | None:
    """The last reminder's line while nothing was done since it was sent."""
    if not (row.reminders_on and progress.reminded and row.reminded_at):
        return None
    return in_app_text(progress.reminded[-1]) if row.last_activity_at < row.reminded_at else None


def triage_step(uc: UseCase, patient_id: uuid.UUID) -> int:
    """The stepped-care step the record's latest scores call for (1 when there are none)."""
    try:
        return int(triage(TriageInput.model_validate(scores_from_record(uc, patient_id))).step)
    except ValueError:
        return SELF_ENROL_STEP + 1  # incoherent scores: leave the choice to the clinician


def _permission(actor: Actor) -> Permission:
    return Permission.RECORD_WRITE if actor.role is Role.CLINICIAN else Permission.CHECKIN_SUBMIT


def _check_self_enrol(uc: UseCase, patient_id: uuid.UUID, tailored: bool) -> None:
    if tailored:
        raise InvalidInput("only a clinician can tailor a programme")
    current = active_row(uc, patient_id)
    if current is not None and current.assigned:
        raise Conflict("your care team chose your programme with you: ask them to change it")
    step = triage_step(uc, patient_id)
    if step > SELF_ENROL_STEP:
        uc.failure_reason = f"stepped care step {step}"
        raise Forbidden("your care team will choose a programme with you")


def enrol(
    rt: Runtime,
    actor: Actor,
    patient_id: uuid.UUID,
    programme_id: str,
    skip: list[int] | None = None,
    add: list[str] | None = None,
) -> EnrolmentPublic:
    """Start ``programme_id`` for the patient (ending any programme they are on)."""
    with rt.use_case(actor, "programme.enrol", "patient", patient_id) as uc:
        access.require_patient(uc, _permission(actor), patient_id)
        return start_programme(uc, actor, patient_id, programme_id, skip, add)


def start_programme(
    uc: UseCase,
    by: Actor,
    patient_id: uuid.UUID,
    programme_id: str,
    skip: list[int] | None = None,
    add: list[str] | None = None,
) -> EnrolmentPublic:
    """The enrolment itself, in the name of ``by`` (a clinician assigns, a patient self-enrols
    under the step-1 rule); the caller has checked that ``by`` may write to the record."""
    programmes = load_programmes()
    if programme_id not in programmes:
        raise InvalidInput(f"programme must be one of {', '.join(sorted(programmes))}")
    if by.role is not Role.CLINICIAN:
        _check_self_enrol(uc, patient_id, bool(skip or add))
    plan = tailor(programmes[programme_id], programmes, skip or [], add or [])
    now = utcnow()
    previous = active_row(uc, patient_id)
    if previous is not None:
        previous.status, previous.ended_at = "ended", now
    row = ProgrammeEnrolment(
        id=uuid.uuid4(),
        patient_id=patient_id,
        enrolled_at=now,
        enrolled_by=by.account_id,
        assigned=by.role is Role.CLINICIAN,
        status="active",
        last_activity_at=now,
        reminders_on=True,
        plan_enc="",
        progress_enc="",
    )
    value = json.dumps({"programme": programme_id, "sessions": list(plan)})
    row.plan_enc = uc.vault.seal(str(patient_id), TABLE, "plan", row.id, value)
    _seal_progress(uc, row, _Progress.empty())
    uc.db.add(row)
    uc.db.flush()
    uc.reason = "assigned" if row.assigned else "self-enrolled"
    return enrolment_view(uc, row)


def leave(rt: Runtime, actor: Actor, patient_id: uuid.UUID) -> None:
    """End the patient's programme (the patient may always stop; their clinician too)."""
    with rt.use_case(actor, "programme.leave", "patient", patient_id) as uc:
        access.require_patient(uc, _permission(actor), patient_id)
        row = active_row(uc, patient_id)
        if row is None:
            raise InvalidInput("there is no active programme to leave")
        row.status, row.ended_at = "ended", utcnow()


def set_reminders(rt: Runtime, actor: Actor, patient_id: uuid.UUID, on: bool) -> EnrolmentPublic:
    """The patient switches programme reminders on or off (their choice, not the clinician's)."""
    with rt.use_case(actor, "programme.reminders", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.CHECKIN_SUBMIT, patient_id)
        row = active_row(uc, patient_id)
        if row is None:
            raise InvalidInput("there is no active programme: enrol in one first")
        row.reminders_on = on
        uc.reason = "on" if on else "off"
        return enrolment_view(uc, row)


def remind(uc: UseCase, row: ProgrammeEnrolment, now: datetime) -> str | None:
    """Record and return the key of the reminder this enrolment is owed now under
    :func:`mindway.therapy.programme_reminders.owed_reminder`, or ``None``."""
    plan, progress = _open(uc, row)
    completed = {int(p): datetime.fromisoformat(t) for p, t in progress.completed.items()}
    states = []
    for position, key in enumerate(plan["sessions"]):
        opens = opens_at(position, completed.get(position - 1), row.enrolled_at)
        done = set(progress.done.get(str(position), []))
        homework = {k for k, kind, _ in _items(key) if kind == "homework"}
        states.append(
            SessionState(position, opens if opens <= now else None, bool(done), homework <= done)
        )
    reminder = owed_reminder(states, progress.reminded, now)
    if reminder is None:
        return None
    progress.reminded = [*progress.reminded, reminder.key]
    _seal_progress(uc, row, progress)
    row.reminded_at = now
    return reminder.key


def current(rt: Runtime, actor: Actor, patient_id: uuid.UUID) -> EnrolmentPublic | None:
    """The patient's active programme with progress, or ``None``."""
    with rt.use_case(actor, "programme.read", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.RECORD_READ, patient_id)
        row = active_row(uc, patient_id)
        return enrolment_view(uc, row) if row else None


def note_activity(uc: UseCase, patient_id: uuid.UUID, homework: str | None = None) -> None:
    """Count today as active; with ``homework``, tick it in the earliest open session that
    sets it (finishing an exercise form does this). The caller has checked access."""
    row = active_row(uc, patient_id)
    if row is None:
        return
    plan, progress = _open(uc, row)
    now = utcnow()
    if homework is not None:
        item = f"homework:{homework}"
        completed = {int(p) for p in progress.completed}
        for position, key in enumerate(plan["sessions"]):
            if (
                unlocked(position, completed, row.enrolled_at, now)
                and item in {k for k, _, _ in _items(key)}
                and item not in progress.done.get(str(position), [])
            ):
                _tick(progress, plan, position, item, now)
                break
    _touch(uc, row, progress, now)


def note_exposure_ladder(uc: UseCase, patient_id: uuid.UUID) -> None:
    """The patient added a rung to their exposure hierarchy (:mod:`mindway.vr.hierarchy`, the
    one ladder the ``exposure_hierarchy`` skill and the VR scenes share): that is the skill's
    homework. The caller has checked access."""
    note_activity(uc, patient_id, homework=EXPOSURE_LADDER)


def _tick(
    progress: _Progress, plan: dict[str, Any], position: int, item: str, now: datetime
) -> bool:
    """Mark ``item`` done; returns whether the session became complete."""
    done = progress.done.setdefault(str(position), [])
    if item not in done:
        done.append(item)
    needed = {k for k, _, _ in _items(plan["sessions"][position])}
    if needed <= set(done) and str(position) not in progress.completed:
        progress.completed[str(position)] = now.isoformat()
        return True
    return False


def _touch(uc: UseCase, row: ProgrammeEnrolment, progress: _Progress, now: datetime) -> None:
    today = now.astimezone(zone_of(uc, row.patient_id)).date().isoformat()
    if today not in progress.days:
        progress.days = [*progress.days, today][-120:]
    row.last_activity_at = now
    row.disengagement_alerted_at = None  # a new quiet episode may be alerted again later
    _seal_progress(uc, row, progress)


def mark_done(
    rt: Runtime, actor: Actor, patient_id: uuid.UUID, position: int, item: str
) -> EnrolmentPublic:
    """Tick one item ("module:<id>" read, "homework:<exercise>" done) of an unlocked session
    (1-based ``position``); the session completes when its last item is ticked."""
    with rt.use_case(actor, "programme.progress", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.CHECKIN_SUBMIT, patient_id)
        row = active_row(uc, patient_id)
        if row is None:
            raise InvalidInput("there is no active programme: enrol in one first")
        plan, progress = _open(uc, row)
        if not 1 <= position <= len(plan["sessions"]):
            raise InvalidInput(f"session must be 1 to {len(plan['sessions'])}")
        now = utcnow()
        completed = {int(p) for p in progress.completed}
        if not unlocked(position - 1, completed, row.enrolled_at, now):
            raise InvalidInput("this session is not open yet")
        if item not in {k for k, _, _ in _items(plan["sessions"][position - 1])}:
            raise InvalidInput(f"session {position} has no item {item!r}")
        finished = _tick(progress, plan, position - 1, item, now)
        _touch(uc, row, progress, now)
        uc.reason = f"session {position} complete" if finished else None
        return enrolment_view(uc, row)


def _last_seen(uc: UseCase, row: ProgrammeEnrolment) -> datetime:
    """The newest of programme activity, a check-in, or a finished exercise."""
    checkin = uc.db.scalar(
        select(func.max(MoodCheckin.recorded_at)).where(MoodCheckin.patient_id == row.patient_id)
    )
    exercise = uc.db.scalar(
        select(func.max(ExerciseRecord.created_at)).where(
            ExerciseRecord.patient_id == row.patient_id
        )
    )
    return max(t for t in (row.last_activity_at, checkin, exercise) if t is not None)


def _quiet(uc: UseCase, days: int, now: datetime) -> list[ProgrammeEnrolment]:
    rows = uc.db.scalars(
        select(ProgrammeEnrolment)
        .join(Patient, Patient.id == ProgrammeEnrolment.patient_id)
        .where(
            ProgrammeEnrolment.status == "active",
            ProgrammeEnrolment.disengagement_alerted_at.is_(None),
            ProgrammeEnrolment.last_activity_at < now - timedelta(days=days),
            Patient.erased_at.is_(None),
        )
    )
    quiet = []
    for row in rows:
        seen = _last_seen(uc, row)
        if seen < now - timedelta(days=days):
            quiet.append(row)
        else:  # active elsewhere (check-ins, chat exercises): not due again until quiet
            row.last_activity_at = seen
    return quiet


def programme_disengagement(
    rt: Runtime, now: datetime | None = None, days: int | None = None
) -> int:
    """One routine ``disengagement`` alert per enrolled patient quiet for ``days`` (Torous
    et al. 2020, Evid Based Ment Health 23:18): once per quiet episode, and none while one
    is open. Writes nothing, not even an audit event, when nobody is due. ``days`` defaults
    to ``MINDWAY_DISENGAGEMENT_DAYS``."""
    now = now or utcnow()
    days = days or rt.settings.disengagement_days
    with rt.transaction() as db:
        probe = db.scalar(
            select(func.count(ProgrammeEnrolment.id)).where(
                ProgrammeEnrolment.status == "active",
                ProgrammeEnrolment.disengagement_alerted_at.is_(None),
                ProgrammeEnrolment.last_activity_at < now - timedelta(days=days),
            )
        )
    if not probe:
        return 0
    with rt.use_case(OPERATOR, "clinical_alert.programme_disengagement", "clinical_alert") as uc:
        spec = AlertSpec(
            DISENGAGEMENT,
            "routine",
            THIS_WEEK,
            f"No programme activity for more than {days} days: consider reaching out.",
        )
        raised = 0
        for row in _quiet(uc, days, now):
            row.disengagement_alerted_at = now
            open_alert = uc.db.scalars(
                select(ClinicalAlert.id).where(
                    ClinicalAlert.patient_id == row.patient_id,
                    ClinicalAlert.kind == DISENGAGEMENT,
                    ClinicalAlert.acknowledged_at.is_(None),
                )
            ).first()
            if open_alert is None:
                raise_alert(uc, row.patient_id, spec)
                raised += 1
        uc.reason = f"{raised} raised"
        return raised


def export_enrolments(uc: UseCase, patient: Patient) -> list[dict[str, Any]]:
    """The patient's programmes, plans and progress (for the data export)."""
    rows = uc.db.scalars(
        select(ProgrammeEnrolment)
        .where(ProgrammeEnrolment.patient_id == patient.id)
        .order_by(ProgrammeEnrolment.enrolled_at)
    )
    exported = []
    for row in rows:
        plan, progress = _open(uc, row)
        exported.append(
            {
                "enrolled_at": row.enrolled_at.isoformat(),
                "status": row.status,
                "assigned": row.assigned,
                "plan": plan,
                "progress": progress.__dict__,
            }
        )
    return exported
