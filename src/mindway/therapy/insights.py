"""Personal feedback from a person's own check-ins and questionnaires, with honest statistics.

Self-monitoring feedback helps when it is accurate (Cohen et al. 2013, Behav Res Ther 51:251),
so every finding here is an estimate with a 95% interval, shown only with enough data and
only when the interval excludes "no difference":

- activity and mood: difference in mean mood between days with and without the activity,
  Welch's t interval (Welch 1947, Biometrika 34:28); at least ``MIN_EACH`` days on each side
  and ``MIN_DAYS`` in all.
- sleep and mood: each check-in's sleep (the night before) against that day's mood, Pearson
  r with a Fisher z interval (Fisher 1921), at least ``MIN_DAYS`` nights.
- weekday pattern: one-way ANOVA of mood across weekdays, at least three weeks.
- symptom trend: least-squares slope of PHQ-9 or GAD-7 totals over time with a t interval,
  at least three scores over four weeks.

:func:`insights` Bonferroni-corrects across all the mood patterns it looks for (each
activity, sleep, weekday), so pure noise yields a finding at most 5% of the time. Every
finding says how sure it is in plain words, and that things going together is not
proof that one causes the other.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from statistics import fmean

import numpy as np
from scipy import stats

__all__ = [
    "MIN_DAYS",
    "MIN_EACH",
    "DayRecord",
    "Finding",
    "Insights",
    "ScorePoint",
    "activity_mood",
    "certainty_words",
    "insights",
    "sleep_mood",
    "symptom_trend",
    "weekday_pattern",
]

MIN_DAYS = 14
MIN_EACH = 5
ALPHA = 0.05
MIN_TREND_DAYS = 28
WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
ACTIVITY_PHRASES = {
    "walk": "walked",
    "exercise": "exercised",
    "social": "spent time with people",
    "work": "worked",
    "hobby": "did a hobby",
    "outdoors": "spent time outdoors",
    "chores": "did chores",
    "rest": "rested",
}
NOT_CAUSE = "Things that go together do not prove that one causes the other."


@dataclass(frozen=True)
class DayRecord:
    """One check-in day: mood 0-10, hours slept the night before, activities done."""

    day: date
    mood: float
    sleep_hours: float | None = None
    activities: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ScorePoint:
    day: date
    instrument: str
    total: int


@dataclass(frozen=True)
class Finding:
    kind: str  # activity_mood, sleep_mood, weekday, symptom_trend
    subject: str  # the activity, "sleep", "weekday" or the instrument
    statement: str
    certainty: str
    estimate: float
    ci_low: float
    ci_high: float
    n: int
    p_value: float


@dataclass(frozen=True)
class Insights:
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)  # e.g. "not enough days yet"


def certainty_words(p_value: float, alpha: float = ALPHA) -> str:
    """How sure, in plain words, from the p-value against the (corrected) threshold."""
    if p_value < alpha / 50:
        return "We are fairly sure this is a real pattern for you."
    if p_value < alpha / 5:
        return "This is likely a real pattern, though it could still be chance."
    return "This might be a pattern, but it could well be chance. More days will tell."


def _points(value: float) -> str:
    return f"{abs(value):.1f} point{'s' if round(abs(value), 1) != 1 else ''}"


def activity_mood(days: Sequence[DayRecord], activity: str, tests: int = 1) -> Finding | None:
    """The mood difference on days with ``activity``; ``None`` when data are thin or the
    (Bonferroni-corrected over ``tests``) interval includes zero."""
    with_ = [d.mood for d in days if activity in d.activities]
    without = [d.mood for d in days if activity not in d.activities]
    if len(days) < MIN_DAYS or min(len(with_), len(without)) < MIN_EACH:
        return None
    if np.var(with_) == 0 and np.var(without) == 0:
        return None
    result = stats.ttest_ind(with_, without, equal_var=False)
    alpha = ALPHA / tests
    if not result.pvalue < alpha:
        return None
    low, high = result.confidence_interval(0.95)
    diff = fmean(with_) - fmean(without)
    direction = "higher" if diff > 0 else "lower"
    statement = (
        f"On days you {ACTIVITY_PHRASES.get(activity, 'did ' + activity.replace('_', ' '))}, "
        f"your mood averaged {_points(diff)} "
        f"{direction} than on other days, from {len(days)} days ({len(with_)} with it). "
        f"The difference is likely between {low:.1f} and {high:.1f} points. {NOT_CAUSE}"
    )
    return Finding(
        "activity_mood",
        activity,
        statement,
        certainty_words(float(result.pvalue), alpha),
        round(diff, 2),
        round(float(low), 2),
        round(float(high), 2),
        len(days),
        float(result.pvalue),
    )


def sleep_mood(days: Sequence[DayRecord], tests: int = 1) -> Finding | None:
    """How the night's sleep goes with the next day's mood (Pearson r, Fisher z interval)."""
    pairs = [(d.sleep_hours, d.mood) for d in days if d.sleep_hours is not None]
    if len(pairs) < MIN_DAYS:
        return None
    sleep, mood = np.array(pairs, dtype=np.float64).T
    if np.ptp(sleep) == 0 or np.ptp(mood) == 0:
        return None
    result = stats.pearsonr(sleep, mood)
    if not result.pvalue < ALPHA / tests:
        return None
    ci = result.confidence_interval(0.95)
    r = float(result.statistic)
    slope = float(np.polyfit(sleep, mood, 1)[0])
    how = "higher" if r > 0 else "lower"
    statement = (
        f"After nights with more sleep, your mood the next day tended to be {how}: about "
        f"{_points(slope)} per extra hour, from {len(pairs)} nights (correlation {r:.2f}, "
        f"likely between {ci.low:.2f} and {ci.high:.2f}). {NOT_CAUSE}"
    )
    return Finding(
        "sleep_mood",
        "sleep",
        statement,
        certainty_words(float(result.pvalue), ALPHA / tests),
        round(r, 2),
        round(float(ci.low), 2),
        round(float(ci.high), 2),
        len(pairs),
        float(result.pvalue),
    )


def weekday_pattern(days: Sequence[DayRecord], tests: int = 1) -> Finding | None:
    """Whether mood differs by weekday (one-way ANOVA), with the lowest and highest days."""
    by_day: dict[int, list[float]] = {}
    for d in days:
        by_day.setdefault(d.day.weekday(), []).append(d.mood)
    groups = {k: v for k, v in by_day.items() if len(v) >= 2}
    if len(days) < 3 * 7 or len(groups) < 5:
        return None
    if all(np.ptp(v) == 0 for v in groups.values()):
        return None
    result = stats.f_oneway(*groups.values())
    if not float(result.pvalue) < ALPHA / tests:
        return None
    means = {k: fmean(v) for k, v in groups.items()}
    low, high = min(means, key=means.__getitem__), max(means, key=means.__getitem__)
    spread = means[high] - means[low]
    statement = (
        f"Your mood tends to be lowest on {WEEKDAYS[low]} (average {means[low]:.1f}) and "
        f"highest on {WEEKDAYS[high]} (average {means[high]:.1f}), from {len(days)} days."
    )
    return Finding(
        "weekday",
        "weekday",
        statement,
        certainty_words(float(result.pvalue), ALPHA / tests),
        round(spread, 2),
        math.nan,
        math.nan,
        len(days),
        float(result.pvalue),
    )


def symptom_trend(scores: Sequence[ScorePoint], instrument: str) -> Finding | None:
    """The slope of an instrument's totals, in points per four weeks, with a 95% interval."""
    points = sorted((s.day, s.total) for s in scores if s.instrument == instrument)
    if len(points) < 3 or (points[-1][0] - points[0][0]).days < MIN_TREND_DAYS:
        return None
    x = np.array([(d - points[0][0]).days / 28.0 for d, _ in points])
    y = np.array([float(t) for _, t in points])
    if np.ptp(y) == 0:
        return None
    fit = stats.linregress(x, y)
    if not fit.pvalue < ALPHA:
        return None
    margin = float(stats.t.ppf(0.975, len(points) - 2)) * fit.stderr
    name = {"phq9": "PHQ-9", "gad7": "GAD-7"}.get(instrument, instrument.upper())
    way = "falling (fewer symptoms)" if fit.slope < 0 else "rising (more symptoms)"
    statement = (
        f"Your {name} scores have been {way} by about {_points(fit.slope)} every four weeks, "
        f"from {len(points)} questionnaires (likely between {fit.slope - margin:.1f} and "
        f"{fit.slope + margin:.1f} points)."
    )
    return Finding(
        "symptom_trend",
        instrument,
        statement,
        certainty_words(float(fit.pvalue)),
        round(float(fit.slope), 2),
        round(float(fit.slope - margin), 2),
        round(float(fit.slope + margin), 2),
        len(points),
        float(fit.pvalue),
    )


def insights(
    days: Sequence[DayRecord], scores: Sequence[ScorePoint] = (), activities: Sequence[str] = ()
) -> Insights:
    """Every finding the data support; a note instead when there are too few days."""
    notes: list[str] = []
    if len(days) < MIN_DAYS:
        notes.append(
            f"Not enough days yet: personal patterns need at least {MIN_DAYS} check-ins "
            f"(you have {len(days)})."
        )
    tested = [a for a in activities if sum(a in d.activities for d in days) >= MIN_EACH]
    tests = len(tested) + 2  # Bonferroni over every mood pattern looked for
    found = [activity_mood(days, a, tests) for a in tested]
    found += [sleep_mood(days, tests), weekday_pattern(days, tests)]
    found += [symptom_trend(scores, i) for i in ("phq9", "gad7")]
    findings = tuple(f for f in found if f is not None)
    if not findings and not notes:
        notes.append("No clear patterns yet. That is common; keep checking in and look again.")
    return Insights(findings, tuple(notes))
