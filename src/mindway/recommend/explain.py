"""Why an arm's expected outcome is what it is for one patient, in plain words.

Each feature is set, one at a time, to the value of a typical training patient (median for
numbers, most common level for categories) and the change in that arm's expected outcome is
that feature's contribution: a one-reference, occlusion form of permutation attribution
(Štrumbelj & Kononenko 2014). No training row is stored for this, only the reference values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from mindway.recommend.model import TreatmentEffectModel


@dataclass(frozen=True)
class Driver:
    """One feature's pull on one arm's expected outcome for one patient."""

    feature: str
    value: Any
    typical: Any
    contribution: float
    text: str


def reference_values(features: pd.DataFrame, model: TreatmentEffectModel) -> dict[str, Any]:
    frame = model.schema_.prepare(features)
    typical: dict[str, Any] = {n: float(frame[n].median()) for n in model.schema_.numeric}
    typical |= {n: str(frame[n].mode().iloc[0]) for n in model.schema_.categorical}
    return typical


def drivers(
    model: TreatmentEffectModel,
    typical: dict[str, Any],
    patient: pd.DataFrame,
    arm: str,
    top: int = 5,
) -> list[Driver]:
    """The features that move ``arm``'s expected outcome most for this one-row patient."""
    row = model.schema_.prepare(patient.iloc[[0]])
    column = model.arms_.index(arm)
    base = float(model.predict_arms(row)[0, column])
    variants = pd.concat([row] * len(typical), ignore_index=True)
    names = list(typical)
    for i, name in enumerate(names):
        variants.loc[i, name] = typical[name]
    changed = model.predict_arms(variants)[:, column]
    found = []
    for i, name in enumerate(names):
        contribution = base - float(changed[i])
        value = row.iloc[0][name]
        if abs(contribution) > 1e-9 and not _same(value, typical[name]):
            found.append(_driver(name, value, typical[name], contribution, arm))
    found.sort(key=lambda d: -abs(d.contribution))
    return found[:top]


def _same(value: Any, typical: Any) -> bool:
    if isinstance(value, float) and np.isnan(value):
        return False
    return bool(value == typical)


def _driver(name: str, value: Any, typical: Any, contribution: float, arm: str) -> Driver:
    shown = "missing" if isinstance(value, float) and np.isnan(value) else _fmt(value)
    direction = "raises" if contribution > 0 else "lowers"
    text = (
        f"{name} = {shown} (typical {_fmt(typical)}) {direction} the expected outcome "
        f"under {arm} by {abs(contribution):.2f}"
    )
    return Driver(name, None if shown == "missing" else value, typical, contribution, text)


def _fmt(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
