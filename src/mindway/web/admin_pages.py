"""Admin pages for accounts and care teams.

The pages do not check the role themselves: the account services refuse anyone but an admin
(403, audited as a denial), so the page and the API cannot disagree about who may do this.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from mindway.api.deps import RuntimeDep
from mindway.errors import Conflict, InvalidInput
from mindway.security.policy import Role
from mindway.services import accounts
from mindway.services.runtime import Runtime
from mindway.services.views import AccountPublic
from mindway.web.csrf import CheckedForm
from mindway.web.forms import Form, parse_uuid
from mindway.web.render import PageRoute, redirect, render, sentence
from mindway.web.session import SignedIn, WebSession

router = APIRouter(route_class=PageRoute)

ACCOUNT_FIELDS = (
    "username",
    "display_name",
    "role",
    "locale",
    "given_name",
    "family_name",
    "birth_date",
    "sex",
    "ethnicity",
    "care_team_id",
)


def _accounts_page(
    request: Request,
    rt: Runtime,
    ws: WebSession,
    status: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    rows = accounts.list_accounts(rt, ws.actor)
    teams = accounts.list_teams(rt, ws.actor)
    created = request.query_params.get("created", "")
    created = created if any(a.username == created for a in rows) else ""
    return render(
        request,
        "admin_accounts.html",
        status,
        page_title="Accounts",
        rows=rows,
        teams=teams,
        roles=[r.value for r in Role],
        locales=accounts.LOCALES,
        values=values or {"role": "clinician", "locale": "en-US"},
        error=error,
        notice=f"Account {created} created." if created else None,
    )


@router.get("/admin/accounts")
def accounts_page(request: Request, rt: RuntimeDep, ws: SignedIn) -> Response:
    return _accounts_page(request, rt, ws)


def _registration(form: Form) -> accounts.Registration:
    team = form.text("care_team_id", max_chars=64)
    return accounts.Registration(
        given_name=form.text("given_name"),
        family_name=form.text("family_name"),
        birth_date=form.date("birth_date", "Birth date"),
        sex=form.optional("sex", max_chars=40),
        ethnicity=form.optional("ethnicity", max_chars=80),
        care_team_id=parse_uuid(team, "The care team") if team else None,
    )


@router.post("/admin/accounts")
def create_account(request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm) -> Response:
    """Create any kind of account; a patient account also registers the patient's record."""
    values = {name: form.values.get(name, "")[:200] for name in ACCOUNT_FIELDS}
    try:
        role = form.text("role", max_chars=20)
        registration = _registration(form) if role == Role.PATIENT else None
        created = accounts.create_account(
            rt,
            ws.actor,
            username=form.text("username", max_chars=200),
            display_name=form.text("display_name"),
            role=role,
            password=form.text("password", max_chars=1024, strip=False),
            locale=form.text("locale", max_chars=20),
            registration=registration,
        )
    except (InvalidInput, Conflict) as exc:
        return _accounts_page(request, rt, ws, exc.status, sentence(exc.detail), values)
    return redirect(request, f"/admin/accounts?created={created.username}")


@router.post("/admin/accounts/{account_id}/disabled")
def set_disabled(
    account_id: uuid.UUID, request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm
) -> Response:
    """Disable (ending the person's sessions at once) or enable an account."""
    try:
        accounts.set_disabled(rt, ws.actor, account_id, form.flag("disabled"))
    except InvalidInput as exc:
        return _accounts_page(request, rt, ws, 422, sentence(exc.detail))
    return redirect(request, "/admin/accounts")


@router.post("/admin/accounts/{account_id}/mfa-reset")
def reset_mfa(
    account_id: uuid.UUID, request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm
) -> Response:
    """For a lost phone: the person sets up two-step sign-in again when they next sign in."""
    accounts.reset_mfa(rt, ws.actor, account_id)
    return redirect(request, "/admin/accounts")


def _member_names(rows: list[AccountPublic]) -> tuple[dict[uuid.UUID, str], dict[uuid.UUID, str]]:
    clinicians = {a.id: a.display_name for a in rows if a.role == Role.CLINICIAN}
    patients = {a.patient_id: a.display_name for a in rows if a.patient_id is not None}
    return clinicians, patients


def _teams_page(
    request: Request, rt: Runtime, ws: WebSession, status: int = 200, error: str | None = None
) -> Response:
    teams = accounts.list_teams(rt, ws.actor)
    rows = accounts.list_accounts(rt, ws.actor)
    clinicians, patients = _member_names(rows)
    by_patient = {a.patient_id: a.id for a in rows if a.patient_id is not None}
    shown: list[dict[str, Any]] = [
        {
            "team": team,
            "clinicians": [(cid, clinicians.get(cid, str(cid))) for cid in team.clinician_ids],
            "patients": [
                (by_patient.get(pid), patients.get(pid, "(no account)")) for pid in team.patient_ids
            ],
        }
        for team in teams
    ]
    return render(
        request,
        "admin_teams.html",
        status,
        page_title="Care teams",
        teams=shown,
        candidates=[a for a in rows if a.role in (Role.CLINICIAN, Role.PATIENT) and not a.disabled],
        error=error,
    )


@router.get("/admin/teams")
def teams_page(request: Request, rt: RuntimeDep, ws: SignedIn) -> Response:
    return _teams_page(request, rt, ws)


@router.post("/admin/teams")
def create_team(request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm) -> Response:
    try:
        accounts.create_team(rt, ws.actor, form.text("name", max_chars=1000))
    except (InvalidInput, Conflict) as exc:
        return _teams_page(request, rt, ws, exc.status, sentence(exc.detail))
    return redirect(request, "/admin/teams")


@router.post("/admin/teams/{team_id}/members")
def set_member(
    team_id: uuid.UUID, request: Request, rt: RuntimeDep, ws: SignedIn, form: CheckedForm
) -> Response:
    """Add or remove one clinician or patient (named by their account)."""
    try:
        account_id = form.uuid("account_id", "The account")
        accounts.set_membership(rt, ws.actor, team_id, account_id, form.flag("member"))
    except InvalidInput as exc:
        return _teams_page(request, rt, ws, 422, sentence(exc.detail))
    return redirect(request, f"/admin/teams#team-{team_id}")
