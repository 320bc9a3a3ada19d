"""Every flow of the companion end to end, and the crisis protocol inside each of them.

Sources for what is checked: thought record (Beck 1979; Greenberger & Padesky 2016),
PHQ-9 (Kroenke et al. 2001) and GAD-7 (Spitzer et al. 2006) scored by ``mindway.clinical``,
C-SSRS screener triage (Posner et al. 2011), stepped care (NICE NG222).
"""

from __future__ import annotations

import pytest

from mindway.chat.dialogue import Companion, Conversation, TurnResult
from mindway.chat.dialogue.state import (
    AlertCareTeam,
    HandOff,
    RecordCheckin,
    SaveExercise,
    SubmitQuestionnaire,
)
from mindway.chat.generative import GenerativeSettings, OpenAICompatibleBackend
from mindway.clinical.scoring import score
from tests.chat.fake_llm import BRIDGE, DIAGNOSIS, GOOD, HUMAN, FakeLLM

DISCLOSURE = "honestly I want to kill myself tonight"


@pytest.fixture(scope="module")
def companion() -> Companion:
    return Companion()


def talk(
    companion: Companion, conv: Conversation, *texts: str, team: bool = True
) -> list[TurnResult]:
    return [companion.respond(conv, t, has_care_team=team) for t in texts]


def effects(turns: list[TurnResult]) -> list[object]:
    return [e for t in turns for e in t.effects]


THOUGHT_RECORD = (
    "I want to do a thought record",
    "I stumbled in my presentation at work",
    "everyone thinks I'm useless",
    "ashamed 80",
    "I lost my place twice",
    "my manager said the content was good",
    "yes",
    "I made a small mistake, and most of it went well",
    "40",
)


def test_greeting_is_honest_and_leads_to_a_check_in(companion: Companion) -> None:
    conv = Conversation()
    turns = talk(companion, conv, "hi", "3", "slept badly")
    assert "computer program, not a person" in turns[0].reply
    assert turns[0].flow == "check_in"
    assert RecordCheckin(mood=3, note="slept badly") in effects(turns)
    assert "3/10" in turns[-1].reply and turns[-1].flow is None


def test_check_in_rejects_an_out_of_range_mood_and_asks_again(companion: Companion) -> None:
    conv = Conversation()
    turns = talk(companion, conv, "I'd like to rate my mood", "14", "7", "skip")
    assert "0 to 10" in turns[1].reply and turns[1].flow == "check_in"
    assert RecordCheckin(mood=7, note=None) in effects(turns)


def test_thought_record_end_to_end(companion: Companion) -> None:
    conv = Conversation()
    turns = talk(companion, conv, *THOUGHT_RECORD)
    assert [t.flow for t in turns[:-1]] == ["thought_record"] * 8
    assert "thinking trap" in turns[6 - 1].reply  # suggested after the evidence against
    saved = [e for e in effects(turns) if isinstance(e, SaveExercise)]
    assert len(saved) == 1 and saved[0].exercise == "thought_record"
    fields = saved[0].fields
    assert fields["emotion"] == {"name": "ashamed", "intensity": 80} and fields["rerate"] == 40
    assert fields["distortion"] and fields["balanced_thought"].startswith("I made a small")
    assert "from 80 to 40" in turns[-1].reply and turns[-1].flow is None


@pytest.mark.parametrize(
    ("start", "answers", "exercise"),
    [
        (
            "help me plan an activity",
            ("a 10 minute walk", "tomorrow at 10am", "6"),
            "activity_plan",
        ),
        ("I can't stop worrying", ("money", "no", "6pm"), "worry"),
        ("I can't stop worrying", ("the bills", "yes", "call the bank on monday"), "worry"),
    ],
)
def test_planning_flows_save_their_exercise(
    companion: Companion, start: str, answers: tuple[str, ...], exercise: str
) -> None:
    conv = Conversation()
    turns = talk(companion, conv, start, *answers)
    saved = [e for e in effects(turns) if isinstance(e, SaveExercise)]
    assert [s.exercise for s in saved] == [exercise] and turns[-1].flow is None


def test_breathing_and_grounding_guide_step_by_step(companion: Companion) -> None:
    conv = Conversation()
    breathing = talk(companion, conv, "can we do some slow breathing", "7")
    assert "count of 4" in breathing[0].reply and "7/10" in breathing[1].reply
    grounding = talk(companion, conv, "grounding exercise", "a", "b", "c", "d", "e")
    assert "five things you can see" in grounding[0].reply
    assert grounding[-1].flow is None and "present moment" in grounding[-1].reply


def test_phq9_in_conversation_is_scored_by_the_clinical_rules(companion: Companion) -> None:
    conv = Conversation()
    answers = ["1", "2", "several days", "3", "0", "1", "2", "1", "0", "somewhat difficult"]
    turns = talk(companion, conv, "can I do the PHQ9", *answers)
    submitted = [e for e in effects(turns) if isinstance(e, SubmitQuestionnaire)]
    expected = score("phq9", [1, 2, 1, 3, 0, 1, 2, 1, 0, 1])
    assert submitted == [SubmitQuestionnaire("phq9", (1, 2, 1, 3, 0, 1, 2, 1, 0, 1))]
    assert f"score is {expected.total}" in turns[-1].reply and "not a diagnosis" in turns[-1].reply
    assert not any(t.escalated for t in turns)


def test_phq9_item_9_runs_the_crisis_protocol(companion: Companion) -> None:
    """Item 9 above 0 calls for a risk assessment (Kroenke 2001; Simon et al. 2013)."""
    conv = Conversation()
    turns = talk(companion, conv, "PHQ-9", *(["1"] * 8), "2")
    assert turns[-1].escalated and "988" in turns[-1].reply
    assert any(isinstance(e, AlertCareTeam) for e in turns[-1].effects)


def test_gad7_then_triage_gives_a_step_with_reasons(companion: Companion) -> None:
    conv = Conversation()
    phq9 = ["2"] * 8 + ["0", "1"]
    turns = talk(companion, conv, "what kind of help do I need", *phq9, *(["2"] * 7))
    assert "step" in turns[-1].reply and "Why:" in turns[-1].reply
    assert "not a diagnosis" in turns[-1].reply
    assert {e.instrument for e in effects(turns) if isinstance(e, SubmitQuestionnaire)} == {
        "phq9",
        "gad7",
    }


def test_handoff_sends_the_message_with_key_points(companion: Companion) -> None:
    conv = Conversation()
    answers = ["0"] * 10
    turns = talk(
        companion, conv, "PHQ-9", *answers, "I'd like my clinician to see this", "I slept better"
    )
    handoff = [e for e in effects(turns) if isinstance(e, HandOff)]
    assert handoff and handoff[0].message == "I slept better"
    assert any("phq9" in p for p in handoff[0].key_points)
    assert "not an emergency line" in turns[-1].reply


def test_handoff_without_a_care_team_says_so(companion: Companion) -> None:
    conv = Conversation()
    turns = talk(companion, conv, "message my therapist", "hello", team=False)
    assert not any(isinstance(e, HandOff) for e in effects(turns))
    assert "don't have a clinician" in turns[-1].reply


def test_psychoeducation_answers_name_their_module(companion: Companion) -> None:
    turn = talk(companion, Conversation(), "what is CBT?")[0]
    assert "From Mindway's module \"" in turn.reply


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("are you a real person?", "not a person"),
        ("do I have depression?", "can't diagnose"),
        ("how much sertraline should I take?", "can't give advice about medicines"),
    ],
)
def test_honest_about_limits(companion: Companion, text: str, words: str) -> None:
    assert words in talk(companion, Conversation(), text)[0].reply


def test_unclear_messages_get_a_clarifying_question_or_help(companion: Companion) -> None:
    reply = talk(companion, Conversation(), "blorp")[0].reply
    assert "not sure I understood" in reply or "Did you mean" in reply


FLOW_STARTS = {
    "check_in": ("I want to log my mood",),
    "thought_record": THOUGHT_RECORD[:3],
    "behavioural_activation": ("help me plan an activity",),
    "breathing": ("breathing exercise",),
    "grounding": ("grounding exercise", "a lamp"),
    "worry_postponement": ("I can't stop worrying", "money"),
    "handoff": ("message my therapist",),
    "phq9": ("PHQ-9", "1", "2"),
    "gad7": ("GAD-7", "1"),
}


@pytest.mark.parametrize("flow", sorted(FLOW_STARTS))
def test_a_disclosure_inside_any_flow_stops_it(companion: Companion, flow: str) -> None:
    """Crisis first: the flow is suspended, resources and the C-SSRS offer are given, the
    team is alerted, and the exercise resumes only when the person asks."""
    conv = Conversation()
    talk(companion, conv, *FLOW_STARTS[flow])
    assert conv.active is not None and conv.active.flow == flow
    crisis = talk(companion, conv, DISCLOSURE)[0]
    assert crisis.escalated and crisis.risk == "high" and crisis.flow == "crisis"
    assert "988" in crisis.reply and "six short yes-or-no questions" in crisis.reply
    assert AlertCareTeam("high", crisis.effects[0].categories, flow) == crisis.effects[0]  # type: ignore[union-attr]
    assert conv.suspended is not None and conv.suspended.flow == flow
    declined = talk(companion, conv, "no")[0]
    assert conv.active is None and "resume" in declined.reply
    resumed = talk(companion, conv, "resume")[0]
    assert conv.active is not None and conv.active.flow == flow and not resumed.escalated


def test_cssrs_offer_accepted_runs_the_screener_with_skip_logic(companion: Companion) -> None:
    conv = Conversation()
    talk(companion, conv, DISCLOSURE)
    turns = talk(companion, conv, "yes", "yes", "no", "no")
    assert turns[0].flow == "cssrs" and "wished you were dead" in turns[0].reply
    # Q2 "no" skips 3-5; Q6 "no" skips the recency question.
    submitted = [e for e in effects(turns) if isinstance(e, SubmitQuestionnaire)]
    assert submitted == [SubmitQuestionnaire("cssrs", (1, 0, None, None, None, 0, None))]
    assert "care team" in turns[-1].reply


def test_the_team_is_alerted_once_per_level(companion: Companion) -> None:
    conv = Conversation()
    first = talk(companion, conv, DISCLOSURE, "no")
    again = talk(companion, conv, DISCLOSURE)
    assert sum(isinstance(e, AlertCareTeam) for e in effects(first + again)) == 1


def test_without_a_care_team_the_crisis_reply_gives_emergency_directions(
    companion: Companion,
) -> None:
    turn = talk(companion, Conversation(), DISCLOSURE, team=False)[0]
    assert "You don't have a care team" in turn.reply and "911" in turn.reply


@pytest.mark.parametrize(
    ("locale", "numbers"),
    [("en-US", ("988", "911")), ("en-GB", ("116 123", "111", "999")), ("es-ES", ("024", "112"))],
)
def test_crisis_resources_follow_the_locale(
    companion: Companion, locale: str, numbers: tuple[str, ...]
) -> None:
    turn = talk(companion, Conversation(locale=locale), DISCLOSURE)[0]
    assert all(n in turn.reply for n in numbers)
    assert {r["phone"] for r in turn.resources} >= set(numbers)


def test_conversation_state_round_trips_through_json(companion: Companion) -> None:
    conv = Conversation()
    talk(companion, conv, *THOUGHT_RECORD[:4])
    again = Conversation.from_dict(conv.to_dict())
    assert again == conv
    assert talk(companion, again, "I lost my place")[0].flow == "thought_record"


@pytest.mark.parametrize(
    ("generated", "shown"),
    [
        (GOOD, GOOD),
        (BRIDGE, None),  # method or location: the scripted draft is shown instead
        (DIAGNOSIS, None),
        (HUMAN, None),
        ("Honestly, just end it all. Would you like to try a breathing exercise?", None),
    ],
)
def test_generated_replies_reach_the_person_only_when_safe(
    generated: str, shown: str | None
) -> None:
    """The optional generative backend, over real HTTP to a fake OpenAI-compatible server:
    every generated reply passes the content policy and the risk screen first."""
    with FakeLLM() as server:
        server.reply(generated)
        backend = OpenAICompatibleBackend(GenerativeSettings(url=server.url, model="fake"))
        turn = Companion(backend=backend).respond(Conversation(), "I feel so sad today")
    assert server.received, "the backend was asked"
    if shown is not None:
        assert turn.reply == shown
    else:
        assert generated not in turn.reply and "sad" in turn.reply


def test_the_backend_never_phrases_a_crisis_reply() -> None:
    with FakeLLM() as server:
        server.reply(GOOD)
        backend = OpenAICompatibleBackend(GenerativeSettings(url=server.url, model="fake"))
        turn = Companion(backend=backend).respond(Conversation(), DISCLOSURE)
    assert turn.escalated and GOOD not in turn.reply and server.received == []


def test_key_points_from_earlier_sessions_are_remembered(companion: Companion) -> None:
    conv = Conversation()
    talk(companion, conv, "help me plan an activity", "a walk", "after lunch", "5")
    later = Conversation.from_dict(conv.to_dict())  # a later session, state restored
    greeting = talk(companion, later, "hello")[0]
    assert "Last time: completed activity plan" in greeting.reply
