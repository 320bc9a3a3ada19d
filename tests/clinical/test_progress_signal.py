"""The not-on-track signal (OQ-style green / yellow / red; Lambert 2017, Finch et al. 2001)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from mindway.clinical.progress import ReliableChangeCriterion
from mindway.clinical.progress_cohort import SyntheticCohort, synthetic_cohort
from mindway.clinical.progress_curves import ExpectedRecoveryCurves
from mindway.clinical.progress_signal import (
    NOT_MEASURED,
    Level,
    Reason,
    not_on_track,
    patient_signals,
)

PHQ9 = ReliableChangeCriterion.nhs_talking_therapies("phq9")
PHQ9_BANDS = (0, 5, 10, 15, 20)
SESSIONS = np.arange(12.0)
IMPROVING = [18, 16, 14, 12, 10, 9, 8, 7, 6, 5, 5, 4]
DETERIORATING = [14, 15, 16, 17, 18, 19, 20, 21, 22, 22, 23, 23]


def fitted(cohort: SyntheticCohort) -> ExpectedRecoveryCurves:
    curves = ExpectedRecoveryCurves(PHQ9_BANDS, PHQ9)
    return curves.fit(cohort.intake, cohort.session_index, cohort.scores)


@pytest.fixture(scope="module")
def empirical() -> ExpectedRecoveryCurves:
    curves = fitted(synthetic_cohort(2000, 12, seed=3))
    assert curves.method_ == ("empirical",) * 5
    return curves


@pytest.fixture(scope="module")
def rational() -> ExpectedRecoveryCurves:
    curves = fitted(synthetic_cohort(40, 12, seed=3))
    assert curves.method_ == ("rational",) * 5
    return curves


def levels(curves: ExpectedRecoveryCurves, scores: Sequence[float]) -> list[Level | None]:
    signals = patient_signals(curves, scores[0], SESSIONS[: len(scores)], scores)
    return [None if s is None else s.level for s in signals]


@pytest.mark.parametrize("method", ["empirical", "rational"])
def test_a_steadily_improving_patient_stays_green(
    method: str, request: pytest.FixtureRequest
) -> None:
    curves = request.getfixturevalue(method)
    assert levels(curves, IMPROVING) == [Level.GREEN] * len(IMPROVING)


@pytest.mark.parametrize("method", ["empirical", "rational"])
def test_a_deteriorating_patient_turns_red(method: str, request: pytest.FixtureRequest) -> None:
    curves = request.getfixturevalue(method)
    signals = patient_signals(curves, DETERIORATING[0], SESSIONS, DETERIORATING)
    assert signals[0] is not None and signals[0].reason is Reason.INTAKE
    assert all(s is not None and s.level is Level.RED for s in signals[6:])
    last = signals[-1]
    assert last is not None and last.reason is Reason.RELIABLE_DETERIORATION
    assert "reliable deterioration: up 9 points" in last.explanation


def test_signal_thresholds_on_the_rational_curve(rational: ExpectedRecoveryCurves) -> None:
    # Intake 20, session 8: expected median 10; 75th 12.06, 90th 13.92 (S_diff = 6 / 1.96).
    def at_session_8(score: float) -> tuple[Level, Reason]:
        signal = patient_signals(rational, 20, [0, 8], [20, score])[1]
        assert signal is not None
        return signal.level, signal.reason

    assert at_session_8(12) == (Level.GREEN, Reason.ON_TRACK)
    assert at_session_8(13) == (Level.YELLOW, Reason.ABOVE_YELLOW)
    assert at_session_8(14) == (Level.RED, Reason.ABOVE_RED)
    assert at_session_8(26) == (Level.RED, Reason.RELIABLE_DETERIORATION)


def test_missing_measurements_have_no_signal(rational: ExpectedRecoveryCurves) -> None:
    assert levels(rational, [15, np.nan, 12]) == [Level.GREEN, None, Level.GREEN]
    batch = not_on_track(rational, [15.0], [0, 1, 2], [[15, np.nan, 12]])
    assert batch.level.tolist() == [[Level.GREEN, NOT_MEASURED, Level.GREEN]]
    assert batch.counts() == {"not_measured": 1, "green": 2, "yellow": 0, "red": 0}


def test_synthetic_courses_get_the_expected_signal(empirical: ExpectedRecoveryCurves) -> None:
    caseload = synthetic_cohort(3000, 12, seed=8)
    last = not_on_track(empirical, caseload.intake, caseload.session_index, caseload.scores)
    final = last.level[:, -1]
    improving = final[(caseload.course == 0) & (final >= 0)]
    deteriorating = final[(caseload.course == 2) & (final >= 0)]
    assert np.mean(improving == Level.GREEN) > 0.95
    assert np.mean(deteriorating == Level.RED) > 0.7
    assert np.mean(deteriorating == Level.GREEN) < 0.02


@pytest.mark.parametrize("method", ["empirical", "rational"])
def test_the_batch_equals_the_one_patient_path(method: str, request: pytest.FixtureRequest) -> None:
    curves = request.getfixturevalue(method)
    caseload = synthetic_cohort(300, 15, seed=21)
    rng = np.random.default_rng(5)
    weeks = np.cumsum(rng.integers(1, 4, size=(300, 15)), axis=1) - 1.0
    weeks[:, 0] = 0.0  # irregular weeks since intake, one grid per patient
    batch = not_on_track(curves, caseload.intake, weeks, caseload.scores, chunk_patients=64)
    for row in range(300):
        signals = patient_signals(curves, caseload.intake[row], weeks[row], caseload.scores[row])
        assert [-1 if s is None else s.level for s in signals] == batch.level[row].tolist()
        assert [-1 if s is None else s.reason for s in signals] == batch.reason[row].tolist()


def test_chunking_does_not_change_the_result(empirical: ExpectedRecoveryCurves) -> None:
    caseload = synthetic_cohort(500, 10, seed=2)
    args = (empirical, caseload.intake, caseload.session_index, caseload.scores)
    whole = not_on_track(*args)
    chunked = not_on_track(*args, chunk_patients=7)
    assert np.array_equal(whole.reason, chunked.reason)
    assert np.array_equal(whole.level, chunked.level)
