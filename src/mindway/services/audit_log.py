"""Browsing and verifying the audit log (admins, and the operator's ``audit verify``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from mindway.errors import InvalidInput
from mindway.security import audit
from mindway.security.policy import Actor, Permission
from mindway.services import access
from mindway.services.runtime import Runtime
from mindway.services.views import AuditEventPublic
from mindway.store.models import AuditEvent

MAX_PAGE = 500


@dataclass(frozen=True)
class AuditFilter:
    actor_id: str | None = None
    action: str | None = None
    outcome: str | None = None
    resource_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_seq: int | None = None
    limit: int = 100


def browse(rt: Runtime, actor: Actor, flt: AuditFilter) -> list[AuditEventPublic]:
    """Newest first; page backwards with ``before_seq``."""
    if not 1 <= flt.limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}")
    if flt.outcome is not None and flt.outcome not in audit.OUTCOMES:
        raise InvalidInput(f"outcome must be one of {', '.join(audit.OUTCOMES)}")
    with rt.use_case(actor, "audit.read", "audit_event") as uc:
        access.require_role(uc, Permission.AUDIT_READ)
        query = select(AuditEvent)
        if flt.actor_id:
            query = query.where(AuditEvent.actor_id == flt.actor_id)
        if flt.action:
            query = query.where(AuditEvent.action.startswith(flt.action, autoescape=True))
        if flt.outcome:
            query = query.where(AuditEvent.outcome == flt.outcome)
        if flt.resource_id:
            query = query.where(AuditEvent.resource_id == flt.resource_id)
        if flt.since:
            query = query.where(AuditEvent.at >= flt.since)
        if flt.until:
            query = query.where(AuditEvent.at < flt.until)
        if flt.before_seq:
            query = query.where(AuditEvent.seq < flt.before_seq)
        rows = uc.db.scalars(query.order_by(AuditEvent.seq.desc()).limit(flt.limit))
        return [AuditEventPublic.model_validate(r, from_attributes=True) for r in rows]


def verify(rt: Runtime) -> audit.Verification:
    """Check the whole chain (read-only; the operator runs it at the command line)."""
    with rt.transaction() as db:
        return audit.verify(db, rt.keyring.secret_key)
