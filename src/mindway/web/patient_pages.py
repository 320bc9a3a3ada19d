"""The patient's own pages: home (care team, choices about their data, latest notes), notes.

Every read goes through the services, so each one is checked and audited; the crisis link
sits in the shared header of every patient page.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from mindway.api.deps import RuntimeDep
from mindway.content.loader import consent_policies
from mindway.errors import InvalidInput, NotFound
from mindway.security.policy import Role
from mindway.services import checkin_reminders, checkins, consent, patients
from mindway.services.runtime import Runtime
from mindway.services.views import ConsentState
from mindway.web.csrf import CheckedForm
from mindway.web.i18n import N_
from mindway.web.render import PageRoute, redirect, render, sentence
from mindway.web.session import SignedIn, WebSession, require_role

router = APIRouter(route_class=PageRoute)
LATEST_NOTES = 3


def own_record(ws: WebSession) -> uuid.UUID:
    require_role(ws, Role.PATIENT)
    if ws.actor.patient_id is None:
        raise NotFound("this account has no patient record")
    return ws.actor.patient_id


def consent_cards(states: list[ConsentState]) -> list[dict[str, Any]]:
    """Each purpose with the words the person agreed to (or would agree to)."""
    policies = consent_policies()
    return [
        {
            "purpose": s.purpose,
            "title": policies[s.purpose].title,
            "text": policies[s.purpose].text,
            "granted": s.granted,
            "recorded_at": s.recorded_at,
        }
        for s in states
    ]


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _home(
    request: Request,
    rt: Runtime,
    ws: WebSession,
    patient_id: uuid.UUID,
    status: int = 200,
    consent_error: str | None = None,
) -> Response:
    record = patients.read_record(rt, ws.actor, patient_id)
    notes = patients.list_notes(rt, ws.actor, patient_id)
    states = consent.current(rt, ws.actor, patient_id)
    return render(
        request,
        "patient_home.html",
        status,
        page_title=N_("Home"),
        use_htmx=True,
        first_name=record.given_name or ws.info.display_name,
        care_teams=record.care_teams,
        notes=notes[:LATEST_NOTES],
        note_count=len(notes),
        consents=consent_cards(states),
        consent_error=consent_error,
        consent_saved=request.query_params.get("consent") == "saved",
        checkin_summary=checkins.summary(rt, ws.actor, patient_id),
        checkin_prompt=checkin_reminders.prompt_pending(rt, ws.actor),
    )


@router.get("/patient")
def home(request: Request, rt: RuntimeDep, ws: SignedIn) -> Response:
    return _home(request, rt, ws, own_record(ws))


@router.get("/patient/notes")
def notes(request: Request, rt: RuntimeDep, ws: SignedIn) -> Response:
    """All notes the care team wrote (open notes), newest first."""
    patient_id = own_record(ws)
    all_notes = patients.list_notes(rt, ws.actor, patient_id)
    return render(request, "patient_notes.html", page_title=N_("My notes"), notes=all_notes)


@router.post("/patient/consent")
def set_consent(request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm) -> Response:
    """Give or withdraw one consent: one button either way (GDPR Art. 7(3))."""
    patient_id = own_record(ws)
    try:
        purpose = form.text("purpose", max_chars=40)
        granted = form.flag("granted")
        states = consent.record(rt, ws.actor, patient_id, purpose, granted)
    except InvalidInput as exc:
        if _is_htmx(request):
            states = consent.current(rt, ws.actor, patient_id)
            return render(
                request,
                "_consent.html",
                consents=consent_cards(states),
                consent_error=sentence(exc.detail),
                consent_saved=False,
            )
        return _home(request, rt, ws, patient_id, 422, consent_error=sentence(exc.detail))
    if _is_htmx(request):
        return render(
            request,
            "_consent.html",
            consents=consent_cards(states),
            consent_error=None,
            consent_saved=True,
        )
    return redirect(request, "/patient?consent=saved#consent")
