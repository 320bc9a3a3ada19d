"""VR exposure over HTTP: the hierarchy, sessions, the live step for devices, overrides,
reports and progress. The browser's live channel is the WebSocket in :mod:`vr_socket`."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi import Body as Payload
from pydantic import Field

from mindway.api.deps import CurrentActor, RuntimeDep
from mindway.api.schemas import Body
from mindway.services import vr_hierarchy, vr_reports, vr_sessions
from mindway.services.vr_hierarchy import HierarchyProgress, ItemAdded
from mindway.services.vr_reports import SessionReport
from mindway.services.vr_sessions import HierarchyItemPublic, VrSessionPublic

router = APIRouter(prefix="/patients/{patient_id}/vr", tags=["vr exposure"])
Number = int | float | str | None  # validated by the service, after the label is screened


class HierarchyItemCreate(Body):
    """One rung. The label is risk-screened before anything else, so the other fields are
    checked by the service afterwards: SUDS 0-100, scene one of heights, spiders,
    public_speaking, cafe, traffic, and 0 <= intensity_lo < intensity_hi <= 1."""

    label: str = Field(max_length=20_000)
    suds: Number = None
    scene: str | None = Field(default=None, max_length=40)
    intensity_lo: Number = 0.0
    intensity_hi: Number = 1.0


class OverrideRequest(Body):
    action: str = Field(max_length=20, description="pause, resume, hold, step_down or end")


@router.get("/hierarchy", response_model=list[HierarchyItemPublic])
def hierarchy(patient_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor) -> Any:
    """The exposure hierarchy, least feared first, with each item's status."""
    return vr_hierarchy.list_items(rt, actor, patient_id)


@router.post("/hierarchy", response_model=ItemAdded, status_code=201)
def add_item(
    patient_id: uuid.UUID, body: HierarchyItemCreate, rt: RuntimeDep, actor: CurrentActor
) -> Any:
    """Add an item (the patient with their clinician). When ``show_crisis_resources`` is true
    the label was flagged: nothing was saved, the team was alerted; show the resources."""
    return vr_hierarchy.add_item(rt, actor, patient_id, body.model_dump())


@router.get("/progress", response_model=HierarchyProgress)
def progress(patient_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor) -> Any:
    """Progress up the hierarchy across sessions, and the item to practise next."""
    return vr_hierarchy.hierarchy_progress(rt, actor, patient_id)


@router.get("/sessions", response_model=list[VrSessionPublic])
def sessions(patient_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor) -> Any:
    return vr_sessions.list_sessions(rt, actor, patient_id)


@router.post("/hierarchy/{item_id}/sessions", response_model=VrSessionPublic, status_code=201)
def start(patient_id: uuid.UUID, item_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor) -> Any:
    """Start the next session on an item (or resume the one still open on it). Then connect
    to ``/api/v1/vr/sessions/{id}/ws`` or post messages to ``.../messages``."""
    return vr_sessions.start_session(rt, actor, patient_id, item_id)


@router.get("/sessions/{session_id}", response_model=SessionReport)
def report(
    patient_id: uuid.UUID, session_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor
) -> Any:
    """Every second (intensity, SUDS, HR, EDA, estimated fear, state) and every change with
    the controller's reason."""
    return vr_reports.report(rt, actor, session_id, patient_id)


@router.post("/sessions/{session_id}/messages")
def message(
    patient_id: uuid.UUID,
    session_id: uuid.UUID,
    rt: RuntimeDep,
    actor: CurrentActor,
    body: Annotated[Any, Payload()],
) -> dict[str, Any]:
    """One protocol message from a device (the same JSON as ``mindway vr control``): a sample
    ``{"t", "hr", "eda", "suds"}`` answers ``{"intensity", "state", "reason"}``; events answer
    ``{"ok": true}``; a message that cannot be used answers ``{"ok": false, "error"}``."""
    return vr_sessions.step(rt, actor, session_id, body, patient_id)


@router.post("/sessions/{session_id}/override")
def override(
    patient_id: uuid.UUID,
    session_id: uuid.UUID,
    body: OverrideRequest,
    rt: RuntimeDep,
    actor: CurrentActor,
) -> dict[str, Any]:
    """The therapist's override; it wins from the next sample."""
    return vr_sessions.override(rt, actor, session_id, body.action, patient_id)


@router.post("/sessions/{session_id}/end", response_model=VrSessionPublic)
def end(patient_id: uuid.UUID, session_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor) -> Any:
    """End the session and carry its progress to the next (the patient may always stop)."""
    return vr_sessions.end_session(rt, actor, session_id, patient_id)
