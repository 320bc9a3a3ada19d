"""The treatment-effect model behind a recommendation: expected outcome under each arm, an
interval for it, the recommended arm, and a reason when the model declines.

Fitting (``TreatmentEffectModel.fit``):

1. features encoded (``tabular.FeatureSchema``), propensities estimated out of fold;
2. each candidate meta-learner (T, S, DR, X, R and causal forest; ``learners.LEARNER_NAMES``)
   is fitted on all rows and cross-fitted; the one with the lowest cross-fitted R-loss (Nie &
   Wager 2021, Biometrika 108:299, extended to several arms with the first arm as reference)
   is kept;
3. its cross-fitted predictions recalibrate each arm linearly (observed on predicted) and
   give the residuals for conformal intervals computed by MAPIE (``conformal``): on each
   arm's outcome, and on the difference between two arms through the AIPW pseudo-outcome
   (Alaa et al. 2023). Outcome intervals cover patients who got that arm; for other arms,
   and for differences, coverage holds only under no unmeasured confounding and good
   overlap (Lei & Candès 2021).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import KFold, cross_val_predict

from mindway.errors import InvalidInput
from mindway.recommend import conformal
from mindway.recommend.learners import LEARNER_NAMES, MetaLearner, TLearner, make_learner
from mindway.recommend.propensity import PropensityModel
from mindway.recommend.tabular import FeatureSchema

Matrix = NDArray[np.float64]
Progress = Callable[[str], None]
MIN_ROWS_PER_ARM = 5
SELECTION_FOLDS = 3


@dataclass(frozen=True)
class Recommendation:
    """One patient's options: expected outcome and interval per arm, best arm, caveats."""

    expected_outcome: dict[str, float]
    interval: dict[str, tuple[float, float]]
    recommended: str
    declined: str | None
    propensity: dict[str, float]
    versus_recommended: dict[str, tuple[float, float, float]]
    """For each other arm: recommended minus that arm's expected outcome, and an interval."""


class TreatmentEffectModel:
    """Multi-arm outcome model with selection, calibration, intervals and support checks."""

    def __init__(
        self,
        learners: tuple[str, ...] = LEARNER_NAMES,
        lower_is_better: bool = False,
        coverage: float = 0.9,
        seed: int = 0,
    ):
        self.learners = learners
        self.lower_is_better = lower_is_better
        self.coverage = coverage
        self.seed = seed

    def fit(
        self, features: pd.DataFrame, arms: NDArray[np.str_], y: Matrix, progress: Progress | None
    ) -> TreatmentEffectModel:
        step = progress or (lambda _: None)
        self.arms_ = _checked_arms(arms)
        self.schema_ = FeatureSchema.infer(features)
        self.encoder_: ColumnTransformer = self.schema_.encoder()
        x = np.asarray(self.encoder_.fit_transform(self.schema_.prepare(features)), dtype=float)
        step("propensity")
        self.propensity_ = PropensityModel(seed=self.seed).fit(x, arms)
        fitted: dict[str, MetaLearner] = {}
        crossfit = {}
        for name in self.learners:
            step(f"fitting the {name}-learner")
            fitted[name] = make_learner(name, self.seed).fit(x, arms, y)
            step(f"cross-fitting the {name}-learner")
            crossfit[name] = self._crossfit(fitted[name], x, arms, y)
        self.r_loss_ = self._r_loss(crossfit, x, arms, y)
        self.chosen_ = min(self.r_loss_, key=lambda n: self.r_loss_[n])
        self.learner_ = fitted[self.chosen_]
        self._calibrate(crossfit[self.chosen_], arms, y)
        slopes = np.array([self.calibration_[a][0] for a in self.arms_])
        intercepts = np.array([self.calibration_[a][1] for a in self.arms_])
        calibrated = intercepts + slopes * crossfit[self.chosen_]
        given = np.array([self.arms_.index(a) for a in arms], dtype=np.int64)
        self.difference_half_width_: dict[str, float] = conformal.difference_half_widths(
            calibrated,
            given,
            y,
            self.propensity_.oof_,
            self.arms_,
            self.coverage,
            self.propensity_.trim_,
        )
        # Honest (out-of-fold) predictions for the training report; not saved with the model.
        self.crossfit_: Matrix | None = calibrated
        return self

    def _crossfit(self, full: MetaLearner, x: Matrix, arms: NDArray[np.str_], y: Matrix) -> Matrix:
        """Out-of-fold arm outcomes; the T-learner keeps the base regressors it chose on all
        rows (each chosen by cross-validation already) instead of re-selecting per fold."""
        folds = KFold(SELECTION_FOLDS, shuffle=True, random_state=self.seed)
        predicted = np.zeros((len(y), len(self.arms_)))
        for train, test in folds.split(x):
            if len(set(arms[train].tolist())) < len(self.arms_):
                raise InvalidInput("an arm has too few rows to cross-validate")
            learner = full.with_chosen_bases() if isinstance(full, TLearner) else clone(full)
            learner.fit(x[train], arms[train], y[train])
            predicted[test] = learner.predict_arms(x[test])
        return predicted

    def _r_loss(
        self, crossfit: dict[str, Matrix], x: Matrix, arms: NDArray[np.str_], y: Matrix
    ) -> dict[str, float]:
        """Multi-arm R-loss: residual outcome against residual treatment times effect."""
        outcome = lgb.LGBMRegressor(n_estimators=200, num_leaves=8, n_jobs=1, verbose=-1)
        folds = KFold(SELECTION_FOLDS, shuffle=True, random_state=self.seed)
        m = np.asarray(cross_val_predict(outcome, x, y, cv=folds), dtype=float)
        e = self.propensity_.oof_
        onehot = np.column_stack([(arms == a).astype(float) for a in self.arms_])
        losses = {}
        for name, mu in crossfit.items():
            tau = mu[:, 1:] - mu[:, [0]]
            fitted = np.sum((onehot[:, 1:] - e[:, 1:]) * tau, axis=1)
            losses[name] = float(np.mean((y - m - fitted) ** 2))
        return losses

    def _calibrate(self, crossfit: Matrix, arms: NDArray[np.str_], y: Matrix) -> None:
        self.calibration_: dict[str, tuple[float, float]] = {}
        self.half_width_: dict[str, float] = {}
        for i, arm in enumerate(self.arms_):
            rows = arms == arm
            slope, intercept = np.polyfit(crossfit[rows, i], y[rows], 1)
            slope = float(np.clip(slope, 0.0, 1.5))
            intercept = float(np.mean(y[rows]) - slope * np.mean(crossfit[rows, i]))
            self.calibration_[arm] = (slope, intercept)
            predicted = intercept + slope * crossfit[rows, i]
            self.half_width_[arm] = conformal.half_width(predicted, y[rows], self.coverage)

    def predict_arms(self, features: pd.DataFrame) -> Matrix:
        """Calibrated expected outcome per arm (columns in ``arms_`` order)."""
        raw = self.learner_.predict_arms(self._encode(features))
        slopes = np.array([self.calibration_[a][0] for a in self.arms_])
        intercepts = np.array([self.calibration_[a][1] for a in self.arms_])
        return np.asarray(intercepts + slopes * raw, dtype=float)

    def propensity(self, features: pd.DataFrame) -> Matrix:
        """How likely each arm was for patients like these in training (columns: arms)."""
        return self.propensity_.predict_proba(self._encode(features))

    def _encode(self, features: pd.DataFrame) -> Matrix:
        return np.asarray(self.encoder_.transform(self.schema_.prepare(features)), dtype=float)

    def best_arm_index(self, outcomes: Matrix) -> NDArray[np.int64]:
        chosen = np.argmin(outcomes, axis=1) if self.lower_is_better else np.argmax(outcomes, 1)
        return np.asarray(chosen, dtype=np.int64)

    def recommend(self, features: pd.DataFrame) -> list[Recommendation]:
        outcomes = self.predict_arms(features)
        best = self.best_arm_index(outcomes)
        propensity = self.propensity_.predict_proba(self._encode(features))
        support = self.schema_.outside_support(self.schema_.prepare(features))
        overlap = self.propensity_.outside_overlap(self._encode(features))
        result = []
        for i in range(len(outcomes)):
            expected = {a: float(outcomes[i, j]) for j, a in enumerate(self.arms_)}
            chosen = self.arms_[int(best[i])]
            result.append(
                Recommendation(
                    expected_outcome=expected,
                    interval={a: self.interval(a, v) for a, v in expected.items()},
                    recommended=chosen,
                    declined=support[i] or overlap[i],
                    propensity={a: float(propensity[i, j]) for j, a in enumerate(self.arms_)},
                    versus_recommended=self._versus(chosen, expected),
                )
            )
        return result

    def _versus(
        self, chosen: str, expected: dict[str, float]
    ) -> dict[str, tuple[float, float, float]]:
        versus = {}
        for arm, value in expected.items():
            if arm != chosen:
                difference = expected[chosen] - value
                versus[arm] = (difference, *self.difference_interval(chosen, arm, difference))
        return versus

    def interval(self, arm: str, expected: float) -> tuple[float, float]:
        width = self.half_width_[arm]
        return (expected - width, expected + width)

    def difference_interval(
        self, first: str, second: str, difference: float
    ) -> tuple[float, float]:
        """Interval on outcome(first) - outcome(second): conformal on the AIPW pseudo-outcome
        of the difference. Models saved before those widths existed, and pairs without
        calibration rows, fall back to the union bound of the two arms' intervals."""
        widths = getattr(self, "difference_half_width_", {})
        width = widths.get(conformal.pair_key(first, second), math.inf)
        if not math.isfinite(width):
            width = self.half_width_[first] + self.half_width_[second]
        return (difference - width, difference + width)

    def describe(self) -> dict[str, Any]:
        return {
            "meta_learner": self.chosen_,
            "r_loss": {k: round(v, 4) for k, v in self.r_loss_.items()},
            "base_models": self.learner_.describe(),
            "calibration": {
                a: [round(s, 4), round(c, 4)] for a, (s, c) in self.calibration_.items()
            },
            "interval_half_width": {a: round(w, 4) for a, w in self.half_width_.items()},
            "difference_half_width": {
                k: round(w, 4) for k, w in getattr(self, "difference_half_width_", {}).items()
            },
            "coverage": self.coverage,
            "overlap": self.propensity_.overlap_.as_dict(),
        }


def conformal_quantile(residuals: Matrix, coverage: float) -> float:
    """The split-conformal quantile of absolute residuals (MAPIE): the
    ceil((n + 1) * coverage)-th smallest."""
    residuals = np.asarray(residuals, dtype=float)
    return conformal.half_width(np.zeros_like(residuals), residuals, coverage)


def _checked_arms(arms: NDArray[np.str_]) -> list[str]:
    values, counts = np.unique(arms, return_counts=True)
    if len(values) < 2:
        raise InvalidInput(f"the treatment column has only one arm ({values[0]!r}); need two")
    few = [str(v) for v, c in zip(values, counts, strict=True) if c < MIN_ROWS_PER_ARM]
    if few:
        raise InvalidInput(f"arm {few[0]!r} has fewer than {MIN_ROWS_PER_ARM} rows")
    return sorted(str(v) for v in values)
