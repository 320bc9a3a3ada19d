"""The chat companion for a patient; flagged conversations, handoffs and exercises for the team."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from mindway.api.deps import CurrentActor, RuntimeDep
from mindway.api.schemas import Body
from mindway.services import chat, exercises, handoffs
from mindway.services.chat import ChatMessagePublic, ChatReply, FlaggedConversation
from mindway.services.exercises import ExercisePublic
from mindway.services.handoffs import HandoffPublic

router = APIRouter(tags=["chat companion"])


class ChatMessageCreate(Body):
    # Length is checked by the service (at most 2000 characters) after nothing else.
    text: str = Field(max_length=20_000)


@router.post("/patients/{patient_id}/chat/messages", response_model=ChatReply)
def send_message(
    patient_id: uuid.UUID, body: ChatMessageCreate, rt: RuntimeDep, actor: CurrentActor
) -> ChatReply:
    """Talk with the companion. The text is risk-screened before anything else; when
    ``escalated`` is true the crisis protocol ran: show ``resources`` first."""
    return chat.send(rt, actor, patient_id, body.text)


@router.get("/patients/{patient_id}/chat/messages", response_model=list[ChatMessagePublic])
def read_messages(
    patient_id: uuid.UUID,
    rt: RuntimeDep,
    actor: CurrentActor,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ChatMessagePublic]:
    """The conversation, oldest first; a clinician sees the words only with care consent."""
    return chat.messages(rt, actor, patient_id, limit)


@router.get("/patients/{patient_id}/exercises", response_model=list[ExercisePublic])
def list_exercises(
    patient_id: uuid.UUID,
    rt: RuntimeDep,
    actor: CurrentActor,
    exercise: Annotated[str | None, Query(max_length=40)] = None,
) -> list[ExercisePublic]:
    return exercises.list_exercises(rt, actor, patient_id, exercise)


@router.get("/chat/flagged", response_model=list[FlaggedConversation])
def flagged_conversations(rt: RuntimeDep, actor: CurrentActor) -> list[FlaggedConversation]:
    """Conversations in the clinician's caseload that the risk screener flagged."""
    return chat.flagged(rt, actor)


@router.get("/handoffs", response_model=list[HandoffPublic])
def handoff_inbox(rt: RuntimeDep, actor: CurrentActor, unread: bool = False) -> list[HandoffPublic]:
    """Messages patients asked the companion to pass to their care team."""
    return handoffs.inbox(rt, actor, unread_only=unread)


@router.post("/handoffs/{message_id}/read", status_code=204)
def mark_handoff_read(message_id: uuid.UUID, rt: RuntimeDep, actor: CurrentActor) -> None:
    handoffs.mark_read(rt, actor, message_id)
