"""A synthetic clinic history with known courses, for tests, benchmarks and demos.

Not data about anyone: patients follow log-linear courses (the shape Finch, Lambert &
Schaalje 2001 found in routine data) that improve, stay flat or deteriorate, with
measurement noise, rounding to whole points and missed measurements. Same seed, same cohort.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from mindway.errors import InvalidInput

__all__ = ["Course", "SyntheticCohort", "synthetic_cohort"]


class Course(IntEnum):
    IMPROVING = 0
    FLAT = 1
    DETERIORATING = 2


@dataclass(frozen=True)
class SyntheticCohort:
    """``scores`` (n, m) with intake in column 0 and NaN where missed; times 0..m-1."""

    intake: NDArray[np.float64]
    session_index: NDArray[np.float64]
    scores: NDArray[np.float64]
    course: NDArray[np.int8]


def synthetic_cohort(
    n_patients: int,
    n_measurements: int,
    *,
    seed: int,
    max_score: float = 27.0,
    missing_rate: float = 0.1,
    course_shares: tuple[float, float, float] = (0.6, 0.25, 0.15),
) -> SyntheticCohort:
    """Draw a cohort from ``numpy.random.default_rng(seed)``.

    Improvers end 40-80% below intake, flat courses within -5..+15%, deteriorators rise by
    22-45% of the scale's range; noise SD is 8% of the range (about 2 PHQ-9 points).
    """
    if n_patients < 1 or n_measurements < 2 or not 0 <= missing_rate < 1:
        raise InvalidInput("need >= 1 patient, >= 2 measurements and missing_rate in [0, 1)")
    rng = np.random.default_rng(seed)
    intake = np.clip(
        np.round(rng.normal(0.55 * max_score, 0.2 * max_score, n_patients)), 0, max_score
    )
    course = rng.choice(len(Course), size=n_patients, p=course_shares).astype(np.int8)
    fall = np.where(
        course == Course.IMPROVING,
        rng.uniform(0.4, 0.8, n_patients),
        rng.uniform(-0.05, 0.15, n_patients),
    )
    rise = rng.uniform(0.22, 0.45, n_patients) * max_score
    times = np.arange(n_measurements, dtype=np.float64)
    progress = np.log1p(times) / np.log1p(times[-1])  # 0 at intake, 1 at the last measurement
    mean = np.where(
        (course == Course.DETERIORATING)[:, np.newaxis],
        intake[:, np.newaxis] + rise[:, np.newaxis] * progress,
        intake[:, np.newaxis] * (1.0 - fall[:, np.newaxis] * progress),
    )
    noise = rng.normal(0.0, 0.08 * max_score, mean.shape)
    noise[:, 0] = 0.0
    scores = np.clip(np.round(mean + noise), 0, max_score)
    missed = rng.random(scores.shape) < missing_rate
    missed[:, 0] = False
    scores[missed] = np.nan
    return SyntheticCohort(intake, times, scores, course)
