"""The chat service: one message, one transaction, one audit event; crisis first; effects
carried out; messages sealed; the care team's view subject to consent."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from mindway.errors import InvalidInput
from mindway.security.policy import Role
from mindway.services import (
    accounts,
    chat,
    checkins,
    clinical_alerts,
    consent,
    exercises,
    handoffs,
    measures,
)
from mindway.services.runtime import OutOfScope, Runtime
from mindway.store.models import ChatConversation, ChatMessage, ClinicalAlert, ExerciseRecord
from tests.clinic import Clinic, add_account
from tests.services.audit_trail import AuditWatch, table_counts

DISCLOSURE = "I'm going to kill myself tonight, I have the pills"


def _say(rt: Runtime, clinic: Clinic, *texts: str) -> list[chat.ChatReply]:
    return [chat.send(rt, clinic.patient_a, clinic.patient_a_id, t) for t in texts]


def test_a_message_is_one_audited_transaction_with_sealed_text(rt: Runtime, clinic: Clinic) -> None:
    watch = AuditWatch(rt)
    reply = _say(rt, clinic, "what is CBT?")[0]
    event = watch.single()
    assert (event.action, event.outcome) == ("chat.message", "success")
    assert "module" in reply.reply and not reply.escalated
    with rt.transaction() as db:
        stored = list(db.scalars(select(ChatMessage)))
    assert [m.role for m in stored] == ["user", "companion"]
    assert all("CBT" not in m.text_enc for m in stored)
    history = chat.messages(rt, clinic.patient_a, clinic.patient_a_id)
    assert next(m.text for m in history) == "what is CBT?"


def test_a_disclosure_alerts_the_team_urgently_without_quoting(rt: Runtime, clinic: Clinic) -> None:
    reply = _say(rt, clinic, DISCLOSURE)[0]
    assert reply.escalated and reply.risk == "high"
    assert {r["phone"] for r in reply.resources} >= {"988", "911"}
    (alert,) = clinical_alerts.inbox(rt, clinic.clinician_a)
    assert (alert.kind, alert.level) == ("risk", "urgent")
    assert "chat message mentions" in alert.detail and "pills" not in alert.detail
    flagged = chat.flagged(rt, clinic.clinician_a)
    assert [(f.patient_id, f.level) for f in flagged] == [(clinic.patient_a_id, "high")]
    assert chat.flagged(rt, clinic.clinician_b) == []


def test_a_disclosure_inside_a_thought_record_names_the_exercise(
    rt: Runtime, clinic: Clinic
) -> None:
    _say(rt, clinic, "I want to do a thought record", "a row with my sister")
    reply = _say(rt, clinic, DISCLOSURE)[0]
    assert reply.escalated and reply.flow == "crisis"
    (alert,) = clinical_alerts.inbox(rt, clinic.clinician_a)
    assert "during the thought record" in alert.detail


def test_check_in_and_questionnaire_effects_reach_the_record(rt: Runtime, clinic: Clinic) -> None:
    _say(rt, clinic, "hi", "6", "skip", "PHQ-9", *(["1"] * 8), "0", "1")
    (checkin,) = checkins.list_checkins(rt, clinic.patient_a, clinic.patient_a_id)
    assert checkin.values.mood == 6 and checkin.values.anxiety is None
    (result,) = measures.history(rt, clinic.clinician_a, clinic.patient_a_id)
    assert (result.instrument, result.total) == ("phq9", 8)


def test_thought_record_is_saved_for_patient_and_team(rt: Runtime, clinic: Clinic) -> None:
    _say(
        rt,
        clinic,
        "I want to do a thought record",
        "missed the bus",
        "I always mess everything up",
        "frustrated 70",
        "I was late",
        "I was on time all last week",
        "yes",
        "I missed one bus, that's all",
        "30",
    )
    (record,) = exercises.list_exercises(rt, clinic.clinician_a, clinic.patient_a_id)
    assert record.exercise == "thought_record" and record.fields["rerate"] == 30
    with rt.transaction() as db:
        sealed = db.scalars(select(ExerciseRecord.fields_enc)).one()
    assert "bus" not in sealed


def test_handoff_reaches_the_clinicians_inbox(rt: Runtime, clinic: Clinic) -> None:
    _say(rt, clinic, "send a message to my clinician", "Can we talk about my sleep next time?")
    (message,) = handoffs.inbox(rt, clinic.clinician_a)
    assert message.message == "Can we talk about my sleep next time?" and message.read_at is None
    handoffs.mark_read(rt, clinic.clinician_a, message.id)
    assert handoffs.inbox(rt, clinic.clinician_a, unread_only=True) == []
    assert handoffs.inbox(rt, clinic.clinician_b) == []


def test_clinicians_read_the_words_only_with_care_consent(rt: Runtime, clinic: Clinic) -> None:
    _say(rt, clinic, "hello")
    hidden = chat.messages(rt, clinic.clinician_a, clinic.patient_a_id)
    assert hidden and all(m.text is None for m in hidden)
    consent.record(rt, clinic.patient_a, clinic.patient_a_id, "care", True)
    shown = chat.messages(rt, clinic.clinician_a, clinic.patient_a_id)
    assert shown[0].text == "hello"


def test_other_patients_and_clinicians_off_the_team_get_not_found(
    rt: Runtime, clinic: Clinic
) -> None:
    with pytest.raises(OutOfScope):
        chat.send(rt, clinic.patient_b, clinic.patient_a_id, "hello")
    with pytest.raises(OutOfScope):
        chat.messages(rt, clinic.clinician_b, clinic.patient_a_id)


@pytest.mark.parametrize("text", ["", "   ", "a" * 2001])
def test_bad_messages_change_nothing(rt: Runtime, clinic: Clinic, text: str) -> None:
    before = table_counts(rt)
    with pytest.raises(InvalidInput):
        chat.send(rt, clinic.patient_a, clinic.patient_a_id, text)
    assert table_counts(rt) == before


def test_the_conversation_survives_between_messages(rt: Runtime, clinic: Clinic) -> None:
    _say(rt, clinic, "help me plan an activity")
    reply = _say(rt, clinic, "a walk in the park")[0]
    assert reply.flow == "behavioural_activation" and "When exactly" in reply.reply
    with rt.transaction() as db:
        assert db.scalar(select(func.count()).select_from(ChatConversation)) == 1
        assert db.scalar(select(func.count()).select_from(ClinicalAlert)) == 0


def test_a_spanish_disclosure_runs_the_crisis_protocol_in_spanish(
    rt: Runtime, clinic: Clinic
) -> None:
    """A patient whose account is in US Spanish writes in Spanish: the Spanish rules catch
    it, the reply and the resources are Spanish (988, press 2), the team gets an urgent
    alert that does not quote the message."""
    person = accounts.Registration("Lucía", "García", date(1988, 5, 9), care_team_id=clinic.team_a)
    lucia = add_account(rt, clinic.admin, "lucia", Role.PATIENT, person, locale="es-US")
    assert lucia.patient_id is not None
    reply = chat.send(rt, lucia, lucia.patient_id, "me quiero matar esta noche, tengo pastillas")
    assert reply.escalated and reply.risk == "high"
    assert {r["phone"] for r in reply.resources} >= {"988", "911"}
    assert any("español" in r["description"] for r in reply.resources)
    assert "Gracias por contármelo" in reply.reply and "equipo de atención" in reply.reply
    (alert,) = clinical_alerts.inbox(rt, clinic.clinician_a)
    assert (alert.kind, alert.level) == ("risk", "urgent")
    assert "pastillas" not in alert.detail
