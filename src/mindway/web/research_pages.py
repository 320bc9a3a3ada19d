"""The researcher's page: a de-identified export of the patients who consented to research."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from starlette.responses import Response

from mindway.api.deps import RuntimeDep
from mindway.errors import InvalidInput
from mindway.security.policy import Role
from mindway.services import research
from mindway.web.csrf import CheckedForm
from mindway.web.render import PageRoute, render
from mindway.web.session import SignedIn, require_role

router = APIRouter(route_class=PageRoute)


@router.get("/research")
def research_page(request: Request, rt: RuntimeDep, ws: SignedIn) -> Response:
    require_role(ws, Role.RESEARCHER)
    report = research.privacy_report(rt, ws.actor)
    return render(request, "research.html", page_title="Research export", report=report)


def _k_of(form: CheckedForm) -> int | None:
    """The k asked for in the form: blank is none (no suppression)."""
    raw = form.values.get("k", "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise InvalidInput("k must be a whole number")
    return int(raw)


@router.post("/research/export")
def export(request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm) -> Response:
    """A POST with a CSRF token: every export is an audited disclosure, never a stray prefetch."""
    data = research.export(rt, ws.actor, k=_k_of(form))
    name = f"mindway-research-export-{datetime.now(UTC):%Y-%m-%d}.json"
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
