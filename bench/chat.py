"""Risk screening: p95 latency per message after warm-up (issue 4 target: under 30 ms on
these 2 cores, torch on one thread), and the held-out figures of ``mindway eval risk``."""

from __future__ import annotations

import statistics
import time
from typing import Any

from mindway.chat.safety import ModelScreener
from mindway.chat.safety.corpus import heldout_examples
from mindway.chat.safety.evaluation import evaluate, screen_all

WARM_UP = 20


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run() -> dict[str, Any]:
    examples = heldout_examples()
    screener = ModelScreener()
    for example in examples[:WARM_UP]:
        screener.screen(example.text)
    alone, in_context = [], []
    for example in examples:
        fresh = ModelScreener(screener.classifier)  # no cached context turns
        started = time.perf_counter()
        fresh.screen(example.text, context=example.context)
        (in_context if example.context else alone).append(1000 * (time.perf_counter() - started))
    started = time.perf_counter()
    figures = evaluate(examples, screen_all(examples, ModelScreener(screener.classifier)))
    total = time.perf_counter() - started
    return {
        "screening_latency_ms": {
            "messages": len(alone),
            "p50": round(statistics.median(alone), 2),
            "p95": round(_percentile(alone, 0.95), 2),
            "p99": round(_percentile(alone, 0.99), 2),
            "target_p95": 30.0,
        },
        "screening_latency_with_context_ms": {
            "messages": len(in_context),
            "p50": round(statistics.median(in_context), 2),
            "p95": round(_percentile(in_context, 0.95), 2),
        },
        "heldout": {k: v for k, v in figures.items() if k != "misses"},
        "heldout_misses": len(figures["misses"]),
        "heldout_seconds": round(total, 1),
    }
