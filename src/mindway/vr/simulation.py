"""Simulated patients for developing and evaluating the controller (not for clinical claims).

Fear (0-100) in response to exposure intensity i (0-1), second by second:

* Reaction: the fear a level would draw now is ``100 * V * i**gamma * (1 - H(i))``, never
  below the resting fear. V is fear strength (sensitisation raises it), gamma the shape of
  the patient's hierarchy, H(i) habituation at that level.
* Fear follows that target with a first-order lag (seconds) plus Ornstein-Uhlenbeck noise;
  a coping break (slow breathing in the safe place) halves the lag back to rest.
* Within-session habituation: at a constant level H grows as ``dH/dt = k (1 - H)``, so fear
  decays exponentially at a constant rate k (Portêlo, Shiban & Maia 2021). It generalises
  fully to easier levels and partly to harder ones (``exp(-distance / width)``), needs
  activation (its rate scales with fear above rest, full from 30 points up: no emotional
  processing without fear activation; Foa & Kozak 1986)
  and is impaired under flooding.
* Between sessions a share of habituation is retained (consolidated into long-term H) and
  part of it is lost again (return of fear / spontaneous recovery; Rescorla 2004).
* Flooding (fear > 85) sensitises: V rises in proportion to the excess and its duration
  (Foa & Kozak 1986; cf. Gershman et al. 2013 on gradual versus abrupt exposure).
* Reports: SUDS asked every 25-35 s, sometimes unanswered, biased and scaled per rater,
  noisy, some raters rounding to 5. HR and EDA are driven by lagged fear around personal
  resting levels, with noise, dropouts, movement spikes; some patients wear no EDA sensor.

Every parameter is drawn per patient from the ranges in ``draw_parameters``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

LEVELS = 11
FLOODING = 85.0
ACTIVATION_FULL = 30.0
"""Habituation runs at its full rate once fear is this far above rest (fear activation)."""
IMPAIRED_UNDER_FLOODING = 0.3


@dataclass(frozen=True)
class PatientParameters:
    fear_strength: float
    curve: float
    rest_fear: float
    habituation_rate: float
    generalisation: float
    retention: float
    return_of_fear: float
    sensitisation: float
    lag_s: float
    suds_bias: float
    suds_scale: float
    suds_noise: float
    suds_missing: float
    suds_round_to_5: bool
    hr_rest: float
    hr_gain: float
    hr_noise: float
    has_eda: bool
    eda_rest: float
    eda_gain: float


def draw_parameters(rng: random.Random) -> PatientParameters:
    """A heterogeneous patient: ranges chosen to span mild to severe specific phobia."""
    return PatientParameters(
        fear_strength=rng.uniform(0.85, 1.2),
        curve=rng.uniform(0.6, 1.6),
        rest_fear=rng.uniform(5.0, 15.0),
        habituation_rate=math.exp(rng.uniform(math.log(1 / 600), math.log(1 / 120))),
        generalisation=rng.uniform(0.03, 0.08),
        retention=rng.uniform(0.4, 0.9),
        return_of_fear=rng.uniform(0.1, 0.4),
        sensitisation=rng.uniform(0.001, 0.004),
        lag_s=rng.uniform(4.0, 12.0),
        suds_bias=rng.gauss(0.0, 8.0),
        suds_scale=rng.uniform(0.85, 1.15),
        suds_noise=rng.uniform(3.0, 8.0),
        suds_missing=rng.uniform(0.05, 0.35),
        suds_round_to_5=rng.random() < 0.5,
        hr_rest=rng.uniform(60.0, 85.0),
        hr_gain=rng.uniform(15.0, 45.0),
        hr_noise=rng.uniform(1.0, 3.0),
        has_eda=rng.random() < 0.7,
        eda_rest=rng.uniform(1.0, 8.0),
        eda_gain=rng.uniform(1.0, 5.0),
    )


@dataclass(frozen=True)
class Observation:
    """What the scene would send (hr, eda, suds) and the hidden true fear."""

    t: float
    hr: float | None
    eda: float | None
    suds: int | None
    fear: float


class SimulatedPatient:
    """One patient across sessions: ``start_session``, ``step`` each second, ``end_session``."""

    def __init__(self, params: PatientParameters, seed: int) -> None:
        self.params = params
        self.rng = random.Random(seed)  # noqa: S311 - simulation: determinism is the point
        self.strength = params.fear_strength
        self.long_term = [0.0] * LEVELS
        self.habituation = [0.0] * LEVELS
        self._reset_session()

    def _reset_session(self) -> None:
        p = self.params
        self.t, self.fear, self.noise = 0.0, p.rest_fear, 0.0
        self.hr_fear, self.eda_fear, self.scr = p.rest_fear, p.rest_fear, 0.0
        self.next_rating = self.rng.uniform(20.0, 35.0)

    def start_session(self) -> None:
        """Habituation kept from past sessions, minus the return of fear."""
        self._reset_session()
        keep = 1.0 - self.params.return_of_fear
        self.habituation = [h * keep for h in self.long_term]

    def end_session(self) -> None:
        """Consolidate a share of this session's habituation into long-term memory."""
        r = self.params.retention
        self.long_term = [
            lt + r * (h - lt) if h > lt else lt
            for lt, h in zip(self.long_term, self.habituation, strict=True)
        ]

    def target_fear(self, intensity: float, habituation: list[float] | None = None) -> float:
        p = self.params
        h = _interpolate(self.habituation if habituation is None else habituation, intensity)
        drawn = 100.0 * self.strength * max(0.0, intensity) ** p.curve * (1.0 - h)
        return float(min(100.0, max(p.rest_fear, drawn)))

    def probe_fear(self, intensity: float = 1.0) -> float:
        """Fear the level would draw at the start of the next session (a behavioural
        approach test): long-term habituation after the return of fear, without noise."""
        keep = 1.0 - self.params.return_of_fear
        return self.target_fear(intensity, [h * keep for h in self.long_term])

    def step(self, intensity: float, coping: bool = False) -> Observation:
        """One second at ``intensity``; returns the sensors' readings and the true fear."""
        p, rng = self.params, self.rng
        intensity = max(0.0, min(1.0, intensity))
        target = self.target_fear(intensity)
        lag = p.lag_s / 2.0 if coping else p.lag_s
        rising = target > self.fear
        self.fear += (target - self.fear) / lag
        self.noise = 0.9 * self.noise + rng.gauss(0.0, 1.2)
        fear = max(0.0, min(100.0, self.fear + self.noise))
        if intensity > 0:
            self._habituate(intensity, fear)
        if fear > FLOODING:
            self.strength = min(1.6, self.strength + p.sensitisation * (fear - FLOODING) / 15.0)
        observation = Observation(
            self.t, self._hr(fear), self._eda(fear, rising), self._suds(fear), fear
        )
        self.t += 1.0
        return observation

    def _habituate(self, intensity: float, fear: float) -> None:
        p = self.params
        activation = (fear - p.rest_fear) / ACTIVATION_FULL
        engagement = IMPAIRED_UNDER_FLOODING if fear > FLOODING else max(0.0, min(1.0, activation))
        rate = p.habituation_rate * engagement
        for j in range(LEVELS):
            distance = j / (LEVELS - 1) - intensity
            spread = 1.0 if distance <= 0 else math.exp(-distance / p.generalisation)
            self.habituation[j] += rate * spread * (1.0 - self.habituation[j])

    def _hr(self, fear: float) -> float | None:
        p, rng = self.params, self.rng
        self.hr_fear += (fear - self.hr_fear) / 5.0
        if rng.random() < 0.03:
            return None
        hr = p.hr_rest + p.hr_gain * self.hr_fear / 100.0 + rng.gauss(0.0, p.hr_noise)
        if rng.random() < 0.01:
            hr *= rng.choice((0.5, 1.6))  # a movement artefact or a missed beat
        return round(hr, 1)

    def _eda(self, fear: float, rising: bool) -> float | None:
        p, rng = self.params, self.rng
        if not p.has_eda:
            return None
        self.eda_fear += (fear - self.eda_fear) / 20.0
        self.scr *= math.exp(-1.0 / 5.0)
        if rising and rng.random() < 0.1 + fear / 200.0:
            self.scr += rng.uniform(0.05, 0.1 + 0.4 * fear / 100.0)
        drift = -0.2 * self.t / 1800.0
        eda = p.eda_rest + drift + p.eda_gain * self.eda_fear / 100.0 + self.scr
        return round(max(0.05, eda + rng.gauss(0.0, 0.02)), 3)

    def _suds(self, fear: float) -> int | None:
        p, rng = self.params, self.rng
        if self.t < self.next_rating:
            return None
        self.next_rating = self.t + rng.uniform(25.0, 35.0)
        if rng.random() < p.suds_missing:
            return None
        rating = p.suds_scale * fear + p.suds_bias + rng.gauss(0.0, p.suds_noise)
        if p.suds_round_to_5:
            rating = 5.0 * round(rating / 5.0)
        return int(max(0, min(100, round(rating))))


def _interpolate(values: list[float], intensity: float) -> float:
    position = max(0.0, min(1.0, intensity)) * (LEVELS - 1)
    low = min(LEVELS - 2, int(position))
    frac = position - low
    return values[low] * (1.0 - frac) + values[low + 1] * frac
