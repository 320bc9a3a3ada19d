"""Fairness audit: prediction error and benefit captured per group, with bootstrap intervals.

Groups are sex, age band, ethnicity and any other recorded group column. Per group, fairlearn's
``MetricFrame`` (with its bootstrap, ``n_boot``) gives the mean absolute error of the outcome
prediction and the benefit captured: the doubly robust gain of the model's choices over giving
everyone the overall best single arm. Disparities are flagged with the common rules (a ratio
between groups below 0.8, or a difference above 0.1 once the metric is scaled by the outcome's
standard deviation); small groups are noisy, hence the intervals.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame
from numpy.typing import NDArray

Matrix = NDArray[np.float64]
AGE_BANDS = (0, 18, 25, 35, 45, 55, 65, 200)
SEX_NAMES = ("sex", "gender")
ETHNICITY_NAMES = ("ethnicity", "ethnic_group", "race")
MAX_LEVELS = 20
BOOTSTRAPS = 100
RATIO_FLAG = 0.8
DIFFERENCE_FLAG = 0.1


def age_band(values: pd.Series) -> pd.Series:
    ages = pd.to_numeric(values, errors="coerce")
    labels = [
        f"{lo}-{hi - 1}" if hi < 200 else f"{lo}+" for lo, hi in itertools.pairwise(AGE_BANDS)
    ]
    banded = pd.cut(ages, bins=list(AGE_BANDS), labels=labels, right=False)
    return banded.astype(object).where(banded.notna(), "(missing)").astype(str)


def group_columns(frame: pd.DataFrame, extra: list[str]) -> dict[str, pd.Series]:
    """Sex, age band, ethnicity (by column name) and the named or categorical columns."""
    groups: dict[str, pd.Series] = {}
    lower = {c.lower(): c for c in frame.columns}
    for name in (*SEX_NAMES, *ETHNICITY_NAMES):
        if name in lower:
            groups[lower[name]] = _as_levels(frame[lower[name]])
    if "age" in lower:
        groups["age band"] = age_band(frame[lower["age"]])
    for column in extra:
        groups[column] = _as_levels(frame[column])
    for column in frame.columns:
        categorical = _is_text(frame[column])
        if column not in groups and categorical and frame[column].nunique() <= MAX_LEVELS:
            groups[column] = _as_levels(frame[column])
    return groups


def _as_levels(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), "(missing)").astype(str)


def _mae(y_true: Matrix, y_pred: Matrix) -> float:
    return float(np.mean(np.abs(y_true - y_pred)))


def _mean_gain(y_true: Matrix, y_pred: Matrix) -> float:
    return float(np.mean(y_pred))


def audit(
    groups: dict[str, pd.Series],
    y: Matrix,
    predicted: Matrix,
    gain: Matrix,
    scale: float,
    seed: int,
) -> dict[str, Any]:
    """Per group column: by-group error and benefit with 95% bootstrap intervals, flags."""
    result = {}
    for column, levels in groups.items():
        error = _frame(_mae, y, predicted, levels, seed)
        benefit = _frame(_mean_gain, y, gain, levels, seed)
        counts = levels.value_counts().to_dict()
        rows = {}
        for level in error.by_group.index:
            rows[str(level)] = {
                "n": int(counts.get(level, 0)),
                "error": float(error.by_group[level]),
                "error_ci": _ci(error, level),
                "benefit": float(benefit.by_group[level]),
                "benefit_ci": _ci(benefit, level),
            }
        result[column] = {"groups": rows, "flags": _flags(error, benefit, scale)}
    return result


def _frame(metric: Any, y: Matrix, predicted: Matrix, levels: pd.Series, seed: int) -> MetricFrame:
    return MetricFrame(
        metrics=metric,
        y_true=y,
        y_pred=predicted,
        sensitive_features=levels.to_numpy(),
        n_boot=BOOTSTRAPS,
        ci_quantiles=[0.025, 0.975],
        random_state=seed,
    )


def _ci(frame: MetricFrame, level: Any) -> list[float]:
    return [float(frame.by_group_ci[0][level]), float(frame.by_group_ci[1][level])]


def _flags(error: MetricFrame, benefit: MetricFrame, scale: float) -> list[str]:
    flags = []
    ratio = float(error.ratio())
    if ratio < RATIO_FLAG:
        flags.append(f"error ratio between groups {ratio:.2f} < {RATIO_FLAG}")
    for name, frame in (("error", error), ("benefit", benefit)):
        difference = float(frame.difference()) / max(scale, 1e-12)
        if difference > DIFFERENCE_FLAG:
            flags.append(
                f"{name} differs between groups by {difference:.2f} outcome SDs > {DIFFERENCE_FLAG}"
            )
    return flags


def _is_text(values: pd.Series) -> bool:
    return bool(pd.api.types.is_string_dtype(values) or pd.api.types.is_object_dtype(values))
