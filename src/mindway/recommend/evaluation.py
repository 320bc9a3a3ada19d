"""Metrics of a treatment-effect model on labelled data (treatment and outcome known).

Only the outcome under the arm actually given is observed, so the value of a policy ("give
each patient the arm the model recommends") is estimated with doubly robust (AIPW) scores
(Dudík et al. 2011; Athey & Wager 2021, Econometrica 89:133): the model's expected outcome
plus the inverse-propensity-weighted residual where the arm matches. Propensities are
clipped to [0.01, 1].
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

Matrix = NDArray[np.float64]
PROPENSITY_FLOOR = 0.01


def dr_scores(mu: Matrix, given: NDArray[np.int64], y: Matrix, propensity: Matrix) -> Matrix:
    """AIPW score of each arm for each row (n x arms)."""
    scores = mu.copy()
    rows = np.arange(len(y))
    clipped = np.clip(propensity[rows, given], PROPENSITY_FLOOR, 1.0)
    scores[rows, given] += (y - mu[rows, given]) / clipped
    return scores


def policy_figures(
    scores: Matrix, chosen: NDArray[np.int64], lower_is_better: bool
) -> dict[str, Any]:
    """Estimated value of the model's policy against every single-arm policy."""
    sign = -1.0 if lower_is_better else 1.0
    policy_value = float(np.mean(scores[np.arange(len(chosen)), chosen]))
    single = scores.mean(axis=0)
    best_single = float(single[np.argmax(sign * single)])
    return {
        "policy_value": policy_value,
        "best_single_arm_value": best_single,
        "gain_over_best_single_arm": sign * (policy_value - best_single),
    }


def factual_errors(
    mu: Matrix, given: NDArray[np.int64], y: Matrix, arms: list[str]
) -> dict[str, Any]:
    predicted = mu[np.arange(len(y)), given]
    residual = y - predicted
    slope, intercept = np.polyfit(predicted, y, 1) if np.ptp(predicted) > 0 else (0.0, 0.0)
    by_arm = {
        arm: {
            "n": int(np.sum(given == i)),
            "rmse": float(np.sqrt(np.mean(residual[given == i] ** 2)))
            if np.any(given == i)
            else None,
        }
        for i, arm in enumerate(arms)
    }
    return {
        "rmse": float(np.sqrt(np.mean(residual**2))),
        "mae": float(np.mean(np.abs(residual))),
        "calibration_slope": float(slope),
        "calibration_intercept": float(intercept),
        "by_arm": by_arm,
    }


def interval_coverage(low: Matrix, high: Matrix, given: NDArray[np.int64], y: Matrix) -> float:
    rows = np.arange(len(y))
    return float(np.mean((y >= low[rows, given]) & (y <= high[rows, given])))


def rounded(value: Any, digits: int = 4) -> Any:
    """Floats rounded for JSON, recursively."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v, digits) for v in value]
    return value
