"""Risk screening of every text a person types in Mindway (DESIGN.md safety rules: crisis
first): chat messages, mood notes, thought records, journals, questionnaire comments.

``screen(text, locale=..., context=...)`` returns a :class:`Screening`; ``moderate`` and
``high`` call for the crisis protocol (``mindway.chat.crisis``).
"""

from mindway.chat.safety.screener import ModelScreener, default_screener, screen
from mindway.chat.safety.screening import (
    CATEGORIES,
    LEVELS,
    NO_RISK,
    RiskLevel,
    Screener,
    Screening,
    highest,
    rank,
)

__all__ = [
    "CATEGORIES",
    "LEVELS",
    "NO_RISK",
    "ModelScreener",
    "RiskLevel",
    "Screener",
    "Screening",
    "default_screener",
    "highest",
    "rank",
    "screen",
]
