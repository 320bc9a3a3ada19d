"""Whether to prompt now, and with what: rules first, then clipped Thompson sampling.

Rules (waking hours, availability, a daily cap, a minimum gap) are checked before any
randomisation; a blocked decision logs prompt probability 0. Otherwise the policy follows
HeartSteps (Liao et al. 2020, "Personalized HeartSteps", Proc ACM IMWUT 4(1):18):
a Bayesian linear model of the proximal outcome with action-centred treatment terms
(Greenewald et al. 2017, NeurIPS). The prompt type is drawn in proportion to how often
each type is best under the posterior (Thompson sampling, with a floor per type), and the
probability of prompting is P(advantage > 0) for the type so drawn, averaged over the
draw; it is clipped to [0.1, 0.8] so every effect stays estimable from the log (Klasnja et
al. 2019, Ann Behav Med 53(6):573, randomised at 5 points a day).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mindway.therapy.jitai.context import FEATURE_NAMES, DecisionContext
from mindway.therapy.jitai.posterior import BayesianLinearRegression

NO_PROMPT = "none"
PROMPT_TYPES: tuple[str, ...] = (
    "breathing",
    "activity_suggestion",
    "check_in",
    "thought_record_nudge",
)
ACTIONS: tuple[str, ...] = (NO_PROMPT, *PROMPT_TYPES)
POLICY_VERSION = "jitai-ts-blr/1"
RANDOMISED = "randomised"
TYPE_FEATURES: tuple[str, ...] = ("intercept",)
"""Features whose effect differs by prompt type: by default each type its own main effect."""
SHARED_FEATURES: tuple[str, ...] = (
    "mood_centred",
    "hour_centred",
    "prompts_last_24h",
    "engagement_centred",
)
"""Moderators of any prompt's effect (low mood, evening, burden, engagement), shared by the
types: a small model, as in HeartSteps, so one person's posterior learns within weeks."""


@dataclass(frozen=True)
class BurdenRules:
    """Limits that hold whatever the learner thinks (Nahum-Shani et al. 2018: JITAIs must
    weigh burden); HeartSteps capped walking suggestions at 5 decision points a day."""

    max_prompts_per_day: int = 4
    min_gap_hours: float = 1.0

    def blocked_by(self, context: DecisionContext) -> str | None:
        """The first rule that forbids a prompt now, or ``None``."""
        if not context.awake:
            return "outside_waking_hours"
        if not context.available:
            return "unavailable"
        if context.prompts_today >= self.max_prompts_per_day:
            return "daily_cap"
        since = context.hours_since_last_prompt
        if since is not None and since < self.min_gap_hours:
            return "min_gap"
        return None


@dataclass(frozen=True)
class DecisionRecord:
    """One logged decision: enough to update the learner and for off-policy evaluation.

    ``probability`` is that of the action taken; ``action_probabilities`` gives every
    action's probability under the policy at that moment (0/1 when a rule decided).
    """

    decision_id: str
    time: str
    features: tuple[float, ...]
    action: str
    probability: float
    prompt_probability: float
    action_probabilities: dict[str, float]
    reason: str
    policy_version: str
    posterior_updates: int

    @property
    def randomised(self) -> bool:
        return self.reason == RANDOMISED

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["features"] = list(self.features)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DecisionRecord:
        values = dict(data)
        values["features"] = tuple(float(v) for v in values["features"])
        values["action_probabilities"] = dict(values["action_probabilities"])
        return cls(**values)


def decision_record(
    context: DecisionContext,
    action: str,
    probabilities: dict[str, float],
    reason: str,
    version: str,
    decision_id: str | None,
    *,
    posterior_updates: int = 0,
) -> DecisionRecord:
    """The logged decision: what was chosen, with which probabilities, and why (for
    off-policy evaluation, every decision keeps the probability of the chosen action)."""
    return DecisionRecord(
        decision_id=decision_id or str(uuid.uuid4()),
        time=context.time.isoformat(),
        features=tuple(float(v) for v in context.features()),
        action=action,
        probability=probabilities[action],
        prompt_probability=1.0 - probabilities[NO_PROMPT],
        action_probabilities=probabilities,
        reason=reason,
        policy_version=version,
        posterior_updates=posterior_updates,
    )


@dataclass
class ThompsonSamplingPolicy:
    """A person's JITAI policy: burden rules, then a clipped Thompson sampler.

    The outcome model is y = g(s)'alpha + sum_k (1[a=k] - pi_k) t(s)'beta_k
    + (1[a != none] - pi) c(s)'gamma + e, with g all ``FEATURE_NAMES``, t the
    ``type_features`` and c the ``shared_features``; the advantage of type k over no prompt
    is t(s)'beta_k + c(s)'gamma. Centring on the probabilities keeps beta and gamma unbiased
    however wrong the baseline g(s)'alpha is. ``effect_prior_scale`` is the prior SD of each
    effect coefficient in noise-SD units; ``effect_prior_means`` (e.g. from a pilot trial,
    see ``prior``) its prior mean.
    """

    rules: BurdenRules = field(default_factory=BurdenRules)
    clip: tuple[float, float] = (0.1, 0.8)
    type_floor: float = 0.05
    n_draws: int = 200
    type_features: tuple[str, ...] = TYPE_FEATURES
    shared_features: tuple[str, ...] = SHARED_FEATURES
    baseline_prior_scale: float = 1.0
    effect_prior_scale: float = 0.3
    effect_prior_mean: float = 0.0
    effect_prior_means: tuple[float, ...] | None = None
    noise_variance: float = 1.0
    posterior: BayesianLinearRegression | None = None

    def __post_init__(self) -> None:
        low, high = self.clip
        if not 0.0 < low <= high < 1.0:
            raise ValueError("clip must satisfy 0 < low <= high < 1")
        if not 0.0 <= self.type_floor * len(PROMPT_TYPES) < 1.0:
            raise ValueError("type_floor times the number of prompt types must be < 1")
        unknown = (set(self.type_features) | set(self.shared_features)) - set(FEATURE_NAMES)
        if unknown:
            raise ValueError(f"unknown features: {sorted(unknown)}")
        self._type_index = [FEATURE_NAMES.index(n) for n in self.type_features]
        self._shared_index = [FEATURE_NAMES.index(n) for n in self.shared_features]
        if self.posterior is None:
            self.posterior = self._prior()

    def _prior(self) -> BayesianLinearRegression:
        n_base, n_effect = len(FEATURE_NAMES), self.n_effects
        scale = np.r_[
            np.full(n_base, self.baseline_prior_scale), np.full(n_effect, self.effect_prior_scale)
        ]
        effect_mean = np.zeros(n_effect)
        if "intercept" in self.type_features:
            at = self.type_features.index("intercept")
            effect_mean[at :: len(self.type_features)][: len(PROMPT_TYPES)] = self.effect_prior_mean
        if self.effect_prior_means is not None:
            if len(self.effect_prior_means) != n_effect:
                raise ValueError(f"effect_prior_means needs {n_effect} values")
            effect_mean = np.asarray(self.effect_prior_means, dtype=np.float64)
        mean = np.r_[np.zeros(n_base), effect_mean]
        # IG(2, v): the noise variance has prior mean v.
        return BayesianLinearRegression(mean, scale, 2.0, self.noise_variance)

    @property
    def model(self) -> BayesianLinearRegression:
        assert self.posterior is not None
        return self.posterior

    def decide(
        self, context: DecisionContext, rng: np.random.Generator, decision_id: str | None = None
    ) -> DecisionRecord:
        """Apply the rules, then randomise with the clipped posterior probability."""
        reason = self.rules.blocked_by(context)
        if reason is not None:
            probabilities = {action: 0.0 for action in ACTIONS}
            probabilities[NO_PROMPT] = 1.0
            return self._record(context, NO_PROMPT, probabilities, reason, decision_id)
        probabilities = self.action_probabilities(context.features(), rng)
        prompt = rng.random() < 1.0 - probabilities[NO_PROMPT]
        if prompt:
            weights = np.array([probabilities[k] for k in PROMPT_TYPES])
            action = PROMPT_TYPES[int(rng.choice(len(PROMPT_TYPES), p=weights / weights.sum()))]
        else:
            action = NO_PROMPT
        return self._record(context, action, probabilities, RANDOMISED, decision_id)

    def action_probabilities(
        self, features: NDArray[np.float64], rng: np.random.Generator
    ) -> dict[str, float]:
        """P(each action) at an available decision point, from posterior draws.

        P(prompt) = sum_k q_k P(advantage_k > 0), with q_k the (floored) share of draws in
        which type k is best; a prompt's type then follows q. Averaging over the type keeps
        P(prompt) near 1/2 under a vague prior rather than near P(max of four > 0)."""
        draws = self.model.sample(rng, self.n_draws, self._effect_block())
        advantage = self._advantages(draws, features)
        best = np.bincount(advantage.argmax(axis=1), minlength=len(PROMPT_TYPES)) / self.n_draws
        share = self.type_floor + (1.0 - self.type_floor * len(PROMPT_TYPES)) * best
        helps = np.mean(advantage > 0.0, axis=0)
        p_prompt = float(np.clip(float(share @ helps), *self.clip))
        probabilities = {NO_PROMPT: 1.0 - p_prompt}
        probabilities.update(
            {k: p_prompt * float(s) for k, s in zip(PROMPT_TYPES, share, strict=True)}
        )
        return probabilities

    def update(self, record: DecisionRecord, outcome: float) -> bool:
        """Learn from the proximal outcome of a randomised decision; rule-made ones teach
        nothing about effects and are skipped (returns whether the posterior changed)."""
        if not record.randomised:
            return False
        self.model.partial_fit(self.design_row(record), outcome)
        return True

    def design_row(self, record: DecisionRecord) -> NDArray[np.float64]:
        """g(s) followed by the action-centred blocks (1[a=k] - pi_k) f(s)."""
        features = np.asarray(record.features, dtype=np.float64)
        by_type = features[self._type_index]
        blocks = [
            (float(record.action == k) - record.action_probabilities[k]) * by_type
            for k in PROMPT_TYPES
        ]
        prompted = float(record.action != NO_PROMPT) - record.prompt_probability
        return np.concatenate([features, *blocks, prompted * features[self._shared_index]])

    def effect_means(self, context: DecisionContext) -> dict[str, float]:
        """The posterior mean advantage of each prompt type over none in this context."""
        means = self.model.mean_[self._effect_block()][np.newaxis, :]
        effects = self._advantages(means, context.features())[0]
        return {k: float(v) for k, v in zip(PROMPT_TYPES, effects, strict=True)}

    @property
    def n_effects(self) -> int:
        """The number of effect coefficients (beta for each type, then gamma)."""
        return len(PROMPT_TYPES) * len(self.type_features) + len(self.shared_features)

    def _advantages(
        self, effects: NDArray[np.float64], features: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Advantage of each prompt type over none (draws x types) for coefficient rows."""
        n_type = len(PROMPT_TYPES) * len(self.type_features)
        beta = effects[:, :n_type].reshape(effects.shape[0], len(PROMPT_TYPES), -1)
        shared = effects[:, n_type:] @ features[self._shared_index]
        advantage: NDArray[np.float64] = beta @ features[self._type_index] + shared[:, None]
        return advantage

    def _effect_block(self) -> slice:
        return slice(len(FEATURE_NAMES), self.model.dimension)

    def _record(
        self,
        context: DecisionContext,
        action: str,
        probabilities: dict[str, float],
        reason: str,
        decision_id: str | None,
    ) -> DecisionRecord:
        return decision_record(
            context,
            action,
            probabilities,
            reason,
            POLICY_VERSION,
            decision_id,
            posterior_updates=self.model.n_updates_,
        )

    def to_state(self) -> dict[str, Any]:
        """A JSON-able snapshot (settings and posterior) a service can store per patient."""
        return {
            "policy_version": POLICY_VERSION,
            "rules": asdict(self.rules),
            "clip": list(self.clip),
            "type_floor": self.type_floor,
            "n_draws": self.n_draws,
            "type_features": list(self.type_features),
            "shared_features": list(self.shared_features),
            "baseline_prior_scale": self.baseline_prior_scale,
            "effect_prior_scale": self.effect_prior_scale,
            "effect_prior_mean": self.effect_prior_mean,
            "effect_prior_means": (
                None if self.effect_prior_means is None else list(self.effect_prior_means)
            ),
            "noise_variance": self.noise_variance,
            "posterior": self.model.to_state(),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ThompsonSamplingPolicy:
        """The inverse of ``to_state``; refuses a snapshot from another policy version."""
        if state.get("policy_version") != POLICY_VERSION:
            raise ValueError(f"state is not from {POLICY_VERSION}: {state.get('policy_version')}")
        low, high = state["clip"]
        return cls(
            rules=BurdenRules(**state["rules"]),
            clip=(float(low), float(high)),
            type_floor=float(state["type_floor"]),
            n_draws=int(state["n_draws"]),
            type_features=tuple(state["type_features"]),
            shared_features=tuple(state["shared_features"]),
            baseline_prior_scale=float(state["baseline_prior_scale"]),
            effect_prior_scale=float(state["effect_prior_scale"]),
            effect_prior_mean=float(state["effect_prior_mean"]),
            effect_prior_means=(
                None
                if state.get("effect_prior_means") is None
                else tuple(float(v) for v in state["effect_prior_means"])
            ),
            noise_variance=float(state["noise_variance"]),
            posterior=BayesianLinearRegression.from_state(state["posterior"]),
        )
