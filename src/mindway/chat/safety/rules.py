"""Explicit rules for statements an embedding model can blur: plan, intent, means, timing,
preparatory acts and an attempt under way (C-SSRS items 3-6, Posner et al. 2011, Am J
Psychiatry 168:1266), harm to others with intent, and abuse with immediate danger.

Rules see normalised text (``normalise.normalise``) and only first-person, present or future
statements: a negation shortly before a match ("I'm not going to kill myself") or a marker of
the past ("when I was 15 I wrote a note") lowers the match to ``low``, never to ``none``,
so that the person is still asked. Rules only raise a level; the classifier does the rest.
Spanish has its own rules (:mod:`mindway.chat.safety.rules_es`), run on every message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mindway.chat.safety.rules_es import (
    CONTEXT_CUES_ES,
    NEGATION_ES,
    PAST_ES,
    RISK_WORDS_ES,
    fold,
    spanish_rules,
)
from mindway.chat.safety.screening import RiskLevel

_SUICIDE_ACT = (
    r"(?:kill(?:ing)? myself|end(?:ing)? (?:my life|it all|it|things|everything)|"
    r"commit(?:ting)? suicide|tak(?:e|ing) my (?:own )?life|overdos(?:e|ing)|"
    r"hang(?:ing)? myself|not wake up|die)"
)
_WHEN = (
    r"(?:tonight|today|tomorrow|this (?:weekend|week|evening|morning|afternoon|time)|right now|"
    r"now|soon|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"when (?:everyone|they|she|he)(?:'s| is| are)? (?:asleep|gone|out|leaves?)|"
    r"after (?:the|my|this|work|school|they|she|he))"
)
_MEANS = r"(?:pills|tablets|meds|medication|paracetamol|tylenol|rope|belt|razor|blade|gun|knife)"
_OTHER = r"(?:him|her|them|my (?:\w+ ){0,2}\w+|that (?:\w+ ){0,2}\w+|the (?:\w+ ){0,2}\w+|someone)"

# (name, categories, pattern)
HIGH_RULES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "intent",
        ("plan_intent_means", "active_suicidal_ideation"),
        r"\b(?:going|planning|plan|decided|deciding|ready|about|intend(?:ing)?|want) to "
        r"(?:kill myself|end (?:my life|it all)|commit suicide|take my (?:own )?life|"
        r"hang myself|overdose)\b",
    ),
    (
        "intent",
        ("plan_intent_means", "active_suicidal_ideation"),
        r"\b(?:i am|i'll|i will|i'm going to) (?:kill myself|end (?:my life|it all)|"
        r"commit suicide|take my (?:own )?life)\b",
    ),
    (
        "timing",
        ("plan_intent_means", "active_suicidal_ideation"),
        r"\b" + _SUICIDE_ACT + r"\b[^.!?]{0,30}\b" + _WHEN + r"\b",
    ),
    (
        "means",
        ("plan_intent_means", "active_suicidal_ideation"),
        r"\b(?:saved|saving|stockpil\w+|collect(?:ed|ing)|hoard\w*|bought|buying|got|have|"
        r"kept|keeping|hid|hidden|hiding)\b[^.!?]{0,30}\b" + _MEANS + r"\b[^.!?]{0,40}"
        r"\b(?:end|kill|die|overdose|enough|suicide|for when|for the end)\b",
    ),
    ("means", ("plan_intent_means", "active_suicidal_ideation"), r"\benough " + _MEANS + r" to\b"),
    (
        "preparatory",
        ("plan_intent_means", "active_suicidal_ideation"),
        r"\b(?:wrote|written|writing|write|left|leaving|finished)\b[^.!?]{0,25}"
        r"\b(?:suicide note|goodbye (?:letter|note|message)s?|(?:letters?|notes?) "
        r"(?:to|for) (?:each of |all of )?(?:my|everyone|the kids|the family))\b",
    ),
    (
        "preparatory",
        ("plan_intent_means", "active_suicidal_ideation"),
        r"\b(?:giving|gave|given) away (?:all )?my (?:things|stuff|belongings|possessions)\b",
    ),
    (
        "preparatory",
        ("plan_intent_means", "active_suicidal_ideation"),
        r"\b(?:researching|researched|looking up|googl\w+|searching|searched)\b[^.!?]{0,20}"
        r"\b(?:ways|how|best way|methods?) to (?:die|kill myself|end it|overdose)\b",
    ),
    (
        "attempt",
        ("plan_intent_means", "active_suicidal_ideation"),
        r"\b(?:took|swallowed|taken|take|downed)\b[^.!?]{0,20}\b(?:all|whole|entire|bottle|"
        r"pack|packet|box|lot of|bunch of|handful of|load of)\b[^.!?]{0,20}\b" + _MEANS + r"\b",
    ),
    (
        "harm_to_others_intent",
        ("plan_intent_means", "harm_to_others"),
        r"\b(?:going|planning|plan|decided|ready) to (?:kill|stab|shoot|strangle|attack|"
        r"poison|hurt|beat up) " + _OTHER,
    ),
    (
        "immediate_danger",
        ("abuse_safeguarding",),
        r"\b(?:he|she|they)\b[^.!?]{0,30}\b(?:threaten(?:ed|ing|s)? to|going to|gonna|'ll|will|"
        r"would) kill (?:me|us|my (?:kids|children|baby|son|daughter))\b",
    ),
)
# Unambiguous first-person statements of ideation or self-harm: moderate at least.
MODERATE_RULES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "death_wish",
        ("passive_death_wish",),
        r"\b(?:i )?(?:want(?:ed)?|wanna|wish) (?:to die|i (?:was|were) dead|to be dead|"
        r"i could (?:die|disappear forever)|i wasn't alive|i wasn't born|i was never born)\b",
    ),
    (
        "death_wish",
        ("passive_death_wish",),
        r"\b(?:better off (?:dead|without me)|don't want to (?:live|be alive|exist|wake up|"
        r"be here any ?more))\b",
    ),
    (
        "ideation",
        ("active_suicidal_ideation",),
        r"\b(?:kill(?:ing)? myself|end(?:ing)? my (?:own )?life|i am suicidal|feel(?:ing)? "
        r"suicidal|suicidal (?:thoughts|again)|commit(?:ting)? suicide|take my (?:own )?life)\b",
    ),
    (
        "self_harm",
        ("self_harm",),
        r"\b(?:self-harm(?:ing|ed)?|(?:cut|cutting|burn|burning|hurt|hurting|harm|harming|hit|"
        r"hitting|scratch(?:ing)?) myself)\b",
    ),
)
_HIGH = tuple((name, cats, re.compile(p)) for name, cats, p in HIGH_RULES)
_MODERATE = tuple((name, cats, re.compile(p)) for name, cats, p in MODERATE_RULES)

_NEGATION = re.compile(
    r"\b(?:not|never|no|n't|won't|wouldn't|would never|don't|do not|am not|stopped)\b"
    r"[^.!?]{0,25}$"
)
_PAST = re.compile(
    r"\b(?:when i was (?:a |an |\d+)|as a (?:teen|teenager|kid|child)|years ago|in (?:the )?past|"
    r"back in (?:19|20)\d\d|in (?:19|20)\d\d|used to|at (?:school|uni|university|college) i|"
    r"(?:\d+|a few|several|many) years? (?:ago|back)|long time ago|recovered|in my (?:teens|20s))\b"
)


@dataclass(frozen=True)
class RuleMatch:
    """One explicit statement found: which rule, its categories and level, and the words."""

    rule: str
    categories: tuple[str, ...]
    level: RiskLevel
    words: str


_ENGLISH = tuple((n, c, p, "high") for n, c, p in _HIGH) + tuple(
    (n, c, p, "moderate") for n, c, p in _MODERATE
)


def _matches(
    text: str,
    rules: tuple[tuple[str, tuple[str, ...], re.Pattern[str], str], ...],
    negation: re.Pattern[str],
    past_marker: re.Pattern[str],
) -> list[RuleMatch]:
    matches: list[RuleMatch] = []
    past = past_marker.search(text) is not None
    for name, categories, pattern, rule_level in rules:
        for found in pattern.finditer(text):
            sentence_start = max(text.rfind(m, 0, found.start()) for m in ".!?") + 1
            lowered = past or negation.search(text[sentence_start : found.start()]) is not None
            level: RiskLevel = "low" if lowered else rule_level  # type: ignore[assignment]
            matches.append(RuleMatch(name, categories, level, found.group(0)))
    return matches


def explicit_statements(normalised: str) -> list[RuleMatch]:
    """The explicit statements in ``normalised`` text, in English or Spanish (high: plan,
    intent, means, timing, preparation, attempt; moderate: unambiguous ideation or
    self-harm), each negated or past one lowered to ``low``."""
    return _matches(normalised, _ENGLISH, _NEGATION, _PAST) + _matches(
        fold(normalised), spanish_rules(), NEGATION_ES, PAST_ES
    )


CONTEXT_CUES = re.compile(
    r"\b(?:yes|yeah|yep|yh|ya|i do|i have|i've got|got them|got it|tonight|today|tomorrow|"
    r"this weekend|soon|ready|already|planned|decided|saved|enough|" + _MEANS[3:-1] + r"|"
    r"note|notes|letters?|goodbye|bridge|jump|the plan)\b"
)


def continues_a_disclosure(normalised: str) -> bool:
    """Whether a message reads as answering or adding to an earlier disclosure of risk
    (an affirmation, a time, a means or a preparation): elliptic on its own, urgent after one."""
    cued = CONTEXT_CUES.search(normalised) or CONTEXT_CUES_ES.search(fold(normalised))
    return cued is not None and not denies(normalised)


def denies(normalised: str) -> bool:
    """Whether a message ends on a negation ("no", "I wouldn't", "not really", "nunca")."""
    return bool(_NEGATION.search(normalised) or NEGATION_ES.search(fold(normalised)))


ELLIPTIC_WORDS = 3
_RISK_WORDS = re.compile(
    r"\b(?:kill\w*|die|dying|dead|death|suicid\w*|self-harm\w*|harm\w*|hurt\w*|cut\w*|"
    r"burn\w*|overdos\w*|pills?|tablets?|rope|hang\w*|jump\w*|end (?:it|me|my life)|"
    r"gone|disappear\w*|goodbye|bye forever|unalive|live|living|alive|abus\w*|hit\w*|"
    r"rape\w*|touch\w*|scared|afraid|danger\w*|knife|gun|weapon|blood|bleed\w*|scars?|"
    r"worthless|burden|hopeless|pointless|no point|wake up)\b"
)


def elliptic(normalised: str) -> bool:
    """A message of a few words with no word of risk in it ("tonight", "yes", "6pm"): it
    carries no risk on its own, whatever a model makes of it; in a conversation its risk
    comes from the earlier turns (the screener's context rules)."""
    risky = _RISK_WORDS.search(normalised) or RISK_WORDS_ES.search(fold(normalised))
    return len(normalised.split()) <= ELLIPTIC_WORDS and risky is None
