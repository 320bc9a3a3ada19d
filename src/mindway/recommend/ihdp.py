"""IHDP benchmark, response surface B (Hill 2011, J Comput Graph Stat 20:217).

Replication r is ``econml.data.dgps.ihdp_surface_B(random_state=r)``; each is split 90/10
into training and test rows, stratified by treatment and seeded by r. The estimator is the
package's ``TLearner`` (per-arm choice among ridge, log-link GLM, RBF kernel ridge and
LightGBM by cross-validated error), fitted on the training rows only. Reported: square-root
PEHE against the noiseless true effect and the absolute ATE error, within the training rows
("in") and on the held-out rows ("out"), averaged over replications (Shalit et al. 2017).

The benchmark deliberately keeps this one candidate learner: the clinic training path
(``model.TreatmentEffectModel``) also fits and cross-fits the S-, DR-, X-, R-learners and a
causal forest and selects by R-loss, which costs about ten times as much per fit and would
take the 100 replications well past ten minutes on two cores.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.model_selection import train_test_split

from mindway.recommend.learners import TLearner

Matrix = NDArray[np.float64]
TEST_SHARE = 0.1


def replication(r: int) -> dict[str, float]:
    """One replication's figures."""
    from econml.data.dgps import ihdp_surface_B

    y, t, x, true_effect = ihdp_surface_B(random_state=r)
    y, t, true_effect = np.ravel(y), np.ravel(t).astype(int), np.ravel(true_effect)
    features = np.asarray(x, dtype=float)[:, 1:]  # the first column is the intercept
    rows = np.arange(len(y))
    train, test = train_test_split(rows, test_size=TEST_SHARE, stratify=t, random_state=r)
    arms = np.where(t == 1, "treated", "control").astype(str)
    learner = TLearner(seed=r).fit(features[train], arms[train], y[train])
    outcome = learner.predict_arms(features)
    effect = outcome[:, learner.arms_.index("treated")] - outcome[:, learner.arms_.index("control")]
    return {
        "pehe_in": _root_pehe(effect[train], true_effect[train]),
        "pehe_out": _root_pehe(effect[test], true_effect[test]),
        "ate_error_in": abs(float(effect[train].mean() - true_effect[train].mean())),
        "ate_error_out": abs(float(effect[test].mean() - true_effect[test].mean())),
    }


def _root_pehe(estimated: Matrix, true: Matrix) -> float:
    return float(np.sqrt(np.mean((estimated - true) ** 2)))


def evaluate_ihdp(
    replications: int, progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Means over replications 0..N-1, in the contract's key order."""
    runs = []
    for r in range(replications):
        runs.append(replication(r))
        if progress:
            progress(r)
    figures: dict[str, Any] = {"replications": replications}
    for key in ("pehe_in", "pehe_out", "ate_error_in", "ate_error_out"):
        figures[key] = round(float(np.mean([run[key] for run in runs])), 4)
    return figures
