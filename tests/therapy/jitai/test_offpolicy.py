"""Off-policy estimates from a randomised log recover a target policy's known value."""

from __future__ import annotations

import numpy as np
import pytest

from mindway.therapy.jitai.baselines import RandomPolicy
from mindway.therapy.jitai.context import FEATURE_NAMES
from mindway.therapy.jitai.offpolicy import OffPolicyError, estimate_value
from mindway.therapy.jitai.policy import NO_PROMPT, DecisionRecord
from tests.therapy.jitai.conftest import make_context

EFFECT = {
    NO_PROMPT: 0.0,
    "breathing": 0.5,
    "activity_suggestion": 0.2,
    "check_in": -0.1,
    "thought_record_nudge": 0.1,
}
MOOD = FEATURE_NAMES.index("mood_centred")


def target_action(record: DecisionRecord) -> str:
    """Breathing when mood is below the midpoint, otherwise no prompt."""
    return "breathing" if record.features[MOOD] < 0 else NO_PROMPT


def outcome_mean(mood_centred: float, action: str) -> float:
    return 0.2 * mood_centred + EFFECT[action] * (1.0 - 0.5 * mood_centred)


def test_ipw_recovers_the_known_value_of_a_target_policy() -> None:
    rng, policy = np.random.default_rng(11), RandomPolicy()
    records, outcomes, truth = [], [], []
    for _ in range(20_000):
        context = make_context(recent_mood=float(rng.uniform(0, 10)))
        record = policy.decide(context, rng)
        mood = record.features[MOOD]
        records.append(record)
        outcomes.append(outcome_mean(mood, record.action) + rng.normal(scale=0.5))
        truth.append(outcome_mean(mood, target_action(record)))
    estimate = estimate_value(records, outcomes, lambda r: float(r.action == target_action(r)))
    value = float(np.mean(truth))
    assert abs(estimate.ipw - value) < 3 * estimate.standard_error
    assert estimate.self_normalised == pytest.approx(value, abs=0.03)
    logged = float(np.mean(outcomes))
    assert abs(logged - value) > 0.05  # the naive mean of the log is not the answer
    assert 0 < estimate.effective_sample_size < len(records)


def test_a_zero_logging_probability_is_refused() -> None:
    record = RandomPolicy().decide(make_context(available=False), np.random.default_rng(0))
    blocked = DecisionRecord.from_dict({**record.to_dict(), "probability": 0.0})
    with pytest.raises(OffPolicyError):
        estimate_value([blocked], [0.0], lambda r: 1.0)
    with pytest.raises(OffPolicyError):
        estimate_value([], [], lambda r: 1.0)
