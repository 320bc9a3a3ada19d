"""Admin pages for oversight: the audit log, alerts, and break-glass reasons.

Filters arrive as query parameters and are checked here, so a mistyped date or number shows
a message above the table instead of an error page.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.datastructures import QueryParams
from starlette.responses import Response

from mindway.api.deps import RuntimeDep
from mindway.errors import InvalidInput
from mindway.services import accounts, alerts, audit_log, break_glass
from mindway.services.audit_log import AuditFilter
from mindway.web.csrf import CheckedForm
from mindway.web.forms import parse_date
from mindway.web.render import PageRoute, redirect, render, sentence
from mindway.web.session import SignedIn

router = APIRouter(route_class=PageRoute)
PAGE_SIZE = 50
FILTERS = ("actor", "action", "outcome", "since", "until", "before")
OUTCOMES = ("success", "denied", "failure")


def _start_of(text: str, label: str) -> datetime | None:
    if not text:
        return None
    return datetime.combine(parse_date(text, label), time.min, tzinfo=UTC)


def parse_filter(values: dict[str, str], usernames: dict[str, str]) -> AuditFilter:
    """The service's filter from the form; ``until`` includes the whole day it names, and
    the actor may be given by username as well as by account id."""
    before = values["before"]
    if before and not (before.isdigit() and int(before) >= 1):
        raise InvalidInput("'older than' must be a whole number above zero")
    until = _start_of(values["until"], "The end date")
    return AuditFilter(
        actor_id=usernames.get(values["actor"].lower(), values["actor"]) or None,
        action=values["action"] or None,
        outcome=values["outcome"] or None,
        since=_start_of(values["since"], "The start date"),
        until=until + timedelta(days=1) if until else None,
        before_seq=int(before) if before else None,
        limit=PAGE_SIZE,
    )


def _values(params: QueryParams) -> dict[str, str]:
    return {name: params.get(name, "").strip()[:64] for name in FILTERS}


@router.get("/admin/audit")
def audit_page(request: Request, rt: RuntimeDep, ws: SignedIn) -> Response:
    """Newest first, 50 at a time; "Older" pages back from the last row shown."""
    values = _values(request.query_params)
    people = accounts.list_accounts(rt, ws.actor)
    names = {str(a.id): a.username for a in people}
    older, error = None, None
    try:
        flt = parse_filter(values, {a.username: str(a.id) for a in people})
        events = audit_log.browse(rt, ws.actor, flt)
    except InvalidInput as exc:
        events, error = [], sentence(exc.detail)
    if len(events) == PAGE_SIZE:
        kept = {k: v for k, v in values.items() if v and k != "before"}
        older = "/admin/audit?" + urlencode({**kept, "before": events[-1].seq})
    return render(
        request,
        "admin_audit.html",
        422 if error is not None else 200,
        page_title="Audit log",
        values=values,
        outcomes=OUTCOMES,
        events=events,
        names=names,
        older=older,
        error=error,
    )


@router.get("/admin/alerts")
def alerts_page(request: Request, rt: RuntimeDep, ws: SignedIn) -> Response:
    show_all = request.query_params.get("show") == "all"
    rows = alerts.list_alerts(rt, ws.actor, open_only=not show_all)
    return render(request, "admin_alerts.html", page_title="Alerts", rows=rows, show_all=show_all)


@router.post("/admin/alerts/{alert_id}/acknowledge")
def acknowledge(
    alert_id: uuid.UUID, request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm
) -> Response:
    alerts.acknowledge(rt, ws.actor, alert_id)
    return redirect(request, "/admin/alerts")


@router.get("/admin/break-glass/{grant_id}")
def break_glass_reason(
    grant_id: uuid.UUID, request: Request, rt: RuntimeDep, ws: SignedIn
) -> Response:
    """The clinician's stated reason for emergency access; reading it is itself audited."""
    reason = break_glass.read_reason(rt, ws.actor, grant_id)
    return render(
        request,
        "admin_break_glass.html",
        page_title="Emergency access reason",
        grant_id=grant_id,
        reason=reason,
    )
