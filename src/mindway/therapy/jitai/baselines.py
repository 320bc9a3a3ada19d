"""The comparison policies of a JITAI evaluation: fixed schedule, random and never.

They obey the same burden rules as the adaptive policy and log the same records, so one
off-policy estimator reads every log. The fixed schedule is the usual app reminder: a prompt
at every allowed decision point, types in rotation. The random policy is the micro-randomised
trial's design (prompt with p = 0.5, type uniform; Klasnja et al. 2015, Health Psychol
34S:1220), which is also the ideal logging policy for off-policy evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from mindway.therapy.jitai.context import DecisionContext
from mindway.therapy.jitai.policy import (
    ACTIONS,
    NO_PROMPT,
    PROMPT_TYPES,
    RANDOMISED,
    BurdenRules,
    DecisionRecord,
    decision_record,
)


class JitaiPolicy(Protocol):
    """What a simulation needs from a policy: decide, then learn from the outcome."""

    def decide(
        self, context: DecisionContext, rng: np.random.Generator, decision_id: str | None = None
    ) -> DecisionRecord: ...

    def update(self, record: DecisionRecord, outcome: float) -> bool: ...


def rule_record(
    context: DecisionContext,
    action: str,
    probabilities: dict[str, float],
    reason: str,
    version: str,
    decision_id: str | None,
) -> DecisionRecord:
    """A decision record for a policy without a posterior."""
    return decision_record(context, action, probabilities, reason, version, decision_id)


def _certain(action: str) -> dict[str, float]:
    return {a: float(a == action) for a in ACTIONS}


@dataclass
class _RulePolicy:
    """A comparison policy without a posterior: the burden rules first, then its own choice.
    It learns nothing from outcomes."""

    rules: BurdenRules = field(default_factory=BurdenRules)
    version = "rule/1"

    def decide(
        self, context: DecisionContext, rng: np.random.Generator, decision_id: str | None = None
    ) -> DecisionRecord:
        reason = self.rules.blocked_by(context)
        if reason is not None:
            no = _certain(NO_PROMPT)
            return rule_record(context, NO_PROMPT, no, reason, self.version, decision_id)
        action, probabilities, why = self.choose(rng)
        return rule_record(context, action, probabilities, why, self.version, decision_id)

    def choose(self, rng: np.random.Generator) -> tuple[str, dict[str, float], str]:
        raise NotImplementedError

    def update(self, record: DecisionRecord, outcome: float) -> bool:
        return False


@dataclass
class FixedSchedulePolicy(_RulePolicy):
    """Prompt at every allowed decision point, rotating through the prompt types."""

    sent: int = 0
    version = "fixed/1"

    def choose(self, rng: np.random.Generator) -> tuple[str, dict[str, float], str]:
        action = PROMPT_TYPES[self.sent % len(PROMPT_TYPES)]
        self.sent += 1
        return action, _certain(action), "schedule"


@dataclass
class RandomPolicy(_RulePolicy):
    """Prompt with probability ``p`` at each allowed point; the type uniformly at random."""

    p: float = 0.5
    version = "random/1"

    def choose(self, rng: np.random.Generator) -> tuple[str, dict[str, float], str]:
        share = self.p / len(PROMPT_TYPES)
        probabilities = {NO_PROMPT: 1.0 - self.p, **{k: share for k in PROMPT_TYPES}}
        action = NO_PROMPT
        if rng.random() < self.p:
            action = PROMPT_TYPES[int(rng.integers(len(PROMPT_TYPES)))]
        return action, probabilities, RANDOMISED


@dataclass
class NeverPolicy(_RulePolicy):
    """Never prompt: the no-intervention reference."""

    version = "never/1"

    def decide(
        self, context: DecisionContext, rng: np.random.Generator, decision_id: str | None = None
    ) -> DecisionRecord:
        reason = self.rules.blocked_by(context) or "never"
        no = _certain(NO_PROMPT)
        return rule_record(context, NO_PROMPT, no, reason, self.version, decision_id)
