"""Explicit rules: plan, intent, means, timing, preparation and an attempt under way are high
(C-SSRS items 3-6, Posner et al. 2011, Am J Psychiatry 168:1266); negated or past statements
drop to low, never to none; slang is expanded before anything reads the text."""

from __future__ import annotations

import pytest

from mindway.chat.safety.normalise import normalise
from mindway.chat.safety.rules import continues_a_disclosure, explicit_statements


def levels(text: str) -> set[str]:
    return {m.level for m in explicit_statements(normalise(text))}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("I'm going to kill myself", "intent"),
        ("I have decided to end my life", "intent"),
        ("gonna kms tonight", "timing"),
        ("I will unalive myself this weekend", "timing"),
        ("I've been saving my pills so I can end it", "means"),
        ("there are enough tablets to do it now", "means"),
        ("I wrote a goodbye letter to my mum", "preparatory"),
        ("I've been giving away my things", "preparatory"),
        ("I was googling ways to die", "preparatory"),
        ("I just took a whole bottle of pills", "attempt"),
        ("I'm going to stab him when he gets home", "harm_to_others_intent"),
        ("he said he'll kill me if I leave", "immediate_danger"),
    ],
)
def test_explicit_statements_are_high(text: str, rule: str) -> None:
    found = explicit_statements(normalise(text))
    assert any(m.rule == rule and m.level == "high" for m in found), found


@pytest.mark.parametrize(
    "text",
    [
        "I'm not going to kill myself, I promise",
        "I'm never going to kill myself",
        "when I was 15 I wrote a suicide note",
        "years ago I took a whole bottle of pills",
    ],
)
def test_negated_or_past_statements_are_lowered_not_dropped(text: str) -> None:
    assert levels(text) == {"low"}


@pytest.mark.parametrize(
    "text",
    [
        "this deadline is killing me",
        "I'm going to hang the washing out tonight",
        "I'll kill two birds with one stone",
        "I took my tablets as prescribed this morning",
        "",
    ],
)
def test_figurative_and_everyday_wording_matches_no_rule(text: str) -> None:
    assert explicit_statements(normalise(text)) == []


@pytest.mark.parametrize(
    ("slang", "plain"),
    [
        ("kms", "kill myself"),
        ("KMSSS", "kill myself"),
        ("i wanna unalive myself", "i want to kill myself"),
        ("thinking of ctb", "thinking of commit suicide"),
        ("the urge to sh is back", "the urge to self-harm is back"),
        ("sh again tonight", "self-harm again tonight"),
        ("I\u2019m soooo tired", "i am soo tired"),
    ],
)
def test_slang_and_spelling_are_expanded(slang: str, plain: str) -> None:
    assert normalise(slang) == plain


def test_sh_alone_is_not_expanded_out_of_context() -> None:
    assert normalise("sh, be quiet") == "sh, be quiet"


@pytest.mark.parametrize(
    "text", ["yes", "tonight", "I've got them saved up", "already wrote the notes"]
)
def test_follow_ups_that_continue_a_disclosure(text: str) -> None:
    assert continues_a_disclosure(normalise(text))


@pytest.mark.parametrize("text", ["no", "thanks, that helps", "not really, no"])
def test_follow_ups_that_do_not(text: str) -> None:
    assert not continues_a_disclosure(normalise(text))
