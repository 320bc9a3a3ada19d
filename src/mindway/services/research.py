"""De-identified exports for researchers, of consenting patients only.

Only patients whose newest research decision grants it are exported. The export is built from
a list of allowed, structured fields: names, birth dates and every piece of free text (clinical
notes, chat message text, exercise entries, check-in notes and tags, questionnaire item
answers) are never read into it. Ids are keyed pseudonyms (HMAC-SHA-256 under the clinic's
secret) that cannot be linked back without that key. Every date of a patient is shifted by
the same secret per-patient offset of -180 to +180 days, so intervals within a patient hold
(Hripcsak et al., JAMIA 2016). Ages are banded with 90+ top-coded (HIPAA Safe Harbor,
45 CFR 164.514(b)(2)), rare ethnicities are pooled, and a k-anonymity report over the
quasi-identifiers goes with the data (Sweeney 2002); on request, records in equivalence classes
smaller than k are suppressed (El Emam and Dankar, JAMIA 2008). See
:mod:`mindway.interop.deidentify`.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select

from mindway.errors import InvalidInput
from mindway.interop import deidentify
from mindway.security import crypto
from mindway.security.policy import Actor, Permission
from mindway.services import access
from mindway.services.consent import has_consent, state
from mindway.services.measures import stored_result
from mindway.services.runtime import Runtime, UseCase
from mindway.store.models import (
    ChatMessage,
    ExerciseRecord,
    MoodCheckin,
    Patient,
    QuestionnaireResponse,
)

RESEARCH_PURPOSE = "research"
QUASI_IDENTIFIERS = ("age_band", "sex", "ethnicity")
CHECKIN_NUMBERS = ("mood", "anxiety", "energy", "sleep_hours", "sleep_quality", "activities")
MIN_K, MAX_K = 2, 100
REMOVED = (
    "names",
    "birth dates",
    "contact details and account names",
    "clinical note text",
    "chat message text",
    "exercise entries",
    "check-in notes and tags",
    "questionnaire item answers",
    "database ids",
    "times of day",
)


def age_band(birth: date, today: date) -> str:
    """Ten-year bands; 90 and over collapse into one band (Safe Harbor)."""
    return deidentify.age_band(birth, today, width=10)


def pseudonym(secret: bytes, patient_id: str) -> str:
    return crypto.keyed_hash(secret, b"research:" + patient_id.encode())[:20]


def _questionnaires(uc: UseCase, patient: Patient, shift: int) -> list[dict[str, Any]]:
    rows = uc.db.scalars(
        select(QuestionnaireResponse)
        .where(QuestionnaireResponse.patient_id == patient.id)
        .order_by(QuestionnaireResponse.completed_at)
    )
    out = []
    for row in rows:
        result = stored_result(uc.vault, row)
        out.append(
            {
                "instrument": row.instrument,
                "date": deidentify.shift_date(row.completed_at.date(), shift).isoformat(),
                "total": result.total,
                "severity": result.severity,
            }
        )
    return out


def _checkins(uc: UseCase, patient: Patient, shift: int) -> list[dict[str, Any]]:
    """Numbers and listed activities only: the note and the free-text tags stay behind."""
    rows = uc.db.scalars(
        select(MoodCheckin)
        .where(MoodCheckin.patient_id == patient.id)
        .order_by(MoodCheckin.local_date)
    )
    out = []
    for row in rows:
        values = json.loads(uc.vault.open("mood_checkin", "values", row.id, row.values_enc))
        entry = deidentify.keep_fields(values, CHECKIN_NUMBERS)
        entry["date"] = deidentify.shift_date(row.local_date, shift).isoformat()
        out.append(entry)
    return out


def _exercises(uc: UseCase, patient: Patient, shift: int) -> list[dict[str, Any]]:
    """Which exercise and when; what the patient wrote in it is never opened."""
    rows = uc.db.scalars(
        select(ExerciseRecord)
        .where(ExerciseRecord.patient_id == patient.id)
        .order_by(ExerciseRecord.created_at)
    )
    return [
        {
            "exercise": row.exercise,
            "source": row.source,
            "date": deidentify.shift_date(row.created_at.date(), shift).isoformat(),
        }
        for row in rows
    ]


def _chat(uc: UseCase, patient: Patient, shift: int) -> list[dict[str, Any]]:
    """Who spoke when, and the risk level screened: never the text."""
    rows = uc.db.scalars(
        select(ChatMessage)
        .where(ChatMessage.patient_id == patient.id)
        .order_by(ChatMessage.created_at)
    )
    return [
        {
            "date": deidentify.shift_date(row.created_at.date(), shift).isoformat(),
            "role": row.role,
            "risk": row.risk,
        }
        for row in rows
    ]


def _quasi_identifiers(uc: UseCase, patient: Patient, secret: bytes, today: date) -> dict[str, Any]:
    birth = uc.vault.open_field(patient, "birth_date")
    return {
        "pseudonym": pseudonym(secret, str(patient.id)),
        "age_band": age_band(date.fromisoformat(birth), today) if birth else None,
        "sex": uc.vault.open_field(patient, "sex"),
        "ethnicity": uc.vault.open_field(patient, "ethnicity"),
    }


def _patient_row(uc: UseCase, patient: Patient, secret: bytes, today: date) -> dict[str, Any]:
    shift = deidentify.date_shift_days(secret, str(patient.id))
    return {
        **_quasi_identifiers(uc, patient, secret, today),
        "consents": {c.purpose: c.granted for c in state(uc.db, patient.id)},
        "enrolled_on": deidentify.shift_date(patient.created_at.date(), shift).isoformat(),
        "questionnaires": _questionnaires(uc, patient, shift),
        "checkins": _checkins(uc, patient, shift),
        "exercises": _exercises(uc, patient, shift),
        "chat_messages": _chat(uc, patient, shift),
    }


def _check_k(k: int | None) -> None:
    if k is not None and not MIN_K <= k <= MAX_K:
        raise InvalidInput(f"k must be between {MIN_K} and {MAX_K}")


def _report(
    rows: list[dict[str, Any]], released: list[dict[str, Any]], target: int, k: int | None
) -> dict[str, Any]:
    before = deidentify.k_anonymity(rows, QUASI_IDENTIFIERS, target)
    after = deidentify.k_anonymity(released, QUASI_IDENTIFIERS, target)
    return {
        "method": [
            "consenting patients only",
            "allow-list of structured fields; free text removed",
            "HMAC-SHA-256 pseudonyms",
            "per-patient date shift",
            "age in 10-year bands, 90+ top-coded",
            f"ethnicities held by fewer than {target} patients pooled as 'other'",
            "k-anonymity over quasi-identifiers"
            + (" with suppression of smaller classes" if k is not None else ""),
        ],
        "removed": list(REMOVED),
        "date_shift_days": {
            "min": -deidentify.MAX_SHIFT_DAYS,
            "max": deidentify.MAX_SHIFT_DAYS,
            "same_for_all_dates_of_a_patient": True,
        },
        "quasi_identifiers": list(QUASI_IDENTIFIERS),
        "records": len(rows),
        "released": len(released),
        "target_k": target,
        "k": after.k,
        "k_before_suppression": before.k,
        "equivalence_classes": after.classes,
        "records_below_target_k": before.records_below_target,
        "share_below_target_k": before.share_below_target,
        "suppression_requested": k is not None,
        "suppressed": len(rows) - len(released),
    }


def _build(uc: UseCase, secret: bytes, k: int | None, *, records: bool = True) -> dict[str, Any]:
    """The export; without ``records`` only the quasi-identifiers are read (for the report)."""
    access.require_role(uc, Permission.RESEARCH_EXPORT)
    _check_k(k)
    today = date.today()
    row_of = _patient_row if records else _quasi_identifiers
    rows = [
        row_of(uc, patient, secret, today)
        for patient in uc.db.scalars(select(Patient).where(Patient.erased_at.is_(None)))
        if has_consent(uc.db, patient.id, RESEARCH_PURPOSE)
    ]
    target = k or deidentify.DEFAULT_TARGET_K
    pooled = deidentify.collapse_rare([r["ethnicity"] for r in rows], target)
    for row, ethnicity in zip(rows, pooled, strict=True):
        row["ethnicity"] = ethnicity
    rows.sort(key=lambda r: str(r["pseudonym"]))  # no trace of database order
    released = rows
    if k is not None:
        kept, _ = deidentify.suppress_below(rows, QUASI_IDENTIFIERS, k)
        released = [rows[i] for i in kept]
    report = _report(rows, released, target, k)
    uc.reason = f"{len(released)} patients, k={report['k']}, {report['suppressed']} suppressed"
    return {
        "format": "mindway.research-export",
        "version": 2,
        "generated_on": today.isoformat(),
        "deidentification": report,
        "patients": released,
    }


def export(rt: Runtime, actor: Actor, *, k: int | None = None) -> dict[str, Any]:
    """The de-identified dataset; with ``k``, records in classes smaller than k are left out."""
    with rt.use_case(actor, "research.export", "dataset") as uc:
        return _build(uc, rt.keyring.secret_key, k)


def privacy_report(rt: Runtime, actor: Actor, *, k: int | None = None) -> dict[str, Any]:
    """Only the de-identification report, to show before a download (no records disclosed)."""
    with rt.use_case(actor, "research.report", "dataset") as uc:
        report: dict[str, Any] = _build(uc, rt.keyring.secret_key, k, records=False)[
            "deidentification"
        ]
        return report
