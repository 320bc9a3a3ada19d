"""Progress monitoring for one patient: PHQ-9 and GAD-7 trajectories, change from intake,
reliable change, and the not-on-track signal at every measurement.

Routine outcome feedback helps most when the clinician hears early that a patient is not on
track (Lambert 2017): the signal compares each score with the clinic's own expected-recovery
curves for the patient's intake severity (Finch, Lambert & Schaalje 2001), or with the
rational fallback where the clinic has too little history, and says which. When a new
result turns red, the care team gets a ``not_on_track`` alert.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, cast

import numpy as np
from sqlalchemy import select

from mindway.clinical.alert_rules import AlertSpec
from mindway.clinical.progress import change_from_baseline
from mindway.clinical.progress_curves import ExpectedRecoveryCurves
from mindway.clinical.progress_signal import patient_signals
from mindway.clinical.scoring import ScoreResult
from mindway.security.policy import Actor, Permission
from mindway.services import access, measures, recovery_curves
from mindway.services.runtime import Runtime, UseCase
from mindway.services.views import View
from mindway.store.models import ClinicalAlert, QuestionnaireResponse

if TYPE_CHECKING:  # recovery_curves reads results through measures, which calls back here
    from mindway.services.recovery_curves import Measurement, Scale

__all__ = [
    "CurveBasis",
    "InstrumentProgress",
    "ProgressPoint",
    "ProgressPublic",
    "for_patient",
    "raise_not_on_track",
]

Signal = Literal["green", "yellow", "red"]
NOT_ON_TRACK_DUE = timedelta(days=3)


class ProgressPoint(View):
    """One valid measurement: its change from intake and its signal, with the reason."""

    result_id: uuid.UUID
    completed_at: datetime
    weeks: float  # since intake (the first valid result)
    total: int
    severity: str | None
    change: int  # total - intake: negative is improvement
    reliable_improvement: bool
    reliable_deterioration: bool
    signal: Signal
    reason: str  # intake | on_track | above_yellow | above_red | reliable_deterioration
    explanation: str
    expected: float  # the curve's median at this time
    yellow_above: float
    red_above: float


class CurveBasis(View):
    """Which expected-recovery curve judged the patient, and from how much clinic data."""

    method: Literal["empirical", "rational"]
    band: str
    band_patients: int  # patients with follow-up in the band the curve was fitted on
    min_patients: int  # below this the rational fallback is used
    note: str


class InstrumentProgress(View):
    instrument: str
    name: str
    intake: int | None
    latest_signal: Signal | None
    reliable_change_points: float
    reliable_change_source: str
    curve: CurveBasis | None
    points: list[ProgressPoint]


class ProgressPublic(View):
    patient_id: uuid.UUID
    time_unit: Literal["weeks"] = "weeks"
    instruments: list[InstrumentProgress]


def for_patient(rt: Runtime, actor: Actor, patient_id: uuid.UUID) -> ProgressPublic:
    """The patient's PHQ-9 and GAD-7 progress, for the patient and their clinicians."""
    with rt.use_case(actor, "progress.read", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.RECORD_READ, patient_id)
        return ProgressPublic(
            patient_id=patient_id,
            instruments=[
                _instrument_progress(uc, scale, patient_id)
                for scale in recovery_curves.SCALES.values()
            ],
        )


def raise_not_on_track(
    uc: UseCase, row: QuestionnaireResponse, result: ScoreResult
) -> list[AlertSpec]:
    """Raise a ``not_on_track`` alert when the just-stored ``row`` turns red, unless the
    patient already has an open one (one worklist item, not one per questionnaire) or this
    result already alerted the team (a risk or deterioration alert leads; the review it
    calls for covers progress too)."""
    scale = recovery_curves.SCALES.get(result.instrument)
    if scale is None or result.total is None or _already_alerted(uc, row):
        return []
    progress = _instrument_progress(uc, scale, row.patient_id)
    newest = progress.points[-1] if progress.points else None
    if newest is None or newest.result_id != row.id or newest.signal != "red":
        return []
    spec = AlertSpec(
        "not_on_track",
        "high",
        NOT_ON_TRACK_DUE,
        f"{scale.name} {newest.total} at week {newest.weeks:.0f} (intake {progress.intake}): "
        f"not on track, {newest.explanation}. Review the plan with the patient "
        "(routine outcome feedback, Lambert 2017).",
    )
    measures.raise_alert(uc, row.patient_id, spec, row.id)
    return [spec]


def _already_alerted(uc: UseCase, row: QuestionnaireResponse) -> bool:
    open_not_on_track = (ClinicalAlert.kind == "not_on_track") & (
        ClinicalAlert.acknowledged_at.is_(None)
    )
    found = uc.db.scalars(
        select(ClinicalAlert.id)
        .where(
            ClinicalAlert.patient_id == row.patient_id,
            open_not_on_track | (ClinicalAlert.source_id == row.id),
        )
        .limit(1)
    ).first()
    return found is not None


def _instrument_progress(uc: UseCase, scale: Scale, patient_id: uuid.UUID) -> InstrumentProgress:
    series = [
        m
        for m in recovery_curves.measurements(uc, scale.id, patient_id).get(patient_id, [])
        if m.result.total is not None
    ]
    curves = recovery_curves.clinic_curves(uc, scale)
    rule = curves.reliable_change
    points = _points(curves, series)
    return InstrumentProgress(
        instrument=scale.id,
        name=scale.name,
        intake=points[0].total if points else None,
        latest_signal=points[-1].signal if points else None,
        reliable_change_points=rule.points,
        reliable_change_source=rule.source,
        curve=_basis(curves, scale, float(points[0].total)) if points else None,
        points=points,
    )


def _points(curves: ExpectedRecoveryCurves, series: list[Measurement]) -> list[ProgressPoint]:
    if not series:
        return []
    start = series[0].row.completed_at
    weeks = np.array([recovery_curves.weeks_since(start, m.row.completed_at) for m in series])
    totals = np.array([float(m.result.total or 0) for m in series])
    intake = float(totals[0])
    change = change_from_baseline(intake, totals, curves.reliable_change)
    signals = patient_signals(curves, intake, weeks, totals)
    points: list[ProgressPoint] = []
    for i, (m, signal) in enumerate(zip(series, signals, strict=True)):
        assert signal is not None  # every total here is a number
        points.append(
            ProgressPoint(
                result_id=m.row.id,
                completed_at=m.row.completed_at,
                weeks=round(float(weeks[i]), 2),
                total=int(totals[i]),
                severity=m.result.severity,
                change=int(change.change[i]),
                reliable_improvement=bool(change.reliable_improvement[i]),
                reliable_deterioration=bool(change.reliable_deterioration[i]),
                signal=cast(Signal, signal.level.label),
                reason=signal.reason.name.lower(),
                explanation=signal.explanation,
                expected=round(signal.expected, 1),
                yellow_above=round(signal.yellow_above, 1),
                red_above=round(signal.red_above, 1),
            )
        )
    return points


def _basis(curves: ExpectedRecoveryCurves, scale: Scale, intake: float) -> CurveBasis:
    band = curves.bands_[int(curves.band_of(intake))]
    least = curves.min_patients_per_band
    if band.method == "empirical":
        note = (
            f"Expected-recovery percentiles fitted on this clinic's {band.n_patients} patients "
            f"with {scale.name} follow-up who started {band.name} (Finch, Lambert & Schaalje 2001)."
        )
    else:
        note = (
            f"Rational fallback: this clinic has {band.n_patients} patients with {scale.name} "
            f"follow-up who started {band.name}, fewer than the {least} needed to fit "
            "percentiles, so the expected curve is a 50% fall by week 8 with measurement-error "
            "bands (Lambert et al. 2002)."
        )
    return CurveBasis(
        method=band.method,
        band=band.name,
        band_patients=band.n_patients,
        min_patients=least,
        note=note,
    )
