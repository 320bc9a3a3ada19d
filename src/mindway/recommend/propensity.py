"""Propensity: how likely each arm was for a patient like this one in the training data.

Comparisons between arms are only supported where every arm was actually given to similar
patients (overlap, positivity). A multinomial logistic regression estimates the propensities
out of fold; rows whose smallest propensity falls below ``trim`` are outside the overlap
(Crump et al. 2009, Biometrika 96:187, use 0.1 for two arms; with several arms and small
clinics a lower bound is kept, scaled by the number of arms).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

Matrix = NDArray[np.float64]


def default_trim(arm_count: int) -> float:
    """The overlap bound: 0.1 for two arms, shrinking as arms multiply (0.2 / arms)."""
    return round(0.2 / max(arm_count, 2), 4)


@dataclass(frozen=True)
class Overlap:
    """How much of the training data lies inside the overlap region."""

    trim: float
    share_outside: float
    min_propensity: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "trim": self.trim,
            "share_outside": round(self.share_outside, 4),
            "min_propensity": {k: round(v, 4) for k, v in self.min_propensity.items()},
        }


class PropensityModel(BaseEstimator):  # type: ignore[misc]
    """Multinomial logistic propensities with an out-of-fold estimate for the training rows."""

    def __init__(self, trim: float | None = None, seed: int = 0):
        self.trim = trim
        self.seed = seed

    def _model(self) -> LogisticRegression:
        return LogisticRegression(C=1.0, max_iter=2000)

    def fit(self, x: Matrix, arms: NDArray[np.str_]) -> PropensityModel:
        self.arms_ = sorted(set(arms.tolist()))
        self.trim_ = self.trim if self.trim is not None else default_trim(len(self.arms_))
        smallest = min(int(np.sum(arms == a)) for a in self.arms_)
        folds = StratifiedKFold(max(2, min(5, smallest)), shuffle=True, random_state=self.seed)
        oof = cross_val_predict(self._model(), x, arms, cv=folds, method="predict_proba")
        self.oof_ = np.asarray(oof, dtype=float)
        self.model_ = self._model().fit(x, arms)
        outside = self.oof_.min(axis=1) < self.trim_
        self.overlap_ = Overlap(
            trim=self.trim_,
            share_outside=float(np.mean(outside)),
            min_propensity={a: float(self.oof_[:, i].min()) for i, a in enumerate(self.arms_)},
        )
        return self

    def predict_proba(self, x: Matrix) -> Matrix:
        return np.asarray(self.model_.predict_proba(x), dtype=float)

    def outside_overlap(self, x: Matrix) -> list[str | None]:
        """Per row, which arm was too rarely given to patients like this (None if none)."""
        reasons: list[str | None] = []
        for row in self.predict_proba(x):
            low = int(np.argmin(row))
            reasons.append(
                None
                if row[low] >= self.trim_
                else f"patients like this rarely received {self.arms_[low]} in the training "
                f"data (propensity {row[low]:.3f} < {self.trim_})"
            )
        return reasons
