"""The not-on-track signal: green, yellow or red at each measurement, with its reason.

OQ-style feedback (Lambert 2017; Lambert et al. 2002): a clinician told early that a patient
is not on track can change course, and deterioration among such patients falls. Rules, in
order of precedence, at a follow-up measurement (time > 0) of a scale where lower is better:

- red: reliable deterioration since intake (the ``reliable_change`` criterion), or a score
  above the ``red_quantile`` (default 90th) percentile of the expected-recovery curve for
  the patient's intake and time (Finch, Lambert & Schaalje 2001 failure boundary);
- yellow: a score above the ``yellow_quantile`` (default 75th) percentile;
- green: otherwise, and at intake (nothing to compare yet).

"Above" is strict. Two paths apply the same rules: ``patient_signals`` for one patient with
readable reasons, and ``not_on_track`` for a whole caseload as numpy codes, in chunks so
that memory stays flat however many patients there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mindway.clinical.progress import caseload_arrays
from mindway.clinical.progress_curves import ExpectedRecoveryCurves
from mindway.errors import InvalidInput

__all__ = [
    "NOT_MEASURED",
    "Level",
    "NotOnTrack",
    "ProgressSignal",
    "Reason",
    "not_on_track",
    "patient_signals",
]

NOT_MEASURED = -1
CHUNK_PATIENTS = 8192


class Level(IntEnum):
    """OQ-style feedback colours (Lambert et al. 2002): on track, watch, act."""

    GREEN = 0
    YELLOW = 1
    RED = 2

    @property
    def label(self) -> str:
        return self.name.lower()


class Reason(IntEnum):
    """Why a measurement got its level; the first rule that applies wins."""

    ON_TRACK = 0
    INTAKE = 1
    ABOVE_YELLOW = 2
    ABOVE_RED = 3
    RELIABLE_DETERIORATION = 4


# Index with reason + 1: NOT_MEASURED (-1) stays -1.
_LEVEL_OF_REASON = np.array(
    [NOT_MEASURED, Level.GREEN, Level.GREEN, Level.YELLOW, Level.RED, Level.RED], dtype=np.int8
)


@dataclass(frozen=True)
class ProgressSignal:
    """The signal at one measurement, the reason in words and the curve it was judged on."""

    session_index: float
    score: float
    level: Level
    reason: Reason
    explanation: str
    change: float
    expected: float
    yellow_above: float
    red_above: float


@dataclass(frozen=True)
class NotOnTrack:
    """Codes for a caseload, (n, m): ``level`` is a ``Level`` or -1 where not measured,
    ``reason`` a ``Reason`` or -1."""

    level: NDArray[np.int8]
    reason: NDArray[np.int8]

    def counts(self) -> dict[str, int]:
        """How many measurements got each level."""
        found = np.bincount(self.level.ravel() + 1, minlength=len(Level) + 1)
        return {"not_measured": int(found[0])} | {
            level.label: int(found[level + 1]) for level in Level
        }


def patient_signals(
    curves: ExpectedRecoveryCurves,
    intake_score: float,
    session_index: ArrayLike,
    scores: ArrayLike,
) -> list[ProgressSignal | None]:
    """One patient's signal at each measurement (None where not measured)."""
    times = np.asarray(session_index, dtype=np.float64)
    values = np.asarray(scores, dtype=np.float64)
    if times.ndim != 1 or times.shape != values.shape:
        raise InvalidInput("session_index and scores must be 1-D arrays of the same length")
    percentiles = curves.predict_quantiles(intake_score, times)
    band = curves.bands_[int(curves.band_of(intake_score))]
    signals: list[ProgressSignal | None] = []
    for t, score, row in zip(times.tolist(), values.tolist(), percentiles, strict=True):
        if not np.isfinite(score):
            signals.append(None)
            continue
        expected, yellow, red = (
            float(row[i]) for i in (curves.median_index_, curves.yellow_index_, curves.red_index_)
        )
        change = score - float(intake_score)
        curve = f"the expected curve for intake band {band.name} ({band.method})"
        if t == 0:
            reason, text = Reason.INTAKE, "intake: nothing to compare yet"
        elif curves.reliable_change.exceeds(change):
            rule = curves.reliable_change
            reason = Reason.RELIABLE_DETERIORATION
            text = f"reliable deterioration: up {change:g} points since intake ({rule.source})"
        elif score > red:
            reason = Reason.ABOVE_RED
            text = f"score {score:g} above the {_pct(curves.red_quantile)} ({red:.1f}) of {curve}"
        elif score > yellow:
            reason = Reason.ABOVE_YELLOW
            percentile = _pct(curves.yellow_quantile)
            text = f"score {score:g} above the {percentile} ({yellow:.1f}) of {curve}"
        else:
            reason = Reason.ON_TRACK
            text = f"score {score:g} within the {_pct(curves.yellow_quantile)} of {curve}"
        level = Level(int(_LEVEL_OF_REASON[reason + 1]))
        signals.append(ProgressSignal(t, score, level, reason, text, change, expected, yellow, red))
    return signals


def not_on_track(
    curves: ExpectedRecoveryCurves,
    intake_scores: ArrayLike,
    session_index: ArrayLike,
    scores: ArrayLike,
    *,
    chunk_patients: int = CHUNK_PATIENTS,
) -> NotOnTrack:
    """The signal for every patient (rows) and measurement (columns) at once.

    ``intake_scores`` (n,), ``scores`` (n, m) with NaN where not measured, ``session_index``
    (m,) shared or (n, m). Same rules and results as ``patient_signals``.
    """
    intake, times, values = caseload_arrays(intake_scores, session_index, scores)
    reason = np.empty(values.shape, dtype=np.int8)
    for start in range(0, intake.size, chunk_patients):
        rows = slice(start, start + chunk_patients)
        reason[rows] = _reasons(curves, intake[rows], times[rows], values[rows])
    return NotOnTrack(level=_LEVEL_OF_REASON[reason + 1], reason=reason)


def _reasons(
    curves: ExpectedRecoveryCurves,
    intake: NDArray[np.float64],
    times: NDArray[np.float64],
    values: NDArray[np.float64],
) -> NDArray[np.int8]:
    percentiles = curves.predict_quantiles(intake, times)
    with np.errstate(invalid="ignore"):
        above_red = values > percentiles[..., curves.red_index_]
        above_yellow = values > percentiles[..., curves.yellow_index_]
    deteriorated = curves.reliable_change.exceeds(values - intake[:, np.newaxis])
    codes = np.select(
        [~np.isfinite(values), times == 0, deteriorated, above_red, above_yellow],
        [
            NOT_MEASURED,
            Reason.INTAKE,
            Reason.RELIABLE_DETERIORATION,
            Reason.ABOVE_RED,
            Reason.ABOVE_YELLOW,
        ],
        Reason.ON_TRACK,
    )
    return codes.astype(np.int8)


def _pct(quantile: float) -> str:
    return f"{round(quantile * 100):d}th percentile"
