"""A simulated population for comparing JITAI policies (``mindway eval jitai``).

Nothing here is fitted to data: it is a documented generative model in the spirit of the
HeartSteps testbed (Liao et al. 2020, Proc ACM IMWUT 4(1):18, section 5), built so the
questions a JITAI must answer have different answers for different people.

Each person u has, drawn once (population values in ``Population``):

- a mood set point mu_u on the 0-10 scale; mood at the 5 daily decision points follows an
  AR(1) around it (persistence ``mood_persistence``), a little higher at weekends;
- waking hours (getting up 6:30-9:00, going to bed 21:00-23:30) and an availability rate
  a_u ~ Beta(7, 3) (mean 0.7; HeartSteps found people available at about 70-80% of points);
- a responsiveness delta_uk to each prompt type k (population means ``type_effects``, SD
  ``type_effect_sd`` - so people differ in which prompt helps them, and for some none does),
  a low-mood gain gamma_u (prompts help more when mood is low) and an evening gain eta_u;
- a burden b_u: every prompt in the previous 24 h lowers the effect of the next by b_u,
  which can turn it negative (Nahum-Shani et al. 2018);
- a habituation constant H_u: the benefit decays as exp(-C/H_u) with C prompts so far;
- a completion propensity c_u: a prompt is completed with probability c_u (1 - 0.1 n24).

The proximal outcome of a decision is the mood change over the next hour:
Y = -kappa (m - mu_u) + 1[prompt] (1[completed] benefit - b_u n24) + e, e ~ N(0, s^2),
with benefit = (delta_uk + gamma_u (5 - m)/2.5 + eta_u (h - 14)/6) exp(-C/H_u).
All policies meet the same people with the same availability, noise and completion draws
(common random numbers), so their differences come from their decisions alone. The adaptive
policy starts each person from a prior fitted on a pilot micro-randomised trial (the random
policy) in ``PILOT_PEOPLE`` other simulated people, as HeartSteps V2 took its prior from V1.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from mindway.therapy.jitai.baselines import (
    FixedSchedulePolicy,
    JitaiPolicy,
    NeverPolicy,
    RandomPolicy,
)
from mindway.therapy.jitai.context import DecisionContext
from mindway.therapy.jitai.policy import NO_PROMPT, PROMPT_TYPES, DecisionRecord
from mindway.therapy.jitai.policy import ThompsonSamplingPolicy as ThompsonSampling
from mindway.therapy.jitai.prior import pooled_effect_prior

START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
PILOT_PEOPLE = 50
PILOT_COHORT = 1
POLICIES: dict[str, Callable[[], JitaiPolicy]] = {
    "adaptive": ThompsonSampling,
    "fixed_schedule": FixedSchedulePolicy,
    "random": RandomPolicy,
    "never": NeverPolicy,
}


@dataclass(frozen=True)
class Population:
    """The population's parameters (mood points on the 0-10 scale)."""

    decision_hours: tuple[float, ...] = (8.5, 11.5, 14.5, 17.5, 20.5)
    type_effects: tuple[float, ...] = (0.30, 0.25, 0.05, 0.15)
    type_effect_sd: float = 0.30
    low_mood_gain: tuple[float, float] = (0.15, 0.10)
    evening_gain_sd: float = 0.15
    burden_mean: float = 0.04
    habituation_median: float = 150.0
    completion: tuple[float, float] = (6.0, 4.0)
    availability: tuple[float, float] = (7.0, 3.0)
    mood_persistence: float = 0.6
    mood_innovation_sd: float = 0.7
    reversion_per_hour: float = 0.05
    outcome_sd: float = 0.35
    weekend_lift: float = 0.3


@dataclass(frozen=True)
class SimulatedPerson:
    """One person's fixed traits (see the module docstring)."""

    mood_set_point: float
    type_effects: NDArray[np.float64]
    low_mood_gain: float
    evening_gain: float
    burden: float
    habituation: float
    completion: float
    availability: float
    waking_start: float
    waking_end: float


@dataclass(frozen=True)
class Draws:
    """A person's environment noise for every decision point (days x points)."""

    available: NDArray[np.bool_]
    outcome: NDArray[np.float64]
    mood: NDArray[np.float64]
    completion: NDArray[np.float64]


@dataclass
class PolicyRun:
    """Totals of one policy over the population, and optionally its decision log."""

    outcome_sum: float = 0.0
    decisions: int = 0
    prompts: int = 0
    person_days: int = 0
    log: list[tuple[DecisionRecord, float]] = field(default_factory=list)

    @property
    def mean_proximal_outcome(self) -> float:
        return self.outcome_sum / self.decisions if self.decisions else 0.0

    @property
    def prompts_per_day(self) -> float:
        return self.prompts / self.person_days if self.person_days else 0.0


def draw_population(
    n: int, seed: int, population: Population, cohort: int = 0
) -> list[SimulatedPerson]:
    """``n`` people drawn from ``population`` with the seed's (and cohort's) own stream."""
    rng = np.random.default_rng([seed, 0, cohort])
    people = []
    for _ in range(n):
        people.append(
            SimulatedPerson(
                mood_set_point=float(np.clip(rng.normal(5.0, 1.0), 2.0, 8.0)),
                type_effects=rng.normal(population.type_effects, population.type_effect_sd),
                low_mood_gain=float(rng.normal(*population.low_mood_gain)),
                evening_gain=float(rng.normal(0.0, population.evening_gain_sd)),
                burden=float(rng.gamma(2.0, population.burden_mean / 2.0)),
                habituation=float(population.habituation_median * math.exp(rng.normal(0, 0.5))),
                completion=float(rng.beta(*population.completion)),
                availability=float(rng.beta(*population.availability)),
                waking_start=float(rng.uniform(6.5, 9.0)),
                waking_end=float(rng.uniform(21.0, 23.5)),
            )
        )
    return people


def draw_environment(person: SimulatedPerson, days: int, stream: list[int]) -> Draws:
    """The person's availability and noise, the same whichever policy is running."""
    rng = np.random.default_rng(stream)
    shape = (days, len(Population().decision_hours))
    return Draws(
        available=rng.random(shape) < person.availability,
        outcome=rng.standard_normal(shape),
        mood=rng.standard_normal(shape),
        completion=rng.random(shape),
    )


@dataclass
class PersonState:
    """What changes as a person lives through the study."""

    mood: float
    prompt_hours: list[float] = field(default_factory=list)
    completions: deque[bool] = field(default_factory=lambda: deque(maxlen=10))
    yesterday: dict[int, float] = field(default_factory=dict)

    def prompts_since(self, hour: float) -> int:
        return sum(1 for t in self.prompt_hours if t > hour)

    @property
    def engagement(self) -> float:
        """Completed share of the last 10 prompts, shrunk toward 1/2 (Laplace)."""
        return (sum(self.completions) + 1.0) / (len(self.completions) + 2.0)


def _context(
    person: SimulatedPerson, state: PersonState, draws: Draws, day: int, slot: int, hour: float
) -> DecisionContext:
    now = 24.0 * day + hour
    last = state.prompt_hours[-1] if state.prompt_hours else None
    return DecisionContext(
        time=START + timedelta(hours=now),
        hour=hour,
        weekday=(START.weekday() + day) % 7,
        recent_mood=state.mood,
        mood_trend=state.mood - state.yesterday.get(slot, state.mood),
        prompts_today=state.prompts_since(24.0 * day),
        prompts_last_24h=state.prompts_since(now - 24.0),
        hours_since_last_prompt=None if last is None else now - last,
        engagement_rate=state.engagement,
        available=bool(draws.available[day, slot]),
        waking_start=person.waking_start,
        waking_end=person.waking_end,
    )


def proximal_outcome(
    person: SimulatedPerson,
    state: PersonState,
    context: DecisionContext,
    action: str,
    noise: tuple[float, float],
    population: Population,
) -> tuple[float, bool]:
    """The mood change over the next hour, and whether a prompt was completed."""
    outcome_noise, completion_draw = noise
    mood = context.recent_mood
    y = -population.reversion_per_hour * (mood - person.mood_set_point)
    y += population.outcome_sd * outcome_noise
    if action == NO_PROMPT:
        return y, False
    n24 = context.prompts_last_24h
    completed = completion_draw < person.completion * max(0.0, 1.0 - 0.1 * n24)
    benefit = (
        person.type_effects[PROMPT_TYPES.index(action)]
        + person.low_mood_gain * (5.0 - mood) / 2.5
        + person.evening_gain * (context.hour - 14.0) / 6.0
    ) * math.exp(-len(state.prompt_hours) / person.habituation)
    return float(y + completed * benefit - person.burden * n24), completed


def live(
    person: SimulatedPerson,
    draws: Draws,
    policy: JitaiPolicy,
    rng: np.random.Generator,
    run: PolicyRun,
    population: Population,
    keep_log: bool = False,
) -> None:
    """Run one person through every decision point under ``policy``, adding to ``run``."""
    state = PersonState(mood=person.mood_set_point)
    days = draws.available.shape[0]
    for day in range(days):
        weekend = (START.weekday() + day) % 7 >= 5
        for slot, hour in enumerate(population.decision_hours):
            context = _context(person, state, draws, day, slot, hour)
            record = policy.decide(context, rng, decision_id=f"{day}-{slot}")
            noise = (float(draws.outcome[day, slot]), float(draws.completion[day, slot]))
            y, completed = proximal_outcome(
                person, state, context, record.action, noise, population
            )
            policy.update(record, y)
            if record.action != NO_PROMPT:
                state.prompt_hours.append(24.0 * day + hour)
                state.completions.append(completed)
                run.prompts += 1
            run.outcome_sum += y
            run.decisions += 1
            if keep_log:
                run.log.append((record, y))
            state.yesterday[slot] = state.mood
            target = person.mood_set_point + (population.weekend_lift if weekend else 0.0)
            mood = target + population.mood_persistence * (state.mood + y - target)
            mood += population.mood_innovation_sd * float(draws.mood[day, slot])
            state.mood = float(np.clip(mood, 0.0, 10.0))
    run.person_days += days


def simulate_policy(
    name: str,
    seed: int,
    users: int,
    days: int,
    population: Population | None = None,
    keep_log: bool = False,
    factory: Callable[[], JitaiPolicy] | None = None,
    cohort: int = 0,
    progress: Callable[[int], None] | None = None,
) -> PolicyRun:
    """One policy (a new instance per person) over the seed's population."""
    population = population or Population()
    make = factory or POLICIES[name]
    policy_stream = list(POLICIES).index(name) + 1 if name in POLICIES else 99
    run = PolicyRun()
    for index, person in enumerate(draw_population(users, seed, population, cohort)):
        draws = draw_environment(person, days, [seed, 1, cohort, index])
        rng = np.random.default_rng([seed, 2, cohort, index, policy_stream])
        live(person, draws, make(), rng, run, population, keep_log)
        if progress is not None:
            progress(1)
    return run


def pilot_prior(
    seed: int,
    days: int,
    population: Population | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[float, ...]:
    """Effect prior means from a pilot trial of the random policy in other people."""
    pilot = simulate_policy(
        "random",
        seed,
        PILOT_PEOPLE,
        days,
        population,
        keep_log=True,
        cohort=PILOT_COHORT,
        progress=progress,
    )
    return pooled_effect_prior(pilot.log)


def evaluation_steps(users: int) -> int:
    """How many people ``evaluate_jitai`` simulates (for a progress bar)."""
    return PILOT_PEOPLE + len(POLICIES) * users


def evaluate_jitai(
    seed: int = 0,
    users: int = 100,
    days: int = 60,
    progress: Callable[[int], None] | None = None,
) -> dict[str, dict[str, float]]:
    """``mindway eval jitai``: mean proximal outcome and prompts per person-day per policy;
    ``progress`` is called after each simulated person."""
    if users < 1 or days < 1:
        raise ValueError("users and days must be at least 1")
    prior = pilot_prior(seed, days, progress=progress)
    figures: dict[str, dict[str, float]] = {}
    for name in POLICIES:
        factory = (
            (lambda: ThompsonSampling(effect_prior_means=prior)) if name == "adaptive" else None
        )
        run = simulate_policy(name, seed, users, days, factory=factory, progress=progress)
        figures[name] = {
            "mean_proximal_outcome": round(float(run.mean_proximal_outcome), 5),
            "prompts_per_day": round(float(run.prompts_per_day), 4),
        }
    return figures
