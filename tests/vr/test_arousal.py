"""Arousal estimation: the online physiology mapping, missing ratings, biased raters."""

from __future__ import annotations

import random

import pytest

from mindway.vr.arousal import ArousalEstimator, PhysiologyMapping


def test_mapping_learns_a_patients_heart_rate_to_suds_slope() -> None:
    rng = random.Random(0)
    mapping = PhysiologyMapping()
    for _ in range(200):
        dhr = rng.uniform(0.0, 40.0)
        mapping.learn(dhr, None, 5.0 + 2.0 * dhr + rng.gauss(0.0, 3.0))
    assert mapping.models["hr"].weights[1] == pytest.approx(2.0, abs=0.15)
    predicted = mapping.predict(20.0, None)
    assert predicted is not None and predicted[0] == pytest.approx(45.0, abs=4.0)


def test_uncertainty_grows_without_ratings_and_shrinks_with_one() -> None:
    estimator = ArousalEstimator(PhysiologyMapping())
    first = estimator.step(None, None, 50, at_rest=False)
    sds = [estimator.step(None, None, None, at_rest=False).sd for _ in range(60)]
    assert sds == sorted(sds) and sds[-1] > 2.5 * first.sd
    assert estimator.step(None, None, 50, at_rest=False).sd < first.sd + 1
    assert "suds" in estimator.step(None, None, 40, at_rest=False).source


def test_physiology_carries_the_estimate_between_ratings() -> None:
    mapping = PhysiologyMapping()
    for dhr in range(0, 40, 2):
        mapping.learn(float(dhr), None, 10.0 + 1.5 * dhr)
    estimator = ArousalEstimator(mapping)
    estimator.step(0.0, None, 10, at_rest=False)
    for _ in range(60):
        estimate = estimator.step(30.0, None, None, at_rest=False)
    assert estimate.fear == pytest.approx(55.0, abs=6.0)
    assert estimate.source == "hr"


def test_a_rater_who_reports_high_at_rest_is_corrected() -> None:
    mapping = PhysiologyMapping()
    estimator = ArousalEstimator(mapping)
    for t in range(60):
        estimator.step(None, None, 35 if t % 10 == 0 else None, at_rest=True)
    assert 10.0 < mapping.rater_offset <= 25.0
    estimate = estimator.step(None, None, 60, at_rest=False)
    assert estimate.fear < 55.0


def test_mapping_round_trips_through_json() -> None:
    mapping = PhysiologyMapping()
    mapping.learn(10.0, 1.0, 30.0)
    copy = PhysiologyMapping.from_dict(mapping.to_dict())
    assert copy.to_dict() == mapping.to_dict()
    broken = mapping.to_dict()
    broken["models"]["hr"]["weights"] = [1.0]
    with pytest.raises(ValueError):
        PhysiologyMapping.from_dict(broken)
