"""The patient's programme: enrol, read modules, tick homework, do exercise forms, see
personal insights, recommendations and just-in-time prompts; and the clinician's view.

Crisis first (DESIGN.md safety rules): exercise text goes to the service, which screens it
before anything else; when it is flagged the exercise stops and the page shows the crisis
resources above everything. Everything works without JavaScript.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from mindway.api.deps import RuntimeDep
from mindway.errors import Conflict, Forbidden, InvalidInput, NotFound
from mindway.security.policy import Role
from mindway.services import exercise_forms, jitai_prompts, programmes, therapy_feedback
from mindway.therapy.distortions import load_distortions
from mindway.therapy.exercise_forms import FORM_FOR_HOMEWORK, FORMS
from mindway.therapy.library import UnknownModule, load_library
from mindway.therapy.programmes import load_programmes
from mindway.web.checkin_pages import mood_panel
from mindway.web.crisis import crisis_help
from mindway.web.csrf import CheckedForm
from mindway.web.forms import CONTROL
from mindway.web.i18n import N_
from mindway.web.patient_pages import own_record
from mindway.web.render import PageRoute, redirect, render, sentence
from mindway.web.session import SignedIn, WebSession, require_role
from mindway.web.therapy_charts import interval_chart
from mindway.web.vr_pages import PATIENT_BASE as EXPOSURE_BUILDER

router = APIRouter(route_class=PageRoute)
BASE = "/patient/programme"
# Exercises done in another part's builder: the fear ladder is the VR exposure hierarchy.
BUILDERS = {programmes.EXPOSURE_LADDER: EXPOSURE_BUILDER}


def _item_href(item: programmes.ItemPublic) -> str:
    if item.kind == "module":
        return f"{BASE}/modules/{item.ref}"
    if item.ref in BUILDERS:
        return BUILDERS[item.ref]
    form = FORM_FOR_HOMEWORK.get(item.ref)
    if form:
        return f"{BASE}/exercises/{form}"
    module = next(m for m in load_library().by_kind("skill") if m.meta.exercise == item.ref)
    return f"{BASE}/modules/{module.id}"


def _feedback(request: Request, rt: RuntimeDep, ws: WebSession, patient_id: uuid.UUID) -> Any:
    found = therapy_feedback.personal_insights(rt, ws.actor, patient_id)
    return {
        "insights": found,
        "insight_chart": interval_chart(
            "insight-chart", "Mood on days with and without", found.findings
        ),
        "recommendations": therapy_feedback.recommendations(rt, ws.actor, patient_id),
        "mood": mood_panel(rt, ws.actor, patient_id),
    }


def _page(
    request: Request, rt: RuntimeDep, ws: WebSession, status: int = 200, error: str | None = None
) -> Response:
    patient_id = own_record(ws)
    return render(
        request,
        "therapy_programme.html",
        status,
        page_title=N_("My programme"),
        enrolment=programmes.current(rt, ws.actor, patient_id),
        programmes=list(load_programmes().values()),
        prompt=jitai_prompts.pending_prompt(rt, ws.actor, patient_id),
        item_href=_item_href,
        saved=request.query_params.get("saved"),
        error=error,
        **_feedback(request, rt, ws, patient_id),
    )


@router.get(BASE)
def programme_page(request: Request, rt: RuntimeDep, ws: SignedIn) -> Response:
    return _page(request, rt, ws)


@router.post(BASE + "/enrol")
def enrol(request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm) -> Response:
    patient_id = own_record(ws)
    try:
        programmes.enrol(rt, ws.actor, patient_id, form.text("programme", max_chars=40))
    except (InvalidInput, Forbidden, Conflict) as exc:
        return _page(request, rt, ws, 422, sentence(exc.detail))
    return redirect(request, BASE + "?saved=enrolled")


@router.post(BASE + "/progress")
def mark_done(request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm) -> Response:
    patient_id = own_record(ws)
    try:
        session = int(form.text("session", max_chars=4) or "0")
        done = programmes.mark_done(
            rt, ws.actor, patient_id, session, form.text("item", max_chars=80)
        )
    except (InvalidInput, ValueError) as exc:
        detail = exc.detail if isinstance(exc, InvalidInput) else "session must be a number"
        return _page(request, rt, ws, 422, sentence(detail))
    complete = done.sessions[session - 1].complete
    return redirect(
        request,
        BASE + (f"?saved=session-{session}" if complete else "?saved=item") + f"#session-{session}",
    )


@router.post(BASE + "/reminders")
def reminders(request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm) -> Response:
    """Switch programme reminders on ("yes") or off."""
    patient_id = own_record(ws)
    try:
        programmes.set_reminders(rt, ws.actor, patient_id, form.text("on", max_chars=3) == "yes")
    except InvalidInput as exc:
        return _page(request, rt, ws, 422, sentence(exc.detail))
    return redirect(request, BASE + "#programme-reminders")


@router.post(BASE + "/leave")
def leave(request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm) -> Response:
    """Stop the programme (reminders stop with it); another can be chosen at once."""
    try:
        programmes.leave(rt, ws.actor, own_record(ws))
    except InvalidInput as exc:
        return _page(request, rt, ws, 422, sentence(exc.detail))
    return redirect(request, BASE)


@router.post(BASE + "/prompts/{prompt_id}/dismiss")
def dismiss(
    prompt_id: uuid.UUID, request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm
) -> Response:
    jitai_prompts.dismiss_prompt(rt, ws.actor, own_record(ws), prompt_id)
    return redirect(request, BASE)


def _current_items(
    rt: RuntimeDep, ws: WebSession, patient_id: uuid.UUID, ref: str
) -> list[tuple[int, str, bool]]:
    """(session position, item key, done) for ``ref`` in the open sessions of the plan."""
    enrolment = programmes.current(rt, ws.actor, patient_id)
    if enrolment is None:
        return []
    return [
        (s.position, i.key, i.done)
        for s in enrolment.sessions
        if s.unlocked
        for i in s.items
        if i.ref == ref or (i.kind == "homework" and i.ref == _exercise_of(ref))
    ]


def _exercise_of(module_id: str) -> str | None:
    try:
        return load_library().get(module_id).meta.exercise
    except UnknownModule:
        return None


@router.get(BASE + "/modules/{module_id}")
def module_page(module_id: str, request: Request, rt: RuntimeDep, ws: SignedIn) -> Response:
    patient_id = own_record(ws)
    try:
        module = load_library(ws.info.locale.split("-")[0]).get(module_id)
    except UnknownModule:
        raise NotFound("no such module") from None
    exercise = module.meta.exercise or ""
    form = FORM_FOR_HOMEWORK.get(exercise)
    return render(
        request,
        "therapy_module.html",
        page_title=module.meta.title,
        module=module,
        items=_current_items(rt, ws, patient_id, module_id),
        form_href=BUILDERS.get(exercise) or (f"{BASE}/exercises/{form}" if form else None),
    )


def _exercise(
    request: Request,
    rt: RuntimeDep,
    ws: WebSession,
    exercise: str,
    values: dict[str, str] | None = None,
    status: int = 200,
    errors: list[str] | None = None,
    suggestion: tuple[str, str] | None = None,
) -> Response:
    patient_id = own_record(ws)
    form = exercise_forms.form_of(exercise)
    help_now = request.query_params.get("help") == "now"
    return render(
        request,
        "therapy_exercise.html",
        status,
        page_title=form.title,
        form=form,
        values=values
        if values is not None
        else exercise_forms.draft(rt, ws.actor, patient_id, exercise),
        traps=load_distortions(),
        errors=errors or [],
        suggestion=suggestion,
        crisis=crisis_help(ws.info.locale) if help_now else None,
        saved=request.query_params.get("saved") == "draft",
    )


@router.get(BASE + "/exercises/{exercise}")
def exercise_page(exercise: str, request: Request, rt: RuntimeDep, ws: SignedIn) -> Response:
    if exercise not in FORMS:
        raise NotFound("no such exercise")
    return _exercise(request, rt, ws, exercise)


@router.post(BASE + "/exercises/{exercise}")
def save_exercise(
    exercise: str, request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm
) -> Response:
    """Save as a draft, suggest a thinking trap, or finish; a disclosure stops it all."""
    if exercise not in FORMS:
        raise NotFound("no such exercise")
    patient_id = own_record(ws)
    action = form.values.get("action", "draft")
    # Read raw (no length refusal here): the service screens the text before anything else.
    values = {f.name: CONTROL.sub("", form.values.get(f.name, "")) for f in FORMS[exercise].fields}
    saved = exercise_forms.save(
        rt, ws.actor, patient_id, exercise, values, finish=action == "finish"
    )
    href = f"{BASE}/exercises/{exercise}"
    if saved.stopped:
        return redirect(request, href + "?help=now#crisis")
    if saved.finished:
        return redirect(request, BASE + f"?saved={exercise}")
    if saved.errors:
        return _exercise(request, rt, ws, exercise, saved.fields, 422, saved.errors)
    if action == "suggest":
        suggestion = exercise_forms.suggest_trap(saved.fields.get("automatic_thought", ""))
        fields = dict(saved.fields)
        if suggestion and not fields.get("thinking_trap"):
            fields["thinking_trap"] = suggestion[0]
        return _exercise(request, rt, ws, exercise, fields, suggestion=suggestion)
    return redirect(request, href + "?saved=draft")


@router.get("/clinician/patients/{patient_id}/programme")
def clinician_programme(
    patient_id: uuid.UUID, request: Request, rt: RuntimeDep, ws: SignedIn
) -> Response:
    """The patient's programme, insights and recommendations, and assigning a programme."""
    require_role(ws, Role.CLINICIAN)
    return _clinician(request, rt, ws, patient_id)


def _clinician(
    request: Request,
    rt: RuntimeDep,
    ws: WebSession,
    patient_id: uuid.UUID,
    status: int = 200,
    error: str | None = None,
) -> Response:
    return render(
        request,
        "therapy_clinician.html",
        status,
        page_title="Programme",
        patient_id=patient_id,
        enrolment=programmes.current(rt, ws.actor, patient_id),
        programmes=list(load_programmes().values()),
        error=error,
        saved=request.query_params.get("saved") == "yes",
        own_prefix="/clinician/",  # suggestions link to the patient's pages: shown as text
        **_feedback(request, rt, ws, patient_id),
    )


@router.post("/clinician/patients/{patient_id}/programme")
def assign(
    patient_id: uuid.UUID, request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm
) -> Response:
    """Assign a programme, skipping sessions ("3, 5") and adding others ("sleep_better:2")."""
    require_role(ws, Role.CLINICIAN)
    try:
        skip_text = form.text("skip", max_chars=100)
        skip = [int(s) for s in skip_text.replace(",", " ").split()]
        add = form.text("add", max_chars=300).replace(",", " ").split()
        programmes.enrol(rt, ws.actor, patient_id, form.text("programme", max_chars=40), skip, add)
    except ValueError:
        return _clinician(request, rt, ws, patient_id, 422, "Sessions to skip must be numbers.")
    except InvalidInput as exc:
        return _clinician(request, rt, ws, patient_id, 422, sentence(exc.detail))
    return redirect(request, f"/clinician/patients/{patient_id}/programme?saved=yes")
