"""Issue 4 acceptance on the held-out messages training never saw: recall of any risk
(moderate or high) >= 0.95, false alarms on emotional-but-safe messages <= 0.10, and plan or
intent statements rated high >= 0.85 (figures: ``mindway eval risk``)."""

from __future__ import annotations

from mindway.chat.safety import ModelScreener
from mindway.chat.safety.corpus import heldout_examples
from mindway.chat.safety.evaluation import TARGETS, evaluate, screen_all


def test_heldout_figures_meet_the_targets() -> None:
    examples = heldout_examples()
    figures = evaluate(examples, screen_all(examples, ModelScreener()))
    assert figures["any_risk_recall"] >= TARGETS["any_risk_recall"], figures["misses"]
    assert figures["false_alarm_rate"] <= TARGETS["false_alarm_rate"], figures["misses"]
    assert figures["plan_intent_high"] >= TARGETS["plan_intent_high"], figures["misses"]
    assert all(figures["meets_targets"].values())
