"""The companion for patients, and what the care team sees of it.

One message is one use case: the text is risk-screened first (inside the dialogue), then the
reply, the sealed messages, the sealed dialogue state and every effect of the turn — the care
team's alert, a check-in, a questionnaire result with its alerts, a handoff, a saved exercise
— are written together or not at all, with one audit event. Clinicians see conversations the
screener flagged, and read their messages only with the patient's consent to care through
Mindway (``care``); without it they see that a flag was raised, not the words.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime

from sqlalchemy import exists, select

from mindway.chat.dialogue import Companion, Conversation, TurnResult
from mindway.chat.dialogue.state import (
    AlertCareTeam,
    Effect,
    HandOff,
    RecordCheckin,
    SaveExercise,
    SubmitQuestionnaire,
)
from mindway.chat.generative import GenerativeSettings, OpenAICompatibleBackend
from mindway.chat.safety import rank
from mindway.clinical.scoring import score
from mindway.config import Settings
from mindway.errors import InvalidInput
from mindway.security.policy import Actor, Permission
from mindway.services import access, checkins, progress
from mindway.services.consent import has_consent
from mindway.services.measures import raise_alert, record_result
from mindway.services.risk_alerts import risk_alert_spec
from mindway.services.runtime import Runtime, UseCase
from mindway.services.views import View
from mindway.store.models import (
    CareTeamPatient,
    ChatConversation,
    ChatMessage,
    ClinicianMessage,
    ExerciseRecord,
    Patient,
)
from mindway.store.types import utcnow

MAX_MESSAGE = 2000
CONSENT_PURPOSE = "care"
_companion: Companion | None = None
_lock = threading.Lock()


def companion(settings: Settings) -> Companion:
    """The process-wide companion (its models load once), with the generative backend when
    ``MINDWAY_CHAT_LLM_URL`` is set."""
    global _companion
    with _lock:
        if _companion is None:
            _companion = Companion(backend=_backend(settings))
        return _companion


def _backend(settings: Settings) -> OpenAICompatibleBackend | None:
    if not settings.chat_llm_url:
        return None
    key = settings.chat_llm_api_key.get_secret_value() if settings.chat_llm_api_key else None
    return OpenAICompatibleBackend(
        GenerativeSettings(
            url=settings.chat_llm_url,
            model=settings.chat_llm_model,
            api_key=key,
            timeout_s=settings.chat_llm_timeout_s,
        )
    )


class ChatReply(View):
    reply: str
    risk: str
    escalated: bool
    flow: str | None
    resources: list[dict[str, str | None]]


class ChatMessagePublic(View):
    id: uuid.UUID
    role: str
    text: str | None
    risk: str
    flow: str | None
    created_at: datetime


class FlaggedConversation(View):
    patient_id: uuid.UUID
    level: str
    flagged_at: datetime | None
    messages_visible: bool


def _has_care_team(uc: UseCase, patient_id: uuid.UUID) -> bool:
    query = select(exists().where(CareTeamPatient.patient_id == patient_id))
    return bool(uc.db.scalar(query))


def _load(uc: UseCase, patient: Patient) -> tuple[ChatConversation, Conversation]:
    row = uc.db.get(ChatConversation, patient.id)
    if row is None:
        row = ChatConversation(patient_id=patient.id, state_enc="")
        uc.db.add(row)
        return row, Conversation(locale=patient.locale)
    state = json.loads(uc.vault.open("chat_conversation", "state", patient.id, row.state_enc))
    conversation = Conversation.from_dict(state)
    conversation.locale = patient.locale
    return row, conversation


def send(rt: Runtime, actor: Actor, patient_id: uuid.UUID, text: str) -> ChatReply:
    """The companion's reply to one message, with everything the turn asks for, all or nothing."""
    if not text.strip():
        raise InvalidInput("the message is empty")
    if len(text) > MAX_MESSAGE:
        raise InvalidInput(f"a message may be at most {MAX_MESSAGE} characters")
    with rt.use_case(actor, "chat.message", "patient", patient_id) as uc:
        patient = access.require_patient(uc, Permission.CHAT, patient_id)
        row, conversation = _load(uc, patient)
        flow_before = conversation.active.flow if conversation.active else None
        turn = companion(rt.settings).respond(
            conversation, text, has_care_team=_has_care_team(uc, patient_id)
        )
        _store_messages(uc, patient_id, text, turn, flow_before)
        for effect in turn.effects:
            _apply(uc, actor, patient_id, effect)
        _save_state(uc, row, conversation, turn)
        if turn.escalated:
            uc.reason = f"crisis protocol ran: {turn.risk}"
        return ChatReply(
            reply=turn.reply,
            risk=turn.risk,
            escalated=turn.escalated,
            flow=turn.flow,
            resources=list(turn.resources),
        )


def _seal_message(
    uc: UseCase, patient_id: uuid.UUID, role: str, text: str, risk: str, flow: str | None
) -> None:
    message = ChatMessage(id=uuid.uuid4(), patient_id=patient_id, role=role, text_enc="", risk=risk)
    message.text_enc = uc.vault.seal(str(patient_id), "chat_message", "text", message.id, text)
    message.flow = flow
    message.created_at = utcnow()
    uc.db.add(message)


def _store_messages(
    uc: UseCase, patient_id: uuid.UUID, text: str, turn: TurnResult, flow_before: str | None
) -> None:
    _seal_message(uc, patient_id, "user", text, turn.risk, flow_before)
    uc.db.flush()
    _seal_message(uc, patient_id, "companion", turn.reply, "none", turn.flow)


def _save_state(
    uc: UseCase, row: ChatConversation, conversation: Conversation, turn: TurnResult
) -> None:
    row.state_enc = uc.vault.seal(
        str(row.patient_id),
        "chat_conversation",
        "state",
        row.patient_id,
        json.dumps(conversation.to_dict()),
    )
    row.updated_at = utcnow()
    if rank(turn.risk) > rank(row.flagged_level) and rank(turn.risk) >= rank("moderate"):  # type: ignore[arg-type]
        row.flagged_level = turn.risk
        row.flagged_at = utcnow()


def _apply(uc: UseCase, actor: Actor, patient_id: uuid.UUID, effect: Effect) -> None:
    owner = str(patient_id)
    if isinstance(effect, AlertCareTeam):
        during = effect.during.replace("_", " ") if effect.during else None
        where = f"A chat message (during the {during})" if during else "A chat message"
        raise_alert(uc, patient_id, risk_alert_spec(effect.level, effect.categories, where))
    elif isinstance(effect, RecordCheckin):
        checkins.store_mood(uc, patient_id, effect.mood, effect.note)
    elif isinstance(effect, SubmitQuestionnaire):
        assert actor.account_id is not None
        result = score(effect.instrument, list(effect.answers))
        row, _ = record_result(
            uc, patient_id, result, completed_at=utcnow(), entered_by=actor.account_id
        )
        progress.raise_not_on_track(uc, row, result)
    elif isinstance(effect, HandOff):
        message = ClinicianMessage(
            id=uuid.uuid4(), patient_id=patient_id, body_enc="", key_points_enc=""
        )
        message.body_enc = uc.vault.seal(
            owner, "clinician_message", "body", message.id, effect.message
        )
        message.key_points_enc = uc.vault.seal(
            owner,
            "clinician_message",
            "key_points",
            message.id,
            json.dumps(list(effect.key_points)),
        )
        uc.db.add(message)
    elif isinstance(effect, SaveExercise):
        record = ExerciseRecord(
            id=uuid.uuid4(), patient_id=patient_id, exercise=effect.exercise, fields_enc=""
        )
        record.fields_enc = uc.vault.seal(
            owner, "exercise_record", "fields", record.id, json.dumps(effect.fields)
        )
        uc.db.add(record)


def messages(
    rt: Runtime, actor: Actor, patient_id: uuid.UUID, limit: int = 100
) -> list[ChatMessagePublic]:
    """The conversation's latest messages, oldest first. A clinician reads the words only with
    the patient's consent to care through Mindway; otherwise ``text`` is None."""
    if not 1 <= limit <= 500:
        raise InvalidInput("limit must be 1 to 500")
    with rt.use_case(actor, "chat.read", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.RECORD_READ, patient_id)
        visible = actor.patient_id == patient_id or has_consent(uc.db, patient_id, CONSENT_PURPOSE)
        if not visible:
            uc.reason = "no care consent: message text withheld"
        rows = uc.db.scalars(
            select(ChatMessage)
            .where(ChatMessage.patient_id == patient_id)
            .order_by(ChatMessage.created_at.desc())
            .limit(limit)
        )
        return [
            ChatMessagePublic(
                id=m.id,
                role=m.role,
                text=uc.vault.open("chat_message", "text", m.id, m.text_enc) if visible else None,
                risk=m.risk,
                flow=m.flow,
                created_at=m.created_at,
            )
            for m in reversed(list(rows))
        ]


def flagged(rt: Runtime, actor: Actor) -> list[FlaggedConversation]:
    """Conversations of the clinician's caseload that the screener flagged, highest first."""
    from mindway.services.patients import caseload_ids

    with rt.use_case(actor, "chat.flagged") as uc:
        access.require_role(uc, Permission.CASELOAD_READ)
        ids = caseload_ids(uc, actor)
        rows = uc.db.scalars(
            select(ChatConversation).where(
                ChatConversation.patient_id.in_(ids),
                ChatConversation.flagged_level.in_(("moderate", "high")),
            )
        )
        found = [
            FlaggedConversation(
                patient_id=r.patient_id,
                level=r.flagged_level,
                flagged_at=r.flagged_at,
                messages_visible=has_consent(uc.db, r.patient_id, CONSENT_PURPOSE),
            )
            for r in rows
        ]
        return sorted(
            found, key=lambda f: (f.level != "high", -(f.flagged_at or utcnow()).timestamp())
        )
