"""Plain words for patients: which questionnaires they can take, and what a score suggests.

Patient pages never name a diagnosis: a score "suggests" a level of symptoms, and a
clinician looks at it. The band and flag names come from the instrument files; the words
here only say them kindly. Instruments whose wording is for an interviewer (C-SSRS), that
need a licence (ISI), or that a clinician should choose for the person (PCL-5, AUDIT-C,
K10, PHQ-15) are not offered to patients on their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mindway.clinical.instruments import Instrument, get_instrument
from mindway.clinical.progress import NHS_TALKING_THERAPIES_RELIABLE_CHANGE
from mindway.services.views import QuestionnaireResultPublic


@dataclass(frozen=True)
class Offer:
    """A questionnaire a patient may take: its name, a one-line description, and what its
    scores are about."""

    instrument: str
    title: str
    description: str
    about: str  # "depression": "symptoms of depression"
    lower_is_better: bool = True

    @property
    def definition(self) -> Instrument:
        return get_instrument(self.instrument)


OFFERS: dict[str, Offer] = {
    o.instrument: o
    for o in (
        Offer(
            "phq9",
            "Mood",
            "10 short questions about your mood over the last 2 weeks.",
            "depression",
        ),
        Offer("gad7", "Worry and anxiety", "7 questions about worry and nerves.", "anxiety"),
        Offer("phq2", "Quick mood check", "2 short questions about your mood.", "depression"),
        Offer("gad2", "Quick worry check", "2 short questions about worry.", "anxiety"),
        Offer(
            "who5",
            "Wellbeing",
            "5 questions about how well you have been feeling.",
            "wellbeing",
            lower_is_better=False,
        ),
    )
}

SEVERITY = {
    "minimal": "few or no symptoms",
    "mild": "mild symptoms",
    "moderate": "moderate symptoms",
    "moderately_severe": "moderately severe symptoms",
    "severe": "severe symptoms",
}
BAND_WORDS = {
    "minimal": "few or none",
    "mild": "mild",
    "moderate": "moderate",
    "moderately_severe": "moderately severe",
    "severe": "severe",
}
COUNTS = {2: "two", 3: "three"}


def band_word(band: str) -> str:
    return BAND_WORDS.get(band, band.replace("_", " "))


def summary(offer: Offer, result: QuestionnaireResultPublic) -> str:
    """One sentence on what the answers suggest, never a diagnosis."""
    if result.total is None:
        return "Some questions were not answered, so no score could be added up."
    if result.severity is not None:
        level = SEVERITY.get(result.severity, band_word(result.severity) + " symptoms")
        return f"Your answers suggest {level} of {offer.about}."
    if offer.lower_is_better:
        if "positive_screen" in result.flags:
            return (
                f"Your answers suggest you may have some symptoms of {offer.about}. "
                "A longer questionnaire can tell more."
            )
        return f"Your answers suggest few or no symptoms of {offer.about}."
    if "likely_depression" in result.flags:
        return "Your answers suggest your wellbeing has been very low lately."
    if "poor_wellbeing" in result.flags:
        return "Your answers suggest your wellbeing has been low lately."
    return "Your answers suggest your wellbeing has been good lately."


def score_line(offer: Offer, result: QuestionnaireResultPublic) -> str | None:
    if result.total is None:
        return None
    return f"Your score is {result.total} out of {offer.definition.scoring.maximum}."


def direction(offer: Offer, first: int, last: int) -> str:
    """Up or down; on the PHQ-9 and GAD-7 a change smaller than a reliable change (6 and 4
    points, NHS Talking Therapies) is only "a little", since it may be measurement noise."""
    change = last - first
    if change == 0:
        return "the same"
    way = "up" if change > 0 else "down"
    if abs(change) < NHS_TALKING_THERAPIES_RELIABLE_CHANGE.get(offer.instrument, 1):
        return f"a little {way}"
    return f"going {way}"


def trend(offer: Offer, totals: Sequence[int]) -> str | None:
    """E.g. "Your last three PHQ-9 scores: 18, 15, 11 — going down." (up to three)."""
    shown = list(totals[-3:])
    name = offer.definition.name
    if not shown:
        return None
    if len(shown) == 1:
        return f"Your {name} score: {shown[0]}. Take it again in a few weeks to see the change."
    numbers = ", ".join(str(t) for t in shown)
    way = direction(offer, shown[0], shown[-1])
    return f"Your last {COUNTS[len(shown)]} {name} scores: {numbers} — {way}."


def since_first(offer: Offer, totals: Sequence[int]) -> str | None:
    """The whole course, when there is more of it than the last three scores show."""
    if len(totals) <= 3:
        return None
    first, last = totals[0], totals[-1]
    name = offer.definition.name
    if first == last:
        return f"Your first {name} score was {first}, the same as now."
    way = "down" if last < first else "up"
    return f"Your first {name} score was {first}: it has gone {way} by {abs(last - first)} since."


def meaning(offer: Offer) -> str:
    if offer.lower_is_better:
        return f"Lower scores mean fewer symptoms of {offer.about}."
    return "Higher scores mean better wellbeing."
