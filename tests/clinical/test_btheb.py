"""The Beat the Blues validation: deterministic figures within sane, derivable ranges."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from mindway.clinical.evaluation.btheb import evaluate_btheb, load_btheb


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    return evaluate_btheb()


def test_the_figures_are_reproducible_to_the_digit(figures: dict[str, Any]) -> None:
    again = evaluate_btheb()
    assert json.dumps(again, sort_keys=True) == json.dumps(figures, sort_keys=True)


def test_the_data_are_the_trial_as_published() -> None:
    trial = load_btheb()
    assert trial.scores.shape == (100, 5)
    assert sorted(set(trial.arm.tolist())) == ["BtheB", "TAU"]
    assert not np.isnan(trial.scores[:, 0]).any()


def test_the_reliable_change_threshold_follows_jacobson_truax(figures: dict[str, Any]) -> None:
    change = figures["reliable_change"]
    sd = float(np.std(load_btheb().scores[:, 0], ddof=1))
    expected = 1.96 * math.sqrt(2) * sd * math.sqrt(1 - 0.93)  # BDI-II r = .93
    assert change["baseline_sd"] == pytest.approx(sd, abs=1e-4)
    assert change["threshold_points"] == pytest.approx(expected, abs=1e-4)
    assert 5 < change["threshold_points"] < 12


def test_arm_figures_add_up(figures: dict[str, Any]) -> None:
    arms = figures["arms"]
    assert arms["TAU"]["n"] + arms["BtheB"]["n"] == figures["dataset"]["patients"] == 100
    for arm in arms.values():
        followed = arm["with_follow_up"]
        assert arm["completers_8_months"] <= followed <= arm["n"]
        parts = ("reliable_improvement", "reliable_deterioration", "no_reliable_change")
        assert sum(arm[p]["count"] for p in parts) == followed
        for name in (*parts, "response"):
            assert arm[name]["rate"] == pytest.approx(arm[name]["count"] / followed, abs=1e-4)
        assert arm["mean_bdi_last"] < arm["mean_bdi_baseline"]  # both arms improve on average
    completers = sum(arm["completers_8_months"] for arm in arms.values())
    assert completers == figures["dataset"]["observed_at_month"]["8"]


def test_the_mixed_model_uses_every_available_follow_up(figures: dict[str, Any]) -> None:
    model = figures["mixed_model"]
    observed = figures["dataset"]["observed_at_month"]
    assert model["observations"] == sum(observed[m] for m in ("2", "4", "6", "8"))
    assert model["subjects"] == observed["2"]  # drop-out is monotone: everyone seen at 2 months
    assert model["converged"]
    effect = model["treatment_effect"]
    low, high = effect["ci95"]
    assert low < effect["coef"] < high
    assert high - low == pytest.approx(2 * 1.959964 * effect["se"], abs=1e-3)
    assert -8 < effect["coef"] < 2 and 0 <= effect["p"] <= 1
    assert effect["significant_at_5_percent"] == (effect["p"] < 0.05)
    assert model["time_per_month"]["coef"] < 0  # BDI falls over follow-up
    # Ignoring within-patient correlation gives a smaller, too-optimistic standard error.
    assert model["checks"]["ols_ignoring_within_patient_correlation"]["se"] < effect["se"]


def test_the_signal_is_scored_against_a_later_outcome(figures: dict[str, Any]) -> None:
    signal = figures["not_on_track"]
    fallback = signal["bdi_bands_as_fitted_on_tau"]
    assert {band["method"] for band in fallback["bands"]} == {"rational"}  # 48 TAU patients
    assert all(
        band["patients_with_follow_up"] < fallback["min_patients_per_band"]
        for band in fallback["bands"]
    )
    assert signal["empirical_single_band_fitted_on_tau"]["bands"][0]["method"] == "empirical"
    for result in (
        fallback["all_arms"],
        fallback["btheb_arm"],
        signal["empirical_single_band_fitted_on_tau"]["btheb_arm_out_of_sample"],
    ):
        for flag in ("red_at_2_months", "red_or_yellow_at_2_months"):
            table = result[flag]
            counts = [table[k] for k in ("true_positive", "false_negative")]
            assert sum(counts) == result["unimproved"]
            cells = ("true_positive", "false_negative", "false_positive", "true_negative")
            assert sum(table[k] for k in cells) == result["patients"]
        red, any_flag = result["red_at_2_months"], result["red_or_yellow_at_2_months"]
        assert red["true_positive"] <= any_flag["true_positive"]  # red is a subset
        first = result["first_red_or_yellow_before_last_observation"]
        assert sum(first["unimproved"].values()) == result["unimproved"]
        assert first["unimproved"]["2"] == any_flag["true_positive"]
