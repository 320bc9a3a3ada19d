"""Daily mood check-ins (ecological momentary assessment): what is asked, and the summary.

Brief, repeated ratings in daily life show how a person is doing more faithfully than recall
at a session (Shiffman, Stone & Hufford 2008, Annu Rev Clin Psychol 4:1). Ratings are 0-10
single items; sleep is hours in halves. The summary counts days checked in without blame
("You've checked in 4 of the last 7 days", never a broken streak), following the tone of
self-monitoring in CBT (Cohen et al. 2013, Behav Res Ther 51:251).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from statistics import fmean
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ACTIVITIES: tuple[str, ...] = (
    "walk",
    "exercise",
    "social",
    "work",
    "hobby",
    "outdoors",
    "chores",
    "rest",
)
Activity = Literal["walk", "exercise", "social", "work", "hobby", "outdoors", "chores", "rest"]
Tag = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30, pattern=r"^[^<>]+$")
]
Rating = Annotated[int, Field(ge=0, le=10)]
RATINGS: tuple[str, ...] = ("mood", "anxiety", "energy", "sleep_quality")
MAX_NOTE = 2000
MAX_TAGS = 10


class CheckinValues(BaseModel):
    """The structured part of a check-in (sealed as one JSON value)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mood: Rating
    # Not asked when the check-in was given in the chat companion (mood only).
    anxiety: Rating | None = None
    energy: Rating | None = None
    sleep_hours: float | None = Field(default=None, ge=0, le=24, multiple_of=0.5)
    sleep_quality: Rating | None = None
    activities: list[Activity] = Field(default_factory=list, max_length=len(ACTIVITIES))
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)


class CheckinSummary(BaseModel):
    """Days checked in, the current run of days, and averages over 7 and 30 days."""

    model_config = ConfigDict(frozen=True)

    days_last_7: int
    days_last_30: int
    current_run: int
    averages_7: dict[str, float]
    averages_30: dict[str, float]
    message: str


def _averages(entries: Sequence[tuple[date, CheckinValues]]) -> dict[str, float]:
    if not entries:
        return {}
    averages: dict[str, float] = {}
    for name in (*RATINGS, "sleep_hours"):
        given = [float(value) for _, v in entries if (value := getattr(v, name)) is not None]
        if given:
            averages[name] = round(fmean(given), 1)
    return averages


def current_run(days: set[date], today: date) -> int:
    """Consecutive days with a check-in ending today (or yesterday, if today is still open)."""
    day = today if today in days else today - timedelta(days=1)
    run = 0
    while day in days:
        run, day = run + 1, day - timedelta(days=1)
    return run


def summarise(entries: Sequence[tuple[date, CheckinValues]], today: date) -> CheckinSummary:
    """The gentle summary the patient sees on their home page."""
    last_7 = [e for e in entries if today - timedelta(days=7) < e[0] <= today]
    last_30 = [e for e in entries if today - timedelta(days=30) < e[0] <= today]
    if last_7:
        message = f"You've checked in {len(last_7)} of the last 7 days."
    else:
        message = "Whenever you're ready, a check-in takes about a minute."
    return CheckinSummary(
        days_last_7=len(last_7),
        days_last_30=len(last_30),
        current_run=current_run({d for d, _ in entries}, today),
        averages_7=_averages(last_7),
        averages_30=_averages(last_30),
        message=message,
    )
