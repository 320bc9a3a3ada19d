"""Sliding physiology windows: the ``rr`` extra, when windows close, neurokit2 features of a
window, and how the controller and the arousal estimate take them (relative to baseline)."""

from __future__ import annotations

import numpy as np
import pytest

from mindway.vr import ExposureController, PatientProgress, Sample
from mindway.vr.arousal import ArousalEstimator, PhysiologyMapping
from mindway.vr.windows import (
    EVERY_S,
    WINDOW_S,
    SlidingWindows,
    WindowData,
    WindowFeatures,
    analyse,
    parse_rr,
)


def test_rr_extra_keeps_plausible_millisecond_intervals_only() -> None:
    assert parse_rr([812, 790.5, "800", None, True, float("nan"), 0.8, 5000]) == (812.0, 790.5)
    assert parse_rr("812,790") == ()
    assert parse_rr({"rr": [800]}) == ()
    assert parse_rr([800.0] * 17) == ()  # more beats than a heart makes in a second


def test_windows_close_every_15_s_over_the_last_minute() -> None:
    windows = SlidingWindows()
    closed = {}
    for t in range(90):
        data = windows.add(float(t), 3.0 + t / 100, (1000.0,))
        if data is not None:
            closed[t] = data
    assert sorted(closed) == [29, 44, 59, 74, 89]
    assert EVERY_S == 15 and WINDOW_S == 60
    baseline = closed[59]
    assert (baseline.t_start, baseline.t_end, len(baseline.eda)) == (0.0, 60.0, 60)
    last = closed[89]
    assert (last.t_start, last.t_end) == (30.0, 90.0)
    assert last.eda[0] == pytest.approx(3.3) and len(last.rr_ms) == 60
    assert windows.add(89.0, 3.0, ()) is None  # a repeated second adds nothing


def _rr(mean_ms: float, rmssd_ms: float, beats: int, seed: int = 0) -> list[float]:
    """Alternating intervals: successive differences of exactly ``rmssd_ms``."""
    rng = np.random.default_rng(seed)
    sign = np.where(np.arange(beats) % 2 == 0, 0.5, -0.5)
    return list(mean_ms + sign * rmssd_ms + rng.normal(0.0, 0.01, beats))


def _eda(scrs: int, seconds: int = 60, seed: int = 0) -> list[float | None]:
    rng = np.random.default_rng(seed)
    signal = 3.0 + rng.normal(0.0, 0.005, seconds)
    for onset in np.linspace(5, seconds - 10, scrs).astype(int):
        signal[onset : onset + 8] += 0.4 * np.exp(-np.arange(8) / 3.0)
    return [float(v) for v in signal]


def test_a_window_yields_hrv_and_skin_conductance_responses() -> None:
    rr = _rr(800.0, 50.0, 70)
    rr[10] = 1600.0  # a missed beat: rejected as an artefact, not HRV
    calm = analyse(WindowData(0.0, 60.0, tuple(_eda(1)), tuple(rr)))
    assert calm.rmssd_ms == pytest.approx(50.0, abs=1.0)
    assert calm.rr_heart_rate == pytest.approx(75.0, abs=0.5)
    assert (calm.beats, calm.rejected_beats) == (69, 1)
    aroused = analyse(WindowData(60.0, 120.0, tuple(_eda(6)), tuple(_rr(650.0, 15.0, 90))))
    assert aroused.scr_per_min is not None and calm.scr_per_min is not None
    assert aroused.scr_per_min >= calm.scr_per_min + 3
    assert aroused.rmssd_ms is not None and aroused.rmssd_ms < 20.0
    assert aroused.eda_tonic == pytest.approx(3.0, abs=0.3)


def test_a_window_with_too_little_signal_has_no_features() -> None:
    sparse = analyse(WindowData(0.0, 60.0, (3.0, None) * 15, (800.0,) * 5))
    assert (sparse.rmssd_ms, sparse.scr_per_min, sparse.eda_tonic) == (None, None, None)
    assert WindowFeatures.from_dict(sparse.to_dict() | {"unknown": 1}) == sparse


def _run(windows: dict[int, WindowFeatures], seconds: int = 92) -> ExposureController:
    """Identical samples (steady HR, no EDA, no SUDS); windows given just before second t."""
    controller = ExposureController(PatientProgress(patient="p"), 1)
    for t in range(seconds):
        if t in windows:
            controller.add_window(windows[t])
        controller.step(Sample(t=float(t), hr=72.0))
    return controller


REFERENCE = WindowFeatures(0.0, 60.0, rmssd_ms=60.0, scr_per_min=2.0)
AROUSED = WindowFeatures(30.0, 90.0, rmssd_ms=30.0, scr_per_min=9.0)


def test_windows_after_baseline_move_the_fear_estimate_relative_to_the_reference() -> None:
    calm = WindowFeatures(30.0, 90.0, rmssd_ms=90.0, scr_per_min=1.0)
    same = WindowFeatures(30.0, 90.0, rmssd_ms=60.0, scr_per_min=2.0)
    plain = _run({})
    hot = _run({61: REFERENCE, 91: AROUSED})
    assert hot.window_baseline == {"rmssd_ms": 60.0, "scr_per_min": 2.0}
    assert hot.estimate.fear > plain.estimate.fear + 1.5
    assert hot.estimate.source.startswith("window:hrv_scr")
    assert _run({61: REFERENCE, 91: same}).estimate.fear == pytest.approx(
        plain.estimate.fear, abs=0.3
    )
    assert _run({61: REFERENCE, 91: calm}).estimate.fear < plain.estimate.fear
    # Without a reference there is nothing to be relative to: no effect.
    assert _run({91: AROUSED}).estimate.fear == pytest.approx(plain.estimate.fear)
    controller = ExposureController(PatientProgress(patient="p"), 1)
    assert controller.add_window(REFERENCE) == {}
    relative = controller.add_window(AROUSED)
    assert relative["dln_rmssd"] == pytest.approx(np.log(0.5))
    assert relative["dscr_per_min"] == pytest.approx(7.0)


def test_ratings_teach_the_window_mapping_which_persists() -> None:
    """Each rating given within 20 s of a window teaches the mapping from window features to
    this patient's SUDS (online, like the per-second mapping): the prediction for those
    features moves towards the ratings and grows more certain."""
    mapping = PhysiologyMapping()
    estimator = ArousalEstimator(mapping)
    dln, dscr = float(np.log(0.5)), 7.0
    before = mapping.predict_window(dln, dscr)
    for _ in range(12):
        assert estimator.observe_window(dln, dscr) == "hrv_scr"
        for second in range(15):
            estimator.step(None, None, 80 if second == 5 else None, at_rest=False)
    estimator.step(None, None, 80, at_rest=False)  # 16 s after the last window: still taught
    for _ in range(20):
        estimator.step(None, None, None, at_rest=False)
    estimator.step(None, None, 20, at_rest=False)  # 36 s after it: too late to teach
    after = mapping.predict_window(dln, dscr)
    assert before is not None and after is not None
    assert abs(after[0] - 80) < abs(before[0] - 80) - 15
    assert after[1] < before[1]
    assert mapping.window_models["hrv_scr"].n_updates == 13
    assert mapping.window_models["scr"].n_updates == 13  # every set whose signals are there
    restored = PhysiologyMapping.from_dict(mapping.to_dict())
    assert restored.window_models["hrv_scr"].weights == mapping.window_models["hrv_scr"].weights
    older = {k: v for k, v in mapping.to_dict().items() if not k.startswith("window")}
    assert PhysiologyMapping.from_dict(older).window_models["scr"].n_updates == 0
