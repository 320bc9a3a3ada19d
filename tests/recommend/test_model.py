"""Registry hashes, declining outside the support, explanations and learner conventions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mindway.errors import InvalidInput, NotFound
from mindway.recommend import registry
from mindway.recommend.explain import drivers
from mindway.recommend.learners import SelectedRegressor, TLearner
from mindway.recommend.model import conformal_quantile
from mindway.recommend.propensity import PropensityModel
from mindway.recommend.training import TrainedRecommender


def test_manifest_records_hashes_columns_arms_and_direction(model_dir: Path) -> None:
    manifest = json.loads((model_dir / "v1" / "manifest.json").read_text())
    assert manifest["version"] == 1
    assert manifest["sha256"] == registry.file_sha256(model_dir / "v1" / "model.joblib")
    assert len(manifest["data_sha256"]) == 64
    assert manifest["arms"] == ["A", "B"]
    assert manifest["direction"] == "higher_is_better"
    assert set(manifest["columns"]["categorical"]) == {"site", "sex"}
    assert "rmse" in manifest["metrics"]


def test_a_tampered_artefact_is_refused(model_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    (copy / "v1").mkdir(parents=True)
    for name in ("model.joblib", "manifest.json"):
        (copy / "v1" / name).write_bytes((model_dir / "v1" / name).read_bytes())
    registry.load(copy)  # intact: loads
    artefact = copy / "v1" / "model.joblib"
    data = bytearray(artefact.read_bytes())
    data[-1] ^= 0xFF
    artefact.write_bytes(bytes(data))
    with pytest.raises(registry.TamperedModel):
        registry.load(copy)


def test_versions_increase_and_latest_loads(tmp_path: Path, model_dir: Path) -> None:
    saved = registry.load(model_dir)
    first = registry.save(tmp_path, saved.bundle, {"note": "a"})
    second = registry.save(tmp_path, saved.bundle, {"note": "b"})
    assert (first["version"], second["version"]) == (1, 2)
    assert registry.load(tmp_path).manifest["note"] == "b"
    with pytest.raises(NotFound):
        registry.load(tmp_path, version=7)


def test_declines_outside_the_training_support(model_dir: Path) -> None:
    trained: TrainedRecommender = registry.load(model_dir).bundle
    rows = pd.DataFrame({"x": [0.5, 9.0, 0.1], "site": ["north", "north", "atlantis"]})
    results = trained.model.recommend(rows)
    assert results[0].declined is None
    assert results[1].declined is not None and "x=9" in results[1].declined
    assert results[2].declined is not None and "atlantis" in results[2].declined


def test_propensity_flags_patients_one_arm_never_reaches() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 1))
    arms = np.where(x[:, 0] + rng.normal(0, 0.3, 400) > 0, "A", "B").astype(str)
    model = PropensityModel(trim=0.05).fit(x, arms)
    reasons = model.outside_overlap(np.array([[0.0], [4.0]]))
    assert reasons[0] is None
    assert reasons[1] is not None and "rarely received B" in reasons[1]
    assert model.overlap_.share_outside > 0


def test_drivers_name_the_effect_modifier(model_dir: Path) -> None:
    trained: TrainedRecommender = registry.load(model_dir).bundle
    patient = pd.DataFrame(
        {"x": [1.8], "site": ["north"], "score": [10.0], "sex": ["male"], "age": [40]}
    )
    found = drivers(trained.model, trained.typical, patient, "A")
    assert found[0].feature == "x"
    assert found[0].contribution > 0
    assert "raises the expected outcome under A" in found[0].text


def test_selection_prefers_the_shape_of_the_truth() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 3))
    linear = x @ np.array([1.0, -2.0, 0.5]) + rng.normal(0, 0.1, 200)
    chosen = SelectedRegressor(candidates=("ridge", "lightgbm"), seed=0).fit(x, linear)
    assert chosen.chosen_ == "ridge"
    assert chosen.oof_.shape == (200,)


def test_t_learner_recovers_a_simple_effect() -> None:
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, size=(300, 2))
    arms = rng.choice(["a", "b"], 300).astype(str)
    y = np.where(arms == "b", 1 + x[:, 0], 0.0) + rng.normal(0, 0.1, 300)
    learner = TLearner(candidates=("ridge",), seed=0).fit(x, arms, y)
    assert learner.fit(x, arms, y) is learner
    effect = np.diff(learner.predict_arms(np.array([[0.5, 0.0]])), axis=1)[0, 0]
    assert effect == pytest.approx(1.5, abs=0.1)


def test_conformal_quantile_uses_the_finite_sample_rank() -> None:
    residuals = np.arange(1.0, 10.0)  # 9 residuals: rank ceil(10 * 0.9) = 9
    assert conformal_quantile(residuals, 0.9) == 9.0
    assert conformal_quantile(residuals, 0.5) == 5.0


def test_arms_with_too_few_rows_are_refused() -> None:
    from mindway.recommend.training import train

    frame = pd.DataFrame({"x": range(12), "arm": ["A"] * 10 + ["B"] * 2, "y": range(12)})
    with pytest.raises(InvalidInput, match="fewer than"):
        train(frame, "arm", "y")


def test_differences_to_the_recommended_arm_have_intervals(model_dir: Path) -> None:
    trained: TrainedRecommender = registry.load(model_dir).bundle
    (result,) = trained.model.recommend(pd.DataFrame({"x": [1.5], "site": ["north"]}))
    assert result.recommended == "A"
    difference, low, high = result.versus_recommended["B"]
    assert difference > 0
    assert low <= difference <= high
    assert set(result.versus_recommended) == {"B"}
