"""Notices for admins (e.g. break-glass use); they carry ids, never health data."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from mindway.errors import NotFound
from mindway.security.policy import Actor, Permission
from mindway.services import access
from mindway.services.runtime import Runtime
from mindway.services.views import AlertPublic
from mindway.store.models import Alert
from mindway.store.types import utcnow


def list_alerts(rt: Runtime, actor: Actor, *, open_only: bool = False) -> list[AlertPublic]:
    with rt.use_case(actor, "alert.list", "alert") as uc:
        access.require_role(uc, Permission.ALERTS_READ)
        query = select(Alert).where(Alert.audience_role == actor.role)
        if open_only:
            query = query.where(Alert.acknowledged_at.is_(None))
        rows = uc.db.scalars(query.order_by(Alert.created_at.desc()).limit(500))
        return [AlertPublic.model_validate(a, from_attributes=True) for a in rows]


def acknowledge(rt: Runtime, actor: Actor, alert_id: uuid.UUID) -> AlertPublic:
    with rt.use_case(actor, "alert.acknowledge", "alert", alert_id) as uc:
        access.require_role(uc, Permission.ALERTS_READ)
        alert = uc.db.get(Alert, alert_id)
        if alert is None or alert.audience_role != actor.role:
            raise NotFound("alert not found")
        if alert.acknowledged_at is None:
            alert.acknowledged_at = utcnow()
            alert.acknowledged_by = actor.account_id
        return AlertPublic.model_validate(alert, from_attributes=True)
