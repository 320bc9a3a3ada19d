"""The state of one person at a decision point, and the features a policy learns from.

JITAI decision points carry the tailoring variables that say whether a prompt is likely to
help now: time, recent mood and its trend, how much the person has been prompted lately and
whether they engage (Nahum-Shani et al. 2018, Ann Behav Med 52(6):446). Mood is the 0-10
momentary rating of ``mindway.clinical.mood``. Availability (not driving, not in a meeting,
phone not off) is a rule, not a feature: an unavailable person is never prompted.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

FEATURE_NAMES: tuple[str, ...] = (
    "intercept",
    "mood_centred",
    "mood_trend",
    "hour_centred",
    "weekend",
    "prompts_last_24h",
    "recent_prompt",
    "engagement_centred",
)
"""The feature vector's entries in order; every value lies roughly in [-2, 2]."""

MOOD_MIDPOINT = 5.0
MOOD_SPREAD = 2.5
RECENCY_HOURS = 6.0
"""A prompt ``RECENCY_HOURS`` ago weighs 1/e in ``recent_prompt``."""


class ContextError(ValueError):
    """A decision-point context with a value outside its range."""


@dataclass(frozen=True)
class DecisionContext:
    """What is known about one person at one decision point.

    ``hour`` is local clock time in hours (0-24); ``weekday`` is 0 (Monday) to 6;
    ``recent_mood`` is the latest 0-10 rating and ``mood_trend`` its change per day;
    ``hours_since_last_prompt`` is ``None`` before the first prompt; ``engagement_rate``
    is the share of recent prompts the person completed; ``waking_start``/``waking_end``
    bound the hours in which the person agreed to be prompted.
    """

    time: datetime
    hour: float
    weekday: int
    recent_mood: float
    mood_trend: float = 0.0
    prompts_today: int = 0
    prompts_last_24h: int = 0
    hours_since_last_prompt: float | None = None
    engagement_rate: float = 0.5
    available: bool = True
    waking_start: float = 8.0
    waking_end: float = 22.0

    def __post_init__(self) -> None:
        checks = (
            (0.0 <= self.hour < 24.0, "hour must be in [0, 24)"),
            (0 <= self.weekday <= 6, "weekday must be 0-6"),
            (0.0 <= self.recent_mood <= 10.0, "recent_mood must be 0-10"),
            (self.prompts_today >= 0 and self.prompts_last_24h >= 0, "counts must be >= 0"),
            (0.0 <= self.engagement_rate <= 1.0, "engagement_rate must be in [0, 1]"),
            (0.0 <= self.waking_start < self.waking_end <= 24.0, "waking hours out of order"),
            (
                self.hours_since_last_prompt is None or self.hours_since_last_prompt >= 0.0,
                "hours_since_last_prompt must be >= 0",
            ),
        )
        for ok, message in checks:
            if not ok:
                raise ContextError(message)

    @property
    def awake(self) -> bool:
        """Whether the decision point falls inside the person's waking hours."""
        return self.waking_start <= self.hour < self.waking_end

    def features(self) -> NDArray[np.float64]:
        """The feature vector named by ``FEATURE_NAMES`` (scaled so a unit prior fits)."""
        recency = (
            0.0
            if self.hours_since_last_prompt is None
            else math.exp(-self.hours_since_last_prompt / RECENCY_HOURS)
        )
        return np.array(
            [
                1.0,
                (self.recent_mood - MOOD_MIDPOINT) / MOOD_SPREAD,
                max(-2.0, min(2.0, self.mood_trend / 2.0)),
                (self.hour - 14.0) / 6.0,
                1.0 if self.weekday >= 5 else 0.0,
                self.prompts_last_24h / 5.0,
                recency,
                self.engagement_rate - 0.5,
            ],
            dtype=np.float64,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form (the time as ISO 8601)."""
        data = asdict(self)
        data["time"] = self.time.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DecisionContext:
        """The inverse of ``to_dict``."""
        values = dict(data)
        values["time"] = datetime.fromisoformat(values["time"])
        return cls(**values)
