"""Expected-recovery curves by intake severity, fitted on the clinic's own history.

Method. Finch, Lambert & Schaalje (2001) modelled the expected score as linear in the log of
the session number, conditional on the intake score, and drew failure boundaries from its
tolerance interval; Lambert et al. (2002) showed such empirical curves identify eventual
treatment failures better than rational rules. Here each intake-severity band gets, for each
percentile tau, a linear quantile regression (Koenker & Bassett 1978)

    Q_tau(score | t, intake) = b0 + b1·L + b2·d + b3·d·L,   L = ln(1 + t),  d = intake - edge

so the percentile bands come from the data with no normality assumption, and the curves are
log-linear in time as in Finch et al. Crossing percentiles are repaired by sorting them at
each point (rearrangement: Chernozhukov, Fernández-Val & Galichon 2010), and a curve is held
flat beyond the longest follow-up its band was fitted on (no extrapolation).

Rational fallback. A band with fewer than ``min_patients_per_band`` patients with follow-up
(default 50: below that fewer than 5 patients lie above a 90th percentile, too few to place
it) uses the rational curve instead: an expected log-linear decline from intake,

    median(t) = intake · (1 - expected_reduction · L / ln(1 + reference_time)),

reaching a ``expected_reduction`` fall (default 50%, "response") at ``reference_time``
(default session 8, after Howard et al. 1986: about half of patients improve by the eighth
session), with percentiles median + z_tau · S_diff, S_diff the measurement error of a change
score implied by the reliable-change threshold (Jacobson & Truax 1991). It says "worse than
expected beyond measurement error" and, like OQ-45 rational rules (Lambert et al. 2002), is
stricter and cruder than empirical bands. ``method_`` reports which one each band uses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mindway.clinical.progress import ReliableChangeCriterion, caseload_arrays
from mindway.errors import InvalidInput

__all__ = ["DEFAULT_QUANTILES", "MIN_PATIENTS_PER_BAND", "BandCurve", "ExpectedRecoveryCurves"]

FloatArray = NDArray[np.float64]
Method = Literal["empirical", "rational"]

DEFAULT_QUANTILES = (0.10, 0.25, 0.50, 0.75, 0.90)
MIN_PATIENTS_PER_BAND = 50
N_TERMS = 4  # 1, L, d, d·L
QUANTREG_MAX_ITER = 5000
PERCENTILE_DECIMALS = 3


@dataclass(frozen=True)
class BandCurve:
    """What was fitted for one intake-severity band, and from how much data."""

    name: str
    lower: float
    upper: float
    method: Method
    n_patients: int
    n_observations: int


@dataclass(frozen=True)
class _Cohort:
    intake: FloatArray  # (n,)
    log_time: FloatArray  # (n, m)
    scores: FloatArray  # (n, m), NaN where not measured


class ExpectedRecoveryCurves:
    """Percentile bands of the expected score at each time since intake, by intake band.

    ``band_edges`` are the lower edges of the intake-severity bands (e.g. PHQ-9
    ``(0, 5, 10, 15, 20)`` for the manual's severity bands); an intake below the first edge
    joins the first band. ``reliable_change`` sets the rational fallback's spread and the
    reliable-deterioration rule of the not-on-track signal. Times are in the unit the
    history uses (session number or weeks since intake; 0 is intake). Scikit-learn
    conventions: the constructor only stores parameters, ``fit`` validates and learns the
    attributes ending in ``_`` and returns ``self``; refitting on the same data gives the
    same curves (the method has no randomness).
    """

    def __init__(
        self,
        band_edges: Sequence[float],
        reliable_change: ReliableChangeCriterion,
        *,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        yellow_quantile: float = 0.75,
        red_quantile: float = 0.90,
        min_patients_per_band: int = MIN_PATIENTS_PER_BAND,
        expected_reduction: float = 0.5,
        reference_time: float = 8.0,
        band_names: Sequence[str] | None = None,
    ) -> None:
        self.band_edges = band_edges
        self.reliable_change = reliable_change
        self.quantiles = quantiles
        self.yellow_quantile = yellow_quantile
        self.red_quantile = red_quantile
        self.min_patients_per_band = min_patients_per_band
        self.expected_reduction = expected_reduction
        self.reference_time = reference_time
        self.band_names = band_names

    _PARAMS = (
        "band_edges",
        "reliable_change",
        "quantiles",
        "yellow_quantile",
        "red_quantile",
        "min_patients_per_band",
        "expected_reduction",
        "reference_time",
        "band_names",
    )

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters (scikit-learn's ``get_params``)."""
        return {name: getattr(self, name) for name in self._PARAMS}

    def set_params(self, **params: Any) -> Self:
        """Change constructor parameters; takes effect at the next ``fit``."""
        for name, value in params.items():
            if name not in self._PARAMS:
                raise InvalidInput(f"ExpectedRecoveryCurves has no parameter {name!r}")
            setattr(self, name, value)
        return self

    def fit(self, intake_scores: ArrayLike, session_index: ArrayLike, scores: ArrayLike) -> Self:
        """Fit the curves on a history: ``intake_scores`` (n,), ``scores`` (n, m) with NaN
        where not measured, ``session_index`` (m,) shared or (n, m) per patient."""
        edges, quantiles = self._validated_params()
        cohort = _cohort(intake_scores, session_index, scores)
        band = _band_index(edges, cohort.intake)
        follow_up = np.isfinite(cohort.scores) & (cohort.log_time > 0)
        n_bands = len(edges)
        coef = np.empty((n_bands, len(quantiles), N_TERMS))
        cap = np.empty(n_bands)
        curves: list[BandCurve] = []
        for b in range(n_bands):
            seen = follow_up & (band == b)[:, np.newaxis]
            n_patients, n_obs = int(seen.any(axis=1).sum()), int(seen.sum())
            method: Method = "empirical" if n_patients >= self.min_patients_per_band else "rational"
            if method == "empirical":
                coef[b] = _quantile_regression(cohort, seen, edges[b], quantiles)
                cap[b] = float(cohort.log_time[seen].max())
            else:
                coef[b], cap[b] = self._rational(edges[b], quantiles)
            upper = float(edges[b + 1]) if b + 1 < n_bands else math.inf
            curves.append(
                BandCurve(self._band_name(b, edges), edges[b], upper, method, n_patients, n_obs)
            )
        self.band_edges_ = edges
        self.quantiles_ = quantiles
        self.coef_ = coef
        self.log_time_cap_ = cap
        self.bands_ = tuple(curves)
        self.method_ = tuple(curve.method for curve in curves)
        self.n_patients_ = np.array([curve.n_patients for curve in curves])
        self.yellow_index_ = int(np.flatnonzero(quantiles == self.yellow_quantile)[0])
        self.red_index_ = int(np.flatnonzero(quantiles == self.red_quantile)[0])
        self.median_index_ = int(np.flatnonzero(quantiles == 0.5)[0])
        return self

    def band_of(self, intake_scores: ArrayLike) -> NDArray[np.intp]:
        """The index of each intake's severity band."""
        self._check_fitted()
        return _band_index(self.band_edges_, np.asarray(intake_scores, dtype=np.float64))

    def predict_quantiles(self, intake_scores: ArrayLike, session_index: ArrayLike) -> FloatArray:
        """Expected-score percentiles (last axis, in ``quantiles_`` order) at each time.

        ``intake_scores`` is a number or (n,); ``session_index`` is (m,) or (n, m). The
        result has the broadcast shape of ``intake[..., None]`` and times, plus the
        percentiles axis.
        """
        self._check_fitted()
        intake = np.asarray(intake_scores, dtype=np.float64)
        band = _band_index(self.band_edges_, intake)
        coef = self.coef_[band][..., np.newaxis, :, :]  # (..., 1, Q, 4)
        d = (intake - self.band_edges_[band])[..., np.newaxis, np.newaxis]
        log_time = np.log1p(np.asarray(session_index, dtype=np.float64))
        log_time = np.minimum(log_time, self.log_time_cap_[band][..., np.newaxis])[..., np.newaxis]
        predicted = (
            coef[..., 0] + coef[..., 1] * log_time + (coef[..., 2] + coef[..., 3] * log_time) * d
        )
        predicted.sort(axis=-1)  # rearrangement: monotone percentiles
        # Quantile regression puts percentiles on whole-number scores; rounding removes the
        # solver's ~1e-5 noise so that it never decides whether a score lies above one.
        return np.round(predicted, PERCENTILE_DECIMALS, out=predicted)

    def _rational(self, edge: float, quantiles: FloatArray) -> tuple[FloatArray, float]:
        """The rational curve in the same form b0 + b1·L + b2·d + b3·d·L, and its time cap
        (where the expected median reaches 0)."""
        slope = self.expected_reduction / math.log1p(self.reference_time)
        spread = np.array([NormalDist().inv_cdf(float(q)) for q in quantiles])
        spread *= self.reliable_change.s_diff
        coef = np.empty((len(quantiles), N_TERMS))
        coef[:, 0] = edge + spread
        coef[:, 1] = -edge * slope
        coef[:, 2] = 1.0
        coef[:, 3] = -slope
        return coef, 1.0 / slope

    def _band_name(self, b: int, edges: FloatArray) -> str:
        if self.band_names is not None:
            return str(self.band_names[b])
        return f"[{edges[b]:g}, {edges[b + 1]:g})" if b + 1 < len(edges) else f">= {edges[b]:g}"

    def _validated_params(self) -> tuple[FloatArray, FloatArray]:
        edges = np.asarray(self.band_edges, dtype=np.float64)
        quantiles = np.asarray(self.quantiles, dtype=np.float64)
        if edges.ndim != 1 or edges.size == 0 or not np.all(np.diff(edges) > 0):
            raise InvalidInput("band_edges must be a non-empty, strictly increasing sequence")
        if quantiles.ndim != 1 or not (np.all(np.diff(quantiles) > 0) and quantiles[0] > 0):
            raise InvalidInput("quantiles must be strictly increasing within (0, 1)")
        if quantiles[-1] >= 1:
            raise InvalidInput("quantiles must be strictly increasing within (0, 1)")
        wanted = (0.5, self.yellow_quantile, self.red_quantile)
        if not all(np.any(quantiles == q) for q in wanted) or not (
            self.yellow_quantile < self.red_quantile
        ):
            raise InvalidInput("quantiles must hold 0.5 and yellow_quantile < red_quantile")
        if self.min_patients_per_band < 1:
            raise InvalidInput("min_patients_per_band must be at least 1")
        if not (0 < self.expected_reduction <= 1 and self.reference_time > 0):
            raise InvalidInput("expected_reduction must be in (0, 1], reference_time above 0")
        if self.band_names is not None and len(self.band_names) != edges.size:
            raise InvalidInput("band_names must name every band")
        return edges, quantiles

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise InvalidInput("ExpectedRecoveryCurves is not fitted yet; call fit first")


def _cohort(intake_scores: ArrayLike, session_index: ArrayLike, scores: ArrayLike) -> _Cohort:
    intake, times, values = caseload_arrays(intake_scores, session_index, scores)
    return _Cohort(intake, np.log1p(times), values)


def _band_index(edges: FloatArray, intake: FloatArray) -> NDArray[np.intp]:
    band = np.searchsorted(edges, intake, side="right") - 1
    return np.clip(band, 0, edges.size - 1)


def _quantile_regression(
    cohort: _Cohort, seen: NDArray[np.bool_], edge: float, quantiles: FloatArray
) -> FloatArray:
    """One quantile regression per percentile on the band's follow-up observations.

    A term that does not vary in the band (every follow-up at one session, or one intake
    score) cannot be estimated; it is left out (coefficient 0), not extrapolated.
    """
    # statsmodels is imported here, not at module level: it costs about a second at start-up.
    from statsmodels.regression.quantile_regression import QuantReg

    log_time = cohort.log_time[seen]
    d = np.broadcast_to((cohort.intake - edge)[:, np.newaxis], seen.shape)[seen]
    design = np.column_stack([np.ones_like(d), log_time, d, d * log_time])
    keep = np.array([True, np.ptp(log_time) > 0, np.ptp(d) > 0, np.ptp(d) * np.ptp(log_time) > 0])
    y = cohort.scores[seen]
    coef = np.zeros((len(quantiles), N_TERMS))
    for i, q in enumerate(quantiles):
        result = QuantReg(y, design[:, keep]).fit(q=float(q), max_iter=QUANTREG_MAX_ITER)
        coef[i, keep] = np.asarray(result.params, dtype=np.float64)
    return coef
