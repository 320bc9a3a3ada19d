"""Physiology on synthetic signals with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from mindway.vr.physiology import (
    PhysiologyTracker,
    eda_components,
    hrv_from_rr,
    window_features,
)


def test_heart_rate_and_hrv_from_synthetic_rr_intervals() -> None:
    rng = np.random.default_rng(1)
    rr = 800.0 + rng.normal(0.0, 20.0, 300)  # 75 bpm with beat-to-beat variability
    features = hrv_from_rr(rr)
    assert features.heart_rate == pytest.approx(75.0, abs=0.5)
    assert features.sdnn_ms == pytest.approx(20.0, rel=0.2)
    assert features.rmssd_ms == pytest.approx(20.0 * np.sqrt(2), rel=0.2)  # white noise
    assert features.rejected == 0


def test_rr_artefacts_are_rejected_before_hrv() -> None:
    rr = np.full(120, 1000.0)  # 60 bpm, no variability
    rr[[10, 50, 90]] = [400.0, 2500.0, 1900.0]  # an ectopic beat, an impossible gap, a miss
    features = hrv_from_rr(rr)
    assert features.rejected == 3
    assert features.heart_rate == pytest.approx(60.0, abs=0.01)
    assert features.rmssd_ms == pytest.approx(0.0, abs=1e-6)


def test_eda_decomposition_finds_the_phasic_responses() -> None:
    rate = 10
    t = np.arange(0, 120, 1 / rate)
    tonic = 3.0 + 0.005 * t
    onsets = [20.0, 55.0, 90.0]
    phasic = sum(
        np.where(t >= s, 0.6 * (1 - np.exp(-(t - s) / 0.75)) * np.exp(-(t - s) / 4.0), 0.0)
        for s in onsets
    )
    components = eda_components(tonic + phasic, sampling_rate=rate)
    peak_times = sorted(p / rate for p in components.peaks)
    assert len(peak_times) == 3
    for found, onset in zip(peak_times, onsets, strict=True):
        assert onset < found < onset + 5
    assert components.peaks_per_minute == pytest.approx(1.5)
    assert abs(float(np.median(components.tonic)) - 3.3) < 0.5


def test_tracker_baseline_smoothing_and_artefacts() -> None:
    tracker = PhysiologyTracker(60.0, None, None)
    for t in range(60):
        tracker.update(float(t), 70.0, 2.0)
    reading = tracker.update(60.0, 71.0, 2.5)
    assert reading.dhr == pytest.approx(0.0) and reading.eda is not None
    spike = tracker.update(61.0, 140.0, 2.5)  # a one-second jump of 70 bpm is an artefact
    assert spike.hr is not None and spike.hr < 75
    for t in range(62, 70):
        reading = tracker.update(float(t), 100.0 + (t - 62) * 2, 3.0)
    assert reading.dhr is not None and reading.dhr > 25  # a real, sustained rise is followed
    assert tracker.update(80.0, None, None).hr is None  # stale after 5 s without data


def test_tracker_falls_back_on_the_previous_baseline() -> None:
    tracker = PhysiologyTracker(60.0, 65.0, 3.0)
    reading = tracker.update(60.0, 80.0, 4.0)
    assert reading.dhr == pytest.approx(15.0) and reading.deda == pytest.approx(1.0)


def test_window_features_of_a_session_record() -> None:
    hr: list[float | None] = [70.0 + 0.1 * i for i in range(300)]
    hr[5] = None
    eda: list[float | None] = [2.0 + 0.3 * np.exp(-((i - 150) ** 2) / 20.0) for i in range(300)]
    rows = window_features(hr, eda, window_s=30, step_s=30)
    assert len(rows) == 10
    assert rows[0]["hr_slope_per_min"] == pytest.approx(6.0, rel=0.05)
    assert rows[0]["eda_tonic"] is not None
