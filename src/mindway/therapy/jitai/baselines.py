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
class FixedSchedulePolicy:
    """Prompt at every allowed decision point, rotating through the prompt types."""

    rules: BurdenRules = field(default_factory=BurdenRules)
    sent: int = 0

    def decide(
        self, context: DecisionContext, rng: np.random.Generator, decision_id: str | None = None
    ) -> DecisionRecord:
        reason = self.rules.blocked_by(context)
        if reason is not None:
            no = _certain(NO_PROMPT)
            return rule_record(context, NO_PROMPT, no, reason, "fixed/1", decision_id)
        action = PROMPT_TYPES[self.sent % len(PROMPT_TYPES)]
        self.sent += 1
        return rule_record(context, action, _certain(action), "schedule", "fixed/1", decision_id)

    def update(self, record: DecisionRecord, outcome: float) -> bool:
        return False


@dataclass
class RandomPolicy:
    """Prompt with probability ``p`` at each allowed point; the type uniformly at random."""

    rules: BurdenRules = field(default_factory=BurdenRules)
    p: float = 0.5

    def decide(
        self, context: DecisionContext, rng: np.random.Generator, decision_id: str | None = None
    ) -> DecisionRecord:
        reason = self.rules.blocked_by(context)
        if reason is not None:
            no = _certain(NO_PROMPT)
            return rule_record(context, NO_PROMPT, no, reason, "random/1", decision_id)
        share = self.p / len(PROMPT_TYPES)
        probabilities = {NO_PROMPT: 1.0 - self.p, **{k: share for k in PROMPT_TYPES}}
        action = NO_PROMPT
        if rng.random() < self.p:
            action = PROMPT_TYPES[int(rng.integers(len(PROMPT_TYPES)))]
        return rule_record(context, action, probabilities, RANDOMISED, "random/1", decision_id)

    def update(self, record: DecisionRecord, outcome: float) -> bool:
        return False


@dataclass
class NeverPolicy:
    """Never prompt: the no-intervention reference."""

    rules: BurdenRules = field(default_factory=BurdenRules)

    def decide(
        self, context: DecisionContext, rng: np.random.Generator, decision_id: str | None = None
    ) -> DecisionRecord:
        reason = self.rules.blocked_by(context) or "never"
        return rule_record(context, NO_PROMPT, _certain(NO_PROMPT), reason, "never/1", decision_id)

    def update(self, record: DecisionRecord, outcome: float) -> bool:
        return False
