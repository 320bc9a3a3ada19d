"""Treatment decision support for the care team: options, pharmacogenomic results, treatment
history and the decisions clinicians record. Clinicians only; patients get 403."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter
from pydantic import Field
from starlette.responses import PlainTextResponse

from mindway.api.deps import CurrentActor, RuntimeDep
from mindway.api.schemas import Body
from mindway.services import recommendations
from mindway.services.recommend_views import (
    DecisionPublic,
    PgxResultPublic,
    RecommendationView,
    TreatmentPublic,
)

router = APIRouter(tags=["treatment recommendations"])


class PgxResultCreate(Body):
    gene: str = Field(max_length=12, examples=["CYP2C19"])
    diplotype: str | None = Field(default=None, max_length=40, examples=["*2/*2"])
    phenotype: str | None = Field(default=None, max_length=40, examples=["poor"])


class TreatmentCreate(Body):
    treatment: str = Field(max_length=60, examples=["sertraline"])
    started: date | None = None
    ended: date | None = None
    response: str = Field(default="unknown", max_length=20)
    side_effects: str | None = Field(default=None, max_length=500)
    serious_side_effect: bool = False


class DecisionCreate(Body):
    chosen: str = Field(max_length=60, examples=["escitalopram"])
    reason: str | None = Field(default=None, max_length=500)


@router.get("/patients/{patient_id}/treatment-options", response_model=RecommendationView)
def treatment_options(
    patient_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor
) -> RecommendationView:
    """Options ranked by expected improvement with intervals, CPIC notes, contraindications,
    drivers and the model's fairness audit: decision support, a clinician decides."""
    return recommendations.recommend(rt, actor, patient_id)


@router.post(
    "/patients/{patient_id}/pharmacogenomics", response_model=PgxResultPublic, status_code=201
)
def add_pgx_result(
    patient_id: uuid.UUID, body: PgxResultCreate, rt: RuntimeDep, actor: CurrentActor
) -> PgxResultPublic:
    return recommendations.record_pgx(
        rt, actor, patient_id, body.gene, diplotype=body.diplotype, phenotype=body.phenotype
    )


@router.post("/patients/{patient_id}/treatments", response_model=TreatmentPublic, status_code=201)
def add_treatment(
    patient_id: uuid.UUID, body: TreatmentCreate, rt: RuntimeDep, actor: CurrentActor
) -> TreatmentPublic:
    return recommendations.record_treatment(
        rt,
        actor,
        patient_id,
        body.treatment,
        started=body.started,
        ended=body.ended,
        response=body.response,
        side_effects=body.side_effects,
        serious_side_effect=body.serious_side_effect,
    )


@router.post(
    "/patients/{patient_id}/treatment-decisions", response_model=DecisionPublic, status_code=201
)
def add_decision(
    patient_id: uuid.UUID, body: DecisionCreate, rt: RuntimeDep, actor: CurrentActor
) -> DecisionPublic:
    """Record the decision taken, with the options as shown now (later: its outcome)."""
    return recommendations.record_decision(rt, actor, patient_id, body.chosen, body.reason)


class CSVResponse(PlainTextResponse):
    media_type = "text/csv"


@router.get("/research/treatment-decisions.csv", response_class=CSVResponse)
def training_data(rt: RuntimeDep, actor: CurrentActor) -> CSVResponse:
    """Decisions with their outcomes, of patients who consent to research, as the CSV that
    ``mindway recommend train DATA.csv --treatment treatment --outcome phq9_improvement``
    reads: no names, no ids, features as they were when each decision was taken."""
    rows = recommendations.training_rows(rt, actor)
    return CSVResponse(recommendations.training_csv(rows))
