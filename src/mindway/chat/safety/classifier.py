"""The risk classifier: a multinomial logistic model for the level and one logistic model per
category, over sentence embeddings joined with TF-IDF word and character n-grams.

Embeddings carry meaning ("I don't want to be here anymore"); n-grams carry the exact words
that separate "kill myself" from "kill the lights", which embeddings of short messages blur.
Thresholds favour recall, since a missed disclosure costs more than a false alarm: they are
chosen on cross-validated predictions of the training corpus (never the held-out file).
The fitted model ships as a skops file (no pickle), loaded with an explicit list of trusted
types, beside the fingerprint of the corpus it was trained on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix, hstack

from mindway.chat.safety.screening import CATEGORIES, LEVELS, RiskLevel

MODEL_FILE = Path(__file__).parent / "model" / "risk_model.skops"
FORMAT_VERSION = 2
_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.")


class ModelFileError(RuntimeError):
    """The shipped model file is missing, unreadable or of another format version."""


@dataclass(frozen=True)
class LevelProbabilities:
    """P(level) for none, low, moderate, high, and P(category) for each category."""

    levels: npt.NDArray[np.float64]
    categories: npt.NDArray[np.float64]

    def at_least(self, level: RiskLevel) -> float:
        return float(self.levels[LEVELS.index(level) :].sum())


@dataclass
class RiskClassifier:
    """Fitted vectorisers and heads; ``thresholds`` are the minimum P(level or above) for
    low, moderate and high."""

    word_ngrams: Any
    char_ngrams: Any
    level_head: Any
    category_heads: list[Any]
    thresholds: dict[str, float]
    metadata: dict[str, Any] = field(default_factory=dict)
    _weights: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None = field(
        default=None, repr=False, compare=False
    )

    def features(self, texts: list[str], vectors: npt.NDArray[np.float32]) -> Any:
        return hstack(
            [
                csr_matrix(vectors),
                self.word_ngrams.transform(texts),
                self.char_ngrams.transform(texts),
            ]
        ).tocsr()

    def probabilities(
        self, texts: list[str], vectors: npt.NDArray[np.float32]
    ) -> list[LevelProbabilities]:
        """P(level) and P(category) for each text: the heads' linear scores in one product
        (the same numbers as their ``predict_proba``, without seven passes over the row)."""
        weights, intercepts = self._stacked()
        scores = np.asarray(self.features(texts, vectors) @ weights) + intercepts
        level_scores = scores[:, : len(LEVELS)]
        level_scores = level_scores - level_scores.max(axis=1, keepdims=True)
        levels = np.exp(level_scores) / np.exp(level_scores).sum(axis=1, keepdims=True)
        categories = 1.0 / (1.0 + np.exp(-scores[:, len(LEVELS) :]))
        return [
            LevelProbabilities(levels[i].astype(np.float64), categories[i].astype(np.float64))
            for i in range(len(texts))
        ]

    def _stacked(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        if self._weights is None:
            heads = [self.level_head, *self.category_heads]
            weights = np.vstack([h.coef_ for h in heads]).T
            intercepts = np.concatenate([h.intercept_ for h in heads])
            self._weights = (np.ascontiguousarray(weights), intercepts)
        return self._weights

    def level_of(self, probs: LevelProbabilities) -> RiskLevel:
        """The highest level whose cumulative probability reaches its threshold."""
        for level in ("high", "moderate", "low"):
            if probs.at_least(level) >= self.thresholds[level]:
                return level
        return "none"

    def categories_of(self, probs: LevelProbabilities) -> tuple[str, ...]:
        chosen = [c for c, p in zip(CATEGORIES, probs.categories, strict=True) if p >= 0.5]
        if not chosen:
            chosen = [CATEGORIES[int(np.argmax(probs.categories))]]
        return tuple(chosen)

    def save(self, path: Path = MODEL_FILE) -> None:
        import skops.io as sio

        path.parent.mkdir(parents=True, exist_ok=True)
        sio.dump(
            {
                "format": FORMAT_VERSION,
                "word_ngrams": self.word_ngrams,
                "char_ngrams": self.char_ngrams,
                "level_head": self.level_head,
                "category_heads": self.category_heads,
                "thresholds": self.thresholds,
                "metadata": self.metadata,
            },
            path,
        )

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> RiskClassifier:
        import skops.io as sio

        try:
            untrusted = sio.get_untrusted_types(file=path)
            unexpected = [t for t in untrusted if not t.startswith(_TRUSTED_PREFIXES)]
            if unexpected:
                raise ModelFileError(f"{path} holds unexpected types {unexpected}")
            saved = sio.load(path, trusted=untrusted)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelFileError(f"cannot read the risk model {path}: {exc}") from exc
        if saved.get("format") != FORMAT_VERSION:
            raise ModelFileError(f"{path} has format {saved.get('format')}, not {FORMAT_VERSION}")
        return cls(
            word_ngrams=saved["word_ngrams"],
            char_ngrams=saved["char_ngrams"],
            level_head=saved["level_head"],
            category_heads=list(saved["category_heads"]),
            thresholds={k: float(v) for k, v in saved["thresholds"].items()},
            metadata=dict(saved["metadata"]),
        )
