"""Progress monitoring: change from intake and reliable change on symptom scales.

Scores are totals of a symptom scale on which lower is better (PHQ-9, GAD-7, BDI-II). Time
is ``session_index``: the measurement's distance from intake in the clinic's own unit,
session number (0 = intake) or weeks or months since intake; it only has to be >= 0 and
the same unit throughout. Arrays hold one patient per row and one measurement per column;
a missing measurement is NaN. Every function here works on one patient (1-D) or a whole
caseload (2-D) at once, so the web page and the batch job share one rule.

The expected-recovery curves are in ``progress_curves`` and the not-on-track signal in
``progress_signal``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mindway.clinical import outcomes
from mindway.errors import InvalidInput

__all__ = [
    "NHS_TALKING_THERAPIES_RELIABLE_CHANGE",
    "ChangeFromBaseline",
    "ReliableChangeCriterion",
    "TrajectorySummary",
    "caseload_arrays",
    "change_from_baseline",
    "trajectory_summary",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

# NHS Talking Therapies reliable change (Clark et al. 2018), owned by the outcomes module.
NHS_TALKING_THERAPIES_RELIABLE_CHANGE = {
    "phq9": float(outcomes.PHQ9_RELIABLE_CHANGE),
    "gad7": float(outcomes.GAD7_RELIABLE_CHANGE),
}


@dataclass(frozen=True)
class ReliableChangeCriterion:
    """How many points of change count as reliable (beyond measurement error), applied to
    whole arrays of changes at once.

    ``inclusive`` says whether a change of exactly ``points`` is reliable: the NHS Talking
    Therapies thresholds are "at least 6", the Jacobson-Truax criterion is "more than".
    The thresholds themselves come from ``mindway.clinical.outcomes``.
    """

    points: float
    inclusive: bool
    source: str

    def __post_init__(self) -> None:
        if not (math.isfinite(self.points) and self.points > 0):
            raise InvalidInput(f"reliable change needs a positive number of points: {self.points}")

    @classmethod
    def nhs_talking_therapies(cls, instrument: Literal["phq9", "gad7"]) -> ReliableChangeCriterion:
        """PHQ-9 >= 6 or GAD-7 >= 4 points (Clark et al. 2018; Gyani et al. 2013)."""
        try:
            points = NHS_TALKING_THERAPIES_RELIABLE_CHANGE[instrument]
        except KeyError:
            known = ", ".join(NHS_TALKING_THERAPIES_RELIABLE_CHANGE)
            raise InvalidInput(
                f"no NHS Talking Therapies threshold for {instrument!r} ({known})"
            ) from None
        return cls(points, inclusive=True, source=f"NHS Talking Therapies ({instrument})")

    @classmethod
    def jacobson_truax(cls, sd: float, reliability: float) -> ReliableChangeCriterion:
        """Jacobson & Truax 1991: reliable when |change| > 1.96·sqrt(2)·sd·sqrt(1 - r)
        (sd 5, r .84: 5.54 points)."""
        return cls(
            outcomes.reliable_change_threshold(sd, reliability),
            inclusive=False,
            source=f"Jacobson & Truax 1991 (SD {sd:g}, reliability {reliability:g})",
        )

    @property
    def s_diff(self) -> float:
        """The standard error of a difference score implied by the threshold (points / 1.96)."""
        return self.points / outcomes.RELIABLE_Z

    def exceeds(self, change: ArrayLike) -> BoolArray:
        """True where ``change`` (a rise, in points) is reliable; NaN is never reliable."""
        values = np.asarray(change, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            return values >= self.points if self.inclusive else values > self.points


def caseload_arrays(
    intake_scores: ArrayLike, session_index: ArrayLike, scores: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """A caseload as checked float arrays: intake (n,), times (n, m) and scores (n, m).

    ``session_index`` may be one grid (m,) for everyone or one row per patient.
    """
    intake = np.asarray(intake_scores, dtype=np.float64)
    values = np.asarray(scores, dtype=np.float64)
    if intake.ndim != 1 or values.ndim != 2 or values.shape[0] != intake.size:
        raise InvalidInput("intake_scores must be (n,) and scores (n, m), one row per patient")
    if intake.size == 0 or not np.all(np.isfinite(intake)):
        raise InvalidInput("every patient needs a finite intake score")
    try:
        times = np.broadcast_to(np.asarray(session_index, dtype=np.float64), values.shape)
    except ValueError:
        raise InvalidInput("session_index must be (m,) or (n, m) like scores") from None
    if not np.all(np.isfinite(times)) or np.any(times < 0):
        raise InvalidInput("session_index must be finite and >= 0 (0 is intake)")
    return intake, times, values


@dataclass(frozen=True)
class ChangeFromBaseline:
    """Change from intake at each measurement (score - intake: negative is improvement)."""

    change: FloatArray
    reliable_improvement: BoolArray
    reliable_deterioration: BoolArray


def change_from_baseline(
    intake_scores: ArrayLike, scores: ArrayLike, criterion: ReliableChangeCriterion
) -> ChangeFromBaseline:
    """Change and reliable improvement/deterioration flags at every measurement.

    ``intake_scores`` is a number (one patient, ``scores`` 1-D) or one per row of ``scores``.
    """
    intake = np.asarray(intake_scores, dtype=np.float64)
    values = np.asarray(scores, dtype=np.float64)
    change = values - intake[..., np.newaxis]
    return ChangeFromBaseline(
        change=change,
        reliable_improvement=criterion.exceeds(-change),
        reliable_deterioration=criterion.exceeds(change),
    )


@dataclass(frozen=True)
class TrajectorySummary:
    """One patient's course so far, judged at the last observation."""

    intake: float
    measurements: int
    last_session: float | None
    last_score: float | None
    change: float | None
    percent_change: float | None
    reliable_improvement: bool
    reliable_deterioration: bool
    ever_reliably_deteriorated: bool
    best_score: float | None


def trajectory_summary(
    intake_score: float,
    session_index: ArrayLike,
    scores: ArrayLike,
    criterion: ReliableChangeCriterion,
) -> TrajectorySummary:
    """Summarise one patient's follow-up measurements (those after intake, not NaN).

    Percent change is relative to intake and None when intake is 0; "response" in trials is
    usually a fall of at least 50%.
    """
    times = np.asarray(session_index, dtype=np.float64)
    values = np.asarray(scores, dtype=np.float64)
    if times.shape != values.shape or values.ndim != 1:
        raise InvalidInput("session_index and scores must be 1-D arrays of the same length")
    seen = np.isfinite(values) & (times > 0)
    if not seen.any():
        return TrajectorySummary(intake_score, 0, None, None, None, None, False, False, False, None)
    follow_up_times, follow_up = times[seen], values[seen]
    last = int(np.argmax(follow_up_times))
    flags = change_from_baseline(intake_score, follow_up, criterion)
    change = float(flags.change[last])
    return TrajectorySummary(
        intake=float(intake_score),
        measurements=int(seen.sum()),
        last_session=float(follow_up_times[last]),
        last_score=float(follow_up[last]),
        change=change,
        percent_change=100.0 * change / intake_score if intake_score else None,
        reliable_improvement=bool(flags.reliable_improvement[last]),
        reliable_deterioration=bool(flags.reliable_deterioration[last]),
        ever_reliably_deteriorated=bool(flags.reliable_deterioration.any()),
        best_score=float(follow_up.min()),
    )
