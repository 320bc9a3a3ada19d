"""Outcomes of a course of care: NHS Talking Therapies definitions and the Jacobson-Truax
reliable change index and clinical significance cut-off.

NHS Talking Therapies compares the first and the last PHQ-9 and GAD-7 scores (Clark et al.
2018, Lancet 391:679-686; NHS Talking Therapies Manual): caseness is PHQ-9 >= 10 or GAD-7 >= 8;
a reliable change is 6 points on the PHQ-9 or 4 on the GAD-7.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from mindway.errors import InvalidInput

__all__ = [
    "InvalidScores",
    "ReliableChange",
    "TalkingTherapiesOutcome",
    "clinical_cutoff",
    "crossed_cutoff",
    "reliable_change",
    "reliable_change_threshold",
    "talking_therapies_outcome",
]

PHQ9_RANGE = (0, 27)
GAD7_RANGE = (0, 21)
PHQ9_CASENESS = 10
GAD7_CASENESS = 8
PHQ9_RELIABLE_CHANGE = 6
GAD7_RELIABLE_CHANGE = 4
RELIABLE_Z = 1.96  # two-sided 5% (Jacobson & Truax 1991)


class InvalidScores(InvalidInput):
    """Scores out of the instrument's range, absent, or parameters that make no sense."""


@dataclass(frozen=True)
class TalkingTherapiesOutcome:
    phq9_start: int
    phq9_end: int
    gad7_start: int
    gad7_end: int
    caseness_start: bool
    caseness_end: bool
    recovery: bool | None  # None: not a case at the start, so recovery does not apply
    reliable_improvement: bool
    reliable_deterioration: bool
    reliable_recovery: bool | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _is_case(phq9: int, gad7: int) -> bool:
    return phq9 >= PHQ9_CASENESS or gad7 >= GAD7_CASENESS


def _checked(name: str, scores: Sequence[int], bounds: tuple[int, int]) -> tuple[int, int]:
    """First and last score; a single score is both (no change)."""
    if not scores:
        raise InvalidScores(f"{name} needs at least one score")
    low, high = bounds
    for position, value in enumerate(scores, start=1):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidScores(f"{name} score {position} must be {low}-{high}, got {value!r}")
    return scores[0], scores[-1]


def talking_therapies_outcome(phq9: Sequence[int], gad7: Sequence[int]) -> TalkingTherapiesOutcome:
    """First against last score by the NHS Talking Therapies definitions (Clark 2018).

    Reliable improvement: PHQ-9 down >= 6 or GAD-7 down >= 4, with no reliable rise on the
    other; reliable deterioration the mirror image; recovery: a case at the start and below
    both caseness thresholds at the end; reliable recovery: both. The two series may differ in
    length.
    """
    phq_start, phq_end = _checked("PHQ-9", phq9, PHQ9_RANGE)
    gad_start, gad_end = _checked("GAD-7", gad7, GAD7_RANGE)
    phq_change, gad_change = phq_end - phq_start, gad_end - gad_start
    phq_fall, gad_fall = phq_change <= -PHQ9_RELIABLE_CHANGE, gad_change <= -GAD7_RELIABLE_CHANGE
    phq_rise, gad_rise = phq_change >= PHQ9_RELIABLE_CHANGE, gad_change >= GAD7_RELIABLE_CHANGE
    improvement = (phq_fall or gad_fall) and not (phq_rise or gad_rise)
    deterioration = (phq_rise or gad_rise) and not (phq_fall or gad_fall)
    case_start, case_end = _is_case(phq_start, gad_start), _is_case(phq_end, gad_end)
    recovery = (not case_end) if case_start else None
    return TalkingTherapiesOutcome(
        phq9_start=phq_start,
        phq9_end=phq_end,
        gad7_start=gad_start,
        gad7_end=gad_end,
        caseness_start=case_start,
        caseness_end=case_end,
        recovery=recovery,
        reliable_improvement=improvement,
        reliable_deterioration=deterioration,
        reliable_recovery=None if recovery is None else recovery and improvement,
    )


@dataclass(frozen=True)
class ReliableChange:
    before: float
    after: float
    change: float
    se_measurement: float
    s_diff: float
    rci: float
    threshold: float  # the smallest change in points that is reliable: 1.96 x S_diff
    reliable: bool
    direction: Literal["increase", "decrease", "none"]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _standard_error(sd: float, reliability: float) -> float:
    if not (math.isfinite(sd) and sd > 0):
        raise InvalidScores(f"the standard deviation must be positive, got {sd}")
    if not 0 <= reliability < 1:
        raise InvalidScores(f"the reliability must be at least 0 and below 1, got {reliability}")
    return sd * math.sqrt(1 - reliability)


def reliable_change_threshold(sd: float, reliability: float) -> float:
    """Points of change needed for reliability: 1.96 x sqrt(2) x SD x sqrt(1 - r)
    (Jacobson & Truax 1991); SD 5 and r .84 give 5.54."""
    return RELIABLE_Z * math.sqrt(2) * _standard_error(sd, reliability)


def reliable_change(
    before: float, after: float, *, sd: float, reliability: float
) -> ReliableChange:
    """Jacobson & Truax (1991): SE = s1 sqrt(1 - r), S_diff = sqrt(2) SE, RC = (x2 - x1) / S_diff,
    reliable when |RC| > 1.96. ``sd`` is the pre-treatment (or normative) SD, ``reliability``
    the test-retest or internal-consistency coefficient."""
    se = _standard_error(sd, reliability)
    s_diff = math.sqrt(2) * se
    rci = (after - before) / s_diff
    change = after - before
    return ReliableChange(
        before=before,
        after=after,
        change=change,
        se_measurement=se,
        s_diff=s_diff,
        rci=rci,
        threshold=RELIABLE_Z * s_diff,
        reliable=abs(rci) > RELIABLE_Z,
        direction="increase" if change > 0 else "decrease" if change < 0 else "none",
    )


def clinical_cutoff(
    *,
    functional_mean: float,
    functional_sd: float,
    dysfunctional_mean: float,
    dysfunctional_sd: float,
) -> float:
    """Jacobson & Truax (1991) criterion c, the point between the functional and dysfunctional
    populations weighted by their SDs: c = (SD_f M_d + SD_d M_f) / (SD_f + SD_d)."""
    for name, sd in (("functional", functional_sd), ("dysfunctional", dysfunctional_sd)):
        if not (math.isfinite(sd) and sd > 0):
            raise InvalidScores(f"the {name} SD must be positive, got {sd}")
    weighted = functional_sd * dysfunctional_mean + dysfunctional_sd * functional_mean
    return weighted / (functional_sd + dysfunctional_sd)


def crossed_cutoff(before: float, after: float, cutoff: float, *, higher_is_worse: bool) -> bool:
    """Moved from the dysfunctional side of c to the functional side (Jacobson & Truax 1991);
    a score exactly at c is on neither side, so it has not crossed."""
    if higher_is_worse:
        return before > cutoff > after
    return before < cutoff < after
