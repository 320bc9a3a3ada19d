"""Measurement-based care: instruments, questionnaire results, care-team alerts, triage."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from mindway.api.deps import CurrentActor, RuntimeDep
from mindway.api.schemas import QuestionnaireSubmit
from mindway.clinical.instruments import get_instrument, instrument_ids
from mindway.clinical.triage import TriageDecision, TriageInput
from mindway.errors import NotFound
from mindway.services import clinical_alerts, measures, stepped_care
from mindway.services.views import (
    ClinicalAlertPublic,
    QuestionnaireResultPublic,
    SubmissionPublic,
)

router = APIRouter(tags=["measurement-based care"])
InstrumentId = Annotated[str | None, Query(max_length=20, pattern=r"^[a-z0-9]+$")]


@router.get("/instruments")
def list_instruments() -> list[dict[str, Any]]:
    """The validated questionnaires Mindway scores, with their licence and sources."""
    return [
        {
            "id": i.id,
            "name": i.name,
            "title": i.title,
            "items": len(i.items),
            "licence": i.licence,
            "sources": list(i.sources),
        }
        for i in map(get_instrument, instrument_ids())
    ]


@router.get("/instruments/{instrument_id}")
def read_instrument(instrument_id: str) -> dict[str, Any]:
    """One instrument's full definition: items, options, scoring, bands, missing-item rule."""
    if instrument_id not in instrument_ids():
        raise NotFound(f"no instrument {instrument_id!r}")
    return get_instrument(instrument_id).model_dump(mode="json")


@router.post(
    "/patients/{patient_id}/questionnaires", response_model=SubmissionPublic, status_code=201
)
def submit_questionnaire(
    patient_id: uuid.UUID, body: QuestionnaireSubmit, rt: RuntimeDep, actor: CurrentActor
) -> SubmissionPublic:
    """Score and store a questionnaire; risk answers alert the care team at once, and
    ``show_crisis_resources`` tells the app to show the crisis resources now."""
    return measures.submit(rt, actor, patient_id, body.instrument, body.answers)


@router.get("/patients/{patient_id}/questionnaires", response_model=list[QuestionnaireResultPublic])
def questionnaire_history(
    patient_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor, instrument: InstrumentId = None
) -> list[QuestionnaireResultPublic]:
    return measures.history(rt, actor, patient_id, instrument)


@router.get("/patients/{patient_id}/clinical-alerts", response_model=list[ClinicalAlertPublic])
def patient_alerts(
    patient_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor
) -> list[ClinicalAlertPublic]:
    return clinical_alerts.for_patient(rt, actor, patient_id)


@router.post("/patients/{patient_id}/triage", response_model=TriageDecision)
def propose_triage(
    patient_id: uuid.UUID, body: TriageInput, rt: RuntimeDep, actor: CurrentActor
) -> TriageDecision:
    """A stepped-care proposal (NICE NG222, CG123) from the clinician's facts, with the
    record's latest PHQ-9, GAD-7 and C-SSRS results taking precedence over scores sent here,
    and its reasons: decision support, not a decision."""
    return stepped_care.propose(rt, actor, patient_id, body.model_dump(exclude_none=True))


@router.get("/clinical-alerts", response_model=list[ClinicalAlertPublic])
def alerts_inbox(
    rt: RuntimeDep, actor: CurrentActor, include_acknowledged: bool = False
) -> list[ClinicalAlertPublic]:
    """The clinician's inbox: open alerts of their caseload, most urgent first."""
    return clinical_alerts.inbox(rt, actor, include_acknowledged=include_acknowledged)


@router.post("/clinical-alerts/{alert_id}/acknowledge", response_model=ClinicalAlertPublic)
def acknowledge_alert(
    alert_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor
) -> ClinicalAlertPublic:
    return clinical_alerts.acknowledge(rt, actor, alert_id)
