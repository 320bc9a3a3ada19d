"""The clinic's own expected-recovery curves for PHQ-9 and GAD-7, fitted on its history.

Finch, Lambert & Schaalje (2001) drew expected-recovery curves by intake severity from a
clinic's routine data; ``mindway.clinical.progress_curves`` fits them and falls back to a
rational curve where a severity band has too few patients. Here the history is every stored
result of the instrument (all patients not erased), with time in weeks since each patient's
first valid result. Fitting decrypts the whole history, so fitted curves are kept in process
for a few minutes, keyed by store, instrument and result count: a new result refits.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import numpy as np
from sqlalchemy import func, select

from mindway.clinical.instruments import get_instrument
from mindway.clinical.progress import ReliableChangeCriterion
from mindway.clinical.progress_curves import ExpectedRecoveryCurves
from mindway.clinical.scoring import ScoreResult
from mindway.services import measures
from mindway.services.runtime import UseCase
from mindway.store.models import Patient, QuestionnaireResponse

__all__ = ["SCALES", "Measurement", "Scale", "clinic_curves", "measurements", "weeks_since"]

CACHE_SECONDS = 300.0
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Scale:
    """A tracked symptom scale and its intake-severity bands (the manual's severity bands)."""

    id: Literal["phq9", "gad7"]
    name: str
    band_edges: tuple[float, ...]
    band_names: tuple[str, ...]

    def curves(self) -> ExpectedRecoveryCurves:
        """An unfitted estimator; reliable change by NHS Talking Therapies (Clark et al. 2018)."""
        criterion = ReliableChangeCriterion.nhs_talking_therapies(self.id)
        return ExpectedRecoveryCurves(self.band_edges, criterion, band_names=self.band_names)


def _scale(instrument_id: Literal["phq9", "gad7"]) -> Scale:
    """Intake bands are the instrument's own severity bands, from its data file."""
    instrument = get_instrument(instrument_id)
    scheme = instrument.band_scheme()
    assert scheme is not None, f"{instrument_id} has severity bands"
    bands = scheme[1]
    return Scale(
        instrument_id,
        instrument.name,
        tuple(float(b.low) for b in bands),
        tuple(b.label.replace("_", " ") for b in bands),
    )


SCALES = {scale_id: _scale(scale_id) for scale_id in ("phq9", "gad7")}


@dataclass(frozen=True)
class Measurement:
    """One stored result of a patient, as scored when it was submitted."""

    row: QuestionnaireResponse
    result: ScoreResult


def measurements(
    uc: UseCase, instrument: str, patient_id: uuid.UUID | None = None
) -> dict[uuid.UUID, list[Measurement]]:
    """Stored results of ``instrument`` per patient, oldest first: one patient's, or every
    patient's who is not erased (an erased patient's key is gone)."""
    query = (
        select(QuestionnaireResponse)
        .join(Patient, Patient.id == QuestionnaireResponse.patient_id)
        .where(QuestionnaireResponse.instrument == instrument, Patient.erased_at.is_(None))
        .order_by(QuestionnaireResponse.patient_id, QuestionnaireResponse.completed_at)
    )
    if patient_id is not None:
        query = query.where(QuestionnaireResponse.patient_id == patient_id)
    found: dict[uuid.UUID, list[Measurement]] = {}
    for row in uc.db.scalars(query):
        found.setdefault(row.patient_id, []).append(
            Measurement(row, measures.stored_result(uc.vault, row))
        )
    return found


def weeks_since(start: datetime, at: datetime) -> float:
    return max(0.0, (at - start) / WEEK)


_cache: dict[tuple[str, str, int], tuple[float, ExpectedRecoveryCurves]] = {}
_lock = threading.Lock()
_fitting: dict[tuple[str, str, int], threading.Lock] = {}
"""One lock per curve being fitted: concurrent cold requests wait for one fit, not run N."""


def _fresh(key: tuple[str, str, int], now: float) -> ExpectedRecoveryCurves | None:
    cached = _cache.get(key)
    return cached[1] if cached is not None and now - cached[0] < CACHE_SECONDS else None


def clinic_curves(uc: UseCase, scale: Scale) -> ExpectedRecoveryCurves:
    """The curves fitted on the clinic's history of ``scale``, from the cache when fresh."""
    count = uc.db.scalar(
        select(func.count(QuestionnaireResponse.id))
        .join(Patient, Patient.id == QuestionnaireResponse.patient_id)
        .where(QuestionnaireResponse.instrument == scale.id, Patient.erased_at.is_(None))
    )
    key = (uc.settings.sqlalchemy_url, scale.id, int(count or 0))
    with _lock:
        cached = _fresh(key, time.monotonic())
        if cached is not None:
            return cached
        fitting = _fitting.setdefault(key, threading.Lock())
    with fitting:
        now = time.monotonic()
        with _lock:
            cached = _fresh(key, now)  # fitted by another request while this one waited
        if cached is not None:
            return cached
        curves = _fit(scale, measurements(uc, scale.id))
        with _lock:
            for stale in [k for k, (at, _) in _cache.items() if now - at >= CACHE_SECONDS]:
                del _cache[stale]
            _cache[key] = (now, curves)
            _fitting.pop(key, None)
    return curves


def clear_cache() -> None:
    """Forget every fitted curve (tests; after a bulk import)."""
    with _lock:
        _cache.clear()


def _fit(scale: Scale, history: dict[uuid.UUID, list[Measurement]]) -> ExpectedRecoveryCurves:
    """Intake is each patient's first valid total; later valid totals are the follow-up."""
    courses = [
        [(m.row.completed_at, float(m.result.total)) for m in series if m.result.total is not None]
        for series in history.values()
    ]
    courses = [course for course in courses if course]
    width = max((len(course) for course in courses), default=1)
    n = max(len(courses), 1)
    intake = np.zeros(n)
    times = np.zeros((n, width))
    scores = np.full((n, width), np.nan)
    for i, course in enumerate(courses):
        start = course[0][0]
        intake[i] = course[0][1]
        for j, (at, total) in enumerate(course):
            times[i, j] = weeks_since(start, at)
            scores[i, j] = total
    return scale.curves().fit(intake, times, scores)
