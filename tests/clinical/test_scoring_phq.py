"""PHQ-9, PHQ-2, GAD-7, GAD-2 and PHQ-15 scored as their published sources say."""

from __future__ import annotations

import pytest

from mindway.clinical.scoring import InvalidAnswers, round_half_up, score
from tests.clinical.instrument_answers import answers_summing_to

# --- PHQ-9 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "severity"),
    [
        (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
        (14, "moderate"), (15, "moderately_severe"), (19, "moderately_severe"),
        (20, "severe"), (27, "severe"),
    ],
)  # fmt: skip
def test_phq9_bands_at_every_boundary(total: int, severity: str) -> None:
    """Kroenke, Spitzer & Williams 2001 (J Gen Intern Med 16:606): 0-4 minimal, 5-9 mild,
    10-14 moderate, 15-19 moderately severe, 20-27 severe."""
    result = score("phq9", answers_summing_to("phq9", total))
    assert (result.total, result.severity, result.valid) == (total, severity, True)


def test_phq9_total_is_the_sum_of_the_nine_items() -> None:
    """Kroenke 2001: nine items scored 0-3, total 0-27."""
    assert score("phq9", [3, 2, 1, 0, 3, 2, 1, 0, 0]).total == 12
    assert score("phq9", [3] * 9).total == 27


@pytest.mark.parametrize(
    ("answers", "total"),
    [
        ([0, 0, 0, 0, 1, 1, 1, 1, None], 5),  # 4 x 9 / 8 = 4.5 -> 5 (banker's rounding: 4)
        ([3, 3, 3, 3, 3, 3, 1, 1, None], 23),  # 20 x 9 / 8 = 22.5 -> 23 (banker's: 22)
        ([2, 2, 2, 2, 2, 2, 2, 2, None], 18),  # 16 x 9 / 8 = 18
        ([1, None, 2, 2, 1, 2, 2, None, 0], 13),  # 10 x 9 / 7 = 12.86 -> 13
        ([None, 0, 0, 0, 0, 0, 0, None, 1], 1),  # 1 x 9 / 7 = 1.29 -> 1
    ],
)
def test_phq9_one_or_two_missing_items_take_the_mean_of_the_others(
    answers: list[int | None], total: int
) -> None:
    """Arrieta et al. 2017 (J Clin Psychol 73:1076): with up to two items missing, each is
    replaced by the mean of the answered items: sum x 9 / answered, rounded half up."""
    result = score("phq9", answers)
    assert (result.total, result.valid, result.prorated) == (total, True, True)


def test_phq9_three_missing_items_leave_it_unscored() -> None:
    """Arrieta 2017: more than two items missing, the PHQ-9 is not scored."""
    result = score("phq9", [3, 3, 3, 3, 3, 3, None, None, None])
    assert (result.total, result.severity, result.valid) == (None, None, False)
    assert result.missing == (7, 8, 9)


def test_round_half_up_is_exact() -> None:
    assert [round_half_up(n, 2) for n in (1, 3, 5, 7)] == [1, 2, 3, 4]
    assert round_half_up(36, 8) == 5 and round_half_up(35, 8) == 4


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_phq9_item9_above_zero_flags_suicidal_ideation_whatever_the_total(item9: int) -> None:
    """Kroenke 2001; Simon et al. 2013 (Psychiatr Serv 64:1195): any answer above "not at all"
    to item 9 needs a risk assessment, even with a minimal total."""
    result = score("phq9", [0, 0, 0, 0, 0, 0, 0, 0, item9])
    assert result.severity == "minimal"
    assert result.flags == ("suicidal_ideation",)


def test_phq9_item9_flags_even_when_the_total_is_invalid() -> None:
    result = score("phq9", [None, None, None, 0, 0, 0, 0, 0, 1])
    assert result.valid is False and result.total is None
    assert result.flags == ("suicidal_ideation",)


def test_phq9_item9_at_zero_or_missing_raises_no_flag() -> None:
    assert score("phq9", [3, 3, 3, 3, 3, 3, 3, 3, 0]).flags == ()
    assert score("phq9", [3, 3, 3, 3, 3, 3, 3, 3, None]).flags == ()


@pytest.mark.parametrize("difficulty", [0, 1, 2, 3, None])
def test_phq9_difficulty_is_recorded_but_not_scored(difficulty: int | None) -> None:
    """Kroenke 2001: the difficulty question is not part of the score."""
    result = score("phq9", [1] * 9 + [difficulty])
    assert result.total == 9
    assert result.answers[9] == difficulty
    assert result.missing == ()


def test_phq9_difficulty_out_of_range_is_refused() -> None:
    with pytest.raises(InvalidAnswers, match="answer 10 of phq9 must be 0-3, got 4"):
        score("phq9", [1] * 9 + [4])


# --- PHQ-2, GAD-2 ---------------------------------------------------------------------------


@pytest.mark.parametrize("instrument_id", ["phq2", "gad2"])
@pytest.mark.parametrize(("total", "positive"), [(0, False), (2, False), (3, True), (6, True)])
def test_two_item_screens_are_positive_from_3(
    instrument_id: str, total: int, positive: bool
) -> None:
    """Kroenke 2003 (Med Care 41:1284) PHQ-2 >= 3: sensitivity 83%, specificity 92%;
    Kroenke 2007 (Ann Intern Med 146:317) GAD-2 >= 3: 86% / 83%."""
    result = score(instrument_id, answers_summing_to(instrument_id, total))
    assert result.total == total and result.severity is None
    assert result.flags == (("positive_screen",) if positive else ())


def test_two_item_screens_have_no_missing_item_rule() -> None:
    result = score("phq2", [3, None])
    assert (result.valid, result.total, result.flags) == (False, None, ())


# --- GAD-7 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "severity"),
    [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
     (14, "moderate"), (15, "severe"), (21, "severe")],
)  # fmt: skip
def test_gad7_bands_at_every_boundary(total: int, severity: str) -> None:
    """Spitzer, Kroenke, Williams & Loewe 2006 (Arch Intern Med 166:1092): 0-21; cut-points
    5, 10 and 15 for mild, moderate and severe anxiety."""
    result = score("gad7", answers_summing_to("gad7", total))
    assert (result.total, result.severity) == (total, severity)


@pytest.mark.parametrize("missing", [1, 2, 7])
def test_gad7_is_not_prorated(missing: int) -> None:
    """Spitzer 2006 publishes no missing-item rule, so Mindway does not invent one: any
    missing GAD-7 item leaves it unscored (valid false, total null)."""
    answers: list[int | None] = [2] * 7
    answers[:missing] = [None] * missing
    result = score("gad7", answers)
    assert (result.valid, result.total, result.severity) == (False, None, None)


# --- PHQ-15 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "severity"),
    [(0, "minimal"), (4, "minimal"), (5, "low"), (9, "low"), (10, "medium"), (14, "medium"),
     (15, "high"), (30, "high")],
)  # fmt: skip
def test_phq15_bands_at_every_boundary(total: int, severity: str) -> None:
    """Kroenke, Spitzer & Williams 2002 (Psychosom Med 64:258): 15 items 0-2, 0-30; minimal
    0-4, low 5-9, medium 10-14, high 15-30."""
    result = score("phq15", answers_summing_to("phq15", total))
    assert (result.total, result.severity) == (total, severity)


def test_phq15_menstrual_item_may_be_left_empty() -> None:
    """Item 4 is asked of women only (Kroenke 2002 form): empty, it adds nothing."""
    answers: list[int | None] = [1] * 15
    answers[3] = None
    result = score("phq15", answers)
    assert (result.valid, result.total, result.missing) == (True, 14, ())


def test_phq15_any_other_missing_item_leaves_it_unscored() -> None:
    answers: list[int | None] = [1] * 15
    answers[0] = None
    assert score("phq15", answers).valid is False
