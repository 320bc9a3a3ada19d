"""The patient record: caseload, demographics, notes, consent, break-glass, export (GDPR JSON
and FHIR R4), erasure."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from mindway.api.deps import CurrentActor, RuntimeDep
from mindway.api.schemas import BreakGlassCreate, ConsentList, ConsentUpdate, NoteCreate
from mindway.services import break_glass, consent, fhir_exchange, patients, privacy
from mindway.services.views import (
    BreakGlassPublic,
    ConsentEntry,
    NotePublic,
    PatientRecord,
    PatientSummary,
)

router = APIRouter(prefix="/patients", tags=["patients"])


@router.get("", response_model=list[PatientSummary])
def caseload(rt: RuntimeDep, actor: CurrentActor) -> list[PatientSummary]:
    """The clinician's caseload: patients on their care teams."""
    return patients.caseload(rt, actor)


@router.get("/{patient_id}", response_model=PatientRecord)
def read(patient_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor) -> PatientRecord:
    return patients.read_record(rt, actor, patient_id)


@router.delete("/{patient_id}", status_code=204)
def erase(patient_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor) -> Response:
    """Erase the patient (GDPR Art. 17): data deleted, keys destroyed, account closed."""
    privacy.erase_patient(rt, actor, patient_id)
    return Response(status_code=204)


@router.get("/{patient_id}/notes", response_model=list[NotePublic])
def notes(patient_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor) -> list[NotePublic]:
    return patients.list_notes(rt, actor, patient_id)


@router.post("/{patient_id}/notes", response_model=NotePublic, status_code=201)
def add_note(
    patient_id: uuid.UUID, body: NoteCreate, rt: RuntimeDep, actor: CurrentActor
) -> NotePublic:
    return patients.add_note(rt, actor, patient_id, body.kind, body.body)


@router.get("/{patient_id}/consents", response_model=ConsentList)
def consents(patient_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor) -> ConsentList:
    return ConsentList(consents=consent.current(rt, actor, patient_id))


@router.post("/{patient_id}/consents", response_model=ConsentList)
def record_consent(
    patient_id: uuid.UUID, body: ConsentUpdate, rt: RuntimeDep, actor: CurrentActor
) -> ConsentList:
    """Give or withdraw consent for one purpose (``care``, ``research``, ``ai_features``)."""
    return ConsentList(consents=consent.record(rt, actor, patient_id, body.purpose, body.granted))


@router.get("/{patient_id}/consents/history", response_model=list[ConsentEntry])
def consent_history(
    patient_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor
) -> list[ConsentEntry]:
    return consent.history(rt, actor, patient_id)


@router.post("/{patient_id}/break-glass", response_model=BreakGlassPublic, status_code=201)
def start_break_glass(
    patient_id: uuid.UUID, body: BreakGlassCreate, rt: RuntimeDep, actor: CurrentActor
) -> BreakGlassPublic:
    """Emergency access outside the care team: reason required, time-limited, admins alerted."""
    return break_glass.start(rt, actor, patient_id, body.reason)


@router.get("/{patient_id}/export")
def export(patient_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor) -> dict[str, Any]:
    """Everything held about the patient as one JSON document (GDPR Art. 15 and 20)."""
    return privacy.export_patient(rt, actor, patient_id)


class FhirJSONResponse(JSONResponse):
    media_type = "application/fhir+json"


@router.get("/{patient_id}/fhir", response_class=FhirJSONResponse)
def export_fhir(patient_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor) -> FhirJSONResponse:
    """The patient's questionnaires, scores and open risk flags as a FHIR R4 Bundle."""
    return FhirJSONResponse(fhir_exchange.export_fhir(rt, actor, patient_id))
