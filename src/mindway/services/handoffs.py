"""Messages patients asked the companion to pass to their care team ("I'd like my clinician
to see this"): the clinician's inbox. The patient chose to send them, so the team reads them
without further consent; they are not an emergency channel (the companion says so)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import select

from mindway.errors import NotFound
from mindway.security.policy import Actor, Permission
from mindway.services import access
from mindway.services.runtime import Runtime
from mindway.services.views import View
from mindway.store.models import ClinicianMessage
from mindway.store.types import utcnow


class HandoffPublic(View):
    id: uuid.UUID
    patient_id: uuid.UUID
    created_at: datetime
    message: str
    key_points: list[str]
    read_at: datetime | None


def inbox(rt: Runtime, actor: Actor, *, unread_only: bool = False) -> list[HandoffPublic]:
    """Handoffs from the clinician's caseload, newest first."""
    from mindway.services.patients import caseload_ids

    with rt.use_case(actor, "handoff.inbox") as uc:
        access.require_role(uc, Permission.CASELOAD_READ)
        query = select(ClinicianMessage).where(
            ClinicianMessage.patient_id.in_(caseload_ids(uc, actor))
        )
        if unread_only:
            query = query.where(ClinicianMessage.read_at.is_(None))
        rows = uc.db.scalars(query.order_by(ClinicianMessage.created_at.desc()).limit(200))
        return [
            HandoffPublic(
                id=m.id,
                patient_id=m.patient_id,
                created_at=m.created_at,
                message=uc.vault.open("clinician_message", "body", m.id, m.body_enc),
                key_points=json.loads(
                    uc.vault.open("clinician_message", "key_points", m.id, m.key_points_enc)
                ),
                read_at=m.read_at,
            )
            for m in rows
        ]


def mark_read(rt: Runtime, actor: Actor, message_id: uuid.UUID) -> None:
    """Mark a handoff read (once; the first reader is kept)."""
    with rt.use_case(actor, "handoff.read", "clinician_message", message_id) as uc:
        access.require_role(uc, Permission.CASELOAD_READ)
        message = uc.db.get(ClinicianMessage, message_id)
        if message is None:
            raise NotFound("no such message")
        access.require_patient(uc, Permission.RECORD_WRITE, message.patient_id)
        if message.read_at is None:
            message.read_at = utcnow()
            message.read_by = actor.account_id
