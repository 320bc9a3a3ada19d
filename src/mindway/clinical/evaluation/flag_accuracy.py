"""How well an early flag predicts a later outcome: a 2x2 table and its rates."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["flag_accuracy", "rate"]

DECIMALS = 4


def rate(count: int, total: int) -> float | None:
    """``count / total`` rounded for reporting; None when there is nobody to count."""
    return round(count / total, DECIMALS) if total else None


def flag_accuracy(flagged: NDArray[np.bool_], outcome: NDArray[np.bool_]) -> dict[str, Any]:
    """Counts and sensitivity, specificity, PPV and NPV of ``flagged`` for ``outcome``."""
    tp = int(np.sum(flagged & outcome))
    fp = int(np.sum(flagged & ~outcome))
    fn = int(np.sum(~flagged & outcome))
    tn = int(np.sum(~flagged & ~outcome))
    return {
        "true_positive": tp,
        "false_negative": fn,
        "false_positive": fp,
        "true_negative": tn,
        "sensitivity": rate(tp, tp + fn),
        "specificity": rate(tn, tn + fp),
        "positive_predictive_value": rate(tp, tp + fp),
        "negative_predictive_value": rate(tn, tn + fn),
    }
