"""Progress monitoring: trajectories, reliable change, the not-on-track signal against the
clinic's own expected-recovery curves (Finch, Lambert & Schaalje 2001) or the rational
fallback, and the not-on-track alert to the care team (Lambert 2017)."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from mindway.clinical.progress_cohort import synthetic_cohort
from mindway.clinical.scoring import score
from mindway.security.policy import OPERATOR
from mindway.services import clinical_alerts, measures, progress, recovery_curves
from mindway.services.accounts import Registration, register_patient
from mindway.services.demo_measures import answers_for
from mindway.services.runtime import OutOfScope, Runtime
from mindway.store.models import QuestionnaireResponse
from mindway.store.types import utcnow
from tests.clinic import Clinic
from tests.services.audit_trail import AuditWatch


def phq9(total: int) -> list[int]:
    """PHQ-9 answers adding up to ``total`` with item 9 at 0 (no risk workflow)."""
    return [min(3, max(0, total - 3 * i)) for i in range(8)] + [0]


def submit_fortnightly(rt: Runtime, clinic: Clinic, totals: list[int]) -> list[str]:
    """Patient A's PHQ-9s two weeks apart (older ones moved back); the alerts each raised."""
    raised: list[str] = []
    for total in totals:
        with rt.transaction() as db:
            for row in db.scalars(
                select(QuestionnaireResponse).where(
                    QuestionnaireResponse.patient_id == clinic.patient_a_id
                )
            ):
                row.completed_at -= timedelta(days=14)
        done = measures.submit(rt, clinic.patient_a, clinic.patient_a_id, "phq9", phq9(total))
        raised += done.alerts_raised
    return raised


@pytest.fixture(autouse=True)
def fresh_curves() -> None:
    recovery_curves.clear_cache()


def test_trajectory_with_change_reliable_change_and_signals(rt: Runtime, clinic: Clinic) -> None:
    """Intake 18; 12 at week 2 is a reliable improvement (>= 6, Clark et al. 2018) and on
    track; 16 at week 8 is far above the rational curve's 90th percentile: red."""
    submit_fortnightly(rt, clinic, [18, 12, 11, 16])
    watch = AuditWatch(rt)
    view = progress.for_patient(rt, clinic.clinician_a, clinic.patient_a_id)
    event = watch.single()
    assert (event.action, event.outcome) == ("progress.read", "success")
    phq, gad = view.instruments
    assert (phq.instrument, gad.instrument, gad.points, gad.latest_signal) == (
        "phq9",
        "gad7",
        [],
        None,
    )
    assert [p.total for p in phq.points] == [18, 12, 11, 16]
    assert [p.weeks for p in phq.points] == pytest.approx([0, 2, 4, 6], abs=0.01)
    assert [p.change for p in phq.points] == [0, -6, -7, -2]
    assert [p.reliable_improvement for p in phq.points] == [False, True, True, False]
    assert [p.signal for p in phq.points] == ["green", "green", "green", "red"]
    assert phq.points[0].reason == "intake"
    assert phq.points[-1].reason == "above_red" and "90th percentile" in phq.points[-1].explanation
    assert (phq.intake, phq.latest_signal, phq.reliable_change_points) == (18, "red", 6.0)
    assert phq.curve is not None and phq.curve.method == "rational"
    assert "Rational fallback" in phq.curve.note and phq.curve.band == "moderately severe"


def test_the_patient_reads_their_own_progress_and_nobody_else_does(
    rt: Runtime, clinic: Clinic
) -> None:
    submit_fortnightly(rt, clinic, [12, 9])
    own = progress.for_patient(rt, clinic.patient_a, clinic.patient_a_id)
    assert [p.total for p in own.instruments[0].points] == [12, 9]
    with pytest.raises(OutOfScope):
        progress.for_patient(rt, clinic.clinician_b, clinic.patient_a_id)
    with pytest.raises(OutOfScope):
        progress.for_patient(rt, clinic.patient_b, clinic.patient_a_id)


def test_turning_red_alerts_the_team_once_while_the_alert_is_open(
    rt: Runtime, clinic: Clinic
) -> None:
    """Lambert 2017: tell the clinician when a patient goes off track; one open alert, not
    one per questionnaire; after acknowledgement a new red result alerts again."""
    raised = submit_fortnightly(rt, clinic, [14, 13, 13])
    assert raised == ["not_on_track:high"]  # 13 at week 4 is above the expected curve
    (alert,) = clinical_alerts.inbox(rt, clinic.clinician_a)
    assert (alert.kind, alert.level) == ("not_on_track", "high")
    assert alert.due_at - alert.created_at == timedelta(days=3)
    assert "PHQ-9 13 at week 4 (intake 14): not on track" in alert.detail
    assert submit_fortnightly(rt, clinic, [14]) == []  # still red, alert still open
    clinical_alerts.acknowledge(rt, clinic.clinician_a, alert.id)
    assert submit_fortnightly(rt, clinic, [14]) == ["not_on_track:high"]


def test_on_track_results_and_other_instruments_raise_no_alert(rt: Runtime, clinic: Clinic) -> None:
    assert submit_fortnightly(rt, clinic, [16, 12, 9, 7]) == []
    done = measures.submit(rt, clinic.patient_a, clinic.patient_a_id, "who5", [3] * 5)
    assert done.alerts_raised == []
    assert clinical_alerts.inbox(rt, clinic.clinician_a) == []


def test_a_result_that_raised_a_deterioration_alert_adds_no_not_on_track_alert(
    rt: Runtime, clinic: Clinic
) -> None:
    """A rise of 6+ is a deterioration alert (Clark et al. 2018); that alert leads."""
    assert submit_fortnightly(rt, clinic, [8, 15]) == ["deterioration:high"]


def add_history(rt: Runtime, clinic: Clinic, patients: int) -> None:
    """Made-up fortnightly PHQ-9 courses (``synthetic_cohort``), stored sealed as submitted."""
    cohort = synthetic_cohort(patients, 6, seed=11, missing_rate=0.0)
    start = utcnow() - timedelta(weeks=12)
    author = clinic.clinician_a.account_id
    assert author is not None
    with rt.use_case(OPERATOR, "test.history") as uc:
        for i, row in enumerate(cohort.scores):
            born = Registration("Test", f"Patient {i}", date(1980, 1, 1))
            patient = register_patient(uc.db, uc.vault, born, "en-US")
            for index, total in zip(cohort.session_index, row, strict=True):
                answers = answers_for(random.Random(i), "phq9", int(total))
                at = start + timedelta(weeks=2 * float(index))
                result = score("phq9", answers)
                uc.db.add(measures.sealed_response(uc.vault, patient.id, result, author, at))


def test_curves_are_fitted_on_the_clinics_history_and_cached(rt: Runtime, clinic: Clinic) -> None:
    """With 50+ patients in an intake band the percentiles come from the clinic's data
    (quantile regression, Finch et al. 2001); the fit is reused until a result is added."""
    add_history(rt, clinic, 160)
    submit_fortnightly(rt, clinic, [12, 7])
    view = progress.for_patient(rt, clinic.clinician_a, clinic.patient_a_id)
    basis = view.instruments[0].curve
    assert basis is not None and basis.band == "moderate"
    assert (basis.method, basis.min_patients) == ("empirical", 50)
    assert basis.band_patients >= 50 and "fitted on this clinic's" in basis.note
    scale = recovery_curves.SCALES["phq9"]
    with rt.use_case(OPERATOR, "test.curves") as uc:
        first = recovery_curves.clinic_curves(uc, scale)
        assert recovery_curves.clinic_curves(uc, scale) is first
        assert "rational" in first.method_ and "empirical" in first.method_
    measures.submit(rt, clinic.patient_b, clinic.patient_b_id, "phq9", phq9(10))
    with rt.use_case(OPERATOR, "test.curves") as uc:
        assert recovery_curves.clinic_curves(uc, scale) is not first


def test_concurrent_cold_requests_share_one_fit(
    rt: Runtime, clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several progress pages opened at once on a cold cache wait for one fit of the clinic's
    curves instead of each decrypting the whole history and fitting it again."""
    submit_fortnightly(rt, clinic, [12, 7])
    recovery_curves.clear_cache()  # submitting checked the curves: start cold
    scale = recovery_curves.SCALES["phq9"]
    real_fit, fits, started = recovery_curves._fit, [], threading.Event()

    def slow_fit(*args: Any) -> Any:
        fits.append(1)
        started.set()
        time.sleep(0.3)  # hold the fit open so the other requests arrive while it runs
        return real_fit(*args)

    monkeypatch.setattr(recovery_curves, "_fit", slow_fit)

    def open_page() -> object:
        with rt.use_case(OPERATOR, "test.curves") as uc:
            return recovery_curves.clinic_curves(uc, scale)

    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(open_page)
        assert started.wait(10)
        others = [pool.submit(open_page) for _ in range(3)]
        results = [first.result(), *(f.result() for f in others)]
    assert len(fits) == 1
    assert all(r is results[0] for r in results)
