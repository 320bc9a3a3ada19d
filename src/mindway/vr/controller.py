"""The exposure controller for one session: explicit rules, each decision with its reason.

Policy (every number is a named constant below):

* The first minute is a baseline at intensity 0 (physiology calibration).
* Every 15 s, neurokit2 features of the last minute (HRV, skin-conductance responses;
  :mod:`mindway.vr.windows`) refine the fear estimate relative to the baseline minute's.
* Exposure keeps estimated fear in a therapeutic window of moderate arousal (40-70 on the
  0-100 SUDS scale): strong enough for emotional processing, short of flooding (Foa & Kozak
  1986; Bălan et al. 2020 step up at low fear, hold at moderate, step down at high).
* Step up one level (two when fear is far below the window) once within-session habituation
  shows: fear fell by half from its peak at this level, or stayed below the window
  (the clinical rule of thumb; Portêlo, Shiban & Maia 2021 model that decay as exponential);
  a half step after 3 minutes steady in the lower half of the window (slow habituators).
* Over the window: step down; close to flooding (fear > 80, limit 85), or after repeated
  step-downs: a 60-second coping break (guided breathing in the safe place), then resume one
  step lower. A level that was too intense is retried only when fear is low.
* Safety stop on extreme reactions (SUDS >= 95, or HR above max(160, baseline + 60) bpm for
  10 s): a coping break; the third in a session ends it for the therapist to review.
* The therapist's override always wins: pause, hold, step down, resume, end. Under a hold a
  safety alert is still reported in the reason, but the therapist decides.
* A session lasts at most 30 minutes. Progress (highest level mastered, where fear was ~50-60)
  is carried to the next session through ``PatientProgress``.
"""

from __future__ import annotations

import math
from typing import Any

from mindway.vr.arousal import ArousalEstimate, ArousalEstimator
from mindway.vr.decision import OVERRIDE_ACTIONS, Decision, Sample, State
from mindway.vr.physiology import PhysiologyTracker
from mindway.vr.progress import GRID, STEP, PatientProgress, level_key, snap_level
from mindway.vr.windows import WindowFeatures

BASELINE_S = 60.0
SESSION_S = 1800.0
WINDOW_LOW = 40.0
WINDOW_HIGH = 70.0
FLOODING = 85.0
FLOOD_GUARD = 80.0
"""Coping break before the flooding limit, since the estimate lags true fear by seconds."""
START_FEAR_MAX = 60.0
"""Next session starts at the highest level whose first fear was at most this (SUDS ~50-60)."""
__all__ = ["OVERRIDE_ACTIONS", "Decision", "ExposureController", "Sample", "State"]
HABITUATION_DROP = 0.5
MIN_DWELL_S = 30.0
UNDER_WINDOW_S = 20.0
OVER_WINDOW_S = 8.0
DOWN_DWELL_S = 10.0
COPING_S = 60.0
REPEAT_DOWN_S = 120.0
RETRY_HOT_BELOW = 30.0
PLATEAU_S = 180.0
PLATEAU_BELOW = 55.0
FAST_STEP_BELOW = 20.0
SAFETY_SUDS = 95
SAFETY_HR_SECONDS = 10
SAFETY_STOPS_TO_END = 3
FIRST_FEAR_S = 60.0
INITIAL_RISE = 15.0
"""Fear rise assumed for a step up until this session has measured some."""


class ExposureController:
    """Runs one session for one patient; ``finish`` folds the session into the progress."""

    def __init__(self, progress: PatientProgress, session: int) -> None:
        self.progress, self.session = progress, session
        self.tracker = PhysiologyTracker(BASELINE_S, progress.baseline_hr, progress.baseline_eda)
        self.estimator = ArousalEstimator(progress.mapping)
        self.estimate = ArousalEstimate(self.estimator.fear, self.estimator.variance**0.5, "prior")
        self.mode, self.hold, self.level = State.BASELINE, False, 0.0
        self.planned_start = snap_level(progress.start_intensity)
        self.t, self.level_since, self.peak_at_level = 0.0, 0.0, 0.0
        self.below_since: float | None = None
        self.above_since: float | None = None
        self.coping_until, self.resume_level, self.end_reason = 0.0, 0.0, ""
        self.step_downs: list[float] = []
        self.too_hot: set[str] = set()
        self.first_fear: dict[str, float] = {}
        self.mastered, self.max_intensity = progress.mastered_intensity, 0.0
        self.coping_breaks = self.safety_stops = 0
        self.note = ""
        self.mode_before_pause = State.EXPOSURE
        self.first_window = ("", -1.0)
        self.rises = [INITIAL_RISE]
        self.rise_open = (0.0, -1.0, 0.0)
        self.events: list[dict[str, Any]] = []
        self.last: Decision | None = None
        self.window_baseline: dict[str, float] = {}
        self.windows: list[WindowFeatures] = []

    # -- sliding-window physiology (arrives every 15 s, computed off this path) ------------
    def add_window(self, window: WindowFeatures) -> dict[str, float | None]:
        """Take a window's neurokit2 features: those closing within the baseline minute become
        the reference (the latest wins), later ones inform the fear estimate relative to it.
        Returns the relative values used (empty for a reference window)."""
        self.windows.append(window)
        values = {"rmssd_ms": window.rmssd_ms, "scr_per_min": window.scr_per_min}
        if window.t_end <= BASELINE_S:
            self.window_baseline.update({k: v for k, v in values.items() if v is not None})
            return {}
        base_rmssd = self.window_baseline.get("rmssd_ms")
        base_scr = self.window_baseline.get("scr_per_min")
        rmssd, scr = window.rmssd_ms, window.scr_per_min
        dln_rmssd = (
            math.log(rmssd / base_rmssd)
            if rmssd is not None and base_rmssd is not None and rmssd > 0 and base_rmssd > 0
            else None
        )
        dscr = scr - base_scr if scr is not None and base_scr is not None else None
        at_rest = self.mode in (State.COPING, State.PAUSED)
        used = None if at_rest else self.estimator.observe_window(dln_rmssd, dscr)
        if used is not None:
            self.estimate = ArousalEstimate(self.estimator.fear, self.estimator.variance**0.5, used)
        return {"dln_rmssd": dln_rmssd, "dscr_per_min": dscr}

    # -- the one-second step -------------------------------------------------------------
    def step(self, sample: Sample) -> Decision:
        """Advance to ``sample.t`` (time never runs backwards) and decide the intensity."""
        self.t = max(self.t, sample.t)
        reading = self.tracker.update(self.t, sample.hr, sample.eda)
        at_rest = self.t < BASELINE_S or self.mode in (State.COPING, State.PAUSED)
        self.estimate = self.estimator.step(reading.dhr, reading.deda, sample.suds, at_rest)
        decision = self._decide(sample)
        if self.note:
            decision = Decision(
                decision.intensity, decision.state, f"{self.note}; {decision.reason}"
            )
            self.note = ""
        self._log(decision)
        return decision

    def _decide(self, sample: Sample) -> Decision:
        if self.mode is State.ENDED:
            return Decision(0.0, State.ENDED, self.end_reason)
        if self.t >= SESSION_S:
            return self._end("session time limit reached (30 minutes)")
        if self.mode is State.PAUSED:
            return Decision(0.0, State.PAUSED, "paused by the therapist")
        if self.t < BASELINE_S:
            return Decision(
                0.0, State.BASELINE, f"baseline calibration ({BASELINE_S - self.t:.0f} s left)"
            )
        if self.mode is State.BASELINE:
            return self._start_exposure()
        alarm = self._safety_alarm(sample)
        if self.hold:
            alert = f"; SAFETY ALERT ({alarm}), therapist decides" if alarm else ""
            if self.mode is State.COPING:  # holding keeps the break's intensity, 0
                return Decision(0.0, State.COPING, f"held by the therapist in the break{alert}")
            return Decision(
                self.level, State.EXPOSURE, f"held by the therapist at {self.level:.2f}{alert}"
            )
        if self.mode is State.COPING:
            return self._coping(alarm)
        if alarm:
            return self._safety_stop(alarm)
        return self._policy()

    def _start_exposure(self) -> Decision:
        self.mode = State.EXPOSURE
        if self.hold:
            return Decision(
                self.level, State.EXPOSURE, f"held by the therapist at {self.level:.2f}"
            )
        self._set_level(self.planned_start)
        why = (
            "first session: starting low"
            if self.progress.sessions_completed == 0
            else "the level that last drew fear of about 50-60"
        )
        return Decision(
            self.level,
            State.EXPOSURE,
            f"baseline done: exposure starts at {self.level:.2f} ({why})",
        )

    def _safety_alarm(self, sample: Sample) -> str:
        if sample.suds is not None and sample.suds >= SAFETY_SUDS:
            return f"SUDS {sample.suds} >= {SAFETY_SUDS}"
        if self.tracker.extreme_hr_seconds >= SAFETY_HR_SECONDS:
            limit = self.tracker.safety_hr_limit
            return f"HR above {limit:.0f} bpm for {self.tracker.extreme_hr_seconds} s"
        return ""

    def _safety_stop(self, alarm: str) -> Decision:
        self.safety_stops += 1
        if self.safety_stops >= SAFETY_STOPS_TO_END:
            return self._end(f"safety stop: {alarm}; third safety stop, session ended for review")
        return self._cope(f"safety stop: {alarm}")

    # -- the exposure policy ---------------------------------------------------------------
    def _policy(self) -> Decision:
        est, t = self.estimate, self.t
        fear = f"estimated fear {est.fear:.0f}±{est.sd:.0f}"
        self.peak_at_level = max(self.peak_at_level, est.fear)
        self._track_first_fear(est.fear)
        self._track_rise(est.fear)
        if est.upper > FLOOD_GUARD:
            return self._cope(f"over-arousal: {fear} near the flooding limit {FLOODING:.0f}")
        if est.upper > WINDOW_HIGH:
            return self._over_window(fear)
        self.above_since = None
        self.below_since = (self.below_since or t) if est.upper < WINDOW_LOW else None
        if t - self.level_since >= MIN_DWELL_S:
            habituated = self._habituation(est)
            if habituated:
                return self._step_up(fear, habituated)
        if t - self.level_since >= PLATEAU_S and est.upper <= PLATEAU_BELOW and self.level < 1.0:
            return self._plateau_step(fear)
        if est.upper < WINDOW_LOW:
            return self._exposure(
                f"{fear} below the window {WINDOW_LOW:.0f}-{WINDOW_HIGH:.0f}: "
                "waiting before a step up"
            )
        return self._exposure(f"{fear} in the therapeutic window: holding at {self.level:.2f}")

    def _habituation(self, est: ArousalEstimate) -> str:
        if self.peak_at_level >= WINDOW_LOW and est.upper <= HABITUATION_DROP * self.peak_at_level:
            return f"habituation: fear fell by half from its peak {self.peak_at_level:.0f}"
        if self.below_since is not None and self.t - self.below_since >= UNDER_WINDOW_S:
            return f"fear stayed below {WINDOW_LOW:.0f} for {self.t - self.below_since:.0f} s"
        return ""

    def _step_up(self, fear: str, why: str) -> Decision:
        self.mastered = max(self.mastered, self.level)
        if self.level >= 1.0:
            return self._exposure(f"{why}: full intensity mastered, holding at 1.0")
        upper, expected = self.estimate.upper, max(self.rises[-3:])
        size, note = STEP, ""
        if upper + expected > WINDOW_HIGH:
            size, note = GRID, f"; half step, recent steps raised fear by up to {expected:.0f}"
        elif upper < FAST_STEP_BELOW and upper + 2 * expected <= WINDOW_HIGH:
            size = 2 * STEP
        nxt = snap_level(self.level + size)
        if level_key(nxt) in self.too_hot and upper >= RETRY_HOT_BELOW:
            nxt = snap_level(self.level + GRID)
            if nxt == self.level or level_key(nxt) in self.too_hot:
                return self._exposure(
                    f"{fear}; {level_key(nxt)} was too intense earlier: "
                    f"waiting for fear below {RETRY_HOT_BELOW:.0f}"
                )
        self.rise_open = (self.estimate.fear, self.t + FIRST_FEAR_S, self.estimate.fear)
        self._set_level(nxt)
        return self._exposure(f"{why} ({fear}): step up to {self.level:.2f}{note}")

    def _plateau_step(self, fear: str) -> Decision:
        """Slow habituators: a long plateau in the lower half of the window earns a half step."""
        nxt = snap_level(self.level + GRID)
        if level_key(nxt) in self.too_hot:
            return self._exposure(f"{fear}: steady, but {level_key(nxt)} was too intense earlier")
        minutes = (self.t - self.level_since) / 60.0
        self.rise_open = (self.estimate.fear, self.t + FIRST_FEAR_S, self.estimate.fear)
        self._set_level(nxt)
        return self._exposure(
            f"{fear} steady in the lower half of the window for {minutes:.0f} min: "
            f"half step up to {self.level:.2f}"
        )

    def _track_rise(self, fear: float) -> None:
        """How much fear rose after the last step up: the expected cost of the next one."""
        start, until, peak = self.rise_open
        if until < 0:
            return
        peak = max(peak, fear)
        if self.t > until:
            self.rises.append(peak - start)
            until = -1.0
        self.rise_open = (start, until, peak)

    def _over_window(self, fear: str) -> Decision:
        t = self.t
        self.below_since = None
        self.above_since = self.above_since if self.above_since is not None else t
        if t - self.above_since < OVER_WINDOW_S or t - self.level_since < DOWN_DWELL_S:
            return self._exposure(f"{fear} above the window {WINDOW_HIGH:.0f}: watching")
        recent = [s for s in self.step_downs if t - s <= REPEAT_DOWN_S]
        if len(recent) >= 2 or self.level <= STEP:
            return self._cope(
                f"over-arousal: {fear} stays above {WINDOW_HIGH:.0f} after stepping down"
            )
        self.step_downs.append(t)
        self.too_hot.add(level_key(self.level))
        self._set_level(self.level - STEP)
        return self._exposure(
            f"over-arousal: {fear} above {WINDOW_HIGH:.0f}: step down to {self.level:.2f}"
        )

    def _cope(self, why: str) -> Decision:
        self.coping_breaks += 1
        self.too_hot.add(level_key(self.level))
        self.resume_level = snap_level(self.level - STEP)
        self.mode, self.coping_until = State.COPING, self.t + COPING_S
        return Decision(
            0.0, State.COPING, f"{why}: coping break, guided breathing in the safe place"
        )

    def _coping(self, alarm: str) -> Decision:
        if alarm:
            self.coping_until = self.t + COPING_S
            return Decision(
                0.0, State.COPING, f"safety alarm during the break ({alarm}): break extended"
            )
        if self.t < self.coping_until:
            left = self.coping_until - self.t
            return Decision(
                0.0,
                State.COPING,
                f"coping break: guided breathing in the safe place ({left:.0f} s left)",
            )
        self.mode = State.EXPOSURE
        self._set_level(self.resume_level)
        return self._exposure(f"coping break over: resuming one step lower at {self.level:.2f}")

    # -- bookkeeping -------------------------------------------------------------------------
    def _exposure(self, reason: str) -> Decision:
        return Decision(self.level, State.EXPOSURE, reason)

    def _set_level(self, level: float, floor: float = STEP) -> None:
        self.level = snap_level(level, floor)
        if level_key(self.level) not in self.first_fear:
            self.first_window = (level_key(self.level), self.t + FIRST_FEAR_S)
        self.level_since, self.peak_at_level = self.t, self.estimate.fear
        self.below_since = self.above_since = None
        self.max_intensity = max(self.max_intensity, self.level)

    def _track_first_fear(self, fear: float) -> None:
        key, until = self.first_window
        if key == level_key(self.level) and self.t <= until:
            self.first_fear[key] = max(self.first_fear.get(key, 0.0), fear)

    def _end(self, reason: str) -> Decision:
        self.mode, self.end_reason, self.hold = State.ENDED, reason, False
        return Decision(0.0, State.ENDED, reason)

    def _log(self, decision: Decision) -> None:
        last = self.last
        if last is None or (last.intensity, last.state) != (decision.intensity, decision.state):
            self.events.append(
                {
                    "t": self.t,
                    **decision.to_reply(),
                    "fear": round(self.estimate.fear, 1),
                    "fear_sd": round(self.estimate.sd, 1),
                }
            )
        self.last = decision

    # -- the therapist ------------------------------------------------------------------------
    def override(self, action: str) -> None:
        """Apply a therapist's override; it takes effect from the next sample."""
        if action not in OVERRIDE_ACTIONS:
            raise ValueError(f"unknown override action {action!r}")
        self.events.append({"t": self.t, "override": action})
        if self.mode is State.ENDED:
            return
        if action == "end":
            self._end("ended by the therapist")
        elif action == "pause":
            self.mode_before_pause = (
                self.mode if self.mode is not State.PAUSED else self.mode_before_pause
            )
            self.mode = State.PAUSED
        elif action == "resume":
            self._resume()
        elif action == "hold":
            self.hold = True
            self.note = f"hold by the therapist at {self.level:.2f}"
        else:
            self._therapist_step_down()

    def _resume(self) -> None:
        self.hold = False
        if self.mode is State.PAUSED:
            self.mode = (
                State.BASELINE if self.mode_before_pause is State.BASELINE else State.EXPOSURE
            )
            if self.mode is State.EXPOSURE:
                was_coping = self.mode_before_pause is State.COPING
                self._set_level(self.resume_level if was_coping else self.level, floor=0.0)
        self.note = "resumed by the therapist"

    def _therapist_step_down(self) -> None:
        self.too_hot.add(level_key(self.level))
        if self.mode is State.BASELINE:
            self.planned_start = snap_level(self.planned_start - STEP)
        elif self.mode is State.COPING:
            self.resume_level = snap_level(self.resume_level - STEP)
        else:
            self._set_level(self.level - STEP, floor=0.0)
        self.note = "stepped down by the therapist"

    # -- end of session ----------------------------------------------------------------------
    def finish(self) -> PatientProgress:
        """Fold this session into the patient's progress (and return it)."""
        progress = self.progress
        progress.mastered_intensity = max(progress.mastered_intensity, self.mastered)
        progress.first_fear_by_level.update({k: round(v, 1) for k, v in self.first_fear.items()})
        progress.start_intensity = progress.next_start(START_FEAR_MAX)
        if self.tracker.hr.baseline is not None:
            progress.baseline_hr = self.tracker.hr.baseline
        if self.tracker.eda.baseline is not None:
            progress.baseline_eda = self.tracker.eda.baseline
        progress.sessions_completed += 1
        progress.history.append(
            {
                "session": self.session,
                "seconds": self.t,
                "max_intensity": round(self.max_intensity, 2),
                "mastered_intensity": round(self.mastered, 2),
                "coping_breaks": self.coping_breaks,
                "safety_stops": self.safety_stops,
                "ended": self.end_reason or "session end",
            }
        )
        return progress
