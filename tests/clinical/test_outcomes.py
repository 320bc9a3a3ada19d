"""NHS Talking Therapies outcomes and the Jacobson-Truax reliable change index.

NHS Talking Therapies (Clark et al. 2018, Lancet 391:679; NHS Talking Therapies Manual):
caseness PHQ-9 >= 10 or GAD-7 >= 8; reliable change 6 points on the PHQ-9, 4 on the GAD-7;
first score against last.
"""

from __future__ import annotations

import math

import pytest

from mindway.clinical.outcomes import (
    InvalidScores,
    clinical_cutoff,
    crossed_cutoff,
    reliable_change,
    reliable_change_threshold,
    talking_therapies_outcome,
)


@pytest.mark.parametrize(
    ("phq9", "gad7", "case"),
    [(10, 0, True), (9, 7, False), (0, 8, True), (9, 8, True), (27, 21, True)],
)
def test_caseness_at_the_start(phq9: int, gad7: int, case: bool) -> None:
    assert talking_therapies_outcome([phq9], [gad7]).caseness_start is case


def test_recovery_means_below_both_thresholds_at_the_end() -> None:
    recovered = talking_therapies_outcome([15, 9], [12, 7])
    assert (recovered.recovery, recovered.caseness_end) == (True, False)
    assert talking_therapies_outcome([15, 9], [12, 8]).recovery is False
    assert talking_therapies_outcome([15, 10], [12, 2]).recovery is False


def test_recovery_does_not_apply_when_not_a_case_at_the_start() -> None:
    outcome = talking_therapies_outcome([9, 2], [7, 0])
    assert (outcome.recovery, outcome.reliable_recovery) == (None, None)
    assert outcome.reliable_improvement is True


@pytest.mark.parametrize(
    ("phq9", "gad7", "improvement", "deterioration"),
    [
        ([20, 14], [10, 10], True, False),  # PHQ-9 down 6
        ([20, 15], [10, 10], False, False),  # down 5: not reliable
        ([10, 10], [15, 11], True, False),  # GAD-7 down 4
        ([10, 10], [15, 12], False, False),  # down 3
        ([20, 14], [10, 14], False, False),  # PHQ-9 down 6 but GAD-7 up 4: neither
        ([14, 20], [10, 10], False, True),  # PHQ-9 up 6
        ([10, 10], [11, 15], False, True),  # GAD-7 up 4
        ([10, 15], [11, 14], False, False),  # up 5 and 3: not reliable
        ([14, 20], [14, 10], False, False),  # up 6 on one, down 4 on the other
        ([14, 20], [14, 11], False, True),  # up 6, down 3: no reliable fall on the other
    ],
)
def test_reliable_improvement_and_deterioration(
    phq9: list[int], gad7: list[int], improvement: bool, deterioration: bool
) -> None:
    outcome = talking_therapies_outcome(phq9, gad7)
    assert (outcome.reliable_improvement, outcome.reliable_deterioration) == (
        improvement,
        deterioration,
    )


def test_reliable_recovery_needs_recovery_and_reliable_improvement() -> None:
    both = talking_therapies_outcome([16, 9], [9, 7])
    assert (both.recovery, both.reliable_improvement, both.reliable_recovery) == (True, True, True)
    barely = talking_therapies_outcome([10, 9], [7, 7])  # recovered without reliable change
    assert (barely.recovery, barely.reliable_improvement, barely.reliable_recovery) == (
        True,
        False,
        False,
    )


def test_first_against_last_ignoring_the_middle_and_unequal_lengths() -> None:
    outcome = talking_therapies_outcome([20, 27, 3, 8], [12, 6])
    assert (outcome.phq9_start, outcome.phq9_end, outcome.gad7_start, outcome.gad7_end) == (
        20,
        8,
        12,
        6,
    )


def test_a_single_score_is_both_first_and_last() -> None:
    outcome = talking_therapies_outcome([12], [9])
    assert outcome.as_dict() == {
        "phq9_start": 12,
        "phq9_end": 12,
        "gad7_start": 9,
        "gad7_end": 9,
        "caseness_start": True,
        "caseness_end": True,
        "recovery": False,
        "reliable_improvement": False,
        "reliable_deterioration": False,
        "reliable_recovery": False,
    }


@pytest.mark.parametrize(
    ("phq9", "gad7", "message"),
    [
        ([28], [0], "PHQ-9 score 1 must be 0-27, got 28"),
        ([0, -1], [0], "PHQ-9 score 2 must be 0-27, got -1"),
        ([0], [22], "GAD-7 score 1 must be 0-21, got 22"),
        ([], [3], "PHQ-9 needs at least one score"),
        ([3], [], "GAD-7 needs at least one score"),
    ],
)
def test_scores_out_of_range_or_absent_are_refused(
    phq9: list[int], gad7: list[int], message: str
) -> None:
    with pytest.raises(InvalidScores, match=message):
        talking_therapies_outcome(phq9, gad7)


# --- Jacobson & Truax 1991 (J Consult Clin Psychol 59:12) ------------------------------------


def test_worked_example_sd_5_reliability_84_needs_5_54_points() -> None:
    """SE = 5 x sqrt(1 - .84) = 2; S_diff = sqrt(2) x 2 = 2.83; 1.96 x 2.83 = 5.54."""
    assert round(reliable_change_threshold(5, 0.84), 2) == 5.54
    change = reliable_change(20, 12, sd=5, reliability=0.84)
    assert math.isclose(change.se_measurement, 2.0)
    assert math.isclose(change.s_diff, 2 * math.sqrt(2))
    assert math.isclose(change.rci, -8 / (2 * math.sqrt(2)))
    assert (change.reliable, change.direction) == (True, "decrease")


@pytest.mark.parametrize(("after", "reliable"), [(14.5, False), (14.4, True), (25.6, True)])
def test_reliable_only_beyond_1_96_standard_errors_of_the_difference(
    after: float, reliable: bool
) -> None:
    assert reliable_change(20, after, sd=5, reliability=0.84).reliable is reliable


@pytest.mark.parametrize(("sd", "r"), [(0, 0.8), (-1, 0.8), (5, 1.0), (5, -0.1), (math.nan, 0.8)])
def test_impossible_parameters_are_refused(sd: float, r: float) -> None:
    with pytest.raises(InvalidScores):
        reliable_change(10, 5, sd=sd, reliability=r)


def test_clinical_cutoff_c_weights_the_means_by_the_other_sd() -> None:
    """c = (SD_f x M_d + SD_d x M_f) / (SD_f + SD_d); equal SDs give the midpoint."""
    c = clinical_cutoff(
        functional_mean=5, functional_sd=4, dysfunctional_mean=18, dysfunctional_sd=5
    )
    assert math.isclose(c, (4 * 18 + 5 * 5) / 9)
    assert (
        clinical_cutoff(
            functional_mean=2, functional_sd=3, dysfunctional_mean=12, dysfunctional_sd=3
        )
        == 7
    )
    with pytest.raises(InvalidScores):
        clinical_cutoff(
            functional_mean=2, functional_sd=0, dysfunctional_mean=12, dysfunctional_sd=3
        )


def test_crossing_the_cutoff_towards_the_functional_side() -> None:
    assert crossed_cutoff(20, 8, 10.8, higher_is_worse=True)
    assert not crossed_cutoff(20, 10.8, 10.8, higher_is_worse=True)
    assert not crossed_cutoff(8, 20, 10.8, higher_is_worse=True)
    assert crossed_cutoff(30, 60, 50, higher_is_worse=False)
