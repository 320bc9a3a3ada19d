"""JITAI evaluation over several seeds: the ``mindway eval jitai`` figures, the margins of the
adaptive policy over the fixed schedule and random prompting, and the time each run takes.

The default population (100 people x 60 days) is simulated once per seed; the acceptance of
issue 5 (adaptive beats fixed and random on mean proximal outcome, with no more prompts per
day than the fixed schedule) is checked for every seed.
"""

from __future__ import annotations

import time
from typing import Any

from mindway.therapy.jitai.simulation import evaluate_jitai

SEEDS = (0, 1, 2, 3, 4)
USERS = 100
DAYS = 60


def _accepted(figures: dict[str, dict[str, float]]) -> bool:
    adaptive, fixed, rand = figures["adaptive"], figures["fixed_schedule"], figures["random"]
    return (
        adaptive["mean_proximal_outcome"] > fixed["mean_proximal_outcome"]
        and adaptive["mean_proximal_outcome"] > rand["mean_proximal_outcome"]
        and adaptive["prompts_per_day"] <= fixed["prompts_per_day"]
    )


def run() -> dict[str, Any]:
    """Figures for each seed, and whether the acceptance holds on all of them."""
    per_seed: dict[str, Any] = {}
    for seed in SEEDS:
        started = time.perf_counter()
        figures = evaluate_jitai(seed=seed, users=USERS, days=DAYS)
        adaptive = figures["adaptive"]["mean_proximal_outcome"]
        per_seed[str(seed)] = {
            "figures": figures,
            "margin_over_fixed": round(
                adaptive - figures["fixed_schedule"]["mean_proximal_outcome"], 5
            ),
            "margin_over_random": round(adaptive - figures["random"]["mean_proximal_outcome"], 5),
            "accepted": _accepted(figures),
            "seconds": round(time.perf_counter() - started, 2),
        }
    return {
        "jitai": {
            "users": USERS,
            "days": DAYS,
            "seeds": per_seed,
            "accepted_on_all_seeds": all(s["accepted"] for s in per_seed.values()),
        }
    }
