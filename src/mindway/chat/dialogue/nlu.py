"""Intent and emotion recognition from the same sentence embeddings as the risk screener.

Nearest examples (``data/intents.yaml``): an intent's score is the mean cosine similarity of
its three closest examples. A clear winner is taken; two close candidates get a clarifying
question; a weak best match is "not understood". Rasa's NLU-then-rules pattern, written small.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from mindway.chat.embedding import Vectors, embed

DATA = Path(__file__).resolve().parents[1] / "data" / "intents.yaml"
ACCEPT = 0.60
CLARIFY = 0.45
MARGIN = 0.04
TOP = 3


@dataclass(frozen=True)
class Intent:
    name: str
    flow: str | None
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Understanding:
    """The best intent if sure (``intent``), else the candidates to clarify between."""

    intent: str | None
    confidence: float
    candidates: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return loaded


@lru_cache(maxsize=1)
def intents() -> dict[str, Intent]:
    return {
        name: Intent(name, spec.get("flow"), tuple(spec["examples"]))
        for name, spec in _data()["intents"].items()
    }


class _Index:
    """Embedded examples, labelled, for nearest-example scoring."""

    def __init__(self, labelled: dict[str, tuple[str, ...]]) -> None:
        self.labels = [label for label, texts in labelled.items() for _ in texts]
        self.vectors: Vectors = embed([t for texts in labelled.values() for t in texts])

    def scores(self, vector: Vectors) -> dict[str, float]:
        similarity = self.vectors @ vector
        by_label: dict[str, list[float]] = {}
        for label, value in zip(self.labels, similarity, strict=True):
            by_label.setdefault(label, []).append(float(value))
        return {k: float(np.mean(sorted(v, reverse=True)[:TOP])) for k, v in by_label.items()}


@lru_cache(maxsize=1)
def _intent_index() -> _Index:
    return _Index({name: intent.examples for name, intent in intents().items()})


@lru_cache(maxsize=1)
def _emotion_index() -> _Index:
    return _Index({k: tuple(v) for k, v in _data()["emotions"].items()})


def understand(text: str) -> Understanding:
    scores = _intent_index().scores(embed([text])[0])
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (best, top), (_second, runner_up) = ranked[0], ranked[1]
    if top >= ACCEPT and top - runner_up >= MARGIN:
        return Understanding(best, round(top, 3))
    if top >= CLARIFY:
        close = tuple(name for name, value in ranked[:3] if top - value < MARGIN * 2)
        if len(close) == 1:
            return Understanding(best, round(top, 3))
        return Understanding(None, round(top, 3), close[:2])
    return Understanding(None, round(top, 3))


def emotion_of(text: str) -> str | None:
    """The emotion a text names most clearly, or None when none stands out."""
    scores = _emotion_index().scores(embed([text])[0])
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] >= CLARIFY else None
