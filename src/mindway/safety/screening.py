"""Risk screening of free text: the interface issue 4's classifier plugs into, and a stop-gap.

:class:`RuleScreener` is an interim, conservative rule set until issue 4 brings a trained
and evaluated classifier. It matches only explicit statements of suicidal ideation, intent,
plan, means or timing and of self-harm (wording after the C-SSRS ideation items, Posner et al.
2011, Am J Psychiatry 168:1266) and errs towards flagging: a negated mention ("I'm not going
to kill myself") is ``low``, never ``none``, so that a person is still asked. Known idioms
("this deadline is killing me") do not match because only first-person self-directed
phrases are listed. It is not a clinical risk assessment; a person decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Protocol

RiskLevel = Literal["none", "low", "moderate", "high"]
LEVELS: tuple[RiskLevel, ...] = ("none", "low", "moderate", "high")


@dataclass(frozen=True)
class Screening:
    """The risk a text shows, the categories it touches, and the phrases that matched."""

    level: RiskLevel
    categories: tuple[str, ...] = ()
    matched: tuple[str, ...] = ()

    @property
    def needs_care_team(self) -> bool:
        """Moderate or high: alert the care team and show the crisis resources first."""
        return LEVELS.index(self.level) >= LEVELS.index("moderate")


class Screener(Protocol):
    """Anything that risk-screens a text in a locale (rules now, a classifier in issue 4)."""

    def screen(self, text: str, *, locale: str) -> Screening: ...


_SELF = r"(?:myself|my\s*self|my\s+life)"
# (category, level, pattern): explicit, first-person statements only.
RULES: tuple[tuple[str, RiskLevel, str], ...] = (
    (
        "plan",
        "high",
        r"\b(?:plan|planning|planned|going|gonna|decided|ready)\s+to\s+"
        r"(?:kill|end|hurt|harm)\s+" + _SELF,
    ),
    ("means", "high", r"\b(?:pills|rope|overdose|od)\b.{0,40}\b(?:kill|end|die|tonight)\b"),
    ("timing", "high", r"\b(?:kill|end)\s+" + _SELF + r"\s+(?:tonight|today|tomorrow|soon)\b"),
    ("suicidal_ideation", "high", r"\bkill(?:ing)?\s+" + _SELF),
    ("suicidal_ideation", "high", r"\bend(?:ing)?\s+(?:it\s+all|my\s+life)\b"),
    ("suicidal_ideation", "high", r"\bkms\b"),
    ("suicidal_ideation", "high", r"\bunalive\b"),
    ("suicidal_ideation", "high", r"\bsuicid(?:e|al)\b"),
    ("suicidal_ideation", "moderate", r"\bbetter\s+off\s+dead\b"),
    ("suicidal_ideation", "moderate", r"\bwant(?:s|ed)?\s+to\s+die\b"),
    (
        "suicidal_ideation",
        "moderate",
        r"\b(?:do\s*n[o']?t|do\s+not)\s+want\s+to\s+"
        r"(?:be\s+here|live|be\s+alive)\b",
    ),
    ("self_harm", "high", r"\bself[\s-]?harm(?:ing)?\b"),
    ("self_harm", "high", r"\b(?:cut|cutting|burn|burning|hurt|hurting|harm|harming)\s+myself\b"),
)
_COMPILED = tuple((c, lvl, re.compile(p, re.IGNORECASE)) for c, lvl, p in RULES)
# A negation shortly before the match lowers it to "low" (still flagged for a look).
_NEGATION = re.compile(
    r"\b(?:not|never|no|n't|wo\s*n'?t|won't|wouldn't|would\s+never)\b[^.!?]{0,25}$", re.IGNORECASE
)


class RuleScreener:
    """Interim rule screener (see the module docstring): explicit patterns, errs to flag.

    The rules are English; other locales are screened with them too until issue 4, since
    missing a disclosure is the worse error.
    """

    def screen(self, text: str, *, locale: str = "en-US") -> Screening:
        normalised = _normalise(text)
        level: RiskLevel = "none"
        categories: list[str] = []
        matched: list[str] = []
        for category, rule_level, pattern in _COMPILED:
            for found in pattern.finditer(normalised):
                negated = _NEGATION.search(normalised[: found.start()]) is not None
                this_level: RiskLevel = "low" if negated else rule_level
                if LEVELS.index(this_level) > LEVELS.index(level):
                    level = this_level
                if category not in categories:
                    categories.append(category)
                if found.group(0) not in matched:
                    matched.append(found.group(0))
        return Screening(level, tuple(categories), tuple(matched))


def _normalise(text: str) -> str:
    """Lower case, typographic apostrophes straightened, runs of spaces folded."""
    return re.sub(r"\s+", " ", text.replace("\u2019", "'").lower())


_DEFAULT = RuleScreener()


def screen(text: str, *, locale: str = "en-US", screener: Screener | None = None) -> Screening:
    """Screen ``text`` with ``screener`` (the interim rules by default)."""
    return (screener or _DEFAULT).screen(text, locale=locale)
