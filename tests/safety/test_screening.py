"""The interim rule screener: explicit statements flag, idioms do not, negations stay 'low'."""

from __future__ import annotations

import pytest

from mindway.safety import RuleScreener, Screener, screen


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("I want to kill myself", "high"),
        ("I'm planning to end my life tonight", "high"),
        ("thinking about suicide a lot", "high"),
        ("honestly kms", "high"),
        ("I just want to unalive", "high"),
        ("I cut myself again last night", "high"),
        ("self-harm urges are back", "high"),
        ("everyone would be better off dead without me", "moderate"),
        ("I don't want to be here anymore", "moderate"),
        ("I'm not going to kill myself, but it is hard", "low"),
        ("I would never hurt myself", "low"),
        ("this deadline is killing me", "none"),
        ("I killed it at the gym today", "none"),
        ("Nice walk with my sister, slept well", "none"),
        ("", "none"),
    ],
)
def test_levels(text: str, level: str) -> None:
    assert screen(text).level == level


def test_result_names_categories_and_matches() -> None:
    found = screen("Planning to end my life tonight, I have the pills")
    assert found.needs_care_team
    assert "plan" in found.categories and "timing" in found.categories
    assert "planning to end my life" in found.matched


def test_negated_mentions_are_not_none_and_do_not_need_the_team() -> None:
    found = screen("I'm not suicidal")
    assert found.level == "low" and not found.needs_care_team


def test_rule_screener_meets_the_protocol() -> None:
    screener: Screener = RuleScreener()
    assert screener.screen("kms", locale="de-DE").level == "high"
