"""The web shell's router: every page, plus ``/`` which sends each role to its own home.

Pages are server-rendered HTML that works without JavaScript (htmx only smooths a few
forms), so they stay light on low-end phones and slow networks.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from starlette.responses import Response

from mindway.web import (
    admin_pages,
    alert_pages,
    audit_pages,
    auth_pages,
    chat_pages,
    checkin_pages,
    clinician_pages,
    crisis,
    patient_pages,
    push_pages,
    questionnaire_pages,
    recommend_pages,
    research_pages,
    therapy_pages,
    vr_pages,
)
from mindway.web.render import PageRoute, install_error_pages, redirect
from mindway.web.session import HOMES, MfaPending, WebSession, maybe_signed_in, runtime_of

STATIC_DIR = Path(__file__).parent / "static"


def home_of(ws: WebSession | None) -> str:
    """Where ``/`` leads: sign-in, the second step, or the role's home page."""
    if ws is None:
        return "/login"
    if not ws.info.mfa_passed:
        return MfaPending(enrol=not ws.info.mfa_enabled).location
    return HOMES[ws.role]


router = APIRouter(include_in_schema=False, route_class=PageRoute)


@router.get("/")
def home(request: Request) -> Response:
    return redirect(request, home_of(maybe_signed_in(request, runtime_of(request))))


for module in (
    auth_pages,
    crisis,
    patient_pages,
    checkin_pages,
    chat_pages,
    push_pages,
    questionnaire_pages,
    clinician_pages,
    alert_pages,
    admin_pages,
    audit_pages,
    research_pages,
    therapy_pages,
    recommend_pages,
    vr_pages,
):
    router.include_router(module.router)

__all__ = ["STATIC_DIR", "install_error_pages", "router"]
