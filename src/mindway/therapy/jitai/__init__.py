"""Just-in-time adaptive interventions (JITAI): whether to prompt now, and with what.

At each decision point the rules come first (waking hours, availability, a daily burden cap
and a minimum gap); only then does a Bayesian linear-regression Thompson sampler choose,
with its probability of prompting clipped so effects stay estimable, as in HeartSteps
(Liao et al. 2020, Proc ACM IMWUT 4(1):18; Klasnja et al. 2019, Ann Behav Med 53(6):573).
Every decision is logged with its probabilities for off-policy evaluation.

Modules: ``context`` (the decision-point state), ``policy`` (rules and the sampler),
``offpolicy`` (importance-weighted value estimates), ``simulation`` (the documented
population used by ``mindway eval jitai``).
"""

from mindway.therapy.jitai.context import FEATURE_NAMES, DecisionContext
from mindway.therapy.jitai.policy import (
    ACTIONS,
    NO_PROMPT,
    PROMPT_TYPES,
    BurdenRules,
    DecisionRecord,
    ThompsonSamplingPolicy,
)

__all__ = [
    "ACTIONS",
    "FEATURE_NAMES",
    "NO_PROMPT",
    "PROMPT_TYPES",
    "BurdenRules",
    "DecisionContext",
    "DecisionRecord",
    "ThompsonSamplingPolicy",
]
