"""X-learner, R-learner and causal forest for several arms, through EconML.

Each estimates every arm's effect against the reference (first) arm; the expected outcome
under an arm is the reference arm's outcome model (a ``SelectedRegressor``) plus that
effect, so they share the ``predict_arms`` interface of the T-, S- and DR-learners.

- ``XLearner``: EconML's ``metalearners.XLearner`` (Künzel et al. 2019, PNAS 116:4156):
  imputed effects per arm, blended by the propensity; it handles several arms at once.
- ``RLearner``: EconML's ``dml.NonParamDML`` (Nie & Wager 2021, Biometrika 108:299):
  residual-on-residual with a LightGBM final model. Its final stage takes one binary
  treatment, so each arm is fitted against the reference arm on the rows given either.
- ``CausalForest``: EconML's ``dml.CausalForestDML`` (Athey, Tibshirani & Wager 2019, Ann
  Stat 47:1148), a generalised random forest on DML residuals; several arms at once.

Nuisance models are LightGBM and scikit-learn; none of these estimators is hand-written.
"""

from __future__ import annotations

import warnings
from typing import Any

import lightgbm as lgb
import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression

from mindway.recommend.learners import SelectedRegressor

Matrix = NDArray[np.float64]
NUISANCE_FOLDS = 3
FOREST_TREES = 200  # a multiple of CausalForestDML's subforest_size (4)


def small_gbm(seed: int, rows: int) -> lgb.LGBMRegressor:
    """A shallow LightGBM regressor for nuisance and effect models."""
    return lgb.LGBMRegressor(
        n_estimators=150,
        learning_rate=0.05,
        num_leaves=8,
        min_child_samples=max(5, min(20, rows // 20)),
        random_state=seed,
        n_jobs=1,
        verbose=-1,
    )


def _propensity_model() -> LogisticRegression:
    return LogisticRegression(max_iter=2000)


class _ReferencePlusEffects(BaseEstimator):  # type: ignore[misc]
    """Reference arm's outcome model plus each other arm's estimated effect."""

    name = "reference plus effects"

    def __init__(self, seed: int = 0):
        self.seed = seed

    def fit(self, x: Matrix, arms: NDArray[np.str_], y: Matrix) -> _ReferencePlusEffects:
        self.arms_ = sorted(set(arms.tolist()))
        reference = arms == self.arms_[0]
        self.reference_ = SelectedRegressor(("ridge", "lightgbm"), seed=self.seed).fit(
            x[reference], y[reference]
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # EconML's advisory warnings on small samples
            self._fit_effects(x, arms, y)
        return self

    def _fit_effects(self, x: Matrix, arms: NDArray[np.str_], y: Matrix) -> None:
        raise NotImplementedError

    def _effect(self, x: Matrix, arm: str) -> Matrix:
        raise NotImplementedError

    def predict_arms(self, x: Matrix) -> Matrix:
        base = self.reference_.predict(x)
        columns = [base]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            columns += [base + np.ravel(self._effect(x, arm)) for arm in self.arms_[1:]]
        return np.column_stack(columns).astype(float)

    def describe(self) -> dict[str, Any]:
        return {
            "estimator": self.name,
            "reference": self.arms_[0],
            "reference_base": self.reference_.chosen_,
        }


class XLearner(_ReferencePlusEffects):
    """EconML's X-learner with selected (ridge or LightGBM) outcome and effect models."""

    name = "econml.metalearners.XLearner"

    def _fit_effects(self, x: Matrix, arms: NDArray[np.str_], y: Matrix) -> None:
        from econml.metalearners import XLearner as EconmlXLearner

        regressor = SelectedRegressor(("ridge", "lightgbm"), folds=NUISANCE_FOLDS, seed=self.seed)
        self.effects_ = EconmlXLearner(
            models=regressor, cate_models=regressor, propensity_model=_propensity_model()
        ).fit(y, arms, X=x)

    def _effect(self, x: Matrix, arm: str) -> Matrix:
        return np.asarray(self.effects_.effect(x, T0=self.arms_[0], T1=arm), dtype=float)


class RLearner(_ReferencePlusEffects):
    """EconML's ``NonParamDML`` (the R-learner), one binary fit per arm against the reference."""

    name = "econml.dml.NonParamDML"

    def _fit_effects(self, x: Matrix, arms: NDArray[np.str_], y: Matrix) -> None:
        from econml.dml import NonParamDML

        self.effects_: dict[str, Any] = {}
        for arm in self.arms_[1:]:
            rows = (arms == self.arms_[0]) | (arms == arm)
            self.effects_[arm] = NonParamDML(
                model_y=small_gbm(self.seed, int(rows.sum())),
                model_t=_propensity_model(),
                model_final=small_gbm(self.seed, int(rows.sum())),
                discrete_treatment=True,
                categories=[self.arms_[0], arm],
                cv=NUISANCE_FOLDS,
                random_state=self.seed,
            ).fit(y[rows], arms[rows], X=x[rows])

    def _effect(self, x: Matrix, arm: str) -> Matrix:
        return np.asarray(self.effects_[arm].effect(x, T0=self.arms_[0], T1=arm), dtype=float)


class CausalForest(_ReferencePlusEffects):
    """EconML's ``CausalForestDML`` with LightGBM outcome and logistic treatment nuisances."""

    name = "econml.dml.CausalForestDML"

    def _fit_effects(self, x: Matrix, arms: NDArray[np.str_], y: Matrix) -> None:
        from econml.dml import CausalForestDML

        self.effects_ = CausalForestDML(
            model_y=small_gbm(self.seed, len(y)),
            model_t=_propensity_model(),
            discrete_treatment=True,
            categories=self.arms_,
            cv=NUISANCE_FOLDS,
            n_estimators=FOREST_TREES,
            min_samples_leaf=5,
            inference=False,
            n_jobs=1,
            random_state=self.seed,
        ).fit(y, arms, X=x)

    def _effect(self, x: Matrix, arm: str) -> Matrix:
        return np.asarray(self.effects_.effect(x, T0=self.arms_[0], T1=arm), dtype=float)
