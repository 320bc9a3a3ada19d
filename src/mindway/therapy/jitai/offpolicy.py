"""Off-policy evaluation: the value of a target policy estimated from logged decisions.

Because every decision is logged with the probability of the action taken, the mean
outcome a different policy would have had is estimable by importance weighting (Horvitz &
Thompson 1952; for bandit logs Dudik, Langford & Li 2011, ICML), without deploying it.
Inverse propensity weighting (IPW) is unbiased when the logging probabilities are right and
positive wherever the target acts; the self-normalised form trades a little bias for much
less variance (Swaminathan & Joachims 2015, NeurIPS). Clipping prompt probabilities to
[0.1, 0.8] at logging time is what keeps these weights bounded.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mindway.therapy.jitai.policy import DecisionRecord

TargetPolicy = Callable[[DecisionRecord], float]
"""Probability the target policy gives to the record's logged action in its context."""


class OffPolicyError(ValueError):
    """A log that cannot support the estimate (empty, or a zero logging probability)."""


@dataclass(frozen=True)
class OffPolicyEstimate:
    """IPW and self-normalised IPW values with the IPW standard error and the effective
    sample size (Kish) of the weights."""

    ipw: float
    self_normalised: float
    standard_error: float
    effective_sample_size: float
    n: int


def importance_weights(records: Sequence[DecisionRecord], target: TargetPolicy) -> np.ndarray:
    """pi_target(a | s) / pi_logging(a | s) for each logged decision."""
    weights = np.empty(len(records))
    for i, record in enumerate(records):
        if record.probability <= 0.0:
            raise OffPolicyError(f"decision {record.decision_id} logged probability 0")
        weights[i] = target(record) / record.probability
    return weights


def estimate_value(
    records: Sequence[DecisionRecord], outcomes: Sequence[float], target: TargetPolicy
) -> OffPolicyEstimate:
    """The target policy's mean proximal outcome per decision point, from a logged policy."""
    if not records or len(records) != len(outcomes):
        raise OffPolicyError("need one outcome per logged decision, and at least one")
    weights = importance_weights(records, target)
    y = np.asarray(outcomes, dtype=np.float64)
    weighted = weights * y
    total = float(weights.sum())
    n = len(records)
    return OffPolicyEstimate(
        ipw=float(weighted.mean()),
        self_normalised=float(weighted.sum() / total) if total > 0 else math.nan,
        standard_error=float(weighted.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan,
        effective_sample_size=float(total**2 / np.sum(weights**2)) if total > 0 else 0.0,
        n=n,
    )
