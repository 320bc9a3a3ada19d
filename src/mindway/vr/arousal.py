"""Arousal estimation: fuse periodic SUDS ratings with heart rate and skin conductance.

Two layers, both explicit so that every estimate can be explained:

* ``PhysiologyMapping`` learns, for one patient and across sessions, how physiology relative
  to the session baseline (HR rise in bpm, EDA rise in microsiemens) maps onto the patient's
  own SUDS ratings. It is Bayesian linear regression updated online by recursive least squares
  with forgetting (one small model per available signal set: HR only, EDA only, both), so a
  patient without an EDA sensor still gets an HR mapping.
* ``ArousalEstimator`` runs a one-dimensional Kalman filter on fear (0-100) during a session.
  Fear is a random walk; a SUDS answer is a precise observation, the physiology prediction a
  noisy one whose variance comes from the mapping's residuals and parameter uncertainty. With
  no rating the variance grows every second, so the uncertainty reported is honest. At rest
  (no stimulus) the prediction step lets fear settle towards resting level.

Window features (HRV from RR intervals, skin-conductance responses; see
:mod:`mindway.vr.windows`) arrive every 15 s relative to the session's baseline windows and
get their own online mapping onto SUDS, observed in the same filter when they arrive.

SUDS (Wolpe 1969) are biased per rater; ratings given at rest during the baseline minute
anchor the patient's offset (a rater who says 30 when calm), shrunk towards zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

REST_FEAR = 10.0
"""Fear (0-100) assumed at rest in the baseline minute, the anchor for a rater's offset."""
SUDS_NOISE_SD = 6.0
PROCESS_SD = 2.0
"""How far fear may move in one second without evidence (Kalman process noise)."""
PHYSIO_AUTOCORRELATION = 8.0
"""Physiology arrives each second with strongly autocorrelated errors: its variance is
inflated by this factor so sixty correlated seconds are not taken as sixty independent looks."""
RECOVERY_S = 30.0
"""Time constant of fear settling at rest (baseline, coping break, pause)."""
FORGETTING = 0.99
OFFSET_SHRINK = 3.0
MAX_OFFSET = 25.0

_PRIORS: dict[str, tuple[list[float], list[float]]] = {
    # weights (intercept, per bpm, per microsiemens) and prior variances in units of the
    # residual variance; a rise of ~25 bpm or ~3 uS is taken a priori as a SUDS of ~40-50.
    "hr": ([REST_FEAR, 1.4], [4.0, 0.04]),
    "eda": ([REST_FEAR, 12.0], [4.0, 2.0]),
    "hr_eda": ([REST_FEAR, 0.9, 6.0], [4.0, 0.04, 2.0]),
}
_WINDOW_PRIORS: dict[str, tuple[list[float], list[float]]] = {
    # weights (intercept, per ln(RMSSD / baseline RMSSD), per SCR/min above baseline). Fear
    # withdraws vagal tone (RMSSD falls; Kim et al. 2018) and multiplies non-specific SCRs
    # (1-3/min at rest; Boucsein 2012): a priori halving RMSSD or +5 SCR/min ~ SUDS +20,
    # each slope uncertain by about half its size, the intercept by 15 points.
    "hrv": ([REST_FEAR, -30.0], [1.0, 1.0]),
    "scr": ([REST_FEAR, 4.0], [1.0, 0.018]),
    "hrv_scr": ([REST_FEAR, -20.0, 3.0], [1.0, 0.44, 0.01]),
}
WINDOW_OVERLAP = 4.0
"""Windows of 60 s every 15 s overlap fourfold: their variance is inflated by that much."""
WINDOW_FRESH_S = 20.0
"""A rating teaches the window mapping only if a window closed this recently."""


@dataclass(frozen=True)
class ArousalEstimate:
    """Estimated fear (0-100) with its standard deviation and what it rests on."""

    fear: float
    sd: float
    source: str

    @property
    def upper(self) -> float:
        """A cautious reading (mean plus half an SD) used for decisions that raise risk."""
        return min(100.0, self.fear + 0.5 * self.sd)


class LinearRls:
    """Recursive least squares with forgetting for a few features (pure Python: 1 Hz path)."""

    def __init__(self, weights: list[float], prior_var: list[float]) -> None:
        size = len(weights)
        self.weights = list(weights)
        self.cov = [[prior_var[i] if i == j else 0.0 for j in range(size)] for i in range(size)]
        self.n_updates = 0

    def leverage(self, x: list[float]) -> float:
        """x' P x: how uncertain the prediction is relative to the residual variance."""
        px = [sum(row[j] * x[j] for j in range(len(x))) for row in self.cov]
        return sum(x[i] * px[i] for i in range(len(x)))

    def predict(self, x: list[float]) -> float:
        return sum(w * v for w, v in zip(self.weights, x, strict=True))

    def update(self, x: list[float], target: float) -> float:
        """One RLS step; returns the prior prediction error."""
        size = len(x)
        px = [sum(self.cov[i][j] * x[j] for j in range(size)) for i in range(size)]
        denom = FORGETTING + sum(x[i] * px[i] for i in range(size))
        gain = [v / denom for v in px]
        error = target - self.predict(x)
        self.weights = [w + g * error for w, g in zip(self.weights, gain, strict=True)]
        self.cov = [
            [(self.cov[i][j] - gain[i] * px[j]) / FORGETTING for j in range(size)]
            for i in range(size)
        ]
        trace = sum(self.cov[i][i] for i in range(size))
        if trace > 50.0:  # no excitation for long: stop the covariance winding up
            self.cov = [[v * 50.0 / trace for v in row] for row in self.cov]
        self.n_updates += 1
        return error

    def to_dict(self) -> dict[str, Any]:
        return {"weights": self.weights, "cov": self.cov, "n_updates": self.n_updates}

    @classmethod
    def from_dict(cls, data: dict[str, Any], size: int) -> LinearRls:
        model = cls([0.0] * size, [1.0] * size)
        weights = [float(v) for v in data["weights"]]
        cov = [[float(v) for v in row] for row in data["cov"]]
        if len(weights) != size or len(cov) != size or any(len(r) != size for r in cov):
            raise ValueError("mapping of the wrong size")
        if not all(math.isfinite(v) for v in weights + [c for r in cov for c in r]):
            raise ValueError("mapping holds a non-finite number")
        model.weights, model.cov, model.n_updates = weights, cov, int(data["n_updates"])
        return model


class PhysiologyMapping:
    """One patient's learned mapping from physiology to (offset-corrected) SUDS."""

    def __init__(self) -> None:
        self.models = {name: LinearRls(*prior) for name, prior in _PRIORS.items()}
        self.residual_var = 15.0**2
        self.rater_offset = 0.0
        self.n_rest_ratings = 0
        self.rest_sum = 0.0
        self.window_models = {name: LinearRls(*prior) for name, prior in _WINDOW_PRIORS.items()}
        self.window_residual_var = 15.0**2

    @staticmethod
    def window_features(
        dln_rmssd: float | None, dscr: float | None
    ) -> tuple[str, list[float]] | None:
        if dln_rmssd is not None and dscr is not None:
            return "hrv_scr", [1.0, dln_rmssd, dscr]
        if dln_rmssd is not None:
            return "hrv", [1.0, dln_rmssd]
        if dscr is not None:
            return "scr", [1.0, dscr]
        return None

    def predict_window(
        self, dln_rmssd: float | None, dscr: float | None
    ) -> tuple[float, float, str] | None:
        """Fear predicted from a window's features relative to baseline, and its variance."""
        found = self.window_features(dln_rmssd, dscr)
        if found is None:
            return None
        name, x = found
        model = self.window_models[name]
        return model.predict(x), self.window_residual_var * (1.0 + model.leverage(x)), name

    def learn_window(self, dln_rmssd: float | None, dscr: float | None, suds: float) -> None:
        best = self.window_features(dln_rmssd, dscr)
        x_all = {"hrv": [1.0, dln_rmssd], "scr": [1.0, dscr], "hrv_scr": [1.0, dln_rmssd, dscr]}
        for name, x in x_all.items():
            if all(v is not None for v in x):
                values = [float(v) for v in x if v is not None]
                error = self.window_models[name].update(values, suds)
                if best is not None and name == best[0]:
                    var = 0.95 * self.window_residual_var + 0.05 * error**2
                    self.window_residual_var = max(25.0, var)

    @staticmethod
    def features(dhr: float | None, deda: float | None) -> tuple[str, list[float]] | None:
        if dhr is not None and deda is not None:
            return "hr_eda", [1.0, dhr, deda]
        if dhr is not None:
            return "hr", [1.0, dhr]
        if deda is not None:
            return "eda", [1.0, deda]
        return None

    def predict(self, dhr: float | None, deda: float | None) -> tuple[float, float, str] | None:
        """Predicted fear, its variance and the signal set, or None with no physiology."""
        found = self.features(dhr, deda)
        if found is None:
            return None
        name, x = found
        model = self.models[name]
        variance = self.residual_var * (1.0 + model.leverage(x))
        return model.predict(x), variance, name

    def learn(self, dhr: float | None, deda: float | None, suds: float) -> None:
        """Update every model whose signals are present with one rating."""
        best = self.features(dhr, deda)
        x_all = {"hr": [1.0, dhr], "eda": [1.0, deda], "hr_eda": [1.0, dhr, deda]}
        for name, x in x_all.items():
            if all(v is not None for v in x):
                values = [float(v) for v in x if v is not None]
                error = self.models[name].update(values, suds)
                if best is not None and name == best[0]:  # residuals of the model in use
                    self.residual_var = max(25.0, 0.95 * self.residual_var + 0.05 * error**2)

    def learn_rest_rating(self, suds: float) -> None:
        """A rating at rest (baseline minute) informs the rater's offset."""
        self.n_rest_ratings += 1
        self.rest_sum += suds - REST_FEAR
        shrunk = self.rest_sum / (self.n_rest_ratings + OFFSET_SHRINK)
        self.rater_offset = max(-MAX_OFFSET, min(MAX_OFFSET, shrunk))

    def to_dict(self) -> dict[str, Any]:
        return {
            "models": {name: m.to_dict() for name, m in self.models.items()},
            "residual_var": self.residual_var,
            "rater_offset": self.rater_offset,
            "n_rest_ratings": self.n_rest_ratings,
            "rest_sum": self.rest_sum,
            "window_models": {name: m.to_dict() for name, m in self.window_models.items()},
            "window_residual_var": self.window_residual_var,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PhysiologyMapping:
        mapping = cls()
        for name, (weights, _) in _PRIORS.items():
            mapping.models[name] = LinearRls.from_dict(data["models"][name], len(weights))
        mapping.residual_var = max(25.0, float(data["residual_var"]))
        mapping.rater_offset = max(-MAX_OFFSET, min(MAX_OFFSET, float(data["rater_offset"])))
        mapping.n_rest_ratings = int(data["n_rest_ratings"])
        mapping.rest_sum = float(data["rest_sum"])
        saved = data.get("window_models") or {}  # progress saved before windows had none
        for name, (weights, _) in _WINDOW_PRIORS.items():
            if name in saved:
                mapping.window_models[name] = LinearRls.from_dict(saved[name], len(weights))
        mapping.window_residual_var = max(25.0, float(data.get("window_residual_var", 225.0)))
        if not math.isfinite(mapping.residual_var + mapping.rest_sum + mapping.window_residual_var):
            raise ValueError("mapping holds a non-finite number")
        return mapping


class ArousalEstimator:
    """A session's fear estimate: a Kalman filter over SUDS and mapped physiology."""

    def __init__(self, mapping: PhysiologyMapping) -> None:
        self.mapping = mapping
        self.fear = REST_FEAR
        self.variance = 15.0**2
        self.seconds_since_rating = math.inf
        self.window: tuple[float | None, float | None] | None = None
        self.seconds_since_window = math.inf
        self.window_source = ""

    def observe_window(self, dln_rmssd: float | None, dscr: float | None) -> str | None:
        """A window's features relative to baseline: one observation of fear now; kept so the
        next rating can teach the window mapping. Returns the signal set used, if any."""
        predicted = self.mapping.predict_window(dln_rmssd, dscr)
        if predicted is None:
            return None
        mean, var, name = predicted
        self._observe(max(0.0, min(100.0, mean)), var * WINDOW_OVERLAP)
        self.fear = max(0.0, min(100.0, self.fear))
        self.window, self.seconds_since_window = (dln_rmssd, dscr), 0.0
        self.window_source = f"window:{name}"
        return name

    def step(
        self, dhr: float | None, deda: float | None, suds: float | None, at_rest: bool
    ) -> ArousalEstimate:
        """Advance one second with whatever arrived; learn the mapping from each rating."""
        self.variance = min(50.0**2, self.variance + PROCESS_SD**2)
        if at_rest:  # no stimulus: fear settles towards rest unless evidence says otherwise
            self.fear += (REST_FEAR - self.fear) / RECOVERY_S
        self.seconds_since_rating += 1.0
        self.seconds_since_window += 1.0
        sources: list[str] = [self.window_source] if self.window_source else []
        self.window_source = ""
        predicted = self.mapping.predict(dhr, deda)
        if predicted is not None:
            mean, var, name = predicted
            self._observe(mean, var * PHYSIO_AUTOCORRELATION)
            sources.append(name)
        if suds is not None:
            if at_rest:
                self.mapping.learn_rest_rating(suds)
            corrected = max(0.0, min(100.0, suds - self.mapping.rater_offset))
            self._observe(corrected, SUDS_NOISE_SD**2)
            self.mapping.learn(dhr, deda, corrected)
            if self.window is not None and self.seconds_since_window <= WINDOW_FRESH_S:
                self.mapping.learn_window(*self.window, corrected)
            self.seconds_since_rating = 0.0
            sources.append("suds")
        self.fear = max(0.0, min(100.0, self.fear))
        source = "+".join(sources) if sources else "none (uncertainty growing)"
        return ArousalEstimate(self.fear, math.sqrt(self.variance), source)

    def _observe(self, value: float, variance: float) -> None:
        gain = self.variance / (self.variance + variance)
        self.fear += gain * (value - self.fear)
        self.variance *= 1.0 - gain
