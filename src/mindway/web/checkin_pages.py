"""The patient's daily check-in: sliders, activities, an optional note, and reminder times.

Crisis first (DESIGN.md safety rules): the service screens the note before storing it; when
it is flagged, the next page shows the crisis resources before anything else. Sliders are
``<input type=range>`` with the numbers 0-10 printed under them; a browser without range
inputs shows a text box, which the same checks accept.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from mindway.api.deps import RuntimeDep
from mindway.clinical.mood import ACTIVITIES, MAX_NOTE
from mindway.errors import InvalidInput
from mindway.security.policy import Actor
from mindway.services import checkin_reminders, checkins, web_push
from mindway.services.checkins import RefusedButFlagged
from mindway.services.runtime import Runtime
from mindway.web.charts import ChartPoint, mood_chart
from mindway.web.crisis import crisis_help
from mindway.web.csrf import CheckedForm
from mindway.web.forms import Form
from mindway.web.i18n import N_
from mindway.web.patient_pages import own_record
from mindway.web.render import PageRoute, redirect, render, sentence
from mindway.web.session import SignedIn, WebSession

router = APIRouter(route_class=PageRoute)
BASE = "/patient/checkin"
SLIDERS: tuple[tuple[str, str, str, str], ...] = (
    ("mood", N_("Mood"), N_("very low"), N_("very good")),
    ("anxiety", N_("Anxiety"), N_("none"), N_("extreme")),
    ("energy", N_("Energy"), N_("none"), N_("lots")),
    ("sleep_quality", N_("Sleep quality"), N_("very poor"), N_("very good")),
)
ACTIVITY_LABELS: dict[str, str] = {
    "walk": N_("Walk"),
    "exercise": N_("Exercise"),
    "social": N_("Social"),
    "work": N_("Work"),
    "hobby": N_("Hobby"),
    "outdoors": N_("Outdoors"),
    "chores": N_("Chores"),
    "rest": N_("Rest"),
}
CHART_DAYS = 30
DEFAULTS: dict[str, str] = {"mood": "5", "anxiety": "5", "energy": "5", "sleep_quality": "5"}


def _number(form: Form, name: str) -> int | float | str:
    """A number if it reads as one; otherwise the text, which the service refuses."""
    text = form.values.get(name, "").strip()[:16]
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() else value


def _raw(form: Form) -> dict[str, Any]:
    """The check-in as the service takes it. Nothing is refused here: every check happens
    in the service, after the note and tags are screened."""
    raw: dict[str, Any] = {name: _number(form, name) for name, *_ in SLIDERS}
    raw["sleep_hours"] = _number(form, "sleep_hours")
    raw["activities"] = [a for a in ACTIVITIES if form.values.get(f"activity_{a}") == "yes"]
    tags = form.values.get("tags", "")
    raw["tags"] = [t.strip() for t in tags.split(",") if t.strip()]
    return raw


def _page(
    request: Request,
    rt: RuntimeDep,
    ws: WebSession,
    status: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    patient_id = own_record(ws)
    help_now = request.query_params.get("help") == "now"
    return render(
        request,
        "patient_checkin.html",
        status,
        page_title=N_("Check in"),
        sliders=SLIDERS,
        activities=ACTIVITIES,
        activity_labels=ACTIVITY_LABELS,
        values=values or {**DEFAULTS, "sleep_hours": "7"},
        max_note=MAX_NOTE,
        error=error,
        saved=request.query_params.get("saved") == "yes",
        crisis=crisis_help(ws.info.locale) if help_now else None,
        summary=checkins.summary(rt, ws.actor, patient_id),
        reminder=checkin_reminders.get_reminder(rt, ws.actor, patient_id),
        reminder_saved=request.query_params.get("reminders") == "saved",
        push_key=rt.vapid.public_key if rt.vapid else None,
        push_devices=web_push.device_count(rt, ws.actor, patient_id) if rt.vapid else 0,
    )


@router.get(BASE)
def checkin_page(request: Request, rt: RuntimeDep, ws: SignedIn) -> Response:
    return _page(request, rt, ws)


@router.post(BASE)
def record_checkin(request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm) -> Response:
    """Store today's check-in; a flagged note brings the crisis resources first."""
    patient_id = own_record(ws)
    note = form.values.get("note", "")
    try:
        done = checkins.record(rt, ws.actor, patient_id, _raw(form), note)
    except RefusedButFlagged:  # crisis first, even over a value to fix
        return redirect(request, BASE + "?help=now")
    except InvalidInput as exc:
        kept = {k: v for k, v in form.values.items() if k != "csrf"}
        return _page(request, rt, ws, 422, sentence(exc.detail), kept)
    if done.show_crisis_resources:
        return redirect(request, BASE + "?help=now")
    return redirect(request, BASE + "?saved=yes")


@router.post("/patient/reminders")
def set_reminders(request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm) -> Response:
    """Reminder times ("08:30, 20:00") in a time zone, or off."""
    patient_id = own_record(ws)
    try:
        times = [t.strip() for t in form.text("times", max_chars=100).split(",") if t.strip()]
        zone = form.text("timezone", max_chars=64)
        active = form.flag("active")
        checkin_reminders.set_reminder(rt, ws.actor, patient_id, times, zone, active=active)
    except InvalidInput as exc:
        return _page(request, rt, ws, 422, sentence(exc.detail))
    return redirect(request, BASE + "?reminders=saved#reminders")


def mood_panel(rt: Runtime, actor: Actor, patient_id: uuid.UUID) -> dict[str, Any] | None:
    """The last 30 days of check-ins as a chart and a table (the patient's progress page and
    the clinician's patient page); ``None`` when there are none."""
    rows = checkins.list_checkins(rt, actor, patient_id, CHART_DAYS)
    if not rows:
        return None

    def points(field: str, label: str) -> list[ChartPoint]:
        return [
            ChartPoint(
                datetime.combine(r.local_date, time(12), UTC), getattr(r.values, field), label
            )
            for r in rows
        ]

    chart = mood_chart(
        "mood-chart",
        f"Mood and anxiety, last {CHART_DAYS} days (0 to 10)",
        points("mood", "mood"),
        points("anxiety", "anxiety"),
    )
    return {"chart": chart, "rows": rows}
