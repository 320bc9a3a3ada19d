"""The decision-point context: validated ranges, a scaled feature vector, a JSON round trip."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mindway.therapy.jitai.context import FEATURE_NAMES, ContextError, DecisionContext
from tests.therapy.jitai.conftest import make_context


def test_features_follow_the_names_and_stay_small(context: DecisionContext) -> None:
    features = context.features()
    assert features.shape == (len(FEATURE_NAMES),)
    named = dict(zip(FEATURE_NAMES, features, strict=True))
    assert named["intercept"] == 1.0
    assert named["mood_centred"] == pytest.approx((4.0 - 5.0) / 2.5)
    assert named["prompts_last_24h"] == pytest.approx(2 / 5)
    assert named["recent_prompt"] == pytest.approx(np.exp(-0.5))
    assert named["weekend"] == 0.0
    assert np.all(np.abs(features) <= 2.0)


def test_no_prompt_yet_means_no_recency() -> None:
    features = make_context(hours_since_last_prompt=None, weekday=6).features()
    assert features[FEATURE_NAMES.index("recent_prompt")] == 0.0
    assert features[FEATURE_NAMES.index("weekend")] == 1.0


@pytest.mark.parametrize(
    "change",
    [
        {"hour": 24.0},
        {"weekday": 7},
        {"recent_mood": 11.0},
        {"engagement_rate": 1.5},
        {"prompts_last_24h": -1},
        {"waking_start": 22.0, "waking_end": 7.0},
        {"hours_since_last_prompt": -1.0},
    ],
)
def test_out_of_range_values_are_refused(change: dict[str, float]) -> None:
    with pytest.raises(ContextError):
        make_context(**change)


def test_awake_follows_the_waking_hours() -> None:
    assert make_context(hour=7.0).awake
    assert not make_context(hour=6.9).awake
    assert not make_context(hour=23.0).awake


def test_round_trips_through_json(context: DecisionContext) -> None:
    again = DecisionContext.from_dict(json.loads(json.dumps(context.to_dict())))
    assert again == context
