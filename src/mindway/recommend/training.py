"""Train, apply and evaluate a recommender on a table: the use cases behind the CLI.

``train`` fits a ``TreatmentEffectModel`` on every column except the treatment and outcome
(date columns, named ``*date*`` and parsing as dates, give the data period instead), and
reports honest, cross-fitted metrics and a fairness audit of the training data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mindway.errors import InvalidInput
from mindway.recommend import evaluation, fairness
from mindway.recommend.explain import Driver, drivers, reference_values
from mindway.recommend.model import Progress, Recommendation, TreatmentEffectModel
from mindway.recommend.tabular import arm_labels, numeric_outcome, require_columns

Matrix = NDArray[np.float64]


@dataclass
class TrainedRecommender:
    """What the registry stores: the model and what the card needs about its training."""

    model: TreatmentEffectModel
    treatment: str
    outcome: str
    typical: dict[str, Any]
    summary: dict[str, Any]
    metrics: dict[str, Any]
    audit: dict[str, Any]

    @property
    def arms(self) -> list[str]:
        return list(self.model.arms_)


def date_columns(frame: pd.DataFrame) -> list[str]:
    found = []
    for column in frame.columns:
        if "date" in column.lower() and _is_text(frame[column]):
            parsed = pd.to_datetime(frame[column], errors="coerce", utc=True)
            if parsed.notna().mean() > 0.9:
                found.append(column)
    return found


def train(
    frame: pd.DataFrame,
    treatment: str,
    outcome: str,
    *,
    lower_is_better: bool = False,
    seed: int = 0,
    group_columns: list[str] | None = None,
    progress: Progress | None = None,
) -> TrainedRecommender:
    require_columns(frame, treatment, outcome, *(group_columns or []))
    if treatment == outcome:
        raise InvalidInput("the treatment and outcome must be different columns")
    y = numeric_outcome(frame, outcome)
    arms = arm_labels(frame, treatment)
    dates = date_columns(frame)
    features = frame.drop(columns=[treatment, outcome, *dates])
    if features.shape[1] == 0:
        raise InvalidInput("no feature columns besides the treatment and outcome")
    model = TreatmentEffectModel(lower_is_better=lower_is_better, seed=seed)
    model.fit(features, arms, y, progress)
    crossfit, model.crossfit_ = model.crossfit_, None
    assert crossfit is not None
    given = np.array([model.arms_.index(a) for a in arms], dtype=np.int64)
    metrics, gain = _training_metrics(model, crossfit, given, y)
    groups = fairness.group_columns(frame.drop(columns=[treatment, outcome]), group_columns or [])
    predicted = crossfit[np.arange(len(y)), given]
    audit = fairness.audit(groups, y, predicted, gain, float(np.std(y)), seed)
    return TrainedRecommender(
        model=model,
        treatment=treatment,
        outcome=outcome,
        typical=reference_values(features, model),
        summary=_summary(frame, treatment, outcome, arms, y, dates),
        metrics=evaluation.rounded(metrics),
        audit=evaluation.rounded(audit),
    )


def _training_metrics(
    model: TreatmentEffectModel, crossfit: Matrix, given: NDArray[np.int64], y: Matrix
) -> tuple[dict[str, Any], Matrix]:
    scores = evaluation.dr_scores(crossfit, given, y, model.propensity_.oof_)
    chosen = model.best_arm_index(crossfit)
    policy = evaluation.policy_figures(scores, chosen, model.lower_is_better)
    single = scores.mean(axis=0)
    sign = -1.0 if model.lower_is_better else 1.0
    best = int(np.argmax(sign * single))
    gain = sign * (scores[np.arange(len(y)), chosen] - scores[:, best])
    widths = np.array([model.half_width_[a] for a in model.arms_])
    metrics = {
        "evaluated_on": "training data, cross-fitted (out of fold)",
        **evaluation.factual_errors(crossfit, given, y, model.arms_),
        "interval_coverage": evaluation.interval_coverage(
            crossfit - widths, crossfit + widths, given, y
        ),
        **policy,
        "model": model.describe(),
    }
    return metrics, gain


def _summary(
    frame: pd.DataFrame,
    treatment: str,
    outcome: str,
    arms: NDArray[np.str_],
    y: Matrix,
    dates: list[str],
) -> dict[str, Any]:
    values, counts = np.unique(arms, return_counts=True)
    summary: dict[str, Any] = {
        "rows": len(frame),
        "treatment": treatment,
        "outcome": outcome,
        "arms": {str(v): int(c) for v, c in zip(values, counts, strict=True)},
        "outcome_mean": round(float(np.mean(y)), 4),
        "outcome_sd": round(float(np.std(y)), 4),
        "missing_share": {
            c: round(float(frame[c].isna().mean()), 4)
            for c in frame.columns
            if frame[c].isna().any()
        },
    }
    if dates:
        parsed = pd.to_datetime(frame[dates[0]], errors="coerce", utc=True).dropna()
        summary["period"] = {
            "column": dates[0],
            "from": parsed.min().date().isoformat(),
            "to": parsed.max().date().isoformat(),
        }
    return summary


def predict(trained: TrainedRecommender, frame: pd.DataFrame) -> list[Recommendation]:
    """Recommendations for each row, in order (treatment/outcome columns are ignored)."""
    return trained.model.recommend(frame)


def explain(trained: TrainedRecommender, patient: pd.DataFrame, arm: str) -> list[Driver]:
    """What moves ``arm``'s expected outcome for this one-row patient, in plain words."""
    if arm not in trained.arms:
        raise InvalidInput(f"unknown option {arm!r} (options: {', '.join(trained.arms)})")
    return drivers(trained.model, trained.typical, patient, arm)


def evaluate(trained: TrainedRecommender, frame: pd.DataFrame) -> dict[str, Any]:
    """Error, interval coverage and estimated policy value on labelled data."""
    require_columns(frame, trained.treatment, trained.outcome)
    y = numeric_outcome(frame, trained.outcome)
    arms = arm_labels(frame, trained.treatment)
    unknown = sorted(set(arms.tolist()) - set(trained.arms))
    if unknown:
        raise InvalidInput(f"arm {unknown[0]!r} was not in the training data")
    model = trained.model
    given = np.array([model.arms_.index(a) for a in arms], dtype=np.int64)
    mu = model.predict_arms(frame)
    propensity = model.propensity(frame)
    scores = evaluation.dr_scores(mu, given, y, propensity)
    widths = np.array([model.half_width_[a] for a in model.arms_])
    declined = [r.declined for r in model.recommend(frame)]
    figures = {
        "rows": len(y),
        **evaluation.factual_errors(mu, given, y, model.arms_),
        "interval_coverage": evaluation.interval_coverage(mu - widths, mu + widths, given, y),
        **evaluation.policy_figures(scores, model.best_arm_index(mu), model.lower_is_better),
        "declined_share": float(np.mean([d is not None for d in declined])),
    }
    return dict(evaluation.rounded(figures))


def _is_text(values: pd.Series) -> bool:
    return bool(pd.api.types.is_string_dtype(values) or pd.api.types.is_object_dtype(values))
