"""``mindway eval vr``: the adaptive controller against a fixed-step schedule, on simulated
patients (``mindway.vr.simulation``), four 30-minute sessions each.

Both arms see the same patients (same parameters and noise seed: a paired comparison). The
fixed schedule is the usual graded protocol without feedback: after the baseline minute,
intensity 0.1 and +0.1 every 3 minutes, every session. Figures, on the patient's true
(simulated) fear:

* ``time_in_window``: share of post-baseline seconds at intensity > 0 with fear 40-70, or
  at full intensity with fear below 40 (nothing left to expose);
* ``flooding_seconds_per_session``: seconds with fear above 85;
* ``fear_at_full_intensity_after_4_sessions``: fear full intensity would draw at the start of
  a fifth session (a behavioural approach test);
* ``share_reaching_full_intensity``: patients exposed at full intensity in any session (the
  fixed schedule reaches it in every session by construction, whatever the fear);
* ``share_tolerating_full_intensity``: patients whose fear at full intensity after four
  sessions is at most 70 (the top of the window), the outcome progress is judged on, with
  the fear at full intensity itself.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass, field
from typing import Any, Protocol

from mindway.vr.controller import BASELINE_S, SESSION_S, ExposureController, Sample, State
from mindway.vr.progress import PatientProgress
from mindway.vr.simulation import FLOODING, SimulatedPatient, draw_parameters

SESSIONS = 4
WINDOW = (40.0, 70.0)
FIXED_STEP = 0.1
FIXED_EVERY_S = 180.0


class Policy(Protocol):
    def begin(self, session: int) -> None: ...

    def step(
        self, t: float, hr: float | None, eda: float | None, suds: int | None
    ) -> tuple[float, bool]: ...

    def end(self) -> None: ...


class AdaptivePolicy:
    """The controller, driven as the protocol would drive it (without the JSON)."""

    def __init__(self) -> None:
        self.progress = PatientProgress(patient="simulated")
        self.controller: ExposureController | None = None
        self.coping_breaks = 0

    def begin(self, session: int) -> None:
        self.controller = ExposureController(self.progress, session)

    def step(
        self, t: float, hr: float | None, eda: float | None, suds: int | None
    ) -> tuple[float, bool]:
        assert self.controller is not None
        decision = self.controller.step(Sample(t, hr, eda, suds))
        return decision.intensity, decision.state is State.COPING

    def end(self) -> None:
        assert self.controller is not None
        self.coping_breaks += self.controller.coping_breaks
        self.progress = self.controller.finish()


class FixedStepPolicy:
    """+0.1 every 3 minutes after the baseline minute, from 0.1 each session."""

    def begin(self, session: int) -> None:
        return None

    def step(
        self, t: float, hr: float | None, eda: float | None, suds: int | None
    ) -> tuple[float, bool]:
        if t + 1 < BASELINE_S:
            return 0.0, False
        steps = 1 + int((t + 1 - BASELINE_S) // FIXED_EVERY_S)
        return min(1.0, round(FIXED_STEP * steps, 10)), False

    def end(self) -> None:
        return None


@dataclass
class ArmRecord:
    window_shares: list[float] = field(default_factory=list)
    flooding_seconds: list[float] = field(default_factory=list)
    probe_fear: list[float] = field(default_factory=list)
    reached_full: list[bool] = field(default_factory=list)
    first_full_session: list[int] = field(default_factory=list)
    peak_intensity_by_session: list[list[float]] = field(
        default_factory=lambda: [[] for _ in range(SESSIONS)]
    )
    coping_breaks: int = 0


def run_patient(policy: Policy, patient: SimulatedPatient, record: ArmRecord) -> None:
    """Four sessions of one patient under one policy, recorded into ``record``."""
    first_full = 0
    for session in range(1, SESSIONS + 1):
        patient.start_session()
        policy.begin(session)
        intensity, coping = 0.0, False
        in_window = flooded = 0
        peak = 0.0
        for _ in range(int(SESSION_S)):
            obs = patient.step(intensity, coping)
            if obs.t >= BASELINE_S:
                in_window += _in_window(intensity, obs.fear)
            flooded += obs.fear > FLOODING
            peak = max(peak, intensity)
            intensity, coping = policy.step(obs.t, obs.hr, obs.eda, obs.suds)
        policy.end()
        patient.end_session()
        record.window_shares.append(in_window / (SESSION_S - BASELINE_S))
        record.flooding_seconds.append(float(flooded))
        record.peak_intensity_by_session[session - 1].append(peak)
        if peak >= 1.0 and not first_full:
            first_full = session
    record.probe_fear.append(patient.probe_fear(1.0))
    record.reached_full.append(first_full > 0)
    if first_full:
        record.first_full_session.append(first_full)


def _in_window(intensity: float, fear: float) -> bool:
    if intensity <= 0:
        return False
    return WINDOW[0] <= fear <= WINDOW[1] or (intensity >= 1.0 and fear < WINDOW[0])


def evaluate_vr(patients: int = 40, seed: int = 7) -> dict[str, Any]:
    """Run both arms on the same simulated population; JSON-able figures."""
    adaptive, fixed = ArmRecord(), ArmRecord()
    for index in range(patients):
        params = draw_parameters(random.Random(seed * 1_000_003 + index))  # noqa: S311
        noise_seed = seed * 7_919 + index
        policy = AdaptivePolicy()
        run_patient(policy, SimulatedPatient(params, noise_seed), adaptive)
        adaptive.coping_breaks += policy.coping_breaks
        run_patient(FixedStepPolicy(), SimulatedPatient(params, noise_seed), fixed)
    a, f = _summary(adaptive, patients), _summary(fixed, patients)
    return {
        "patients": patients,
        "seed": seed,
        "sessions": SESSIONS,
        "therapeutic_window": list(WINDOW),
        "flooding_above": FLOODING,
        "adaptive": a,
        "fixed_step": f,
        "acceptance": {
            "more_time_in_window": a["time_in_window"] > f["time_in_window"],
            "less_flooding": a["flooding_seconds_per_session"] < f["flooding_seconds_per_session"],
            "progress_not_slower": (
                a["share_tolerating_full_intensity"] >= f["share_tolerating_full_intensity"]
                and a["fear_at_full_intensity_after_4_sessions"]
                <= f["fear_at_full_intensity_after_4_sessions"]
            ),
        },
    }


def _summary(record: ArmRecord, patients: int) -> dict[str, Any]:
    sessions = patients * SESSIONS
    return {
        "time_in_window": round(statistics.fmean(record.window_shares), 4),
        "flooding_seconds_per_session": round(statistics.fmean(record.flooding_seconds), 2),
        "sessions_with_flooding": round(sum(s > 0 for s in record.flooding_seconds) / sessions, 4),
        "fear_at_full_intensity_after_4_sessions": round(statistics.fmean(record.probe_fear), 2),
        "share_reaching_full_intensity": round(sum(record.reached_full) / patients, 4),
        "share_tolerating_full_intensity": round(
            sum(fear <= WINDOW[1] for fear in record.probe_fear) / patients, 4
        ),
        "mean_first_session_at_full_intensity": (
            round(statistics.fmean(record.first_full_session), 2)
            if record.first_full_session
            else None
        ),
        "mean_peak_intensity_by_session": [
            round(statistics.fmean(peaks), 3) for peaks in record.peak_intensity_by_session
        ],
        "coping_breaks_per_session": round(record.coping_breaks / sessions, 3),
    }
