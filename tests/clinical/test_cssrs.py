"""The C-SSRS screener (past month): skip logic and every branch of the risk triage.

Columbia Lighthouse Project, C-SSRS screen version with triage points (Posner et al. 2011, Am J
Psychiatry 168:1266): ask 1 and 2; 3-5 only when 2 is yes; always 6, and whether it was within
the past 3 months. High: yes to 4 or 5, or to 6 within 3 months; moderate: yes to 3, or to 6
longer ago; low: yes to 1 or 2 only; none otherwise. Answers: 7 positions, empty where not asked.
"""

from __future__ import annotations

import pytest

from mindway.clinical.scoring import InvalidAnswers, parse_answers, score


def risk(answers: str) -> str | None:
    result = score("cssrs", parse_answers(answers))
    assert result.valid, answers
    assert (result.total, result.severity) == (None, None)
    return result.risk


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ("0,0,,,,0,", "none"),
        ("1,0,,,,0,", "low"),  # wish to be dead only
        ("0,1,0,0,0,0,", "low"),  # thoughts, no method, intent or plan
        ("1,1,0,0,0,0,", "low"),
        ("0,1,1,0,0,0,", "moderate"),  # method
        ("0,0,,,,1,0", "moderate"),  # behaviour, longer than 3 months ago
        ("1,1,1,0,0,1,0", "moderate"),
        ("0,1,0,1,0,0,", "high"),  # intent without a plan
        ("0,1,0,0,1,0,", "high"),  # intent with a plan
        ("0,0,,,,1,1", "high"),  # behaviour within the past 3 months
        ("1,1,1,1,1,1,1", "high"),
    ],
)
def test_risk_levels(answers: str, level: str) -> None:
    assert risk(answers) == level


def test_total_is_always_null() -> None:
    """The screener has no summed score; a count of yes answers is not a validated scale."""
    assert score("cssrs", parse_answers("1,1,1,1,1,1,1")).contract()["total"] is None


@pytest.mark.parametrize("answers", ["0,0,0,,,0,", "0,0,,1,,0,", "0,0,,,0,0,", "0,0,1,1,1,0,"])
def test_answers_to_3_to_5_when_2_is_no_are_refused(answers: str) -> None:
    with pytest.raises(InvalidAnswers, match="asked only when answer 2 is 1, and it is 0"):
        score("cssrs", parse_answers(answers))


@pytest.mark.parametrize("answers", ["0,0,,,,0,0", "0,0,,,,0,1"])
def test_the_3_month_answer_when_6_is_no_is_refused(answers: str) -> None:
    with pytest.raises(InvalidAnswers, match="answer 7 of cssrs must be empty"):
        score("cssrs", parse_answers(answers))


@pytest.mark.parametrize(
    "answers",
    ["0,1,,0,0,0,", "0,1,0,,0,0,", "0,1,0,0,,0,", "0,1,,,,0,", "0,0,,,,1,", ",0,,,,0,", "0,0,,,,,"],
)
def test_questions_asked_but_unanswered_make_it_invalid(answers: str) -> None:
    result = score("cssrs", parse_answers(answers))
    assert (result.valid, result.risk, result.total) == (False, None, None)


def test_when_invalid_only_a_certain_high_risk_is_reported() -> None:
    """Missing answers can raise any level but the top one: yes to 4 is high whatever the
    blanks, while yes to 3 with 4 unanswered could be high, so the risk is then unknown."""
    assert score("cssrs", parse_answers("0,1,,1,,0,")).risk == "high"
    assert score("cssrs", parse_answers("0,1,1,,0,0,")).risk is None
    assert score("cssrs", parse_answers("1,,,,,0,")).risk is None


@pytest.mark.parametrize("answers", ["2,0,,,,0,", "0,0,,,,0", "0,0,,,,0,,", "0,1,0,0,0,0,-1"])
def test_malformed_answers_are_refused(answers: str) -> None:
    with pytest.raises(InvalidAnswers):
        score("cssrs", parse_answers(answers))
