"""Sliding physiology windows for a live session: HRV from RR intervals, EDA tonic and phasic.

Every ``EVERY_S`` seconds the last ``WINDOW_S`` seconds are analysed with neurokit2 (RR
artefact correction and time-domain HRV; EDA split into tonic level and skin-conductance
responses). The analysis takes milliseconds once neurokit2 is imported but seconds for the
import itself, so a live session runs :func:`analyse` off the one-second path and hands the
result to :meth:`ExposureController.add_window` when it is ready. The windows closing within
the baseline minute are the session's reference for the ones after it.

Devices send RR intervals as a protocol extra: ``"rr": [ms, ...]``, the intervals of the beats
since the previous sample (a BLE Heart Rate Measurement, 0x2A37, carries them in 1/1024 s).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from mindway.vr.physiology import eda_components, hrv_from_rr

WINDOW_S = 60
EVERY_S = 15
FIRST_S = 30
"""The first window closes after 30 s, so the baseline minute yields two references."""
MIN_BEATS = 20
MIN_EDA_S = 40
MAX_RR_PER_SAMPLE = 16
"""More beats than this in one second (960 bpm) is not a heart: the list is dropped."""
RR_RANGE_MS = (200.0, 3000.0)
"""Values outside this are not RR intervals in milliseconds at all (e.g. seconds or ticks)."""


def parse_rr(value: Any) -> tuple[float, ...]:
    """The ``rr`` extra of a sample: finite intervals in ms; anything odd counts as none."""
    if not isinstance(value, list) or len(value) > MAX_RR_PER_SAMPLE:
        return ()
    kept: list[float] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | float):
            continue
        number = float(item)
        if math.isfinite(number) and RR_RANGE_MS[0] <= number <= RR_RANGE_MS[1]:
            kept.append(number)
    return tuple(kept)


@dataclass(frozen=True)
class WindowData:
    """What one window holds: seconds ``[t_start, t_end)`` of EDA (1 Hz) and RR intervals."""

    t_start: float
    t_end: float
    eda: tuple[float | None, ...]
    rr_ms: tuple[float, ...]


@dataclass(frozen=True)
class WindowFeatures:
    """neurokit2 features of one window (None where the window had too little signal)."""

    t_start: float
    t_end: float
    rr_heart_rate: float | None = None
    rmssd_ms: float | None = None
    sdnn_ms: float | None = None
    beats: int = 0
    rejected_beats: int = 0
    eda_tonic: float | None = None
    scr_per_min: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WindowFeatures:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


class SlidingWindows:
    """Collects each second's EDA and RR intervals and says when a window is due."""

    def __init__(self) -> None:
        self.seconds: deque[tuple[float, float | None, tuple[float, ...]]] = deque()
        self.next_end = float(FIRST_S)
        self.last_t = -1.0

    def add(self, t: float, eda: float | None, rr: tuple[float, ...]) -> WindowData | None:
        """Record second ``t``; returns a window's data when one closes with it."""
        if t <= self.last_t:  # a repeated or backwards t adds nothing
            return None
        self.last_t = t
        self.seconds.append((t, eda, rr))
        while self.seconds and self.seconds[0][0] <= t - WINDOW_S:
            self.seconds.popleft()
        end = math.floor(t) + 1.0
        if end < self.next_end:
            return None
        self.next_end = end + EVERY_S
        return WindowData(
            t_start=max(0.0, end - WINDOW_S),
            t_end=end,
            eda=tuple(e for _, e, _ in self.seconds),
            rr_ms=tuple(r for _, _, rr in self.seconds for r in rr),
        )


def analyse(window: WindowData) -> WindowFeatures:
    """HRV (neurokit2 ``hrv_time`` after artefact rejection) and EDA tonic level and SCRs per
    minute (``eda_phasic``/``eda_peaks``) of one window. Slow on first call: run it off the
    one-second path."""
    found: dict[str, Any] = {}
    if len(window.rr_ms) >= MIN_BEATS:
        try:
            hrv = hrv_from_rr(list(window.rr_ms))
        except ValueError:
            hrv = None
        if hrv is not None and hrv.beats >= MIN_BEATS and math.isfinite(hrv.rmssd_ms):
            found.update(
                rr_heart_rate=hrv.heart_rate,
                rmssd_ms=hrv.rmssd_ms,
                sdnn_ms=hrv.sdnn_ms,
                beats=hrv.beats,
                rejected_beats=hrv.rejected,
            )
    eda = np.array([np.nan if v is None else v for v in window.eda], dtype=float)
    ok = np.isfinite(eda)
    if ok.sum() >= MIN_EDA_S:
        index = np.arange(eda.size)
        filled = np.interp(index, index[ok], eda[ok])
        parts = eda_components(filled, sampling_rate=1)
        found.update(eda_tonic=float(np.mean(parts.tonic)), scr_per_min=parts.peaks_per_minute)
    return WindowFeatures(t_start=window.t_start, t_end=window.t_end, **found)
