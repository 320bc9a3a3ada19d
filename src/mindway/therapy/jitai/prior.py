"""An informative prior for a new person's sampler, from a pilot micro-randomised trial.

HeartSteps V2 did not start each person from ignorance: the prior mean of the treatment
effects came from pooled HeartSteps V1 data (Liao et al. 2020, Proc ACM IMWUT 4(1):18, 4.3),
so early decisions are sensible and each person's own data then personalise them.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from mindway.therapy.jitai.policy import DecisionRecord, ThompsonSamplingPolicy
from mindway.therapy.jitai.posterior import BayesianLinearRegression


def pooled_effect_prior(
    log: Iterable[tuple[DecisionRecord, float]],
    template: ThompsonSamplingPolicy | None = None,
    shrinkage: float = 1.0,
) -> tuple[float, ...]:
    """The pooled posterior mean of the treatment effects (times ``shrinkage``), fitted on
    the randomised decisions of a pilot log, for ``effect_prior_means`` of new policies."""
    policy = template or ThompsonSamplingPolicy()
    rows, outcomes = [], []
    for record, outcome in log:
        if record.randomised:
            rows.append(policy.design_row(record))
            outcomes.append(outcome)
    dimension = policy.model.dimension
    if not rows:
        return tuple(0.0 for _ in range(policy.n_effects))
    vague = BayesianLinearRegression(np.zeros(dimension), np.full(dimension, 10.0))
    model = vague.fit(np.asarray(rows), np.asarray(outcomes))
    effects = model.mean_[dimension - policy.n_effects :] * shrinkage
    return tuple(float(v) for v in effects)
