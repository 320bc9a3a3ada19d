"""Accounts, care teams, audit log and alerts (admins), and research exports (researchers)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from mindway.api.deps import CurrentActor, CurrentSession, RuntimeDep
from mindway.api.schemas import (
    AccountCreate,
    AccountUpdate,
    BreakGlassReason,
    CareTeamCreate,
    MePublic,
)
from mindway.services import accounts, alerts, audit_log, break_glass, research
from mindway.services.views import AccountPublic, AlertPublic, AuditEventPublic, CareTeamPublic

router = APIRouter()

NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL; such a filter would be a 500


@router.get("/me", response_model=MePublic, tags=["accounts"])
def me(info: CurrentSession) -> MePublic:
    return MePublic(
        account_id=info.actor.account_id,
        username=info.username,
        display_name=info.display_name,
        role=info.actor.role,
        locale=info.locale,
        mfa_enabled=info.mfa_enabled,
        patient_id=info.actor.patient_id,
    )


@router.get("/accounts", response_model=list[AccountPublic], tags=["accounts"])
def list_accounts(
    rt: RuntimeDep,
    actor: CurrentActor,
    role: Annotated[str | None, Query(max_length=20, pattern=NO_NUL)] = None,
) -> list[AccountPublic]:
    return accounts.list_accounts(rt, actor, role)


@router.post("/accounts", response_model=AccountPublic, status_code=201, tags=["accounts"])
def create_account(body: AccountCreate, rt: RuntimeDep, actor: CurrentActor) -> AccountPublic:
    registration = None
    if body.registration is not None:
        registration = accounts.Registration(**body.registration.model_dump())
    return accounts.create_account(
        rt,
        actor,
        username=body.username,
        display_name=body.display_name,
        role=body.role,
        password=body.password,
        locale=body.locale,
        registration=registration,
    )


@router.patch("/accounts/{account_id}", response_model=AccountPublic, tags=["accounts"])
def update_account(
    account_id: uuid.UUID, body: AccountUpdate, rt: RuntimeDep, actor: CurrentActor
) -> AccountPublic:
    """Disable an account (ending its sessions at once) or enable it again."""
    return accounts.set_disabled(rt, actor, account_id, body.disabled)


@router.post("/accounts/{account_id}/mfa-reset", response_model=AccountPublic, tags=["accounts"])
def reset_mfa(account_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor) -> AccountPublic:
    return accounts.reset_mfa(rt, actor, account_id)


@router.get("/care-teams", response_model=list[CareTeamPublic], tags=["care teams"])
def list_teams(rt: RuntimeDep, actor: CurrentActor) -> list[CareTeamPublic]:
    return accounts.list_teams(rt, actor)


@router.post("/care-teams", response_model=CareTeamPublic, status_code=201, tags=["care teams"])
def create_team(body: CareTeamCreate, rt: RuntimeDep, actor: CurrentActor) -> CareTeamPublic:
    return accounts.create_team(rt, actor, body.name)


@router.put(
    "/care-teams/{team_id}/members/{account_id}",
    response_model=CareTeamPublic,
    tags=["care teams"],
)
def add_member(
    team_id: uuid.UUID, account_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor
) -> CareTeamPublic:
    return accounts.set_membership(rt, actor, team_id, account_id, True)


@router.delete(
    "/care-teams/{team_id}/members/{account_id}",
    response_model=CareTeamPublic,
    tags=["care teams"],
)
def remove_member(
    team_id: uuid.UUID, account_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor
) -> CareTeamPublic:
    return accounts.set_membership(rt, actor, team_id, account_id, False)


@router.get("/audit-events", response_model=list[AuditEventPublic], tags=["audit"])
def audit_events(
    rt: RuntimeDep,
    actor: CurrentActor,
    actor_id: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
    action: Annotated[str | None, Query(max_length=60, pattern=NO_NUL)] = None,
    outcome: Annotated[str | None, Query(max_length=20, pattern=NO_NUL)] = None,
    resource_id: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    before_seq: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=audit_log.MAX_PAGE)] = 100,
) -> list[AuditEventPublic]:
    """Browse the audit log, newest first; filter by actor, action prefix, outcome, object, time."""
    flt = audit_log.AuditFilter(
        actor_id, action, outcome, resource_id, since, until, before_seq, limit
    )
    return audit_log.browse(rt, actor, flt)


@router.get("/alerts", response_model=list[AlertPublic], tags=["alerts"])
def list_alerts(rt: RuntimeDep, actor: CurrentActor, open_only: bool = False) -> list[AlertPublic]:
    return alerts.list_alerts(rt, actor, open_only=open_only)


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertPublic, tags=["alerts"])
def acknowledge_alert(alert_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor) -> AlertPublic:
    return alerts.acknowledge(rt, actor, alert_id)


@router.get("/break-glass/{grant_id}/reason", response_model=BreakGlassReason, tags=["alerts"])
def break_glass_reason(
    grant_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor
) -> BreakGlassReason:
    return BreakGlassReason(reason=break_glass.read_reason(rt, actor, grant_id))


@router.get("/research/export", tags=["research"])
def research_export(
    rt: RuntimeDep,
    actor: CurrentActor,
    k: Annotated[int | None, Query(ge=research.MIN_K, le=research.MAX_K)] = None,
) -> dict[str, Any]:
    """De-identified data of patients who consented to research, with a k-anonymity report;
    with ``k``, records in equivalence classes smaller than k are suppressed."""
    return research.export(rt, actor, k=k)
