"""Emergency access to a patient outside the clinician's care teams.

The clinician states a reason; access is time-limited, always audited, and every admin is
alerted (HIPAA 164.312(a)(2)(ii) emergency access procedure).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from mindway.errors import InvalidInput, NotFound
from mindway.security.policy import Actor, Permission, Role
from mindway.services import access
from mindway.services.runtime import OutOfScope, Runtime
from mindway.services.views import BreakGlassPublic
from mindway.store.models import Alert, BreakGlass, Patient
from mindway.store.types import utcnow

MIN_REASON_CHARS = 10


def start(rt: Runtime, actor: Actor, patient_id: uuid.UUID, reason: str) -> BreakGlassPublic:
    reason = reason.strip()
    if len(reason) < MIN_REASON_CHARS:
        raise InvalidInput(
            f"state the reason for emergency access (at least {MIN_REASON_CHARS} characters)"
        )
    if len(reason) > 2000:
        raise InvalidInput("the reason may have at most 2000 characters")
    with rt.use_case(actor, "break_glass.start", "patient", patient_id) as uc:
        access.require_role(uc, Permission.BREAK_GLASS)
        assert actor.account_id is not None
        patient = uc.db.get(Patient, patient_id)
        if patient is None or patient.erased_at is not None:
            uc.failure_reason = "no such patient"
            raise OutOfScope("patient not found")
        if access.on_care_team(uc.db, actor.account_id, patient_id):
            raise InvalidInput("this patient is on your care team: open their record directly")
        now = utcnow()
        grant = BreakGlass(
            id=uuid.uuid4(),
            clinician_id=actor.account_id,
            patient_id=patient_id,
            started_at=now,
            expires_at=now + timedelta(minutes=rt.settings.break_glass_minutes),
            reason_enc="",
        )
        grant.reason_enc = uc.vault.seal(str(patient_id), "break_glass", "reason", grant.id, reason)
        uc.db.add(grant)
        uc.db.add(
            Alert(
                audience_role=Role.ADMIN,
                kind="break_glass",
                message=(
                    f"Clinician {actor.account_id} used emergency access to patient {patient_id} "
                    f"until {grant.expires_at:%Y-%m-%d %H:%M} UTC. Review the stated reason."
                ),
                subject_type="break_glass",
                subject_id=str(grant.id),
            )
        )
        uc.db.flush()
        uc.reason = f"grant {grant.id}"
        return BreakGlassPublic(
            id=grant.id,
            patient_id=patient_id,
            started_at=grant.started_at,
            expires_at=grant.expires_at,
        )


def read_reason(rt: Runtime, actor: Actor, grant_id: uuid.UUID) -> str:
    """An admin reviewing an alert reads the stated reason (audited)."""
    with rt.use_case(actor, "break_glass.review", "break_glass", grant_id) as uc:
        access.require_role(uc, Permission.ALERTS_READ)
        grant = uc.db.get(BreakGlass, grant_id)
        if grant is None:
            raise NotFound("no such emergency access grant")
        return uc.vault.open_field(grant, "reason") or ""
