"""The clinician's treatment options page for one patient: decision support, never a
prescription (DESIGN.md). Forms record a pharmacogenomic result, a past treatment, the
decision taken and, later, its outcome; every form works without JavaScript. Patients are
refused (403) and a patient outside the caseload is not found (404), as in the API.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from mindway.api.deps import RuntimeDep
from mindway.errors import InvalidInput
from mindway.recommend.pharmacogenomics import PHENOTYPES
from mindway.security.policy import Role
from mindway.services import recommendations
from mindway.services.recommend_features import GENES
from mindway.web.csrf import CheckedForm
from mindway.web.forms import Form
from mindway.web.render import PageRoute, redirect, render, sentence
from mindway.web.session import SignedIn, WebSession, require_role

router = APIRouter(route_class=PageRoute)
BASE = "/clinician/patients/{patient_id}/treatment-options"
ERRORS = ("decision_error", "pgx_error", "treatment_error", "outcome_error")


def _page(
    request: Request,
    rt: RuntimeDep,
    ws: WebSession,
    patient_id: uuid.UUID,
    status: int = 200,
    **errors: Any,
) -> Response:
    require_role(ws, Role.CLINICIAN)
    view = recommendations.recommend(rt, ws.actor, patient_id)
    return render(
        request,
        "recommend_patient.html",
        status,
        page_title="Treatment options",
        view=view,
        base=BASE.format(patient_id=patient_id),
        genes=GENES,
        phenotypes=PHENOTYPES,
        responses=recommendations.RESPONSES,
        **(dict.fromkeys(ERRORS) | errors),
    )


@router.get(BASE)
def options_page(patient_id: uuid.UUID, request: Request, rt: RuntimeDep, ws: SignedIn) -> Response:
    return _page(request, rt, ws, patient_id)


def _optional_date(form: Form, name: str, label: str) -> date | None:
    return form.date(name, label) if form.values.get(name, "").strip() else None


@router.post(BASE + "/decision")
def record_decision(
    patient_id: uuid.UUID, request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm
) -> Response:
    require_role(ws, Role.CLINICIAN)
    try:
        chosen = form.text("chosen", max_chars=60)
        reason = form.optional("reason", max_chars=500)
        recommendations.record_decision(rt, ws.actor, patient_id, chosen, reason)
    except InvalidInput as exc:
        return _page(request, rt, ws, patient_id, 422, decision_error=sentence(exc.detail))
    return redirect(request, BASE.format(patient_id=patient_id) + "#decisions")


@router.post(BASE + "/pharmacogenomics")
def record_pgx(
    patient_id: uuid.UUID, request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm
) -> Response:
    require_role(ws, Role.CLINICIAN)
    try:
        recommendations.record_pgx(
            rt,
            ws.actor,
            patient_id,
            form.text("gene", max_chars=12),
            diplotype=form.optional("diplotype", max_chars=40),
            phenotype=form.optional("phenotype", max_chars=40),
        )
    except InvalidInput as exc:
        return _page(request, rt, ws, patient_id, 422, pgx_error=sentence(exc.detail))
    return redirect(request, BASE.format(patient_id=patient_id) + "#pharmacogenomics")


@router.post(BASE + "/treatments")
def record_treatment(
    patient_id: uuid.UUID, request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm
) -> Response:
    require_role(ws, Role.CLINICIAN)
    try:
        recommendations.record_treatment(
            rt,
            ws.actor,
            patient_id,
            form.text("treatment", max_chars=60),
            started=_optional_date(form, "started", "The start date"),
            ended=_optional_date(form, "ended", "The end date"),
            response=form.text("response", max_chars=20) or "unknown",
            side_effects=form.optional("side_effects", max_chars=500),
            serious_side_effect=form.values.get("serious_side_effect") == "yes",
        )
    except InvalidInput as exc:
        return _page(request, rt, ws, patient_id, 422, treatment_error=sentence(exc.detail))
    return redirect(request, BASE.format(patient_id=patient_id) + "#history")


@router.post(BASE + "/decisions/{decision_id}/outcome")
def record_outcome(
    patient_id: uuid.UUID,
    decision_id: uuid.UUID,
    request: Request,
    rt: RuntimeDep,
    ws: SignedIn,
    form: CheckedForm,
) -> Response:
    require_role(ws, Role.CLINICIAN)
    try:
        raw = form.text("improvement", max_chars=10)
        try:
            improvement = float(raw)
        except ValueError:
            raise InvalidInput("the improvement is a number of PHQ-9 points") from None
        note = form.optional("note", max_chars=500)
        recommendations.record_outcome(rt, ws.actor, patient_id, decision_id, improvement, note)
    except InvalidInput as exc:
        return _page(request, rt, ws, patient_id, 422, outcome_error=sentence(exc.detail))
    return redirect(request, BASE.format(patient_id=patient_id) + "#decisions")
