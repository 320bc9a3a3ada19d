"""The simulated patient behaves as its documented model says."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import pytest

from mindway.vr.simulation import SimulatedPatient, draw_parameters


def _patient(**changes: object) -> SimulatedPatient:
    params = replace(draw_parameters(random.Random(5)), **changes)  # type: ignore[arg-type]
    patient = SimulatedPatient(params, seed=5)
    patient.start_session()
    return patient


def test_fear_decays_exponentially_at_a_constant_level() -> None:
    """Portêlo, Shiban & Maia 2021: within-exposure decay at a constant rate."""
    patient = _patient(fear_strength=0.9, curve=0.3, habituation_rate=1 / 200, rest_fear=5.0)
    fears = [patient.target_fear(0.6)]
    for _ in range(130):  # fear stays well above rest: habituation runs at its full rate
        patient.step(0.6)
        fears.append(patient.target_fear(0.6))
    ratios = [fears[i + 50] / fears[i] for i in (20, 70)]
    assert ratios == pytest.approx([math.exp(-0.25)] * 2, rel=0.01)


def test_habituation_is_partly_retained_and_fear_returns_between_sessions() -> None:
    patient = _patient(retention=0.8, return_of_fear=0.3)
    untreated = patient.target_fear(0.7)
    for _ in range(900):
        patient.step(0.7)
    end_of_session = patient.target_fear(0.7)
    patient.end_session()
    patient.start_session()
    next_start = patient.target_fear(0.7)
    assert end_of_session < next_start < untreated


def test_flooding_sensitises() -> None:
    patient = _patient(fear_strength=1.2, curve=0.8)
    before = patient.strength
    for _ in range(300):
        patient.step(1.0)
    assert patient.strength > before


def test_reports_are_noisy_sometimes_missing_and_in_range() -> None:
    patient = _patient()
    observations = [patient.step(0.5) for _ in range(1800)]
    ratings = [o.suds for o in observations if o.suds is not None]
    assert 20 <= len(ratings) <= 72
    assert all(0 <= r <= 100 for r in ratings)
    assert any(o.hr is None for o in observations)
    assert all(o.hr is None or 25 < o.hr < 250 for o in observations)


def test_same_seed_same_patient() -> None:
    a, b = _patient(), _patient()
    assert [a.step(0.4) for _ in range(300)] == [b.step(0.4) for _ in range(300)]
