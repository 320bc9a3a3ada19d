"""Questionnaires in care: submit (scored, sealed, risk-checked in one transaction) and history.

A risk answer raises an alert for the care team at once and tells the person where help is
(DESIGN.md safety rules: crisis first); bad answers are refused and nothing is stored.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from mindway.clinical.alert_rules import AlertSpec, alerts_for
from mindway.clinical.instruments import get_instrument
from mindway.clinical.scoring import Answer, ScoreResult, score
from mindway.security.policy import Actor, Permission
from mindway.security.vault import Vault
from mindway.services import access, progress
from mindway.services.runtime import Runtime, UseCase
from mindway.services.views import QuestionnaireResultPublic, SubmissionPublic
from mindway.store.models import ClinicalAlert, QuestionnaireResponse
from mindway.store.types import utcnow

TABLE = "questionnaire_response"


def _result_json(result: ScoreResult) -> str:
    return json.dumps(
        {
            **result.contract(),
            "answers": list(result.answers),
            "missing": list(result.missing),
            "prorated": result.prorated,
            "band_scheme": result.band_scheme,
        }
    )


def stored_result(vault: Vault, row: QuestionnaireResponse) -> ScoreResult:
    """The result as it was scored when submitted (rules may change later; records do not)."""
    data: dict[str, Any] = json.loads(vault.open(TABLE, "result", row.id, row.result_enc))
    return ScoreResult(
        instrument=data["instrument"],
        total=data["total"],
        severity=data["severity"],
        valid=data["valid"],
        flags=tuple(data["flags"]),
        risk=data["risk"],
        answers=tuple(data["answers"]),
        missing=tuple(data["missing"]),
        prorated=data["prorated"],
        band_scheme=data["band_scheme"],
    )


def sealed_response(
    vault: Vault,
    patient_id: uuid.UUID,
    result: ScoreResult,
    entered_by: uuid.UUID,
    completed_at: datetime,
) -> QuestionnaireResponse:
    """A response row with its answers and score sealed under the patient's key."""
    row = QuestionnaireResponse(
        id=uuid.uuid4(),
        patient_id=patient_id,
        instrument=result.instrument,
        completed_at=completed_at,
        entered_by=entered_by,
        answers_enc="",
        result_enc="",
    )
    owner = str(patient_id)
    row.answers_enc = vault.seal(owner, TABLE, "answers", row.id, json.dumps(list(result.answers)))
    row.result_enc = vault.seal(owner, TABLE, "result", row.id, _result_json(result))
    return row


def result_view(vault: Vault, row: QuestionnaireResponse) -> QuestionnaireResultPublic:
    result = stored_result(vault, row)
    return QuestionnaireResultPublic(
        id=row.id,
        patient_id=row.patient_id,
        instrument=row.instrument,
        completed_at=row.completed_at,
        total=result.total,
        severity=result.severity,
        valid=result.valid,
        flags=list(result.flags),
        risk=result.risk,
        answers=list(result.answers),
        prorated=result.prorated,
    )


def latest(
    uc: UseCase, patient_id: uuid.UUID, instrument: str, *, before: datetime | None = None
) -> QuestionnaireResponse | None:
    """The newest result of ``instrument`` (completed before ``before``, when given)."""
    query = select(QuestionnaireResponse).where(
        QuestionnaireResponse.patient_id == patient_id,
        QuestionnaireResponse.instrument == instrument,
    )
    if before is not None:
        query = query.where(QuestionnaireResponse.completed_at < before)
    return uc.db.scalars(query.order_by(QuestionnaireResponse.completed_at.desc()).limit(1)).first()


def raise_alert(
    uc: UseCase, patient_id: uuid.UUID, spec: AlertSpec, source_id: uuid.UUID | None = None
) -> ClinicalAlert:
    now = utcnow()
    alert = ClinicalAlert(
        id=uuid.uuid4(),
        patient_id=patient_id,
        kind=spec.kind,
        level=spec.level,
        created_at=now,
        due_at=now + spec.due_in,
        detail_enc="",
        source_id=source_id,
    )
    alert.detail_enc = uc.vault.seal(
        str(patient_id), "clinical_alert", "detail", alert.id, spec.detail
    )
    uc.db.add(alert)
    return alert


def record_result(
    uc: UseCase,
    patient_id: uuid.UUID,
    result: ScoreResult,
    *,
    completed_at: datetime,
    entered_by: uuid.UUID,
) -> tuple[QuestionnaireResponse, list[AlertSpec]]:
    """Store a scored result sealed and raise the alerts it calls for, judged against the
    previous result of the same instrument; the caller has checked access."""
    previous_row = latest(uc, patient_id, result.instrument, before=completed_at)
    previous = stored_result(uc.vault, previous_row) if previous_row else None
    row = sealed_response(uc.vault, patient_id, result, entered_by, completed_at)
    uc.db.add(row)
    specs = alerts_for(result, previous)
    for spec in specs:
        raise_alert(uc, patient_id, spec, row.id)
    uc.db.flush()
    return row, specs


def submit(
    rt: Runtime, actor: Actor, patient_id: uuid.UUID, instrument: str, answers: Sequence[Answer]
) -> SubmissionPublic:
    """Score, store sealed, and raise the alerts the result calls for, all or nothing."""
    with rt.use_case(actor, "questionnaire.submit", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.QUESTIONNAIRE_SUBMIT, patient_id)
        result = score(get_instrument(instrument), answers)
        assert actor.account_id is not None
        row, specs = record_result(
            uc, patient_id, result, completed_at=utcnow(), entered_by=actor.account_id
        )
        specs += progress.raise_not_on_track(uc, row, result)
        uc.reason = f"{len(specs)} alerts raised" if specs else None
        return SubmissionPublic(
            result=result_view(uc.vault, row),
            alerts_raised=[f"{s.kind}:{s.level}" for s in specs],
            show_crisis_resources=any(s.kind == "risk" and s.level != "routine" for s in specs),
        )


def history(
    rt: Runtime, actor: Actor, patient_id: uuid.UUID, instrument: str | None = None
) -> list[QuestionnaireResultPublic]:
    """A patient's results, oldest first (for trajectories and charts)."""
    with rt.use_case(actor, "questionnaire.list", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.RECORD_READ, patient_id)
        query = select(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == patient_id)
        if instrument is not None:
            query = query.where(QuestionnaireResponse.instrument == get_instrument(instrument).id)
        rows = uc.db.scalars(query.order_by(QuestionnaireResponse.completed_at))
        return [result_view(uc.vault, r) for r in rows]
