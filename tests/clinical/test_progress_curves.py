"""Expected-recovery curves: estimator conventions, empirical fit and the rational fallback."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mindway.clinical.progress import ReliableChangeCriterion
from mindway.clinical.progress_cohort import SyntheticCohort, synthetic_cohort
from mindway.clinical.progress_curves import MIN_PATIENTS_PER_BAND, ExpectedRecoveryCurves
from mindway.errors import InvalidInput

PHQ9 = ReliableChangeCriterion.nhs_talking_therapies("phq9")
PHQ9_BANDS = (0, 5, 10, 15, 20)


@pytest.fixture(scope="module")
def history() -> SyntheticCohort:
    return synthetic_cohort(2000, 12, seed=3)


@pytest.fixture(scope="module")
def empirical(history: SyntheticCohort) -> ExpectedRecoveryCurves:
    return fit(history)


def fit(cohort: SyntheticCohort, **params: object) -> ExpectedRecoveryCurves:
    curves = ExpectedRecoveryCurves(PHQ9_BANDS, PHQ9, **params)  # type: ignore[arg-type]
    return curves.fit(cohort.intake, cohort.session_index, cohort.scores)


def learned(estimator: object) -> list[str]:
    return sorted(name for name in vars(estimator) if name.endswith("_"))


def test_constructor_only_stores_parameters() -> None:
    edges = (20, 10)  # invalid, but the constructor does not judge
    curves = ExpectedRecoveryCurves(edges, PHQ9, min_patients_per_band=7)
    params = curves.get_params()
    assert params["band_edges"] is edges and params["min_patients_per_band"] == 7
    assert learned(curves) == []
    with pytest.raises(InvalidInput, match="strictly increasing"):
        curves.fit([10.0], [0, 1], [[10.0, 9.0]])


def test_fit_returns_self_and_refitting_is_idempotent(
    history: SyntheticCohort, empirical: ExpectedRecoveryCurves
) -> None:
    curves = ExpectedRecoveryCurves(PHQ9_BANDS, PHQ9)
    assert curves.fit(history.intake, history.session_index, history.scores) is curves
    assert {"coef_", "method_", "bands_", "n_patients_", "quantiles_"} <= set(learned(curves))
    assert curves.get_params()["band_edges"] is PHQ9_BANDS  # parameters untouched
    assert np.array_equal(curves.coef_, empirical.coef_)
    assert curves.method_ == empirical.method_


def test_set_params_applies_at_the_next_fit(history: SyntheticCohort) -> None:
    curves = fit(synthetic_cohort(60, 8, seed=4), min_patients_per_band=10)
    before = curves.method_
    curves.set_params(min_patients_per_band=10**6)
    assert curves.method_ == before  # unchanged until refitted
    curves.fit(history.intake, history.session_index, history.scores)
    assert curves.method_ == ("rational",) * 5
    assert "empirical" in before
    with pytest.raises(InvalidInput, match="no parameter"):
        curves.set_params(alpha=1)


def test_seeded_cohorts_are_reproducible() -> None:
    a, b = synthetic_cohort(50, 6, seed=9), synthetic_cohort(50, 6, seed=9)
    assert np.array_equal(a.scores, b.scores, equal_nan=True)
    assert not np.array_equal(a.scores, synthetic_cohort(50, 6, seed=10).scores, equal_nan=True)


def test_predicting_before_fit_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not fitted"):
        ExpectedRecoveryCurves(PHQ9_BANDS, PHQ9).predict_quantiles(12, [1, 2])


def test_empirical_curves_when_every_band_has_enough_patients(
    empirical: ExpectedRecoveryCurves,
) -> None:
    curves = empirical
    assert curves.method_ == ("empirical",) * 5
    assert all(n >= MIN_PATIENTS_PER_BAND for n in curves.n_patients_)
    assert sum(band.n_patients for band in curves.bands_) == 2000


def test_rational_fallback_when_the_clinic_has_little_history() -> None:
    thin = synthetic_cohort(60, 8, seed=4)
    curves = fit(thin)
    assert curves.method_ == ("rational",) * 5
    assert all(n < MIN_PATIENTS_PER_BAND for n in curves.n_patients_)


def test_each_band_reports_its_own_method(history: SyntheticCohort) -> None:
    curves = fit(history, min_patients_per_band=200)
    methods = ["empirical" if n >= 200 else "rational" for n in curves.n_patients_]
    assert list(curves.method_) == methods
    assert {"empirical", "rational"} == set(methods)  # few patients start below 5 here


def test_rational_curve_is_a_log_linear_decline_with_measurement_error_bands() -> None:
    curves = fit(synthetic_cohort(10, 4, seed=1))
    q10, _, median, q75, q90 = curves.predict_quantiles(20, [0, 8]).T
    assert median.tolist() == [20.0, 10.0]  # half the intake by session 8 (reference_time)
    spread = PHQ9.points / 1.96
    assert q90[1] == pytest.approx(10 + 1.2816 * spread, abs=1e-3)
    assert q75[1] == pytest.approx(10 + 0.6745 * spread, abs=1e-3)
    assert q10[1] == pytest.approx(10 - 1.2816 * spread, abs=1e-3)
    # held flat once the expected median reaches zero, never extrapolated below it
    far = curves.predict_quantiles(20, [80, 10_000])[:, 2]
    assert far == pytest.approx([0.0, 0.0], abs=1e-3)


def test_percentiles_are_monotone_and_shaped_like_the_input(
    history: SyntheticCohort, empirical: ExpectedRecoveryCurves
) -> None:
    curves = empirical
    grid = curves.predict_quantiles(history.intake[:30], history.session_index)
    assert grid.shape == (30, 12, 5)
    assert np.all(np.diff(grid, axis=-1) >= 0)
    assert curves.predict_quantiles(14.0, [1.0, 2.0]).shape == (2, 5)


def test_empirical_curves_improve_over_time_for_a_mostly_improving_clinic(
    empirical: ExpectedRecoveryCurves,
) -> None:
    median = empirical.predict_quantiles(18, [1, 4, 11])[:, 2]
    assert median[0] > median[1] > median[2]


def test_a_band_seen_at_one_session_only_still_fits() -> None:
    cohort = synthetic_cohort(120, 5, seed=2)
    scores = cohort.scores.copy()
    scores[:, [1, 2, 4]] = np.nan  # every follow-up at session 3
    curves = ExpectedRecoveryCurves((0,), PHQ9).fit(cohort.intake, cohort.session_index, scores)
    assert curves.method_ == ("empirical",)
    flat = curves.predict_quantiles(15, [1, 3, 9])
    assert np.allclose(flat, flat[0])


@pytest.mark.parametrize(
    "params",
    [
        {"quantiles": (0.25, 0.75, 0.9)},
        {"yellow_quantile": 0.9, "red_quantile": 0.75},
        {"quantiles": (0.0, 0.5, 0.75, 0.9)},
        {"min_patients_per_band": 0},
        {"expected_reduction": 1.5},
        {"band_names": ("one",)},
    ],
)
def test_bad_parameters_are_refused_at_fit(params: dict[str, object]) -> None:
    curves = ExpectedRecoveryCurves(PHQ9_BANDS, PHQ9, **params)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        curves.fit([10.0, 12.0], [0, 1], [[10.0, 8.0], [12.0, 11.0]])


@pytest.mark.parametrize(
    ("intake", "times", "scores"),
    [
        ([10.0, math.nan], [0, 1], [[10, 9], [12, 8]]),
        ([10.0], [0, -1], [[10, 9]]),
        ([10.0], [0, 1, 2], [[10, 9]]),
        ([10.0, 11.0], [0, 1], [[10, 9]]),
    ],
)
def test_bad_histories_are_refused(
    intake: list[float], times: list[float], scores: list[list[float]]
) -> None:
    with pytest.raises(InvalidInput):
        ExpectedRecoveryCurves(PHQ9_BANDS, PHQ9).fit(intake, times, scores)
