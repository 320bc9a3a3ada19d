"""The labelled corpus (data/CORPUS.md): valid, large enough per class, with a held-out file
that shares no message with training, and a shipped model trained on exactly this corpus."""

from __future__ import annotations

from collections import Counter

from mindway.chat.safety.classifier import RiskClassifier
from mindway.chat.safety.corpus import (
    fingerprint,
    heldout_examples,
    training_examples,
    training_files,
)
from mindway.chat.safety.normalise import normalise
from mindway.chat.safety.screening import CATEGORIES, LEVELS

SAFE_KINDS = ("idiom", "grief", "past_event", "everyday_distress")


def test_training_corpus_has_several_hundred_messages_per_level() -> None:
    counts = Counter(e.level for e in training_examples())
    assert set(counts) == set(LEVELS)
    assert min(counts.values()) >= 250, counts


def test_every_category_is_well_represented() -> None:
    counts = Counter(c for e in training_examples() for c in e.categories)
    assert min(counts[c] for c in CATEGORIES) >= 100, counts


def test_hard_negatives_cover_idiom_grief_past_and_distress() -> None:
    kinds = Counter(e.kind for e in training_examples() if e.level in ("none", "low"))
    assert all(kinds[k] >= 100 for k in SAFE_KINDS), kinds


def test_heldout_shares_no_message_with_training() -> None:
    seen = {normalise(e.text) for e in training_examples()}
    overlap = [e.text for e in heldout_examples() if normalise(e.text) in seen]
    assert overlap == []


def test_heldout_covers_every_level_and_context_cases() -> None:
    heldout = heldout_examples()
    assert Counter(e.level for e in heldout).keys() == set(LEVELS)
    assert sum(1 for e in heldout if e.context) >= 30


def test_shipped_model_was_trained_on_this_corpus() -> None:
    """Retrain with ``mindway safety train`` after any change to the training files."""
    model = RiskClassifier.load()
    assert model.metadata["corpus_sha256"] == fingerprint(training_files())
