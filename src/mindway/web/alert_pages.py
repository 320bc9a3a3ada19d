"""The clinician's alerts inbox: open care-team alerts, most urgent first, to acknowledge.

Which alerts a clinician sees and may acknowledge is decided in ``services.clinical_alerts``:
an alert of a patient outside their care teams is "not found" (404), as in the API.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import APIRouter, Request
from starlette.responses import Response

from mindway.api.deps import RuntimeDep
from mindway.clinical.alert_rules import LEVEL_ORDER
from mindway.errors import Conflict
from mindway.security.policy import Role
from mindway.services import clinical_alerts
from mindway.services.views import ClinicalAlertPublic, PatientSummary
from mindway.web.csrf import CheckedForm
from mindway.web.render import ALERTS_HREF, PageRoute, redirect, render
from mindway.web.session import SignedIn, require_role

router = APIRouter(route_class=PageRoute)
NOTICES = {
    "done": "Alert acknowledged. It has left the open list.",
    "already": "That alert was already acknowledged by someone on the care team.",
}
MARKERS = {"urgent": "Urgent alert", "high": "High alert", "routine": "Open alert"}


@dataclass(frozen=True)
class CaseloadRow:
    """A patient on the caseload with the most urgent of their open alerts, if any."""

    patient: PatientSummary
    level: str | None
    open_alerts: int

    @property
    def marker(self) -> str | None:
        return MARKERS.get(self.level, "Open alert") if self.level else None


def by_risk(
    patients: Sequence[PatientSummary], open_alerts: Sequence[ClinicalAlertPublic]
) -> list[CaseloadRow]:
    """Patients with open urgent alerts first, then high, then routine, then the rest,
    keeping the caseload's own order within each group."""
    levels: dict[uuid.UUID, list[str]] = {}
    for alert in open_alerts:
        levels.setdefault(alert.patient_id, []).append(alert.level)
    rows = []
    for patient in patients:
        theirs = levels.get(patient.id, [])
        top = min(theirs, key=lambda level: LEVEL_ORDER.get(level, 9), default=None)
        rows.append(CaseloadRow(patient, top, len(theirs)))
    return sorted(rows, key=lambda r: LEVEL_ORDER.get(r.level, 9) if r.level else 10)


@router.get(ALERTS_HREF)
def inbox(request: Request, rt: RuntimeDep, ws: SignedIn) -> Response:
    require_role(ws, Role.CLINICIAN)
    show_all = request.query_params.get("show") == "all"
    rows = clinical_alerts.inbox(rt, ws.actor, include_acknowledged=show_all)
    open_rows = sum(1 for a in rows if a.acknowledged_at is None)
    return render(
        request,
        "clinician_alerts.html",
        page_title="Alerts",
        rows=rows,
        show_all=show_all,
        alert_count=open_rows,
        notice=NOTICES.get(request.query_params.get("ack", "")),
    )


@router.post(ALERTS_HREF + "/{alert_id}/acknowledge")
def acknowledge(
    alert_id: uuid.UUID, request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm
) -> Response:
    """Take the alert on; from a patient's page, go back to that page."""
    require_role(ws, Role.CLINICIAN)
    try:
        alert = clinical_alerts.acknowledge(rt, ws.actor, alert_id)
    except Conflict:
        return redirect(request, f"{ALERTS_HREF}?ack=already")
    if form.values.get("from") == "patient":
        return redirect(request, f"/clinician/patients/{alert.patient_id}?ack=done#alerts")
    return redirect(request, f"{ALERTS_HREF}?ack=done")
