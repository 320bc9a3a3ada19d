"""Physiology: a fast 1 Hz tracker for the controller, and neurokit2 features for windows.

The controller's path (``PhysiologyTracker``) runs once a second and must stay cheap: it
rejects impossible values and one-second jumps (movement artefacts, lost contact), smooths
with a 5-second running median and expresses HR and EDA relative to the session's baseline
minute. The heavier analysis (EDA tonic/phasic decomposition, SCR peaks, RR-interval HRV)
uses neurokit2 (Makowski et al. 2021) over recorded windows, imported lazily because its
import alone takes seconds; only its cleaning and peak functions are called, never the full
``ecg_process`` pipeline.
"""

from __future__ import annotations

import statistics
import warnings
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

HR_RANGE = (25.0, 250.0)
EDA_RANGE = (0.01, 100.0)
HR_JUMP_BPM = 30.0
"""A beat-to-beat rate cannot move this much in one second: treat it as an artefact."""
EDA_JUMP_US = 5.0
SMOOTHING_S = 5
CONFIRM_JUMP = 3
"""Three consecutive agreeing values after a jump mean the level moved, not an artefact."""
STALE_S = 5.0
MIN_BASELINE_SAMPLES = 10
SCR_MIN_US = 0.05
SAFETY_HR_FLOOR = 160.0
SAFETY_HR_RISE = 60.0
"""Safety stop: HR above max(160, baseline + 60) bpm, sustained (well beyond the exercise-free
rises of 15-30 bpm seen in phobic exposure; Alpers et al. 2005)."""


@dataclass(frozen=True)
class PhysioReading:
    """One second of smoothed physiology relative to the baseline (None when unknown)."""

    hr: float | None
    eda: float | None
    dhr: float | None
    deda: float | None


class _Channel:
    def __init__(self, valid: tuple[float, float], jump: float) -> None:
        self.valid, self.jump = valid, jump
        self.window: deque[float] = deque(maxlen=SMOOTHING_S)
        self.rejected: deque[float] = deque(maxlen=CONFIRM_JUMP)
        self.last_t = -1e9
        self.baseline: float | None = None
        self.baseline_values: list[float] = []

    def add(self, t: float, value: float | None, in_baseline: bool) -> None:
        if value is None or not self.valid[0] <= value <= self.valid[1]:
            return
        if len(self.window) >= 3 and abs(value - statistics.median(self.window)) > self.jump:
            self.rejected.append(value)
            if (
                len(self.rejected) < CONFIRM_JUMP
                or max(self.rejected) - min(self.rejected) > self.jump
            ):
                return
            self.window.clear()  # the level really moved: several values agree on it
            self.window.extend(self.rejected)
        else:
            self.window.append(value)
        self.rejected.clear()
        self.last_t = t
        if in_baseline:
            self.baseline_values.append(self.window[-1])

    def smoothed(self, t: float) -> float | None:
        if not self.window or t - self.last_t > STALE_S:
            return None
        return float(statistics.median(self.window))

    def close_baseline(self, fallback: float | None) -> None:
        if len(self.baseline_values) >= MIN_BASELINE_SAMPLES:
            self.baseline = float(statistics.median(self.baseline_values))
        else:
            self.baseline = fallback


class PhysiologyTracker:
    """Cleans and smooths HR and EDA at 1 Hz; baseline from the session's first minute.

    A session without enough baseline samples falls back on the patient's previous
    baseline, so a sensor that connects late still gives relative values.
    """

    def __init__(
        self, baseline_s: float, fallback_hr: float | None, fallback_eda: float | None
    ) -> None:
        self.baseline_s = baseline_s
        self.hr = _Channel(HR_RANGE, HR_JUMP_BPM)
        self.eda = _Channel(EDA_RANGE, EDA_JUMP_US)
        self.fallback = (fallback_hr, fallback_eda)
        self.baseline_closed = False
        self.extreme_hr_seconds = 0

    def update(self, t: float, hr: float | None, eda: float | None) -> PhysioReading:
        in_baseline = t < self.baseline_s
        self.hr.add(t, hr, in_baseline)
        self.eda.add(t, eda, in_baseline)
        if not in_baseline and not self.baseline_closed:
            self.hr.close_baseline(self.fallback[0])
            self.eda.close_baseline(self.fallback[1])
            self.baseline_closed = True
        hr_now, eda_now = self.hr.smoothed(t), self.eda.smoothed(t)
        if hr_now is not None and hr_now > self.safety_hr_limit:
            self.extreme_hr_seconds += 1
        else:
            self.extreme_hr_seconds = 0
        return PhysioReading(
            hr=hr_now,
            eda=eda_now,
            dhr=_relative(hr_now, self.hr.baseline),
            deda=_relative(eda_now, self.eda.baseline),
        )

    @property
    def safety_hr_limit(self) -> float:
        base = self.hr.baseline
        return SAFETY_HR_FLOOR if base is None else max(SAFETY_HR_FLOOR, base + SAFETY_HR_RISE)


def _relative(value: float | None, baseline: float | None) -> float | None:
    return None if value is None or baseline is None else value - baseline


@dataclass(frozen=True)
class EdaComponents:
    """EDA split into its slow tonic level and fast phasic responses (SCRs)."""

    tonic: NDArray[np.float64]
    phasic: NDArray[np.float64]
    peaks: list[int]
    peaks_per_minute: float


def eda_components(eda: NDArray[np.float64] | list[float], sampling_rate: float) -> EdaComponents:
    """Decompose skin conductance into tonic and phasic parts and find SCR peaks.

    neurokit2's ``eda_clean`` (low-pass), ``eda_phasic`` (high-pass split at 0.05 Hz) and
    ``eda_peaks`` (SCR onsets and peaks); SCRs under 0.05 uS are dropped (Boucsein 2012).
    """
    import neurokit2 as nk  # lazy: importing neurokit2 takes seconds

    signal = np.asarray(eda, dtype=float)
    rate = round(sampling_rate)
    cleaned = nk.eda_clean(signal, sampling_rate=rate) if rate >= 10 else signal
    parts = nk.eda_phasic(cleaned, sampling_rate=rate, method="highpass")
    phasic = parts["EDA_Phasic"].to_numpy(dtype=float)
    _, info = nk.eda_peaks(phasic, sampling_rate=rate)
    found = zip(
        np.asarray(info["SCR_Peaks"]).tolist(),
        np.asarray(info["SCR_Amplitude"]).tolist(),
        strict=True,
    )
    peaks = [int(p) for p, amplitude in found if p == p and amplitude >= SCR_MIN_US]
    minutes = len(signal) / rate / 60.0
    return EdaComponents(
        tonic=parts["EDA_Tonic"].to_numpy(dtype=float),
        phasic=phasic,
        peaks=peaks,
        peaks_per_minute=len(peaks) / minutes if minutes > 0 else 0.0,
    )


@dataclass(frozen=True)
class HrvFeatures:
    """Heart rate and time-domain HRV from RR intervals after artefact correction."""

    heart_rate: float
    rmssd_ms: float
    sdnn_ms: float
    beats: int
    rejected: int


def hrv_from_rr(rr_ms: NDArray[np.float64] | list[float]) -> HrvFeatures:
    """HR and HRV from RR intervals (ms), e.g. from a BLE Heart Rate Measurement (0x2A37).

    Intervals outside 300-2000 ms or more than 20% from the local median are artefacts
    (ectopic or missed beats; Task Force 1996); the rest go to neurokit2's ``hrv_time``.
    """
    import neurokit2 as nk  # lazy: importing neurokit2 takes seconds

    rr = np.asarray(rr_ms, dtype=float)
    rr = rr[np.isfinite(rr)]
    plausible = rr[(rr >= 300.0) & (rr <= 2000.0)]
    if plausible.size < 3:
        raise ValueError("need at least 3 plausible RR intervals")
    local = np.array([np.median(plausible[max(0, i - 5) : i + 6]) for i in range(plausible.size)])
    kept = plausible[np.abs(plausible - local) <= 0.2 * local]
    peaks = nk.intervals_to_peaks(kept, sampling_rate=1000)
    with warnings.catch_warnings():  # ratios such as SDNN/RMSSD divide by zero on flat RR
        warnings.simplefilter("ignore", RuntimeWarning)
        hrv = nk.hrv_time(peaks, sampling_rate=1000)
    return HrvFeatures(
        heart_rate=float(60_000.0 / np.mean(kept)),
        rmssd_ms=float(hrv["HRV_RMSSD"].iloc[0]),
        sdnn_ms=float(hrv["HRV_SDNN"].iloc[0]),
        beats=int(kept.size),
        rejected=int(rr.size - kept.size),
    )


def heart_rate_from_ecg(ecg: NDArray[np.float64] | list[float], sampling_rate: int) -> float:
    """Mean heart rate of an ECG window from neurokit2's ``ecg_clean`` and ``ecg_peaks``."""
    import neurokit2 as nk  # lazy: importing neurokit2 takes seconds

    cleaned = nk.ecg_clean(np.asarray(ecg, dtype=float), sampling_rate=sampling_rate)
    _, info = nk.ecg_peaks(cleaned, sampling_rate=sampling_rate)
    peaks = np.asarray(info["ECG_R_Peaks"])
    if peaks.size < 2:
        raise ValueError("fewer than two R peaks found")
    return float(60.0 * sampling_rate / np.mean(np.diff(peaks)))


def window_features(
    hr: list[float | None], eda: list[float | None], window_s: int = 30, step_s: int = 10
) -> list[dict[str, Any]]:
    """Sliding-window summaries of a 1 Hz session record, for the clinician's report:
    median HR, HR slope (bpm/min), tonic EDA level and SCRs per window."""
    hr_arr = np.array([np.nan if v is None else v for v in hr], dtype=float)
    eda_arr = np.array([np.nan if v is None else v for v in eda], dtype=float)
    components = None
    if np.isfinite(eda_arr).sum() >= 4 * window_s:
        filled = _fill_gaps(eda_arr)
        components = eda_components(filled, sampling_rate=1)
    rows: list[dict[str, Any]] = []
    for start in range(0, max(1, len(hr_arr) - window_s + 1), step_s):
        rows.append(_window_row(start, window_s, hr_arr, components))
    return rows


def _window_row(
    start: int, window_s: int, hr: NDArray[np.float64], components: EdaComponents | None
) -> dict[str, Any]:
    part = hr[start : start + window_s]
    valid = np.isfinite(part)
    row: dict[str, Any] = {"t_start": start, "t_end": start + window_s}
    row["hr_median"] = float(np.median(part[valid])) if valid.sum() >= 3 else None
    if valid.sum() >= 3:
        slope = np.polyfit(np.arange(part.size)[valid], part[valid], 1)[0]
        row["hr_slope_per_min"] = float(slope * 60.0)
    else:
        row["hr_slope_per_min"] = None
    if components is None:
        row["eda_tonic"], row["scr_count"] = None, None
    else:
        row["eda_tonic"] = float(np.mean(components.tonic[start : start + window_s]))
        row["scr_count"] = sum(start <= p < start + window_s for p in components.peaks)
    return row


def _fill_gaps(values: NDArray[np.float64]) -> NDArray[np.float64]:
    idx = np.arange(values.size)
    ok = np.isfinite(values)
    return np.interp(idx, idx[ok], values[ok])
