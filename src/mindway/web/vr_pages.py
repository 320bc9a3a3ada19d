"""VR exposure pages: the patient's hierarchy and scene; the clinician's hierarchy, live view
and session reports. The scene and the live view talk to the session's WebSocket
(``static/vr/scene-page.js``, ``static/vr/live.js``); everything else works without scripts.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from mindway.api.deps import RuntimeDep
from mindway.errors import InvalidInput, NotFound
from mindway.security.policy import Role
from mindway.services import patients, vr_hierarchy, vr_reports, vr_sessions
from mindway.vr.hierarchy import SCENE_TITLES, SCENES
from mindway.web.crisis import crisis_help
from mindway.web.csrf import CheckedForm, CheckedJson
from mindway.web.patient_pages import own_record
from mindway.web.render import PageRoute, redirect, render, sentence
from mindway.web.session import SignedIn, WebSession, require_role
from mindway.web.vr_charts import series_chart

router = APIRouter(route_class=PageRoute)
PATIENT_BASE = "/patient/exposure"
SCENE_OPTIONS = [(s, SCENE_TITLES[s]) for s in SCENES]


def _base(ws: WebSession, patient_id: uuid.UUID) -> str:
    if ws.role is Role.PATIENT:
        return PATIENT_BASE
    return f"/clinician/patients/{patient_id}/exposure"


def _patient_of(ws: WebSession, patient_id: uuid.UUID | None) -> uuid.UUID:
    if patient_id is None:
        return own_record(ws)
    require_role(ws, Role.CLINICIAN)
    return patient_id


def _hierarchy_page(
    request: Request,
    rt: RuntimeDep,
    ws: WebSession,
    patient_id: uuid.UUID,
    status: int = 200,
    error: str | None = None,
    crisis: bool = False,
) -> Response:
    return render(
        request,
        "vr_hierarchy.html",
        status,
        page_title="Exposure",
        base=_base(ws, patient_id),
        clinician=ws.role is Role.CLINICIAN,
        progress=vr_hierarchy.hierarchy_progress(rt, ws.actor, patient_id),
        sessions=vr_sessions.list_sessions(rt, ws.actor, patient_id),
        scenes=SCENE_OPTIONS,
        error=error,
        crisis=crisis_help(ws.info.locale) if crisis else None,
    )


def _number(form: CheckedForm, name: str, default: float | None = None) -> Any:
    value = form.values.get(name, "").strip()
    return default if value == "" else value


def _add(
    request: Request, rt: RuntimeDep, ws: WebSession, pid: uuid.UUID, form: CheckedForm
) -> Response:
    raw = {
        "label": form.values.get("label", ""),
        "suds": _number(form, "suds"),
        "scene": form.values.get("scene") or None,
        "intensity_lo": _number(form, "intensity_lo", 0.0),
        "intensity_hi": _number(form, "intensity_hi", 1.0),
    }
    try:
        added = vr_hierarchy.add_item(rt, ws.actor, pid, raw)
    except InvalidInput as exc:
        return _hierarchy_page(request, rt, ws, pid, 422, sentence(exc.detail))
    if added.show_crisis_resources:
        return _hierarchy_page(request, rt, ws, pid, crisis=True)
    return redirect(request, _base(ws, pid))


@router.get(PATIENT_BASE)
def patient_hierarchy(request: Request, rt: RuntimeDep, ws: SignedIn) -> Response:
    return _hierarchy_page(request, rt, ws, own_record(ws))


@router.get("/clinician/patients/{patient_id}/exposure")
def clinician_hierarchy(
    request: Request, patient_id: uuid.UUID, rt: RuntimeDep, ws: SignedIn
) -> Response:
    return _hierarchy_page(request, rt, ws, _patient_of(ws, patient_id))


@router.post(PATIENT_BASE + "/items")
def patient_add(request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm) -> Response:
    return _add(request, rt, ws, own_record(ws), form)


@router.post("/clinician/patients/{patient_id}/exposure/items")
def clinician_add(
    request: Request, patient_id: uuid.UUID, rt: RuntimeDep, ws: SignedIn, form: CheckedForm
) -> Response:
    return _add(request, rt, ws, _patient_of(ws, patient_id), form)


def _start(
    request: Request, rt: RuntimeDep, ws: WebSession, pid: uuid.UUID, item: uuid.UUID
) -> Response:
    session = vr_sessions.start_session(rt, ws.actor, pid, item)
    where = "" if ws.role is Role.PATIENT else "/live"
    return redirect(request, f"{_base(ws, pid)}/sessions/{session.id}{where}")


@router.post(PATIENT_BASE + "/items/{item_id}/start")
def patient_start(
    request: Request, item_id: uuid.UUID, rt: RuntimeDep, ws: SignedIn, form: CheckedForm
) -> Response:
    return _start(request, rt, ws, own_record(ws), item_id)


@router.post("/clinician/patients/{patient_id}/exposure/items/{item_id}/start")
def clinician_start(
    request: Request,
    patient_id: uuid.UUID,
    item_id: uuid.UUID,
    rt: RuntimeDep,
    ws: SignedIn,
    form: CheckedForm,
) -> Response:
    return _start(request, rt, ws, _patient_of(ws, patient_id), item_id)


@router.get(PATIENT_BASE + "/sessions/{session_id}")
def scene(request: Request, session_id: uuid.UUID, rt: RuntimeDep, ws: SignedIn) -> Response:
    """The exposure scene of one of the patient's sessions."""
    pid = own_record(ws)
    session = vr_sessions.get_session(rt, ws.actor, session_id, pid)
    if session.ended_at is not None:
        return redirect(request, PATIENT_BASE)
    return render(
        request,
        "vr_scene.html",
        page_title="Exposure",
        session=session,
        patient=str(pid),
        title=SCENE_TITLES.get(session.scene, session.scene),
        auto_suds=request.query_params.get("suds") == "auto",
    )


@router.post(PATIENT_BASE + "/sessions/{session_id}/messages")
def scene_message(
    session_id: uuid.UUID, rt: RuntimeDep, ws: SignedIn, message: CheckedJson
) -> JSONResponse:
    """The protocol over plain HTTP for the scene when a WebSocket cannot be opened (a proxy
    that drops upgrades, or a server without a WebSocket library): same messages, same
    replies, one audited use case each."""
    return JSONResponse(vr_sessions.step(rt, ws.actor, session_id, message, own_record(ws)))


@router.get("/vr/preview/{scene_name}")
def preview(request: Request, scene_name: str, ws: SignedIn) -> Response:
    """A scene without a session (try it out; ``?intensity=0.3`` fixes the level)."""
    require_role(ws, Role.PATIENT, Role.CLINICIAN)
    if scene_name not in SCENE_TITLES:
        raise NotFound("no such scene")
    return render(
        request,
        "vr_scene.html",
        page_title="Scene preview",
        session=None,
        scene=scene_name,
        title=SCENE_TITLES[scene_name],
        auto_suds=False,
    )


@router.get("/clinician/patients/{patient_id}/exposure/sessions/{session_id}/live")
def live(
    request: Request, patient_id: uuid.UUID, session_id: uuid.UUID, rt: RuntimeDep, ws: SignedIn
) -> Response:
    require_role(ws, Role.CLINICIAN)
    session = vr_sessions.get_session(rt, ws.actor, session_id, patient_id)
    return render(
        request,
        "vr_live.html",
        page_title="Live exposure session",
        session=session,
        base=_base(ws, patient_id),
        name=patients.read_record(rt, ws.actor, patient_id).given_name or "The patient",
    )


@router.get("/clinician/patients/{patient_id}/exposure/sessions/{session_id}/feed")
def live_feed(
    patient_id: uuid.UUID, session_id: uuid.UUID, rt: RuntimeDep, ws: SignedIn, after: int = 0
) -> JSONResponse:
    """The live view without a WebSocket: the seconds after index ``after`` and the state."""
    require_role(ws, Role.CLINICIAN)
    done = vr_reports.report(rt, ws.actor, session_id, patient_id)
    s = done.series
    rows = [
        {"i": i, **{name: s[name][i] for name in ("t", "intensity", "state", "suds", "hr", "eda")}}
        for i in range(max(after, 0), len(s["t"]))
    ]
    reasons = {e["t"]: e["reason"] for e in done.events if e["kind"] == "change"}
    return JSONResponse(
        {
            "state": done.session.state,
            "rows": rows,
            "events": [e for e in done.events if e["t"] >= (rows[0]["t"] if rows else 1e9)],
            "reason": reasons[max(reasons)] if reasons else "",
        }
    )


@router.post("/clinician/patients/{patient_id}/exposure/sessions/{session_id}/override")
def live_override(
    patient_id: uuid.UUID, session_id: uuid.UUID, rt: RuntimeDep, ws: SignedIn, body: CheckedJson
) -> JSONResponse:
    """An override from the live view without a WebSocket (the same audited use case)."""
    require_role(ws, Role.CLINICIAN)
    action = body.get("action") if isinstance(body, dict) else None
    return JSONResponse(vr_sessions.override(rt, ws.actor, session_id, action, patient_id))


@router.get("/clinician/patients/{patient_id}/exposure/sessions/{session_id}")
def report(
    request: Request, patient_id: uuid.UUID, session_id: uuid.UUID, rt: RuntimeDep, ws: SignedIn
) -> Response:
    require_role(ws, Role.CLINICIAN)
    done = vr_reports.report(rt, ws.actor, session_id, patient_id)
    s = done.series
    charts = [
        series_chart("intensity", "Intensity (0-1)", s["t"], s["intensity"], 0.0, 1.0, s["state"]),
        series_chart(
            "suds", "SUDS (0-100) and estimated fear", s["t"], s["fear"], 0, 100, dots=s["suds"]
        ),
        series_chart("hr", "Heart rate (bpm)", s["t"], s["hr"]),
        series_chart("eda", "Electrodermal activity (µS)", s["t"], s["eda"]),
    ]
    return render(
        request,
        "vr_report.html",
        page_title="Exposure session report",
        report=done,
        charts=charts,
        base=_base(ws, patient_id),
    )


@router.get("/clinician/exposure")
def clinician_exposure(request: Request, rt: RuntimeDep, ws: SignedIn) -> Response:
    """The caseload, each patient linking to their exposure hierarchy."""
    require_role(ws, Role.CLINICIAN)
    return render(
        request,
        "vr_caseload.html",
        page_title="Exposure",
        caseload=patients.caseload(rt, ws.actor),
    )
