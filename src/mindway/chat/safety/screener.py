"""The risk screener: classifier over embeddings, explicit rules, and the conversation so far.

Pattern first and model second, then the conversation (as in published chat-safety designs):
explicit plan, means, timing and preparation statements are ``high`` whatever the model says;
the model judges the rest. After an earlier turn at ``moderate`` or above, a message that
answers or adds to it ("yes", "tonight", "I've got them saved") is read with that turn and
is ``high``: elliptic on its own, urgent in context; another short follow-up that does not
deny it keeps the earlier level.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from mindway.chat.embedding import embed
from mindway.chat.safety.classifier import LevelProbabilities, RiskClassifier
from mindway.chat.safety.normalise import normalise
from mindway.chat.safety.rules import (
    continues_a_disclosure,
    denies,
    elliptic,
    explicit_statements,
)
from mindway.chat.safety.screening import (
    CATEGORIES,
    NO_RISK,
    RiskLevel,
    Screening,
    highest,
    rank,
)

CONTEXT_TURNS = 3
SHORT_MESSAGE_WORDS = 12
RULE_SCORE = 0.95
MODERATE_RULE_SCORE = 0.6
NO_SIGNAL = np.array([1.0, 0.0, 0.0, 0.0])
DENIAL_OVERRIDE = 0.9
_CACHE_SIZE = 512


class ModelScreener:
    """Screens with the shipped classifier (loaded once per process, see ``default``)."""

    def __init__(self, classifier: RiskClassifier | None = None) -> None:
        self._classifier = classifier
        self._recent: OrderedDict[str, Screening] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def classifier(self) -> RiskClassifier:
        if self._classifier is None:
            self._classifier = RiskClassifier.load()
        return self._classifier

    def screen(self, text: str, *, locale: str = "en-US", context: Sequence[str] = ()) -> Screening:
        message = normalise(text)
        if not message:
            return NO_RISK
        earlier = [normalise(c) for c in context[-CONTEXT_TURNS:] if normalise(c)]
        unseen = [c for c in earlier if self._cached(c) is None]
        batch = [message, *unseen]
        probs = self.classifier.probabilities(batch, embed(batch))
        for turn, turn_probs in zip(unseen, probs[1 : 1 + len(unseen)], strict=True):
            self._remember(turn, self._alone(turn, turn_probs))
        alone = self._alone(message, probs[0])
        self._remember(message, alone)
        if not earlier:
            return alone
        before = [s for c in earlier if (s := self._cached(c)) is not None]
        return self._in_context(message, alone, before)

    def _alone(self, message: str, probs: LevelProbabilities) -> Screening:
        model_level = self.classifier.level_of(probs)
        rules = explicit_statements(message)
        if elliptic(message):
            model_level, probs = "none", LevelProbabilities(NO_SIGNAL, probs.categories)
        categories = list(self.classifier.categories_of(probs)) if rank(model_level) else []
        denied = rules and all(r.level == "low" for r in rules)
        if denied and probs.at_least("moderate") < DENIAL_OVERRIDE:
            # The explicit statement is denied or in the past ("I'm not going to kill myself",
            # "when I was 15 I took an overdose"): noted as low, not a crisis, unless the
            # model is all but sure of risk elsewhere in the message.
            model_level = "low"
        level = highest(model_level, *(r.level for r in rules))
        for rule in rules:
            categories += [c for c in rule.categories if c not in categories]
        score = probs.at_least("moderate")
        if any(r.level == "high" for r in rules):
            score = max(score, RULE_SCORE)
        elif any(r.level == "moderate" for r in rules):
            score = max(score, MODERATE_RULE_SCORE)
        return Screening(
            level=level,
            categories=_ordered(categories) if rank(level) else (),
            score=round(score, 4),
            matched=tuple(dict.fromkeys(r.words for r in rules)),
        )

    def _in_context(self, message: str, alone: Screening, before: list[Screening]) -> Screening:
        earlier_level: RiskLevel = highest(*(s.level for s in before))
        if rank(earlier_level) < rank("moderate"):
            return alone
        earlier_categories = [c for s in before for c in s.categories]
        if continues_a_disclosure(message):
            return Screening(
                level="high",
                categories=_ordered([*alone.categories, "plan_intent_means", *earlier_categories]),
                score=max(alone.score, RULE_SCORE),
                matched=(*alone.matched, "continues an earlier disclosure"),
            )
        if len(message.split()) > SHORT_MESSAGE_WORDS or denies(message):
            return alone
        if rank(earlier_level) <= rank(alone.level):
            return alone
        return Screening(
            level=earlier_level,
            categories=_ordered([*alone.categories, *earlier_categories]),
            score=max(alone.score, *(s.score for s in before)),
            matched=(*alone.matched, "follows an earlier disclosure"),
        )

    def _cached(self, message: str) -> Screening | None:
        with self._lock:
            return self._recent.get(message)

    def _remember(self, message: str, screening: Screening) -> None:
        with self._lock:
            self._recent[message] = screening
            self._recent.move_to_end(message)
            while len(self._recent) > _CACHE_SIZE:
                self._recent.popitem(last=False)


def _ordered(categories: Sequence[str]) -> tuple[str, ...]:
    return tuple(c for c in CATEGORIES if c in categories)


_default: ModelScreener | None = None
_default_lock = threading.Lock()


def default_screener() -> ModelScreener:
    """The process-wide screener: the model loads once and is shared by every caller."""
    global _default
    with _default_lock:
        if _default is None:
            _default = ModelScreener()
        return _default


def screen(text: str, *, locale: str = "en-US", context: Sequence[str] = ()) -> Screening:
    """Screen ``text`` with the process-wide screener."""
    return default_screener().screen(text, locale=locale, context=context)
