"""The shipped classifier: its fast stacked scoring equals scikit-learn's own probabilities,
and its thresholds are ordered and recall-first (at most 0.5)."""

from __future__ import annotations

import numpy as np

from mindway.chat.embedding import embed
from mindway.chat.safety.classifier import RiskClassifier
from mindway.chat.safety.normalise import normalise

TEXTS = [normalise(t) for t in ("I want to die", "this deadline is killing me", "hello", "kms")]


def test_stacked_scores_equal_the_heads_probabilities() -> None:
    model = RiskClassifier.load()
    vectors = embed(TEXTS)
    features = model.features(TEXTS, vectors)
    fast = model.probabilities(TEXTS, vectors)
    levels = model.level_head.predict_proba(features)
    categories = np.column_stack([h.predict_proba(features)[:, 1] for h in model.category_heads])
    assert np.allclose([p.levels for p in fast], levels, atol=1e-6)
    assert np.allclose([p.categories for p in fast], categories, atol=1e-6)


def test_thresholds_are_recall_first() -> None:
    thresholds = RiskClassifier.load().thresholds
    assert set(thresholds) == {"low", "moderate", "high"}
    assert all(0.0 < value <= 0.5 for value in thresholds.values())
