"""Digital therapeutics: programmes, progress, exercise forms, insights, recommendations and
just-in-time prompts for one patient (thin: the rules live in the services and the domain)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response
from pydantic import Field

from mindway.api.deps import CurrentActor, RuntimeDep
from mindway.api.schemas import Body
from mindway.services import exercise_forms, jitai_prompts, programmes, therapy_feedback
from mindway.services.exercise_forms import ExerciseSaved
from mindway.services.jitai_prompts import PromptPublic
from mindway.services.programmes import EnrolmentPublic
from mindway.services.therapy_feedback import InsightsPublic, RecommendationPublic
from mindway.therapy.programmes import load_programmes

router = APIRouter(tags=["digital therapeutics"])
PATIENT = "/patients/{patient_id}"


class EnrolmentCreate(Body):
    """Enrol in a programme. ``skip`` (session numbers) and ``add`` (keys like
    ``sleep_better:2``) tailor it, for clinicians only."""

    programme: str = Field(max_length=40)
    skip: list[int] = Field(default_factory=list, max_length=16)
    add: list[str] = Field(default_factory=list, max_length=16)


class ProgressCreate(Body):
    session: int = Field(ge=1, le=64)
    item: str = Field(max_length=80)


class RemindersSet(Body):
    on: bool


class ExerciseFields(Body):
    """An exercise form's fields (free text is risk-screened before anything else)."""

    exercise: str = Field(max_length=40)
    fields: dict[str, str] = Field(max_length=20)


@router.get("/programmes")
def list_programmes() -> list[dict[str, Any]]:
    """The programmes on offer, with their sessions and sources."""
    return [p.model_dump(mode="json") for p in load_programmes().values()]


@router.get(PATIENT + "/programme", response_model=EnrolmentPublic | None)
def read_programme(
    patient_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor
) -> EnrolmentPublic | None:
    return programmes.current(rt, actor, patient_id)


@router.post(PATIENT + "/programme", response_model=EnrolmentPublic, status_code=201)
def enrol(
    patient_id: uuid.UUID, body: EnrolmentCreate, rt: RuntimeDep, actor: CurrentActor
) -> EnrolmentPublic:
    """A clinician assigns (and may tailor); a patient at stepped-care step 1 self-enrols."""
    return programmes.enrol(rt, actor, patient_id, body.programme, body.skip, body.add)


@router.post(PATIENT + "/programme/progress", response_model=EnrolmentPublic)
def mark_done(
    patient_id: uuid.UUID, body: ProgressCreate, rt: RuntimeDep, actor: CurrentActor
) -> EnrolmentPublic:
    """Tick a module read or homework done in an open session."""
    return programmes.mark_done(rt, actor, patient_id, body.session, body.item)


@router.delete(PATIENT + "/programme", status_code=204)
def leave_programme(patient_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor) -> Response:
    """End the programme: the patient may always stop; their clinician may end it too."""
    programmes.leave(rt, actor, patient_id)
    return Response(status_code=204)


@router.put(PATIENT + "/programme/reminders", response_model=EnrolmentPublic)
def set_programme_reminders(
    patient_id: uuid.UUID, body: RemindersSet, rt: RuntimeDep, actor: CurrentActor
) -> EnrolmentPublic:
    """Programme reminders on or off: the patient's own choice, not their clinician's."""
    return programmes.set_reminders(rt, actor, patient_id, body.on)


@router.put(PATIENT + "/exercise-drafts", response_model=ExerciseSaved)
def save_draft(
    patient_id: uuid.UUID, body: ExerciseFields, rt: RuntimeDep, actor: CurrentActor
) -> ExerciseSaved:
    """Save an exercise as you go; ``show_crisis_resources`` means the text was flagged."""
    return exercise_forms.save(rt, actor, patient_id, body.exercise, body.fields)


@router.post(PATIENT + "/exercise-records", response_model=ExerciseSaved, status_code=201)
def finish_exercise(
    patient_id: uuid.UUID,
    body: ExerciseFields,
    rt: RuntimeDep,
    actor: CurrentActor,
    response: Response,
) -> ExerciseSaved:
    """Finish an exercise: 201 when stored; 200 with ``errors`` (draft kept) or with
    ``stopped`` (a disclosure: show the crisis resources first) otherwise."""
    saved = exercise_forms.save(rt, actor, patient_id, body.exercise, body.fields, finish=True)
    if not saved.finished:
        response.status_code = 200
    return saved


@router.get(PATIENT + "/insights", response_model=InsightsPublic)
def read_insights(patient_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor) -> InsightsPublic:
    return therapy_feedback.personal_insights(rt, actor, patient_id)


@router.get(PATIENT + "/recommendations", response_model=list[RecommendationPublic])
def read_recommendations(
    patient_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor
) -> list[RecommendationPublic]:
    return therapy_feedback.recommendations(rt, actor, patient_id)


@router.get(PATIENT + "/prompt", response_model=PromptPublic | None)
def read_prompt(patient_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor) -> PromptPublic | None:
    """The just-in-time prompt to show now, if any."""
    return jitai_prompts.pending_prompt(rt, actor, patient_id)
