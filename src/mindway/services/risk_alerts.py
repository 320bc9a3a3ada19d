"""Alerts for risk found in text a person typed (chat, mood notes, exercises).

Crisis first (DESIGN.md): ``moderate`` and ``high`` screenings alert the care team the same
day; ``high`` (intent, plan, means, timing, preparation) is urgent. The detail names the
categories and where they were found, never quoting the person's words into the alert.
"""

from __future__ import annotations

import uuid

from mindway.chat.safety import Screening
from mindway.clinical.alert_rules import SAME_DAY, AlertSpec
from mindway.services.measures import raise_alert
from mindway.services.runtime import UseCase
from mindway.store.models import ClinicalAlert


def risk_alert_spec(level: str, categories: tuple[str, ...], where: str) -> AlertSpec:
    mentions = ", ".join(c.replace("_", " ") for c in categories) or "risk"
    urgent = level == "high"
    return AlertSpec(
        "risk",
        "urgent" if urgent else "high",
        SAME_DAY,
        f"{where} mentions {mentions} (screening level {level}): "
        + ("contact the patient now and assess risk." if urgent else "assess risk today."),
    )


def alert_for_screening(
    uc: UseCase,
    patient_id: uuid.UUID,
    screening: Screening,
    where: str,
    source_id: uuid.UUID | None = None,
) -> ClinicalAlert | None:
    """Raise the care team's alert a screening calls for (none below ``moderate``)."""
    if not screening.needs_care_team:
        return None
    spec = risk_alert_spec(screening.level, screening.categories, where)
    return raise_alert(uc, patient_id, spec, source_id)
