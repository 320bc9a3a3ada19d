"""The JITAI policy: rules before randomisation, clipped probabilities, learning, persistence.

Clipping to [0.1, 0.8] and 5 daily decision points follow HeartSteps (Liao et al. 2020,
Proc ACM IMWUT 4(1):18; Klasnja et al. 2019, Ann Behav Med 53(6):573).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from mindway.therapy.jitai.context import FEATURE_NAMES, DecisionContext
from mindway.therapy.jitai.policy import (
    ACTIONS,
    NO_PROMPT,
    PROMPT_TYPES,
    BurdenRules,
    DecisionRecord,
    ThompsonSamplingPolicy,
)
from tests.therapy.jitai.conftest import make_context

SHARED = 4  # mood, hour, prompts in 24 h, engagement


def confident(type_effect: float) -> ThompsonSamplingPolicy:
    means = (type_effect,) * len(PROMPT_TYPES) + (0.0,) * SHARED
    return ThompsonSamplingPolicy(effect_prior_means=means, effect_prior_scale=1e-3)


@pytest.mark.parametrize(("effect", "expected"), [(5.0, 0.8), (-5.0, 0.1)])
def test_prompt_probability_is_clipped(effect: float, expected: float) -> None:
    policy, rng = confident(effect), np.random.default_rng(0)
    records = [policy.decide(make_context(), rng) for _ in range(400)]
    assert all(r.prompt_probability == pytest.approx(expected) for r in records)
    share = np.mean([r.action != NO_PROMPT for r in records])
    assert share == pytest.approx(expected, abs=0.06)


def test_probabilities_stay_inside_the_clip_and_sum_to_one(context: DecisionContext) -> None:
    policy, rng = ThompsonSamplingPolicy(), np.random.default_rng(1)
    for _ in range(50):
        record = policy.decide(context, rng)
        assert 0.1 - 1e-12 <= record.prompt_probability <= 0.8 + 1e-12
        assert sum(record.action_probabilities.values()) == pytest.approx(1.0)
        assert record.probability == record.action_probabilities[record.action]
        floor = policy.type_floor * record.prompt_probability
        assert all(record.action_probabilities[k] >= floor - 1e-12 for k in PROMPT_TYPES)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"available": False}, "unavailable"),
        ({"hour": 6.0}, "outside_waking_hours"),
        ({"prompts_today": 4}, "daily_cap"),
        ({"hours_since_last_prompt": 0.5}, "min_gap"),
    ],
)
def test_rules_decide_before_any_randomisation(change: dict[str, object], reason: str) -> None:
    policy = confident(5.0)
    record = policy.decide(make_context(**change), np.random.default_rng(2))
    assert (record.action, record.reason) == (NO_PROMPT, reason)
    assert record.prompt_probability == 0.0
    assert record.probability == 1.0
    assert not policy.update(record, 1.0)
    assert policy.model.n_updates_ == 0


def test_rules_can_be_tightened() -> None:
    rules = BurdenRules(max_prompts_per_day=1, min_gap_hours=4.0)
    assert rules.blocked_by(make_context(prompts_today=1)) == "daily_cap"
    assert rules.blocked_by(make_context(prompts_today=0)) == "min_gap"
    assert rules.blocked_by(make_context(prompts_today=0, hours_since_last_prompt=5.0)) is None


def _learn(policy: ThompsonSamplingPolicy, n: int, seed: int) -> None:
    """Outcomes from a known model: breathing helps, activity harms, the rest do nothing;
    the baseline depends on mood (which action-centring must not confuse with effects)."""
    truth = {NO_PROMPT: 0.0, "breathing": 0.6, "activity_suggestion": -0.4}
    rng = np.random.default_rng(seed)
    for _ in range(n):
        context = make_context(
            recent_mood=float(rng.uniform(0, 10)), hour=float(rng.uniform(8, 22))
        )
        record = policy.decide(context, rng)
        mood = context.features()[FEATURE_NAMES.index("mood_centred")]
        y = 0.3 * mood + truth.get(record.action, 0.0) + rng.normal(scale=0.5)
        policy.update(record, y)


def test_posterior_moves_toward_the_true_effects(context: DecisionContext) -> None:
    policy = ThompsonSamplingPolicy()
    before = policy.effect_means(context)
    _learn(policy, 1500, seed=4)
    after = policy.effect_means(context)
    assert all(v == 0.0 for v in before.values())
    assert after["breathing"] == pytest.approx(0.6, abs=0.2)
    assert after["activity_suggestion"] == pytest.approx(-0.4, abs=0.2)
    assert policy.model.noise_variance_ == pytest.approx(0.25, rel=0.3)
    record = policy.decide(context, np.random.default_rng(5))
    assert record.prompt_probability == pytest.approx(0.8)
    best = max(PROMPT_TYPES, key=lambda k: record.action_probabilities[k])
    assert best == "breathing"


def test_state_round_trips_through_json(context: DecisionContext) -> None:
    policy = ThompsonSamplingPolicy(rules=BurdenRules(max_prompts_per_day=3))
    _learn(policy, 100, seed=6)
    restored = ThompsonSamplingPolicy.from_state(json.loads(json.dumps(policy.to_state())))
    assert restored.rules == policy.rules
    assert restored.model.n_updates_ == policy.model.n_updates_
    assert restored.model.mean_ == pytest.approx(policy.model.mean_, abs=1e-12)
    one = policy.decide(context, np.random.default_rng(7), decision_id="d1")
    two = restored.decide(context, np.random.default_rng(7), decision_id="d1")
    assert one == two


def test_state_from_another_version_is_refused() -> None:
    state = ThompsonSamplingPolicy().to_state()
    state["policy_version"] = "something-else/9"
    with pytest.raises(ValueError, match="not from"):
        ThompsonSamplingPolicy.from_state(state)


def test_record_has_what_off_policy_evaluation_needs(context: DecisionContext) -> None:
    record = ThompsonSamplingPolicy().decide(context, np.random.default_rng(8))
    assert set(record.action_probabilities) == set(ACTIONS)
    assert record.time == context.time.isoformat()
    assert record.policy_version and record.decision_id
    again = DecisionRecord.from_dict(json.loads(json.dumps(record.to_dict())))
    assert again == record
