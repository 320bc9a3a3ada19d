"""A simulated depression-treatment cohort with known truth, for ``mindway eval synthetic``.

Patients have age, sex, ethnicity, baseline PHQ-9, prior SSRI failures, CYP2C19 phenotype,
fatigue (0-10), anxiety (GAD-7) and childhood trauma. The outcome is the PHQ-9 improvement
after 12 weeks (higher is better) under one of five arms. Effect modifiers are chosen to echo
published signals, with made-up sizes: SSRIs help less after prior SSRI failures (STAR*D,
Rush et al. 2006); CYP2C19 poor and ultrarapid metabolisers do worse on escitalopram
(exposure too high / too low; Bousman et al. 2023) and poor metabolisers slightly worse on
sertraline; bupropion helps more with fatigue and less with marked anxiety; venlafaxine helps
more with anxiety; psychotherapy (CBT) helps more after childhood trauma (Nemeroff et al.
2003, PNAS 100:14293). Assignment is confounded: clinicians route by the same features.

The evaluation trains the recommender on a confounded sample and scores its choices on a
fresh sample with the true expected outcomes: policy value, regret against the oracle (best
arm for each patient) and the share of the personalisation gain (oracle minus best single
arm) that the policy captures.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mindway.recommend.model import TreatmentEffectModel

Matrix = NDArray[np.float64]
ARMS = ("bupropion", "cbt", "escitalopram", "sertraline", "venlafaxine")
CYP2C19 = ("poor", "intermediate", "normal", "rapid", "ultrarapid")
CYP2C19_SHARE = (0.03, 0.25, 0.40, 0.25, 0.07)
NOISE_SD = 2.5
TEST_PATIENTS = 5000


def patients(count: int, rng: np.random.Generator) -> pd.DataFrame:
    """Baseline features of ``count`` simulated patients."""
    return pd.DataFrame(
        {
            "age": rng.uniform(18, 75, count).round(),
            "sex": rng.choice(["female", "male"], count, p=[0.62, 0.38]),
            "ethnicity": rng.choice(
                ["white", "black", "asian", "mixed"], count, p=[0.7, 0.12, 0.12, 0.06]
            ),
            "baseline_phq9": np.clip(rng.normal(16, 4, count), 5, 27).round(),
            "prior_ssri_failures": np.minimum(rng.poisson(0.7, count), 3),
            "cyp2c19": rng.choice(CYP2C19, count, p=CYP2C19_SHARE),
            "fatigue": np.clip(rng.normal(5, 2.5, count), 0, 10).round(1),
            "anxiety_gad7": np.clip(rng.normal(9, 5, count), 0, 21).round(),
            "childhood_trauma": rng.choice(["no", "yes"], count, p=[0.7, 0.3]),
        }
    )


def true_outcomes(frame: pd.DataFrame) -> Matrix:
    """Expected PHQ-9 improvement under each arm (columns in ``ARMS`` order)."""
    severity = (frame["baseline_phq9"] - 16) / 4
    failures = frame["prior_ssri_failures"].to_numpy(dtype=float)
    fatigue = (frame["fatigue"] - 5) / 2.5
    anxiety = (frame["anxiety_gad7"] - 9) / 5
    trauma = (frame["childhood_trauma"] == "yes").to_numpy(dtype=float)
    cyp = frame["cyp2c19"]
    base = 5.0 + 1.5 * severity - 0.02 * (frame["age"] - 45)
    effects = {
        "bupropion": 1.0 + 1.8 * fatigue - 1.2 * anxiety,
        "cbt": 1.2 + 3.0 * trauma - 0.6 * severity,
        "escitalopram": 2.5 - 1.6 * failures - 2.5 * cyp.isin(["poor", "ultrarapid"]),
        "sertraline": 2.2 - 1.3 * failures - 1.0 * (cyp == "poor"),
        "venlafaxine": 1.5 + 1.2 * anxiety - 0.4 * failures,
    }
    return np.column_stack([np.asarray(base + effects[a], dtype=float) for a in ARMS])


def assign(frame: pd.DataFrame, rng: np.random.Generator) -> NDArray[np.str_]:
    """Confounded treatment choice: a multinomial logit on the same features."""
    failures = frame["prior_ssri_failures"].to_numpy(dtype=float)
    fatigue = (frame["fatigue"].to_numpy(dtype=float) - 5) / 2.5
    trauma = (frame["childhood_trauma"] == "yes").to_numpy(dtype=float)
    anxiety = (frame["anxiety_gad7"].to_numpy(dtype=float) - 9) / 5
    logits = np.column_stack(
        [
            0.6 * fatigue + 0.3 * failures,
            0.8 * trauma - 0.2,
            0.4 - 0.5 * failures,
            0.4 - 0.4 * failures,
            0.5 * anxiety + 0.2 * failures,
        ]
    )
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    draws = rng.random(len(frame))[:, None]
    chosen = (probabilities.cumsum(axis=1) < draws).sum(axis=1)
    return np.asarray(np.array(ARMS, dtype=str)[np.minimum(chosen, len(ARMS) - 1)], dtype=str)


def cohort(count: int, seed: int) -> pd.DataFrame:
    """A labelled, confounded cohort: features, ``treatment`` and ``phq9_improvement``."""
    rng = np.random.default_rng(seed)
    frame = patients(count, rng)
    arms = assign(frame, rng)
    truth = true_outcomes(frame)
    given = np.array([ARMS.index(a) for a in arms])
    noise = rng.normal(0, NOISE_SD, count)
    frame["treatment"] = arms
    frame["phq9_improvement"] = (truth[np.arange(count), given] + noise).round(2)
    return frame


def evaluate_synthetic(patients: int = 3000, seed: int = 0) -> dict[str, Any]:
    """Train on a confounded cohort; score the policy on fresh patients with known truth."""
    train = cohort(patients, seed)
    features = train.drop(columns=["treatment", "phq9_improvement"])
    arms = train["treatment"].to_numpy(dtype=str)
    y = train["phq9_improvement"].to_numpy(dtype=float)
    model = TreatmentEffectModel(seed=seed).fit(features, arms, y, None)
    test = globals()["patients"](TEST_PATIENTS, np.random.default_rng(seed + 10_000))
    truth = true_outcomes(test)
    chosen = [ARMS.index(model.arms_[i]) for i in model.best_arm_index(model.predict_arms(test))]
    policy = float(truth[np.arange(len(test)), chosen].mean())
    oracle = float(truth.max(axis=1).mean())
    single = truth.mean(axis=0)
    best_single = float(single.max())
    return {
        "train_patients": patients,
        "test_patients": TEST_PATIENTS,
        "arms": list(ARMS),
        "meta_learner": model.chosen_,
        "policy_value": round(policy, 4),
        "oracle_value": round(oracle, 4),
        "best_single_arm": ARMS[int(single.argmax())],
        "best_single_arm_value": round(best_single, 4),
        "regret": round(oracle - policy, 4),
        "gain_captured": round((policy - best_single) / (oracle - best_single), 4),
        "oracle_agreement": round(float(np.mean(np.array(chosen) == truth.argmax(axis=1))), 4),
    }
