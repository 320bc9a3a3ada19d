"""Treatment decision support: records, the clinician's view, decisions as training data.

CPIC expectations cite Bousman et al. 2023 (Clin Pharmacol Ther 114:51) for escitalopram in
CYP2C19 poor metabolisers (a 50% lower starting dose or an alternative) and Hicks et al. 2017
(Clin Pharmacol Ther 102:37), Table 2, for tricyclics in CYP2D6 poor metabolisers (avoid).
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from mindway.errors import Forbidden, InvalidInput
from mindway.recommend import fairness, registry
from mindway.recommend.simulator import cohort
from mindway.recommend.training import train
from mindway.services import consent, privacy, recommendations
from mindway.services.runtime import OutOfScope, Runtime
from tests.clinic import Clinic


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small model on the simulator (200 patients), saved in a registry once per session."""
    directory = tmp_path_factory.mktemp("models") / "recommend"
    frame = cohort(200, seed=0)
    # Fewer bootstrap draws for the fairness intervals keep the set-up short; the audit
    # itself is computed as in production.
    with threadpool_limits(limits=1), pytest.MonkeyPatch.context() as patch:
        patch.setattr(fairness, "BOOTSTRAPS", 20)
        trained = train(frame, "treatment", "phq9_improvement", seed=0)
    registry.save(directory, trained, {"data_sha256": registry.data_sha256(frame)})
    return directory


@pytest.fixture
def with_model(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(recommendations, "model_dir", lambda _rt: model_dir)
    return model_dir


def test_without_a_model_the_view_says_so_and_still_shows_cpic_notes(
    rt: Runtime, clinic: Clinic
) -> None:
    patient = clinic.patient_a_id
    recommendations.record_pgx(rt, clinic.clinician_a, patient, "CYP2D6", diplotype="*4/*4")
    view = recommendations.recommend(rt, clinic.clinician_a, patient)
    assert view.model_version is None and view.no_model and "recommend train" in view.no_model
    assert view.pgx_results[0].phenotype == "poor"
    amitriptyline = [n for n in view.pgx_notes if n.drug == "amitriptyline" and n.gene == "CYP2D6"]
    assert amitriptyline and amitriptyline[0].effect == "avoid"  # Hicks 2017, Table 2
    assert "Table 2" in amitriptyline[0].citation


def test_options_are_ranked_with_intervals_cpic_notes_and_contraindications(
    rt: Runtime, clinic: Clinic, with_model: Path
) -> None:
    patient = clinic.patient_a_id
    recommendations.record_pgx(rt, clinic.clinician_a, patient, "CYP2C19", diplotype="*2/*2")
    recommendations.record_treatment(
        rt,
        clinic.clinician_a,
        patient,
        "Sertraline",
        response="none",
        side_effects="hyponatraemia",
        serious_side_effect=True,
    )
    view = recommendations.recommend(rt, clinic.clinician_a, patient)
    assert view.model_version == 1 and view.declined is None
    assert {o.treatment for o in view.options} == {
        "bupropion",
        "cbt",
        "escitalopram",
        "sertraline",
        "venlafaxine",
    }
    assert [o.rank for o in view.options] == [1, 2, 3, 4, 5]
    for option in view.options:
        low, high = option.interval
        assert low < option.expected_improvement < high
    # A serious side effect on sertraline before: listed last, whatever the model expects.
    assert view.options[-1].treatment == "sertraline"
    assert "Serious side effect on sertraline" in view.options[-1].contraindications[0]
    escitalopram = next(o for o in view.options if o.treatment == "escitalopram")
    assert escitalopram.pgx[0].effect == "reduce_dose" and escitalopram.pgx[0].verified
    assert "2023;114(1):51-68" in escitalopram.pgx[0].citation
    assert all(isinstance(d, str) for o in view.options for d in o.drivers)
    assert {f.column for f in view.fairness} >= {"Sex", "Age band"}
    assert view.decision_support.startswith("Decision support")


def test_a_category_never_seen_in_training_is_declined_with_the_reason(
    rt: Runtime, clinic: Clinic, with_model: Path
) -> None:
    patient = clinic.patient_a_id
    recommendations.record_pgx(rt, clinic.clinician_a, patient, "CYP2C19", phenotype="likely poor")
    view = recommendations.recommend(rt, clinic.clinician_a, patient)
    assert view.declined and "cyp2c19" in view.declined
    assert view.options == []
    assert any(n.drug == "escitalopram" for n in view.pgx_notes)


def test_patients_and_other_teams_cannot_see_it(rt: Runtime, clinic: Clinic) -> None:
    with pytest.raises(Forbidden):
        recommendations.recommend(rt, clinic.patient_a, clinic.patient_a_id)
    with pytest.raises(OutOfScope):
        recommendations.recommend(rt, clinic.clinician_b, clinic.patient_a_id)
    with pytest.raises(Forbidden):
        recommendations.record_pgx(
            rt, clinic.patient_a, clinic.patient_a_id, "CYP2C19", phenotype="poor"
        )


def test_bad_results_are_refused(rt: Runtime, clinic: Clinic) -> None:
    doctor, patient = clinic.clinician_a, clinic.patient_a_id
    with pytest.raises(InvalidInput):
        recommendations.record_pgx(rt, doctor, patient, "CYP3A4", phenotype="poor")
    with pytest.raises(InvalidInput):
        recommendations.record_pgx(
            rt, doctor, patient, "CYP2C19", diplotype="*1/*1", phenotype="poor"
        )
    with pytest.raises(InvalidInput):
        recommendations.record_treatment(rt, doctor, patient, "sertraline", response="great")


def test_decisions_with_outcomes_become_training_rows(
    rt: Runtime, clinic: Clinic, with_model: Path
) -> None:
    doctor, patient = clinic.clinician_a, clinic.patient_a_id
    recommendations.record_pgx(rt, doctor, patient, "CYP2C19", phenotype="normal")
    decision = recommendations.record_decision(rt, doctor, patient, "Escitalopram", "Preference")
    assert decision.chosen == "escitalopram" and len(decision.options) == 5
    assert recommendations.training_rows(rt, clinic.researcher) == []  # no outcome yet
    recommendations.record_outcome(rt, doctor, patient, decision.id, 6.5, "Much better")
    assert recommendations.training_rows(rt, clinic.researcher) == []  # no research consent
    consent.record(rt, clinic.patient_a, patient, "research", True)
    rows = recommendations.training_rows(rt, clinic.researcher)
    assert len(rows) == 1
    assert rows[0]["treatment"] == "escitalopram" and rows[0]["phq9_improvement"] == 6.5
    assert rows[0]["cyp2c19"] == "normal"
    frame = pd.read_csv(io.StringIO(recommendations.training_csv(rows)))
    assert list(frame.columns[:2]) == ["treatment", "phq9_improvement"]
    assert "patient_id" not in frame.columns
    with pytest.raises(Forbidden):
        recommendations.training_rows(rt, doctor)
    history = recommendations.recommend(rt, doctor, patient).decisions
    assert history[0].outcome == 6.5


def test_export_and_erasure_cover_the_records(rt: Runtime, clinic: Clinic) -> None:
    doctor, patient = clinic.clinician_a, clinic.patient_a_id
    recommendations.record_pgx(rt, doctor, patient, "CYP2D6", diplotype="*1/*4")
    recommendations.record_treatment(rt, doctor, patient, "citalopram", response="partial")
    recommendations.record_decision(rt, doctor, patient, "cbt", None)
    document = privacy.export_patient(rt, clinic.admin, patient)
    section = document["treatment_recommendations"]
    assert [r["phenotype"] for r in section["pharmacogenomics"]] == ["intermediate"]
    assert section["treatments"][0]["treatment"] == "citalopram"
    assert section["decisions"][0]["chosen"] == "cbt"
    privacy.erase_patient(rt, clinic.admin, patient)


def test_a_tampered_model_is_refused_and_the_view_says_why(
    rt: Runtime,
    clinic: Clinic,
    model_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    copy = tmp_path / "recommend"
    shutil.copytree(model_dir, copy)
    artefact = copy / "v1" / "model.joblib"
    artefact.write_bytes(artefact.read_bytes() + b"tampered")
    monkeypatch.setattr(recommendations, "model_dir", lambda _rt: copy)
    view = recommendations.recommend(rt, clinic.clinician_a, clinic.patient_a_id)
    assert view.model_version is None and view.options == []
    assert view.no_model and "cannot be used" in view.no_model and "SHA-256" in view.no_model
