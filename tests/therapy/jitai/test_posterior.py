"""The conjugate Bayesian linear regression recovers a known linear model and its noise."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mindway.therapy.jitai.posterior import BayesianLinearRegression, PosteriorError


def _known_model(n: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = np.array([0.5, -1.0, 2.0])
    x = np.c_[np.ones(n), rng.normal(size=(n, 2))]
    y = x @ truth + rng.normal(scale=0.5, size=n)
    return x, y, truth


def test_posterior_concentrates_on_the_truth() -> None:
    x, y, truth = _known_model(2000)
    model = BayesianLinearRegression(np.zeros(3), np.ones(3)).fit(x, y)
    assert model.mean_ == pytest.approx(truth, abs=0.05)
    assert model.noise_variance_ == pytest.approx(0.25, rel=0.1)
    assert np.all(np.sqrt(np.diag(model.covariance_) * model.noise_variance_) < 0.02)


def test_online_updates_equal_the_batch_least_squares_limit() -> None:
    x, y, _ = _known_model(300)
    model = BayesianLinearRegression(np.zeros(3), np.full(3, 1e4)).fit(x, y)
    least_squares, *_ = np.linalg.lstsq(x, y, rcond=None)
    assert model.mean_ == pytest.approx(least_squares, abs=1e-4)


def test_draws_spread_as_the_posterior_says() -> None:
    x, y, _ = _known_model(200)
    model = BayesianLinearRegression(np.zeros(3), np.ones(3)).fit(x, y)
    draws = model.sample(np.random.default_rng(0), 20_000)
    assert draws.mean(axis=0) == pytest.approx(model.mean_, abs=0.01)
    sd = np.sqrt(np.diag(model.covariance_) * model.noise_variance_)
    assert draws.std(axis=0) == pytest.approx(sd, rel=0.1)


def test_state_round_trips_and_refuses_a_wrong_shape() -> None:
    x, y, _ = _known_model(50)
    model = BayesianLinearRegression(np.zeros(3), np.ones(3)).fit(x, y)
    state = json.loads(json.dumps(model.to_state()))
    again = BayesianLinearRegression.from_state(state)
    assert again.mean_ == pytest.approx(model.mean_)
    assert again.n_updates_ == 50
    state["mean"] = [0.0, 0.0]
    with pytest.raises(PosteriorError):
        BayesianLinearRegression.from_state(state)


def test_bad_observations_are_refused() -> None:
    model = BayesianLinearRegression(np.zeros(2), np.ones(2))
    with pytest.raises(PosteriorError):
        model.partial_fit(np.array([1.0, np.nan]), 0.0)
    with pytest.raises(PosteriorError):
        model.partial_fit(np.ones(3), 0.0)
