"""Clinician pages: the caseload (riskiest first), one patient's alerts, scores, record and
notes, and emergency access.

Which patients a clinician may open is decided by the policy inside the services; a patient
outside their care teams answers 404 here exactly as in the API.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from starlette.responses import Response

from mindway.api.deps import RuntimeDep
from mindway.errors import InvalidInput, NotFound
from mindway.security.policy import Role
from mindway.services import break_glass, clinical_alerts, consent, measures, patients
from mindway.services.runtime import Runtime
from mindway.web.alert_pages import NOTICES, by_risk
from mindway.web.checkin_pages import mood_panel
from mindway.web.csrf import CheckedForm
from mindway.web.forms import parse_uuid
from mindway.web.patient_pages import consent_cards
from mindway.web.render import PageRoute, redirect, render, sentence
from mindway.web.score_panels import CHANGE_WORDS, clinical_label, clinician_panels
from mindway.web.session import SignedIn, WebSession, require_role

router = APIRouter(route_class=PageRoute)


def _caseload(
    request: Request, rt: Runtime, ws: WebSession, status: int = 200, **form: object
) -> Response:
    require_role(ws, Role.CLINICIAN)
    open_alerts = clinical_alerts.inbox(rt, ws.actor)
    rows = by_risk(patients.caseload(rt, ws.actor), open_alerts)
    form.setdefault("bg_error", None)
    form.setdefault("bg_patient", "")
    form.setdefault("bg_reason", "")
    return render(
        request,
        "clinician_caseload.html",
        status,
        page_title="Caseload",
        rows=rows,
        alert_count=len(open_alerts),
        **form,
    )


@router.get("/clinician")
def caseload(request: Request, rt: RuntimeDep, ws: SignedIn) -> Response:
    return _caseload(request, rt, ws)


@router.post("/clinician/break-glass")
def start_break_glass(
    request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm
) -> Response:
    """Emergency access to a patient outside the caseload: the reason goes to the admins."""
    require_role(ws, Role.CLINICIAN)
    raw_id = form.values.get("patient_id", "")[:200]
    reason = form.values.get("reason", "")
    try:
        patient_id = parse_uuid(form.text("patient_id", max_chars=200), "The patient ID")
        reason = form.text("reason", max_chars=100_000)
        break_glass.start(rt, ws.actor, patient_id, reason)
    except InvalidInput as exc:
        error = sentence(exc.detail)
        return _caseload(request, rt, ws, 422, bg_error=error, bg_patient=raw_id, bg_reason=reason)
    except NotFound:
        error = "No patient has that ID. Check it and try again."
        return _caseload(request, rt, ws, 404, bg_error=error, bg_patient=raw_id, bg_reason=reason)
    return redirect(request, f"/clinician/patients/{patient_id}")


def _patient_page(
    request: Request,
    rt: Runtime,
    ws: WebSession,
    patient_id: uuid.UUID,
    status: int = 200,
    **form: object,
) -> Response:
    require_role(ws, Role.CLINICIAN)
    record = patients.read_record(rt, ws.actor, patient_id)
    notes = patients.list_notes(rt, ws.actor, patient_id)
    try:
        consents = consent_cards(consent.current(rt, ws.actor, patient_id))
        emergency = False
    except NotFound:
        # Emergency access opens the record and notes, never consent (security.policy).
        consents, emergency = [], True
    alerts = clinical_alerts.for_patient(rt, ws.actor, patient_id)
    panels = clinician_panels(measures.history(rt, ws.actor, patient_id))
    form.setdefault("note_error", None)
    form.setdefault("note_kind", "session")
    form.setdefault("note_body", "")
    return render(
        request,
        "clinician_patient.html",
        status,
        page_title=" ".join(p for p in (record.given_name, record.family_name) if p) or "Patient",
        record=record,
        notes=notes,
        consents=consents,
        emergency=emergency,
        note_kinds=patients.NOTE_KINDS,
        alerts=alerts,
        panels=panels,
        mood=mood_panel(rt, ws.actor, patient_id),
        change_words=CHANGE_WORDS,
        band_label=clinical_label,
        notice=NOTICES.get(request.query_params.get("ack", "")),
        **form,
    )


@router.get("/clinician/patients/{patient_id}")
def patient(patient_id: uuid.UUID, request: Request, rt: RuntimeDep, ws: SignedIn) -> Response:
    return _patient_page(request, rt, ws, patient_id)


@router.post("/clinician/patients/{patient_id}/notes")
def add_note(
    patient_id: uuid.UUID, request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm
) -> Response:
    require_role(ws, Role.CLINICIAN)
    try:
        kind = form.text("kind", max_chars=40)
        body = form.text("body", max_chars=1_000_000, strip=False)
        patients.add_note(rt, ws.actor, patient_id, kind, body)
    except InvalidInput as exc:
        return _patient_page(
            request,
            rt,
            ws,
            patient_id,
            422,
            note_error=sentence(exc.detail),
            note_kind=form.values.get("kind", ""),
            note_body=form.values.get("body", ""),
        )
    return redirect(request, f"/clinician/patients/{patient_id}#notes")
