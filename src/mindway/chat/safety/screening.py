"""What a risk screening says, and the protocol every screener meets.

Levels and what Mindway does with them (DESIGN.md safety rules, "crisis first"):
``none`` nothing; ``low`` risk-relevant but not current (a past event, a denial, worry for
someone else): noted, no crisis reply; ``moderate`` a current death wish, suicidal thoughts,
self-harm, thoughts of harming others or abuse: crisis reply and an alert to the care team;
``high`` intent, plan, means, timing, preparation, an attempt or immediate danger: the same,
and the alert is urgent. A screening is not a clinical risk assessment (NICE NG225: risk
tools must not decide care); a person decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

RiskLevel = Literal["none", "low", "moderate", "high"]
LEVELS: tuple[RiskLevel, ...] = ("none", "low", "moderate", "high")
CATEGORIES: tuple[str, ...] = (
    "passive_death_wish",
    "active_suicidal_ideation",
    "plan_intent_means",
    "self_harm",
    "harm_to_others",
    "abuse_safeguarding",
)


def rank(level: RiskLevel) -> int:
    """The order of a level: none 0 … high 3."""
    return LEVELS.index(level)


def highest(*levels: RiskLevel) -> RiskLevel:
    return max(levels, key=rank) if levels else "none"


@dataclass(frozen=True)
class Screening:
    """The risk a text shows, the categories it touches, a score in [0, 1] (the estimated
    probability that the crisis protocol is called for) and why (rules that matched)."""

    level: RiskLevel
    categories: tuple[str, ...] = ()
    score: float = 0.0
    matched: tuple[str, ...] = ()

    @property
    def needs_care_team(self) -> bool:
        """Moderate or high: alert the care team and show the crisis resources first."""
        return rank(self.level) >= rank("moderate")

    @property
    def urgent(self) -> bool:
        return self.level == "high"


NO_RISK = Screening("none")


class Screener(Protocol):
    """Anything that risk-screens a text in a locale, given the person's earlier turns."""

    def screen(self, text: str, *, locale: str = "en-US", context: Sequence[str] = ()) -> Screening:
        """Screen ``text``; ``context`` holds the same person's earlier messages, oldest first."""
        ...
