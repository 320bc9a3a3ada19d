"""The EconML candidates (X-, R-learner, causal forest) and selection by cross-fitted R-loss."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mindway.recommend import registry
from mindway.recommend.learners import LEARNER_NAMES, make_learner
from mindway.recommend.training import TrainedRecommender


def _three_arm_data(rows: int = 450, seed: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arm b adds 1 + x0 (heterogeneous), arm c subtracts 1 (constant); a is the reference."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(rows, 2))
    arms = rng.choice(["a", "b", "c"], rows).astype(str)
    effect = np.where(arms == "b", 1 + x[:, 0], 0.0) + np.where(arms == "c", -1.0, 0.0)
    y = 0.5 * x[:, 1] + effect + rng.normal(0, 0.1, rows)
    return x, arms, y


@pytest.mark.parametrize("name", ["x", "r", "cf"])
def test_econml_candidates_recover_a_heterogeneous_effect(name: str) -> None:
    x, arms, y = _three_arm_data()
    learner = make_learner(name, seed=0).fit(x, arms, y)
    assert learner.arms_ == ["a", "b", "c"]
    outcomes = learner.predict_arms(np.array([[0.5, 0.0], [-0.5, 0.0]]))
    effects = outcomes - outcomes[:, [0]]
    assert effects[0, 1] == pytest.approx(1.5, abs=0.4)
    assert effects[1, 1] == pytest.approx(0.5, abs=0.4)
    assert effects[:, 2] == pytest.approx([-1.0, -1.0], abs=0.4)
    assert effects[0, 1] - effects[1, 1] > 0.5  # the modifier is found, not just the mean


def test_every_candidate_is_fitted_and_scored_and_the_lowest_r_loss_wins(
    model_dir: Path,
) -> None:
    trained: TrainedRecommender = registry.load(model_dir).bundle
    model = trained.model
    assert set(model.r_loss_) == set(LEARNER_NAMES) == {"t", "s", "dr", "x", "r", "cf"}
    assert all(np.isfinite(v) for v in model.r_loss_.values())
    assert model.chosen_ == min(model.r_loss_, key=lambda n: model.r_loss_[n])
    assert trained.metrics["model"]["meta_learner"] == model.chosen_


def test_r_loss_ranks_the_true_effects_above_wrong_ones(model_dir: Path, cohort_csv: Path) -> None:
    """On the cohort of conftest (A: +2x, B: -2x) the true arm outcomes score the lowest
    R-loss; zero effects and reversed effects score higher."""
    trained: TrainedRecommender = registry.load(model_dir).bundle
    model = trained.model
    frame = pd.read_csv(cohort_csv)
    x = np.asarray(model._encode(frame), dtype=float)
    arms = frame["arm"].to_numpy(dtype=str)
    y = frame["outcome"].to_numpy(dtype=float)
    truth = np.column_stack([2 * frame["x"], -2 * frame["x"]]).astype(float)
    losses = model._r_loss(
        {"truth": truth, "none": np.zeros_like(truth), "reversed": truth[:, ::-1]}, x, arms, y
    )
    assert losses["truth"] < losses["none"] < losses["reversed"]
