"""Change from intake and reliable change (NHS Talking Therapies; Jacobson & Truax 1991)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mindway.clinical.progress import (
    ReliableChangeCriterion,
    change_from_baseline,
    trajectory_summary,
)
from mindway.errors import InvalidInput

PHQ9 = ReliableChangeCriterion.nhs_talking_therapies("phq9")
GAD7 = ReliableChangeCriterion.nhs_talking_therapies("gad7")


def test_nhs_talking_therapies_thresholds_are_6_and_4_points_inclusive() -> None:
    # Clark et al. 2018 (Lancet 391:679): reliable change is PHQ-9 >= 6, GAD-7 >= 4.
    assert (PHQ9.points, PHQ9.inclusive) == (6.0, True)
    assert (GAD7.points, GAD7.inclusive) == (4.0, True)
    assert PHQ9.exceeds([5, 6, 7]).tolist() == [False, True, True]
    assert GAD7.exceeds([3, 4]).tolist() == [False, True]


def test_unknown_instrument_has_no_nhs_threshold() -> None:
    with pytest.raises(InvalidInput, match="no NHS Talking Therapies threshold"):
        ReliableChangeCriterion.nhs_talking_therapies("bdi")  # type: ignore[arg-type]


def test_jacobson_truax_worked_example_is_5_54_points_and_strict() -> None:
    # Jacobson & Truax 1991: SE = 5·sqrt(1 - .84) = 2, S_diff = 2.83, 1.96·S_diff = 5.54.
    criterion = ReliableChangeCriterion.jacobson_truax(sd=5.0, reliability=0.84)
    assert criterion.points == pytest.approx(5.5437, abs=1e-4)
    assert criterion.s_diff == pytest.approx(2 * math.sqrt(2))
    assert not criterion.inclusive
    assert criterion.exceeds([5.5, 5.6]).tolist() == [False, True]


def test_jacobson_truax_for_the_bdi_ii() -> None:
    # BDI-II test-retest r = .93 (Beck, Steer & Brown 1996): SD 10 gives 1.96·sqrt(2)·10·sqrt(.07).
    criterion = ReliableChangeCriterion.jacobson_truax(sd=10.0, reliability=0.93)
    assert criterion.points == pytest.approx(1.96 * math.sqrt(2) * 10 * math.sqrt(0.07))


@pytest.mark.parametrize(("sd", "reliability"), [(0.0, 0.9), (-1.0, 0.9), (5.0, 1.0), (5.0, -0.1)])
def test_jacobson_truax_refuses_nonsense(sd: float, reliability: float) -> None:
    with pytest.raises(InvalidInput):
        ReliableChangeCriterion.jacobson_truax(sd, reliability)


def test_change_from_baseline_for_one_patient_and_for_a_caseload() -> None:
    one = change_from_baseline(20, [20, 15, 14, np.nan, 27], PHQ9)
    assert np.array_equal(one.change, [0, -5, -6, np.nan, 7], equal_nan=True)
    assert one.reliable_improvement.tolist() == [False, False, True, False, False]
    assert one.reliable_deterioration.tolist() == [False, False, False, False, True]
    many = change_from_baseline([20, 10], [[20, 15, 14], [10, 16, 3]], PHQ9)
    assert many.reliable_improvement.tolist() == [[False, False, True], [False, False, True]]
    assert many.reliable_deterioration.tolist() == [[False, False, False], [False, True, False]]


def test_trajectory_summary_judges_the_last_observation() -> None:
    summary = trajectory_summary(18, [0, 1, 2, 3, 4], [18, 25, 16, np.nan, 10], PHQ9)
    assert summary.measurements == 3
    assert (summary.last_session, summary.last_score, summary.change) == (4.0, 10.0, -8.0)
    assert summary.percent_change == pytest.approx(-44.44, abs=0.01)
    assert summary.reliable_improvement and not summary.reliable_deterioration
    assert summary.ever_reliably_deteriorated  # 18 -> 25 on the way
    assert summary.best_score == 10.0


def test_trajectory_summary_without_follow_up() -> None:
    summary = trajectory_summary(12, [0, 1], [12, np.nan], PHQ9)
    assert summary.measurements == 0 and summary.change is None
    assert not summary.reliable_improvement and not summary.reliable_deterioration
