"""Personal insights: hand-computed estimates and intervals, nothing from thin data, and
pure noise rarely giving a finding (Welch 1947; Fisher 1921)."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

from mindway.therapy.insights import (
    DayRecord,
    ScorePoint,
    activity_mood,
    insights,
    sleep_mood,
    symptom_trend,
    weekday_pattern,
)

START = date(2026, 1, 5)  # a Monday


def _days(moods: list[float], walked: list[bool]) -> list[DayRecord]:
    return [
        DayRecord(START + timedelta(days=i), m, None, frozenset({"walk"} if w else set()))
        for i, (m, w) in enumerate(zip(moods, walked, strict=True))
    ]


def test_activity_difference_matches_the_hand_computed_welch_interval() -> None:
    """With: 7,8,9 x2 (mean 8, s2 0.8); without: 4,5,6 x4 (mean 5, s2 8/11). SE =
    sqrt(0.8/6 + 0.7273/12) = 0.4404; Welch df = 9.67; t(0.975, 9.67) = 2.2376; so
    3 +/- 0.985 = (2.01, 3.99)."""
    days = _days([7, 8, 9] * 2 + [4, 5, 6] * 4, [True] * 6 + [False] * 12)
    found = activity_mood(days, "walk")
    assert found is not None
    assert found.estimate == 3.0 and found.n == 18
    assert (found.ci_low, found.ci_high) == (2.01, 3.99)
    assert "On days you walked, your mood averaged 3.0 points higher" in found.statement
    assert "from 18 days" in found.statement
    assert found.certainty.startswith("We are fairly sure")


def test_too_few_days_on_either_side_gives_no_finding() -> None:
    few_with = _days([9] * 4 + [3, 4] * 6, [True] * 4 + [False] * 12)
    assert activity_mood(few_with, "walk") is None
    short = _days([9, 8] * 3 + [3, 4] * 3, [True] * 6 + [False] * 6)  # 12 days < 14
    assert activity_mood(short, "walk") is None
    result = insights(short, activities=["walk"])
    assert result.findings == () and result.notes[0].startswith("Not enough days yet")


def test_sleep_mood_correlation_matches_fisher_z() -> None:
    sleep = [5, 6, 7, 8, 6, 7, 5, 8, 9, 6, 7, 8, 5, 7, 6, 8]
    mood = [3, 5, 6, 7, 4, 6, 4, 6, 8, 5, 5, 7, 4, 7, 4, 6]
    days = [
        DayRecord(START + timedelta(days=i), m, s)
        for i, (s, m) in enumerate(zip(sleep, mood, strict=True))
    ]
    found = sleep_mood(days)
    assert found is not None
    n = len(sleep)
    mx, my = sum(sleep) / n, sum(mood) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(sleep, mood, strict=True))
    r = sxy / math.sqrt(sum((x - mx) ** 2 for x in sleep) * sum((y - my) ** 2 for y in mood))
    half = 1.959964 / math.sqrt(n - 3)
    assert found.estimate == round(r, 2)
    assert found.ci_low == round(math.tanh(math.atanh(r) - half), 2)
    assert found.ci_high == round(math.tanh(math.atanh(r) + half), 2)
    assert "from 16 nights" in found.statement


def test_noise_rarely_gives_a_finding() -> None:
    """200 people whose mood is unrelated to anything: correcting across every pattern
    looked for keeps the share with any false finding near the nominal 5% (at most 8%)."""
    false = 0
    activities = ["walk", "social", "exercise", "hobby"]
    for seed in range(200):
        rng = random.Random(seed)
        days = [
            DayRecord(
                START + timedelta(days=i),
                float(min(10, max(0, round(rng.gauss(5, 2))))),
                rng.choice([5.0, 6.0, 7.0, 8.0]),
                frozenset(a for a in activities if rng.random() < 0.4),
            )
            for i in range(30)
        ]
        result = insights(days, activities=activities)
        false += bool(result.findings)
    assert false <= 16


def test_a_falling_phq9_trend_and_a_weekday_pattern() -> None:
    scores = [
        ScorePoint(START + timedelta(days=14 * i), "phq9", t)
        for i, t in enumerate([18, 15, 13, 10, 8])
    ]
    trend = symptom_trend(scores, "phq9")
    assert trend is not None and trend.estimate < 0 and trend.ci_high < 0
    assert "falling" in trend.statement
    flat = [
        ScorePoint(START + timedelta(days=14 * i), "gad7", t) for i, t in enumerate([9, 10, 9, 10])
    ]
    assert symptom_trend(flat, "gad7") is None
    moods = [
        3.0 if (START + timedelta(days=i)).weekday() == 0 else 6.0 + (i % 2) for i in range(28)
    ]
    pattern = weekday_pattern(_days(moods, [False] * 28))
    assert pattern is not None and "lowest on Mondays" in pattern.statement
