"""The screener on the cases issue 4 names: idiom, negation, past versus present, slang and
typos, and context from earlier turns; categories as in the C-SSRS and safeguarding practice."""

from __future__ import annotations

import pytest

from mindway.chat.safety import Screener, Screening, default_screener, screen


@pytest.mark.parametrize(
    "text",
    [
        "this deadline is killing me",
        "I could murder a pizza right now",
        "my dad died last month and I can't stop crying",
        "how does a thought record work?",
        "I want to do a thought record",
        "I killed it at the gym today",
        "",
    ],
)
def test_everyday_and_figurative_messages_do_not_alert(text: str) -> None:
    assert not screen(text).needs_care_team


@pytest.mark.parametrize(
    "text",
    [
        "I want to kill myself",
        "kms",
        "i wanna unalive myself",
        "the urge to sh is so strong tonight",
        "I wish I could go to sleep and never wake up",
        "everyone would be better off without me",
        "I keep thinking about ending it all",
    ],
)
def test_disclosures_and_slang_alert(text: str) -> None:
    assert screen(text).needs_care_team


@pytest.mark.parametrize(
    "text",
    [
        "I'm going to kill myself tonight",
        "I've saved up my pills to end it",
        "I wrote goodbye letters to my family",
        "I just took a whole packet of paracetamol",
    ],
)
def test_plan_intent_means_and_timing_are_high(text: str) -> None:
    found = screen(text)
    assert found.level == "high" and "plan_intent_means" in found.categories


def test_past_self_harm_is_not_a_crisis() -> None:
    found = screen("I self-harmed as a teenager, it's been years")
    assert not found.needs_care_team


def test_present_self_harm_is() -> None:
    found = screen("I cut myself again last night")
    assert found.needs_care_team and "self_harm" in found.categories


def test_abuse_and_harm_to_others_have_their_categories() -> None:
    assert "abuse_safeguarding" in screen("my partner hits me when he drinks").categories
    assert "harm_to_others" in screen("I keep having thoughts of hurting my baby").categories


def test_an_elliptic_answer_is_high_after_a_disclosure() -> None:
    earlier = ["I've been thinking about ending it"]
    assert screen("tonight", context=earlier).level == "high"
    assert screen("I've got them in my drawer", context=earlier).level == "high"


def test_the_same_words_after_everyday_talk_are_not() -> None:
    assert not screen("tonight", context=["we're going to the cinema"]).needs_care_team


def test_score_is_a_probability_and_rules_explain_themselves() -> None:
    found = screen("I'm going to kill myself tonight")
    assert 0.0 <= found.score <= 1.0 and found.score >= 0.9
    assert any("kill myself" in m for m in found.matched)
    assert 0.0 <= screen("hello").score < 0.5


def test_the_model_loads_once_per_process() -> None:
    assert default_screener() is default_screener()


def test_default_screener_meets_the_protocol() -> None:
    screener: Screener = default_screener()
    assert isinstance(screener.screen("hello", locale="en-GB", context=()), Screening)
