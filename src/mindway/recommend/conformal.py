"""Conformal interval widths through MAPIE, from cross-fitted (out-of-fold) predictions.

The treatment-effect model is selected, cross-fitted and recalibrated before any interval is
made, so refitting it inside a conformal wrapper would be slow and change the model. Instead
the out-of-fold prediction of each training row is given to MAPIE's
``SplitConformalRegressor`` as a prefit "regressor" that returns its input: MAPIE scores the
absolute residuals and takes the finite-sample conformal quantile (Vovk et al. 2005; Lei et
al. 2018, JASA 113:1094). With out-of-fold rather than held-out predictions this is the
CV+ / cross-conformal construction, whose coverage is at least 1 - 2 alpha in theory and
close to 1 - alpha in practice (Barber et al. 2021, Ann Stat 49:486).

Differences between two options use the doubly robust (AIPW) pseudo-outcome of the
difference as the target, the conformal meta-learner of Alaa, Ahmad & van der Laan (2023,
NeurIPS): the interval covers the individual effect Y(a) - Y(b) when the pseudo-outcome is
at least as dispersed as that effect, which holds for the AIPW pseudo-outcome under
unconfoundedness (their Theorem 1). Only rows inside the overlap region are used.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, RegressorMixin

Matrix = NDArray[np.float64]


class GivenPrediction(BaseEstimator, RegressorMixin):  # type: ignore[misc]
    """A prefit 'regressor' whose prediction is its one input column."""

    def fit(self, x: Matrix, y: Matrix | None = None) -> GivenPrediction:
        self.fitted_ = True
        return self

    def predict(self, x: Matrix) -> Matrix:
        return np.asarray(x, dtype=float)[:, 0]


def half_width(predicted: Matrix, observed: Matrix, coverage: float) -> float:
    """Half-width of the split-conformal interval for residuals ``observed - predicted``.

    MAPIE needs at least max(1 / coverage, 1 / (1 - coverage)) rows (10 at 90 %). Below
    that the same finite-sample rule is applied directly: the ceil((n + 1) * coverage)-th
    smallest absolute residual, or the largest one when that rank exceeds n (the interval
    then covers less than ``coverage``; the card reports the measured coverage).
    """
    predicted = np.asarray(predicted, dtype=float)
    observed = np.asarray(observed, dtype=float)
    if len(observed) == 0:
        return math.inf
    if len(observed) < max(1 / coverage, 1 / (1 - coverage)):
        ordered = np.sort(np.abs(observed - predicted))
        rank = math.ceil((len(ordered) + 1) * coverage)
        return float(ordered[min(rank, len(ordered)) - 1])
    from mapie.regression import SplitConformalRegressor

    regressor = SplitConformalRegressor(
        GivenPrediction().fit(predicted[:, None]), confidence_level=coverage, prefit=True
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        regressor.conformalize(predicted[:, None], observed)
        _, bounds = regressor.predict_interval(np.zeros((1, 1)))
    return float(np.asarray(bounds)[0, 1, 0])


def aipw_difference(
    outcomes: Matrix, given: NDArray[np.int64], y: Matrix, propensity: Matrix, a: int, b: int
) -> Matrix:
    """AIPW pseudo-outcome of Y(a) - Y(b) for each row (Robins et al. 1994; Kennedy 2023)."""
    rows = np.arange(len(y))
    residual = (y - outcomes[rows, given]) / propensity[rows, given]
    sign = np.where(given == a, 1.0, np.where(given == b, -1.0, 0.0))
    return np.asarray(outcomes[:, a] - outcomes[:, b] + sign * residual, dtype=float)


def difference_half_widths(
    outcomes: Matrix,
    given: NDArray[np.int64],
    y: Matrix,
    propensity: Matrix,
    arms: list[str],
    coverage: float,
    trim: float,
) -> dict[str, Any]:
    """Conformal half-width on Y(a) - Y(b) for every pair of arms, keyed ``"a|b"`` (sorted).

    Calibrated on rows given ``a`` or ``b`` whose every propensity is at least ``trim``:
    other rows have a pseudo-outcome equal to the prediction and would shrink the quantile.
    """
    inside = propensity.min(axis=1) >= trim
    widths: dict[str, Any] = {}
    for i, first in enumerate(arms):
        for j in range(i + 1, len(arms)):
            rows = inside & ((given == i) | (given == j))
            pseudo = aipw_difference(outcomes, given, y, propensity, i, j)
            predicted = outcomes[:, i] - outcomes[:, j]
            widths[pair_key(first, arms[j])] = half_width(predicted[rows], pseudo[rows], coverage)
    return widths


def pair_key(first: str, second: str) -> str:
    return "|".join(sorted((first, second)))
