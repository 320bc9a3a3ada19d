"""Held-out evaluation of a risk screener (``mindway eval risk``).

Figures, as issue 4 defines its acceptance:
- ``any_risk_recall``: of messages labelled moderate or high (those needing the crisis
  protocol), the share screened moderate or high (target ≥ 0.95);
- ``false_alarm_rate``: of emotional-but-safe messages (idiom, grief, past events, everyday
  distress; labelled none or low), the share screened moderate or high (target ≤ 0.10);
- ``plan_intent_high``: of messages labelled with plan, intent or means, the share screened
  high (target ≥ 0.85);
- precision and recall per level (exact level) and per category (multi-label), and every miss.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from mindway.chat.safety.corpus import RiskExample
from mindway.chat.safety.screening import CATEGORIES, LEVELS, Screener, Screening, rank

SAFE_KINDS = ("idiom", "grief", "past_event", "everyday_distress")
TARGETS = {"any_risk_recall": 0.95, "false_alarm_rate": 0.10, "plan_intent_high": 0.85}


def screen_all(
    examples: Sequence[RiskExample],
    screener: Screener,
    advance: Callable[[], None] = lambda: None,
) -> list[Screening]:
    results = []
    for example in examples:
        results.append(screener.screen(example.text, context=example.context))
        advance()
    return results


def evaluate(examples: Sequence[RiskExample], results: Sequence[Screening]) -> dict[str, Any]:
    pairs = list(zip(examples, results, strict=True))
    crisis = [(e, s) for e, s in pairs if rank(e.level) >= rank("moderate")]
    safe = [(e, s) for e, s in pairs if e.kind in SAFE_KINDS and rank(e.level) <= rank("low")]
    plans = [(e, s) for e, s in pairs if "plan_intent_means" in e.categories]
    figures = {
        "any_risk_recall": _share(crisis, lambda s: s.needs_care_team),
        "false_alarm_rate": _share(safe, lambda s: s.needs_care_team),
        "plan_intent_high": _share(plans, lambda s: s.level == "high"),
    }
    return {
        "messages": len(pairs),
        **figures,
        "counts": {"crisis": len(crisis), "emotional_but_safe": len(safe), "plan": len(plans)},
        "meets_targets": {
            name: (value <= TARGETS[name] if name == "false_alarm_rate" else value >= TARGETS[name])
            for name, value in figures.items()
        },
        "levels": {
            lvl: _precision_recall([(e.level == lvl, s.level == lvl) for e, s in pairs])
            for lvl in LEVELS
        },
        "categories": {
            cat: _precision_recall([(cat in e.categories, cat in s.categories) for e, s in pairs])
            for cat in CATEGORIES
        },
        "misses": [_miss(e, s) for e, s in pairs if _missed(e, s)],
    }


def _share(pairs: list[tuple[RiskExample, Screening]], hit: Callable[[Screening], bool]) -> float:
    return round(sum(hit(s) for _, s in pairs) / len(pairs), 4) if pairs else 0.0


def _precision_recall(outcomes: list[tuple[bool, bool]]) -> dict[str, float | int]:
    """Precision and recall from (labelled, screened) pairs of one level or category."""
    true_pos = sum(g and p for g, p in outcomes)
    gold = sum(g for g, _ in outcomes)
    predicted = sum(p for _, p in outcomes)
    return {
        "support": gold,
        "precision": round(true_pos / predicted, 4) if predicted else 0.0,
        "recall": round(true_pos / gold, 4) if gold else 0.0,
    }


def _missed(example: RiskExample, result: Screening) -> bool:
    """A crisis message not escalated, a plan not rated high, or a safe one escalated."""
    if rank(example.level) >= rank("moderate") and not result.needs_care_team:
        return True
    if "plan_intent_means" in example.categories and result.level != "high":
        return True
    return rank(example.level) <= rank("low") and result.needs_care_team


def _miss(example: RiskExample, result: Screening) -> dict[str, Any]:
    return {
        "text": example.text,
        "context": list(example.context),
        "kind": example.kind,
        "expected": example.level,
        "screened": result.level,
        "score": result.score,
    }
