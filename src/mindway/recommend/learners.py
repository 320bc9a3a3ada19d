"""Meta-learners for expected outcomes under each of several treatment arms.

``TLearner`` fits one outcome model per arm (Künzel et al. 2019, PNAS 116:4156) and picks,
per arm, the base regressor with the lowest cross-validated error among a few of different
shape: ridge (linear), a Gaussian GLM with log link (multiplicative effects), an RBF kernel
ridge (smooth), and LightGBM (interactions). ``SLearner`` fits one LightGBM model with the
arm as a feature. Both expose ``predict_arms(x) -> (n, arms)``; the base regressors are
scikit-learn and LightGBM estimators, not hand-written ones.
"""

from __future__ import annotations

import warnings
from typing import Any, Protocol

import lightgbm as lgb
import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.kernel_ridge import KernelRidge
from sklearn.linear_model import RidgeCV, TweedieRegressor
from sklearn.model_selection import GridSearchCV, KFold, cross_val_predict

Matrix = NDArray[np.float64]
# Kernel ridge costs O(n^3): beyond this many rows per arm it is left out of the candidates.
KERNEL_MAX_ROWS = 1200
BASE_NAMES = ("ridge", "loglink", "kernel", "lightgbm")


def base_regressor(name: str, seed: int, rows: int) -> Any:
    """One candidate outcome regressor, tuned by a small inner grid where it needs one."""
    if name == "ridge":
        return RidgeCV(alphas=np.logspace(-3, 3, 13))
    if name == "loglink":
        glm = TweedieRegressor(power=0, link="log", max_iter=1000)
        return GridSearchCV(glm, {"alpha": [1e-4, 1e-3, 1e-2, 1e-1]}, cv=3)
    if name == "kernel":
        grid = {"alpha": [0.1, 1.0], "gamma": [0.003, 0.01, 0.03]}
        return GridSearchCV(KernelRidge(kernel="rbf"), grid, cv=3)
    if name == "lightgbm":
        return lgb.LGBMRegressor(
            n_estimators=200,
            learning_rate=0.05,
            num_leaves=8,
            min_child_samples=max(5, min(20, rows // 20)),
            subsample=0.8,
            subsample_freq=1,
            random_state=seed,
            n_jobs=1,
            verbose=-1,
        )
    raise ValueError(f"unknown base regressor {name!r}")


class SelectedRegressor(BaseEstimator, RegressorMixin):  # type: ignore[misc]
    """The candidate with the lowest cross-validated squared error, refitted on all rows.

    Out-of-fold predictions of the chosen candidate are kept (``oof_``): they give honest
    residuals for conformal intervals and a calibration check without another fit.
    """

    def __init__(self, candidates: tuple[str, ...] = BASE_NAMES, folds: int = 5, seed: int = 0):
        self.candidates = candidates
        self.folds = folds
        self.seed = seed

    def fit(self, x: Matrix, y: Matrix) -> SelectedRegressor:
        rows = len(y)
        if len(self.candidates) == 1:  # nothing to choose: no cross-validation needed
            self.chosen_ = self.candidates[0]
            self.cv_mse_: dict[str, float] = {}
            self.estimator_ = _quiet_fit(base_regressor(self.chosen_, self.seed, rows), x, y)
            return self
        folds = KFold(min(self.folds, rows), shuffle=True, random_state=self.seed)
        self.cv_mse_ = {}
        predictions: dict[str, Matrix] = {}
        for name in self.candidates:
            if name == "kernel" and rows > KERNEL_MAX_ROWS:
                continue
            predicted = _out_of_fold(base_regressor(name, self.seed, rows), x, y, folds)
            if predicted is not None:
                predictions[name] = predicted
                self.cv_mse_[name] = float(np.mean((predicted - y) ** 2))
        self.chosen_ = min(self.cv_mse_, key=lambda n: self.cv_mse_[n])
        self.oof_ = predictions[self.chosen_]
        self.estimator_ = _quiet_fit(base_regressor(self.chosen_, self.seed, rows), x, y)
        return self

    def predict(self, x: Matrix) -> Matrix:
        return np.asarray(self.estimator_.predict(x), dtype=float)


def _quiet_fit(estimator: Any, x: Matrix, y: Matrix) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        return estimator.fit(x, y)


def _out_of_fold(estimator: Any, x: Matrix, y: Matrix, folds: KFold) -> Matrix | None:
    """Cross-validated predictions, or None when the candidate cannot fit these data."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", UserWarning)
            predicted = np.asarray(cross_val_predict(estimator, x, y, cv=folds), dtype=float)
    except (ValueError, FloatingPointError, np.linalg.LinAlgError):
        return None
    return predicted if bool(np.all(np.isfinite(predicted))) else None


class TLearner(BaseEstimator):  # type: ignore[misc]
    """One selected outcome model per arm (``per_arm`` fixes each arm's base regressor)."""

    def __init__(
        self,
        candidates: tuple[str, ...] = BASE_NAMES,
        folds: int = 5,
        seed: int = 0,
        per_arm: dict[str, str] | None = None,
    ):
        self.candidates = candidates
        self.folds = folds
        self.seed = seed
        self.per_arm = per_arm

    def fit(self, x: Matrix, arms: NDArray[np.str_], y: Matrix) -> TLearner:
        self.arms_ = sorted(set(arms.tolist()))
        self.models_ = {}
        for arm in self.arms_:
            fixed = self.per_arm.get(arm) if self.per_arm else None
            candidates = (fixed,) if fixed else self.candidates
            self.models_[arm] = SelectedRegressor(candidates, self.folds, self.seed).fit(
                x[arms == arm], y[arms == arm]
            )
        return self

    def with_chosen_bases(self) -> TLearner:
        """An unfitted copy that reuses this fit's base regressor per arm (for cross-fitting
        without repeating the selection in every fold)."""
        chosen = {arm: model.chosen_ for arm, model in self.models_.items()}
        return TLearner(self.candidates, self.folds, self.seed, per_arm=chosen)

    def predict_arms(self, x: Matrix) -> Matrix:
        return np.column_stack([self.models_[arm].predict(x) for arm in self.arms_])

    def describe(self) -> dict[str, Any]:
        return {
            arm: {"base": m.chosen_, "cv_mse": {k: round(v, 4) for k, v in m.cv_mse_.items()}}
            for arm, m in self.models_.items()
        }


class SLearner(BaseEstimator):  # type: ignore[misc]
    """One LightGBM model with the arm one-hot encoded among the features."""

    def __init__(self, seed: int = 0):
        self.seed = seed

    def fit(self, x: Matrix, arms: NDArray[np.str_], y: Matrix) -> SLearner:
        self.arms_ = sorted(set(arms.tolist()))
        self.model_ = clone(base_regressor("lightgbm", self.seed, len(y)))
        self.model_.set_params(n_estimators=400)
        self.model_.fit(self._with_arm(x, arms), y)
        return self

    def _with_arm(self, x: Matrix, arms: NDArray[np.str_]) -> Matrix:
        onehot = np.column_stack([(arms == arm).astype(float) for arm in self.arms_])
        return np.hstack([x, onehot])

    def predict_arms(self, x: Matrix) -> Matrix:
        columns = []
        for arm in self.arms_:
            fixed = np.full(len(x), arm, dtype=object).astype(str)
            columns.append(self.model_.predict(self._with_arm(x, fixed)))
        return np.column_stack(columns).astype(float)

    def describe(self) -> dict[str, Any]:
        return {"base": "lightgbm"}


class MetaLearner(Protocol):
    """What the treatment-effect model needs from a candidate meta-learner."""

    arms_: list[str]

    def fit(self, x: Matrix, arms: NDArray[np.str_], y: Matrix) -> Any: ...

    def predict_arms(self, x: Matrix) -> Matrix: ...

    def describe(self) -> dict[str, Any]: ...


LEARNER_NAMES = ("t", "s", "dr", "x", "r", "cf")


def make_learner(name: str, seed: int) -> MetaLearner:
    """A meta-learner by name: ``t``, ``s``, ``dr``, ``x``, ``r`` or ``cf`` (causal forest)."""
    if name == "t":
        return TLearner(seed=seed)
    if name == "s":
        return SLearner(seed=seed)
    if name == "dr":
        from mindway.recommend.learners_dr import DRLearner

        return DRLearner(seed=seed)
    if name in ("x", "r", "cf"):
        from mindway.recommend import learners_econml

        kinds = {
            "x": learners_econml.XLearner,
            "r": learners_econml.RLearner,
            "cf": learners_econml.CausalForest,
        }
        return kinds[name](seed=seed)
    raise ValueError(f"unknown meta-learner {name!r}")
