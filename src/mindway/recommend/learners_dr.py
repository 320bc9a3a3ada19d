"""The doubly robust (DR / AIPW) meta-learner for several arms, through EconML.

EconML's ``DRLearner`` (Kennedy 2023, Electron J Stat 17:3008) estimates each arm's effect
against the reference arm from cross-fitted AIPW pseudo-outcomes; it handles several
discrete arms. Expected outcomes per arm are the reference arm's outcome model (a
``SelectedRegressor``) plus those effects, so it plugs into the same ``predict_arms``
interface as the T- and S-learners. Propensities are clipped at ``min_propensity`` to keep
the pseudo-outcomes finite where overlap is poor.
"""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression

from mindway.recommend.learners import SelectedRegressor

Matrix = NDArray[np.float64]
MIN_PROPENSITY = 0.02


def _small_gbm(seed: int) -> lgb.LGBMRegressor:
    return lgb.LGBMRegressor(
        n_estimators=150,
        learning_rate=0.05,
        num_leaves=8,
        min_child_samples=20,
        random_state=seed,
        n_jobs=1,
        verbose=-1,
    )


class DRLearner(BaseEstimator):  # type: ignore[misc]
    """AIPW effects against the first arm, on top of the first arm's outcome model."""

    def __init__(self, seed: int = 0):
        self.seed = seed

    def fit(self, x: Matrix, arms: NDArray[np.str_], y: Matrix) -> DRLearner:
        from econml.dr import DRLearner as EconmlDRLearner

        self.arms_ = sorted(set(arms.tolist()))
        reference = arms == self.arms_[0]
        self.reference_ = SelectedRegressor(("ridge", "lightgbm"), seed=self.seed).fit(
            x[reference], y[reference]
        )
        self.effects_ = EconmlDRLearner(
            model_propensity=LogisticRegression(max_iter=2000),
            model_regression=_small_gbm(self.seed),
            model_final=_small_gbm(self.seed),
            min_propensity=MIN_PROPENSITY,
            categories=self.arms_,
            cv=3,
            random_state=self.seed,
        ).fit(y, arms, X=x)
        return self

    def predict_arms(self, x: Matrix) -> Matrix:
        base = self.reference_.predict(x)
        columns = [base]
        for arm in self.arms_[1:]:
            effect = np.ravel(self.effects_.effect(x, T0=self.arms_[0], T1=arm))
            columns.append(base + effect)
        return np.column_stack(columns).astype(float)

    def describe(self) -> dict[str, Any]:
        return {"reference": self.arms_[0], "reference_base": self.reference_.chosen_}
