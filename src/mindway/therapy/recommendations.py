"""What to read or practise next, from the symptom profile, progress and preferences.

Each suggestion carries its reason in plain words, for the patient and the clinician alike;
a suggestion, never a prescription (DESIGN.md safety rules). The rules follow the usual
matching of CBT components to complaints:

- insomnia (ISI >= 8, Morin et al. 2011, Sleep 34(5):601; or poor sleep in check-ins) ->
  the sleep module and the sleep diary (CBT-I, Riemann et al. 2023);
- anxiety (GAD-7 >= 10, Spitzer et al. 2006) -> worry time; GAD-7 >= 5 or high anxiety in
  check-ins -> paced breathing and grounding;
- depression (PHQ-9 >= 10, Kroenke et al. 2001) with few active days -> behavioural
  activation first (Jacobson et al. 1996), then thought records.

Done modules, finished exercises and disliked items are left out; the best three are kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Profile", "Recommendation", "recommend"]

ISI_SUBTHRESHOLD = 8
GAD7_MODERATE, GAD7_MILD = 10, 5
PHQ9_MODERATE = 10
LOW_ACTIVITY = 0.4  # share of check-in days with a planned activity
POOR_SLEEP_QUALITY, SHORT_SLEEP_HOURS = 4.0, 6.0
HIGH_ANXIETY = 6.0
ACTIVE = frozenset({"walk", "exercise", "social", "hobby", "outdoors"})


@dataclass(frozen=True)
class Profile:
    """What is known about the person; ``None`` means not measured."""

    phq9: int | None = None
    gad7: int | None = None
    isi: int | None = None
    sleep_quality: float | None = None  # mean of recent check-ins, 0-10
    sleep_hours: float | None = None
    anxiety: float | None = None  # mean of recent check-ins, 0-10
    active_day_share: float | None = None  # share of check-in days with an active activity
    modules_read: frozenset[str] = frozenset()
    exercises_done: frozenset[str] = frozenset()
    disliked: frozenset[str] = field(default_factory=frozenset)
    enrolled: bool = False


@dataclass(frozen=True)
class Recommendation:
    kind: Literal["module", "exercise", "programme"]
    ref: str
    reason: str
    priority: int  # lower comes first


def _sleep(p: Profile) -> list[Recommendation]:
    reasons = []
    if p.isi is not None and p.isi >= ISI_SUBTHRESHOLD:
        reasons.append(f"your last sleep questionnaire (ISI {p.isi}) shows trouble sleeping")
    if p.sleep_quality is not None and p.sleep_quality <= POOR_SLEEP_QUALITY:
        reasons.append(f"you rated your sleep {p.sleep_quality:.1f} out of 10 lately")
    if p.sleep_hours is not None and p.sleep_hours < SHORT_SLEEP_HOURS:
        reasons.append(f"you slept about {p.sleep_hours:.1f} hours a night lately")
    if not reasons:
        return []
    why = "Because " + " and ".join(reasons) + "."
    found = [
        Recommendation("module", "sleep", why + " Learn what helps sleep.", 10),
        Recommendation("exercise", "sleep_diary", why + " A sleep diary shows your pattern.", 11),
    ]
    if not p.enrolled:
        found.append(Recommendation("programme", "sleep_better", why, 12))
    return found


def _anxiety(p: Profile) -> list[Recommendation]:
    found = []
    if p.gad7 is not None and p.gad7 >= GAD7_MODERATE:
        why = f"Because your last GAD-7 was {p.gad7}, worry may be taking up a lot of time."
        found.append(Recommendation("exercise", "worry_time", why, 20))
        if not p.enrolled:
            found.append(Recommendation("programme", "anxiety_cbt", why, 24))
    high = p.anxiety is not None and p.anxiety >= HIGH_ANXIETY
    if (p.gad7 is not None and p.gad7 >= GAD7_MILD) or high:
        why = (
            f"Because your last GAD-7 was {p.gad7}"
            if p.gad7 is not None and p.gad7 >= GAD7_MILD
            else f"Because you rated your anxiety {p.anxiety:.1f} out of 10 lately"
        ) + ", a calming skill can help in the moment."
        found.append(Recommendation("exercise", "paced_breathing", why, 21))
        found.append(Recommendation("exercise", "grounding", why, 23))
    return found


def _depression(p: Profile) -> list[Recommendation]:
    if p.phq9 is None or p.phq9 < PHQ9_MODERATE:
        return []
    found = []
    low = p.active_day_share is not None and p.active_day_share < LOW_ACTIVITY
    if low or p.active_day_share is None:
        detail = (
            f" and you did something active on {p.active_day_share:.0%} of days"
            if low and p.active_day_share is not None
            else ""
        )
        why = f"Because your last PHQ-9 was {p.phq9}{detail}: doing a little more often lifts mood."
        found.append(Recommendation("exercise", "behavioural_activation", why, 15))
    why = f"Because your last PHQ-9 was {p.phq9}: catching low thoughts can ease them."
    found.append(Recommendation("exercise", "thought_record", why, 18))
    if not p.enrolled:
        found.append(Recommendation("programme", "depression_cbt", why, 19))
    return found


def _basics() -> list[Recommendation]:
    why = "A good place to start: how thoughts, feelings and actions affect each other."
    return [Recommendation("module", "thoughts_feelings_behaviours", why, 90)]


def recommend(profile: Profile, limit: int = 3) -> Sequence[Recommendation]:
    """The best ``limit`` suggestions, each once, most pressing first."""
    done = profile.modules_read | profile.exercises_done | profile.disliked
    seen: set[tuple[str, str]] = set()
    chosen = []
    candidates = [*_sleep(profile), *_anxiety(profile), *_depression(profile), *_basics()]
    for rec in sorted(candidates, key=lambda r: r.priority):
        if rec.ref in done or (rec.kind, rec.ref) in seen:
            continue
        seen.add((rec.kind, rec.ref))
        chosen.append(rec)
    return chosen[:limit]
