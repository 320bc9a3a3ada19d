"""Progress-monitoring figures: 100,000 patients x 20 PHQ-9s scored and classified.

A synthetic clinic (seeded, so every run sees the same numbers) supplies a history on which
the expected-recovery curves are fitted, and a caseload that is then scored in one batch:
change from intake, reliable change (NHS Talking Therapies, PHQ-9 >= 6) and the green /
yellow / red signal at every measurement. Time is the best of a few runs; peak memory is
what tracemalloc saw numpy allocate during one run, beyond the inputs. ``scored_end_to_end``
first scores every one of the 2 million questionnaires from item answers with the real
scorer, then classifies the scored totals.
"""

from __future__ import annotations

import resource
import time
import tracemalloc
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mindway.clinical.instruments import get_instrument
from mindway.clinical.progress import ReliableChangeCriterion, change_from_baseline
from mindway.clinical.progress_cohort import Course, SyntheticCohort, synthetic_cohort
from mindway.clinical.progress_curves import ExpectedRecoveryCurves
from mindway.clinical.progress_signal import Level, NotOnTrack, not_on_track, patient_signals
from mindway.clinical.scoring import score

N_PATIENTS = 100_000
N_MEASUREMENTS = 20
HISTORY_PATIENTS = 20_000
HISTORY_SEED = 11
CASELOAD_SEED = 12
REPEAT = 3
AGREEMENT_SAMPLE = 1_000
MIB = 2**20


def _caseload_pass(curves: ExpectedRecoveryCurves, caseload: SyntheticCohort) -> NotOnTrack:
    change_from_baseline(caseload.intake, caseload.scores, curves.reliable_change)
    return not_on_track(curves, caseload.intake, caseload.session_index, caseload.scores)


def _peak_mib(curves: ExpectedRecoveryCurves, caseload: SyntheticCohort) -> float:
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        _caseload_pass(curves, caseload)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return round((peak - before) / MIB, 1)


def _agreement(curves: ExpectedRecoveryCurves, caseload: SyntheticCohort, batch: NotOnTrack) -> int:
    """How many sampled patients get exactly the batch's levels from the one-patient path."""
    agree = 0
    for row in range(AGREEMENT_SAMPLE):
        signals = patient_signals(
            curves, caseload.intake[row], caseload.session_index, caseload.scores[row]
        )
        levels = [-1 if s is None else int(s.level) for s in signals]
        agree += levels == batch.level[row].tolist()
    return agree


def _last_level_by_course(caseload: SyntheticCohort, batch: NotOnTrack) -> dict[str, Any]:
    last = batch.level[:, -1]
    shares: dict[str, Any] = {}
    for course in Course:
        seen = last[(caseload.course == course) & (last >= 0)]
        shares[course.name.lower()] = {
            level.label: round(float(np.mean(seen == level)), 4) for level in Level
        }
    return shares


def _max_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _item_answers(totals: NDArray[np.float64]) -> NDArray[np.int8]:
    """PHQ-9 item answers that add up to each total (items filled 3 at a time, in order);
    -1 where the measurement is missing."""
    whole = np.nan_to_num(np.rint(totals), nan=-1.0)
    answers = np.clip(whole[:, :, None] - 3 * np.arange(9), 0, 3).astype(np.int8)
    answers[whole < 0] = -1
    return answers


def _score_everything(
    curves: ExpectedRecoveryCurves, caseload: SyntheticCohort
) -> tuple[dict[str, Any], NotOnTrack]:
    """The whole pipeline once: every questionnaire through the real scorer (the instrument's
    data-file rules, one PHQ-9 at a time), then not-on-track on the scored totals."""
    answers = _item_answers(caseload.scores)
    phq9 = get_instrument("phq9")
    totals = np.full(caseload.scores.shape, np.nan)
    rss_before = _max_rss_mib()
    start = time.perf_counter()
    scored = 0
    for patient, rows in enumerate(answers):
        for measurement, items in enumerate(rows.tolist()):
            if items[0] >= 0:
                result = score(phq9, items)
                totals[patient, measurement] = result.total
                scored += 1
    scoring_seconds = time.perf_counter() - start
    batch = not_on_track(curves, caseload.intake, caseload.session_index, totals)
    total_seconds = time.perf_counter() - start
    expected = np.nan_to_num(np.rint(caseload.scores), nan=-1.0)
    assert np.array_equal(np.nan_to_num(totals, nan=-1.0), expected), "scorer disagrees"
    return {
        "questionnaires_scored": scored,
        "scoring_seconds": round(scoring_seconds, 1),
        "microseconds_per_questionnaire": round(scoring_seconds / scored * 1e6, 2),
        "score_and_not_on_track_seconds": round(total_seconds, 1),
        "process_max_rss_mib": _max_rss_mib(),
        "max_rss_growth_mib": round(_max_rss_mib() - rss_before, 1),
        "totals_match_the_cohort": True,
    }, batch


def run() -> dict[str, Any]:
    criterion = ReliableChangeCriterion.nhs_talking_therapies("phq9")
    scheme = get_instrument("phq9").band_scheme()
    assert scheme is not None
    edges = [band.low for band in scheme[1]]
    history = synthetic_cohort(HISTORY_PATIENTS, N_MEASUREMENTS, seed=HISTORY_SEED)
    start = time.perf_counter()
    curves = ExpectedRecoveryCurves(edges, criterion).fit(
        history.intake, history.session_index, history.scores
    )
    fit_seconds = time.perf_counter() - start
    caseload = synthetic_cohort(N_PATIENTS, N_MEASUREMENTS, seed=CASELOAD_SEED)
    samples = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        batch = _caseload_pass(curves, caseload)
        samples.append(time.perf_counter() - start)
    return {
        "cohort": {
            "patients": N_PATIENTS,
            "measurements_each": N_MEASUREMENTS,
            "instrument": "phq9",
            "reliable_change": criterion.source,
            "seeds": {"history": HISTORY_SEED, "caseload": CASELOAD_SEED},
        },
        "curves": {
            "history_patients": HISTORY_PATIENTS,
            "fit_seconds": round(fit_seconds, 3),
            "bands": {band.name: band.method for band in curves.bands_},
        },
        "not_on_track": {
            "seconds_best_of_3": round(min(samples), 3),
            "seconds_each_run": [round(s, 3) for s in samples],
            "measurements_per_second": round(N_PATIENTS * N_MEASUREMENTS / min(samples)),
            "peak_traced_mib_beyond_inputs": _peak_mib(curves, caseload),
            "input_scores_mib": round(caseload.scores.nbytes / MIB, 1),
            "process_max_rss_mib": _max_rss_mib(),
            "levels": batch.counts(),
            "last_measurement_level_by_true_course": _last_level_by_course(caseload, batch),
            "one_patient_path_agrees": f"{_agreement(curves, caseload, batch)}/{AGREEMENT_SAMPLE}",
        },
        "scored_end_to_end": _score_everything(curves, caseload)[0],
    }
