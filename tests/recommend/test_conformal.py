"""Conformal intervals (MAPIE) on each option's outcome and on differences between options:
empirical coverage on fresh simulated patients whose potential outcomes are all drawn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mindway.recommend import conformal
from mindway.recommend.model import TreatmentEffectModel

ARMS = ("a", "b", "c")
NOISE_SD = 1.0


def _patients(count: int, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame({"x1": rng.uniform(-2, 2, count), "x2": rng.normal(0, 1, count)})


def _expected(frame: pd.DataFrame) -> np.ndarray:
    x1, x2 = frame["x1"].to_numpy(), frame["x2"].to_numpy()
    return np.column_stack([x2, x2 + 1.5 * x1, x2 + 1.0 - 0.5 * x1])


def _assign(frame: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Confounded: x1 pushes towards b, x2 towards c."""
    logits = np.column_stack([np.zeros(len(frame)), 0.6 * frame["x1"], 0.5 * frame["x2"]])
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    draws = rng.random(len(frame))[:, None]
    return np.array(ARMS)[np.minimum((p.cumsum(axis=1) < draws).sum(axis=1), 2)]


@pytest.fixture(scope="module")
def fitted() -> TreatmentEffectModel:
    rng = np.random.default_rng(11)
    frame = _patients(600, rng)
    arms = _assign(frame, rng).astype(str)
    given = np.array([ARMS.index(a) for a in arms])
    y = _expected(frame)[np.arange(len(frame)), given] + rng.normal(0, NOISE_SD, len(frame))
    return TreatmentEffectModel(learners=("s",), coverage=0.9, seed=0).fit(frame, arms, y, None)


def _fresh(count: int = 2000) -> tuple[pd.DataFrame, np.ndarray]:
    """New patients and a draw of their outcome under every arm (independent noise)."""
    rng = np.random.default_rng(99)
    frame = _patients(count, rng)
    return frame, _expected(frame) + rng.normal(0, NOISE_SD, (count, len(ARMS)))


def test_outcome_intervals_cover_90_percent_of_fresh_outcomes(fitted: TreatmentEffectModel) -> None:
    frame, outcomes = _fresh()
    results = fitted.recommend(frame)
    for j, arm in enumerate(fitted.arms_):
        low = np.array([r.interval[arm][0] for r in results])
        high = np.array([r.interval[arm][1] for r in results])
        coverage = np.mean((outcomes[:, j] >= low) & (outcomes[:, j] <= high))
        assert 0.85 <= coverage <= 0.97, (arm, coverage)  # valid, and not vacuously wide


def test_difference_intervals_cover_the_individual_effect(fitted: TreatmentEffectModel) -> None:
    frame, outcomes = _fresh()
    results = fitted.recommend(frame)
    inside = np.array([r.declined is None for r in results])
    assert inside.mean() > 0.8
    covered = []
    for i, result in enumerate(results):
        if not inside[i]:
            continue
        chosen = fitted.arms_.index(result.recommended)
        for arm, (_, low, high) in result.versus_recommended.items():
            effect = outcomes[i, chosen] - outcomes[i, fitted.arms_.index(arm)]
            covered.append(low <= effect <= high)
    assert np.mean(covered) >= 0.85


def test_difference_widths_come_from_the_pseudo_outcomes(fitted: TreatmentEffectModel) -> None:
    assert set(fitted.difference_half_width_) == {"a|b", "a|c", "b|c"}
    (result,) = fitted.recommend(pd.DataFrame({"x1": [1.0], "x2": [0.0]}))
    for arm, (difference, low, high) in result.versus_recommended.items():
        key = conformal.pair_key(result.recommended, arm)
        assert (high - low) / 2 == pytest.approx(fitted.difference_half_width_[key])
        assert low < difference < high
    # An individual effect varies more than either outcome's residual: wider than one arm's.
    assert min(fitted.difference_half_width_.values()) > min(fitted.half_width_.values())


def test_half_width_is_the_finite_sample_conformal_quantile() -> None:
    residuals = np.arange(1.0, 20.0)  # 19 residuals: rank ceil(20 * 0.9) = 18
    assert conformal.half_width(np.zeros(19), residuals, 0.9) == 18.0
    assert conformal.half_width(np.zeros(19), -residuals, 0.9) == 18.0  # absolute residuals
    # Too few rows for MAPIE at 90 %: the same rank rule, then the largest residual rather
    # than an infinite interval.
    assert conformal.half_width(np.zeros(9), np.arange(1.0, 10.0), 0.9) == 9.0
    assert conformal.half_width(np.zeros(5), np.array([1.0, 2, 3, 4, 5]), 0.9) == 5.0


def test_aipw_pseudo_outcome_weights_the_residual_of_the_given_arm() -> None:
    outcomes = np.array([[1.0, 3.0], [1.0, 3.0], [1.0, 3.0]])
    given = np.array([0, 1, 0])
    y = np.array([2.0, 2.0, 1.0])
    propensity = np.full((3, 2), 0.5)
    pseudo = conformal.aipw_difference(outcomes, given, y, propensity, 1, 0)
    # row 0: 2 - (2 - 1) / 0.5 = 0; row 1: 2 + (2 - 3) / 0.5 = 0; row 2: residual 0 -> 2
    assert pseudo.tolist() == [0.0, 0.0, 2.0]
