"""Shared contexts for the JITAI tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mindway.therapy.jitai.context import DecisionContext


def make_context(**changes: Any) -> DecisionContext:
    values: dict[str, Any] = {
        "time": datetime(2026, 1, 6, 17, 30, tzinfo=UTC),
        "hour": 17.5,
        "weekday": 1,
        "recent_mood": 4.0,
        "mood_trend": -0.5,
        "prompts_today": 1,
        "prompts_last_24h": 2,
        "hours_since_last_prompt": 3.0,
        "engagement_rate": 0.6,
        "available": True,
        "waking_start": 7.0,
        "waking_end": 23.0,
    }
    values.update(changes)
    return DecisionContext(**values)


@pytest.fixture
def context() -> DecisionContext:
    return make_context()
