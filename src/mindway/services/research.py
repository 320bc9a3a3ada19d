"""De-identified exports for researchers, of consenting patients only.

Direct identifiers are removed and quasi-identifiers generalised (HIPAA Safe Harbor,
45 CFR 164.514(b)(2): no names, no dates finer than the year, ages over 89 grouped). Ids are
keyed pseudonyms that cannot be linked back without the clinic's secret key.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from mindway.security import crypto
from mindway.security.policy import Actor, Permission
from mindway.services import access
from mindway.services.consent import has_consent, state
from mindway.services.runtime import Runtime
from mindway.store.models import Patient

RESEARCH_PURPOSE = "research"


def age_band(birth: date, today: date) -> str:
    """Ten-year bands; 90 and over collapse into one band (Safe Harbor)."""
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    if age >= 90:
        return "90+"
    low = (age // 10) * 10
    return f"{low}-{low + 9}"


def pseudonym(secret: bytes, patient_id: str) -> str:
    return crypto.keyed_hash(secret, b"research:" + patient_id.encode())[:20]


def export(rt: Runtime, actor: Actor) -> dict[str, Any]:
    with rt.use_case(actor, "research.export", "dataset") as uc:
        access.require_role(uc, Permission.RESEARCH_EXPORT)
        today = date.today()
        rows = []
        for patient in uc.db.scalars(select(Patient).where(Patient.erased_at.is_(None))):
            if not has_consent(uc.db, patient.id, RESEARCH_PURPOSE):
                continue
            birth = uc.vault.open_field(patient, "birth_date")
            rows.append(
                {
                    "pseudonym": pseudonym(rt.keyring.secret_key, str(patient.id)),
                    "age_band": age_band(date.fromisoformat(birth), today) if birth else None,
                    "sex": uc.vault.open_field(patient, "sex"),
                    "ethnicity": uc.vault.open_field(patient, "ethnicity"),
                    "consents": {c.purpose: c.granted for c in state(uc.db, patient.id)},
                }
            )
        uc.reason = f"{len(rows)} patients"
        return {
            "format": "mindway.research-export",
            "version": 1,
            "generated_on": today.isoformat(),
            "patients": rows,
        }
